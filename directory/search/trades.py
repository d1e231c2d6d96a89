"""Trades in what people type.

Trades are compared in a *trade key* form (:func:`trade_key`,
:func:`trade_text`), on both sides — what was typed and the trades' names
and synonyms — so that what people type matches like the singular:

* French plurals by simple rules, applied to every word of four letters or
  more: a final -s or -x goes, then -au and -al become -a. "peintres" →
  "peintre", "nounous" → "nounou", "travaux"… and since terms get the same
  treatment, "chevaux" and "cheval" meet at "cheva", "bureaux" and
  "bureau" at "burea". Irregular plurals ("travail"/"travaux") do not.
* Elisions and articles opening the text ("l'électricien", "d'électricien",
  "des plombiers", "les maçons") and a lone letter closing it (an English
  possessive: "chauffagiste's") are dropped. Inside the text they stay:
  "architecte d'intérieur" is a term as it is.
* Hyphens are spaces ("serruriers-dépanneurs" is a locksmith, then a word
  that may name a company).

Company names are still matched on their own words (normalised, not
keyed): "Eaux Vives" is not "Eau Vive".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy
from django.core.cache import cache
from rapidfuzz import fuzz, process

from common.text import normalize
from directory.taxonomy.models import Profession
from directory.taxonomy.selectors import taxonomy_version

from .query import MAX_NORMALIZED_LENGTH, SearchQuery, TradeMatch

# rapidfuzz ratio (0–100) from which a typed word designates a trade:
# "electricein" → "electricien" scores 91, "plombie" → "plombier" 93,
# while "cuisine" → "cuisiniste" (82) does not.
TRADE_MATCH_THRESHOLD = 85


# Terms this short only match exactly ("dj", "spa").
SHORT_TERM_LENGTH = 4


TRADE_SUGGESTION_THRESHOLD = 60


# Elisions and articles that may open what people type: "l'électricien".
LEADING_ARTICLES = frozenset("c d j l m n qu s t le la les un une de des du au aux".split())


# The empty state: how many related trades and nearby towns it offers, and
# how many of the nearest companies farther away it reads their towns from.
RELATED_TRADES = 4


PROFESSION_TERMS_CACHE_KEY = "directory:profession-terms:v2"


def trade_key(word: str) -> str:
    """A normalised word as trade terms are compared: plural marks off.

    ``"peintres"`` → ``"peintre"``, ``"chevaux"`` and ``"cheval"`` →
    ``"cheva"``; words of three letters or fewer are left alone ("des",
    "gaz").
    """
    if len(word) > 3 and word[-1] in "sx":
        word = word[:-1]
    if len(word) > 3 and word.endswith(("au", "al")):
        word = word[:-1]
    return word


def trade_text(normalized: str) -> str:
    """Normalised text as trade terms are compared: leading elisions and
    articles and a closing lone letter dropped, every word keyed."""
    words = normalized.split()
    while len(words) > 1 and words[0] in LEADING_ARTICLES:
        words.pop(0)
    if len(words) > 1 and len(words[-1]) == 1:
        words.pop()
    return " ".join(trade_key(word) for word in words)


def profession_terms() -> list[tuple[str, int]]:
    """Every (name or synonym as a trade key, profession id) of public trades.

    A few hundred short strings, cached; ``invalidate_profession_terms``
    runs whenever the taxonomy changes. Each process keeps them under the
    ``taxonomy_version`` they were read with, which that change draws
    again: a search reads no list of terms from Redis.
    """
    version = taxonomy_version()
    known = _TERMS.get("terms")
    if known is not None and known[0] == version:
        return known[1]
    terms = cache.get(PROFESSION_TERMS_CACHE_KEY)
    if terms is None:
        terms = [
            (keyed, profession.pk)
            for profession in Profession.objects.public().only(
                "id", "name_fr", "name_en", "synonyms"
            )
            for keyed in dict.fromkeys(map(trade_text, profession.search_terms()))
        ]
        cache.set(PROFESSION_TERMS_CACHE_KEY, terms, timeout=60 * 60)
    _TERMS["terms"] = (version, terms)
    return terms


# This process's terms, with the taxonomy_version they were read under.
_TERMS: dict[str, tuple[str, list[tuple[str, int]]]] = {}


def invalidate_profession_terms() -> None:
    cache.delete(PROFESSION_TERMS_CACHE_KEY)
    _TERMS.clear()


def _phrases(text: str) -> list[tuple[str, float]]:
    """The text itself, then its runs of 1–3 words, with a small discount:
    "electricien pas cher" still designates "electricien"."""
    words = text.split()
    phrases = [(text, 1.0)]
    if len(words) > 1:
        for size in (3, 2, 1):
            for start in range(len(words) - size + 1):
                phrases.append((" ".join(words[start : start + size]), 0.95))
    return phrases


def _term_score(phrase: str, term: str, whole: bool) -> float:
    if phrase == term:
        return 100.0
    if len(term) <= SHORT_TERM_LENGTH or len(phrase) <= SHORT_TERM_LENGTH:
        return 0.0
    if whole and term.startswith(phrase):
        return 92.0  # the visitor stopped typing early: "electri"
    return fuzz.ratio(phrase, term)


class _TermIndex:
    """What :func:`_candidate_terms` needs of a list of terms, built once
    per list (the process's terms change only with the taxonomy): their
    lengths, the positions of each text, and the texts in order for a
    prefix look-up. Testing every term for equality with each phrase and,
    for the whole text, for a prefix cost a three-word search 11,000
    Python steps (``make bench-api``: "aide à domicile")."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.lengths = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=len(texts))
        self.positions: dict[str, list[int]] = {}
        for position, text in enumerate(texts):
            self.positions.setdefault(text, []).append(position)
        self.ordered = sorted(self.positions)

    def equal_to(self, phrase: str) -> list[int]:
        return self.positions.get(phrase, [])

    def starting_with(self, phrase: str) -> list[int]:
        found: list[int] = []
        for text in self.ordered[bisect.bisect_left(self.ordered, phrase) :]:
            if not text.startswith(phrase):
                break
            found += self.positions[text]
        return found


# The index of the last lists of terms seen, by identity (the list is kept
# with it, so its id cannot be reused while the entry lives).
_TERM_INDEXES: dict[int, tuple[list[tuple[str, int]], _TermIndex]] = {}
_TERM_INDEXES_KEPT = 4


def _term_index(terms: list[tuple[str, int]]) -> _TermIndex:
    known = _TERM_INDEXES.get(id(terms))
    if known is not None and known[0] is terms:
        return known[1]
    if len(_TERM_INDEXES) >= _TERM_INDEXES_KEPT:
        _TERM_INDEXES.clear()
    index = _TermIndex([term for term, _profession_id in terms])
    _TERM_INDEXES[id(terms)] = (terms, index)
    return index


def _candidate_terms(
    phrases: list[tuple[str, float]], terms: list[tuple[str, int]], threshold: float
) -> list[int]:
    """Indexes of the terms whose best score reaches ``threshold``.

    The same scores as :func:`_term_score`, for every phrase × term at once:
    rapidfuzz's ``cdist`` computes the ratios in C, and the exact, short and
    typed-early rules are applied to the whole matrix, the exact and
    typed-early terms found through :class:`_TermIndex`. Scoring a
    thousand terms one by one in Python was most of a search's time
    (measured with ``bench_search``).
    """
    if not terms:
        return []
    index = _term_index(terms)
    words = [phrase for phrase, _weight in phrases]
    scores = process.cdist(words, index.texts, scorer=fuzz.ratio, dtype=numpy.float64)
    phrase_lengths = numpy.fromiter(map(len, words), dtype=numpy.int64, count=len(words))
    short = (index.lengths[None, :] <= SHORT_TERM_LENGTH) | (
        phrase_lengths[:, None] <= SHORT_TERM_LENGTH
    )
    scores[short] = 0.0
    for row, (phrase, weight) in enumerate(phrases):
        if weight == 1.0:  # the whole text: typed early counts
            early = numpy.array(index.starting_with(phrase), dtype=numpy.int64)
            scores[row, early[~short[row, early]]] = 92.0
        scores[row, index.equal_to(phrase)] = 100.0
        scores[row] *= weight
    return numpy.flatnonzero(scores.max(axis=0) >= threshold).tolist()


def match_trades(text: str, threshold: float = TRADE_MATCH_THRESHOLD) -> list[TradeMatch]:
    """The trades designated by ``text``, best first, with a 0–1 score."""
    normalized = trade_text(normalize(text)[:MAX_NORMALIZED_LENGTH])
    if len(normalized) < 2:
        return []
    phrases = _phrases(normalized)
    terms = profession_terms()
    best: dict[int, TradeMatch] = {}
    for index in _candidate_terms(phrases, terms, threshold):
        term, profession_id = terms[index]
        score, phrase = max(
            (_term_score(phrase, term, whole=weight == 1.0) * weight, phrase)
            for phrase, weight in phrases
        )
        if score >= threshold and score / 100 > getattr(best.get(profession_id), "score", 0):
            best[profession_id] = TradeMatch(
                profession_id, score / 100, phrase, whole=phrase == normalized
            )
    return sorted(best.values(), key=lambda match: -match.score)


def related_trades(trades: Sequence[Profession], limit: int = RELATED_TRADES) -> list[Profession]:
    """Trades of the same sector as the first matched one that have listed
    companies; the most listed trades when nothing was matched."""
    others = Profession.objects.popular()
    if trades:
        others = others.filter(sector_id=trades[0].sector_id).exclude(
            pk__in=[trade.pk for trade in trades]
        )
    return list(others[:limit])


def matched_trades(
    query: SearchQuery, trades: Sequence[TradeMatch], professions: Sequence[Profession]
) -> list[Profession]:
    ids = matched_trade_ids(query, trades)
    known = {profession.pk: profession for profession in professions}
    if query.profession:
        known.setdefault(query.profession.pk, query.profession)
    return [known[pk] for pk in ids if pk in known]


def suggest_trades(text: str, limit: int = 3) -> list[Profession]:
    """ "Did you mean…": the closest trades, more loosely matched."""
    matches = match_trades(text, threshold=TRADE_SUGGESTION_THRESHOLD)[:limit]
    by_id = Profession.objects.in_bulk([m.profession_id for m in matches])
    return [by_id[m.profession_id] for m in matches if m.profession_id in by_id]


def matched_trade_ids(query: SearchQuery, trades: Sequence[TradeMatch]) -> list[int]:
    """The trades companies are found by: those the text designates, or
    the trade filter when no text was typed."""
    if trades:
        return [match.profession_id for match in trades]
    if query.profession and not normalize(query.text):
        return [query.profession.pk]
    return []
