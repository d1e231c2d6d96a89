"""A place typed in the trade box ("électricien Lyon", "plombier 69003",
"électricien à Saint-Étienne") is the place when the "où" box is empty."""

from __future__ import annotations

import re
from collections.abc import Sequence

from common.text import normalize, normalize_place
from directory.places.resolve import (
    PlaceResolution,
    find_place,
    resolve_place,
)

from .names import exactly_named, name_words
from .query import Understanding
from .trades import LEADING_ARTICLES, match_trades, trade_key

# A place typed in the trade box ("électricien Lyon", "plombier 69003"):
# the words that may join it to the rest ("électricien à Lyon", "près de"),
# and the longest place read there ("Saint Rémy de Provence").
# Articles are not connectors: they start names ("Le Mans", "La Rochelle").
PLACE_CONNECTORS = frozenset("a au aux en sur dans vers pres proche autour de du d".split())


MAX_PLACE_WORDS = 4


# "au Mans", "aux Sables-d'Olonne": the article the contraction holds.
ARTICLE_CONTRACTIONS = {"au": "Le", "aux": "Les"}


MAX_PLACE_LOOKUPS = 2


_POSTAL_CODE = re.compile(r"^\d{5}$")


# "15", "15e", "1er", "3eme": a district number after a city's name.
_DISTRICT = re.compile(r"^\d{1,2}(?:e|er|eme|ieme)?$")


_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")


def _tokens(text: str) -> list[str]:
    return [token for token in _TOKEN_SEPARATORS.split(text.strip()) if normalize(token)]


def _strip_connectors(tokens: list[str], side: int) -> list[str]:
    """Drop connecting words ("à", "près de") on one side (0: start, -1: end)."""
    tokens = list(tokens)
    while tokens and normalize(tokens[side]) in PLACE_CONNECTORS:
        tokens.pop(side)
    return tokens


def _place_words(text: str) -> list[str]:
    """The words of a place name that must all be typed: not numbers or
    district marks ("Paris 15e", "Saint-Denis (93)")."""
    return [
        word
        for word in normalize_place(text).split()
        if not any(c.isdigit() for c in word) and word != "arrondissement"
    ]


def _reads_as_place(candidate: str, resolution: PlaceResolution) -> bool:
    """A resolved candidate counts only if it *is* the place, not merely
    the start of one: "Dupont" must not become "Dupontville"."""
    position = resolution.position
    if position is None:
        return False
    if _POSTAL_CODE.match(candidate):
        return True
    words = _place_words(candidate)
    return bool(words) and position.place is not None and words == _place_words(position.place.name)


def _names_someone(words: Sequence[str]) -> bool:
    significant = name_words(normalize(" ".join(words)).split())
    if not significant:
        return False
    return exactly_named(significant).exists()


def understand_place_in_text(text: str) -> tuple[Understanding, PlaceResolution] | None:
    """Read a place typed in the trade box: "électricien Lyon", "plombier
    69003", "électricien à Saint-Étienne", "Lyon électricien", "plombier
    paris 15", "Dupont 69003". None when the text holds no place.

    The words after the trade (or before it) are tried as a place, and
    accepted only when they are exactly a known place's name (a postal code
    counts; a bare département number does not) and the rest still means
    something: a trade, or else the name of a listed company. Without a
    trade, a text that names a company as it stands ("Lyon Élec") is left
    alone, and only its last word (or a leading postal code) is tried.
    At most two ``find_place`` and two ``resolve_place`` calls.
    """
    tokens = _tokens(text)
    if len(tokens) < 2:
        return None
    article: list[str] = []
    trailing: list[str] = []
    trades = match_trades(text)
    if trades and trades[0].whole:
        return None
    if trades:
        trade_words = {w for m in trades for w in m.phrase.split() if w not in LEADING_ARTICLES}
        covered = [
            i
            for i, token in enumerate(tokens)
            if any(trade_key(w) in trade_words for w in normalize(token).split())
        ]
        if not covered:
            return None
        first, last = covered[0], covered[-1]
        after = tokens[last + 1 :]
        trailing = _strip_connectors(after, 0)[-MAX_PLACE_WORDS:]
        leading = _strip_connectors(tokens[:first], -1)[:MAX_PLACE_WORDS]
        groups = [trailing] if trailing else [leading] if leading else []
        joined = after[: len(after) - len(trailing)]
        if trailing and joined and normalize(joined[-1]) in ARTICLE_CONTRACTIONS:
            # "électricien au Mans": the place is "Le Mans".
            article = [ARTICLE_CONTRACTIONS[normalize(joined[-1])]]
    else:
        if _names_someone(tokens):
            return None
        # A name then its place ("Dupont Lyon"); a place first only as a
        # postal code ("69003 Dupont"), to keep the look-ups few.
        groups = [_strip_connectors(tokens[-1:], 0)]
        if _POSTAL_CODE.match(tokens[0]):
            groups.append(tokens[:1])
    candidates = [group for group in groups if group]
    if trades and trailing and len(trailing) > 1 and not _DISTRICT.match(normalize(trailing[-1])):
        candidates.insert(1, trailing[-1:])  # "pas cher Lyon": the last word alone
    lookups = [0]  # resolve_place calls, shared by the candidates
    for group in candidates[:2]:
        rest = _rest_without(tokens, group)
        if not trades and not _names_someone(rest):
            continue
        found = _exact_place(" ".join([*article, *group]), lookups)
        if found is not None:
            place, resolution = found
            return Understanding(text=" ".join(rest), place=place), resolution
    return None


def _exact_place(candidate: str, lookups: list[int]) -> tuple[str, PlaceResolution] | None:
    """``candidate`` and its resolution if it is exactly a place: a postal
    code, or a known place's name (with its district or département).

    A name is first looked up with ``find_place``, which is cheap; only a
    hit is resolved, so words that are no place never cost the gazetteer's
    fuzzy suggestions. ``lookups`` counts ``resolve_place`` calls (two at
    most per search).
    """

    def resolve(raw: str) -> PlaceResolution | None:
        if lookups[0] >= MAX_PLACE_LOOKUPS:
            return None
        lookups[0] += 1
        resolution = resolve_place(raw)
        return resolution if _reads_as_place(raw, resolution) else None

    if _POSTAL_CODE.match(candidate):
        resolution = resolve(candidate)
        return (candidate, resolution) if resolution else None
    words = _place_words(candidate)
    place = find_place(" ".join(words)) if words else None
    if place is None or _place_words(place.name) != words:
        return None
    if resolution := resolve(candidate):
        return candidate, resolution
    # "paris 15" unknown as such: the city, its district dropped.
    city = " ".join(t for t in candidate.split() if not _DISTRICT.match(normalize(t)))
    if city != candidate and (resolution := resolve(city)):
        return city, resolution
    return None


def _rest_without(tokens: list[str], group: list[str]) -> list[str]:
    """The tokens around ``group`` (a run of them), connectors next to it dropped."""
    for start in range(len(tokens) - len(group) + 1):
        if tokens[start : start + len(group)] == group:
            before = _strip_connectors(tokens[:start], -1)
            after = _strip_connectors(tokens[start + len(group) :], 0)
            return before + after
    return tokens
