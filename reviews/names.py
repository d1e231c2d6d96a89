"""Does the name a reviewer gives belong to the client on the invoice?

Every review is proven by an invoice that carries the client's name, and
the reviewer is asked for their name "as on the invoice". People do not
copy it: they drop "M." or "Mme", put the surname first, write "S. Martin"
or "J-P", one half of "M. et Mme Martin" writes alone, a married woman
gives her maiden name, a business client gives the company instead of the
contact. The comparison forgives all of that and still tells another
person apart: "Paul Martin" did not pay the invoice of "Sophie Martin".

The result drives moderation: ``match`` is published, ``probable`` is
published with a note for staff, ``mismatch`` waits for a moderator. So
``match`` is kept for the same words, and when a name could as well be
someone else's (a different first name, two misspelt words) the answer is
``mismatch``: a person looks at it, which is cheap, while a fake review
published is not.

How: each name is normalised (:func:`common.text.normalize`) into words
and expanded into the few *readings* it allows (without titles, each
person of a couple, with the maiden or the married name, with or without
particles, "JP" as two initials). Every reading of one side is compared
with every reading of the other, and the best comparison wins. Two
readings are compared word by word: words are paired when they are the
same, an initial and its word, or the same word with one typo (rapidfuzz's
OSA distance), and the score weighs the paired words against the words
left over. Pure Python, no database.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import product

from rapidfuzz.distance import OSA

from common.text import normalize


class NameMatch(StrEnum):
    MATCH = "match"
    PROBABLE = "probable"
    MISMATCH = "mismatch"


@dataclass(frozen=True)
class NameComparison:
    result: NameMatch
    score: float  # 0–100
    reason: str  # short English explanation for staff


# Longer than any person's or company's name: such text is not a name and
# goes to moderation, rather than being cut into something that matches.
MAX_NAME_LENGTH = 200
# Names have a few words; the rest is cut off so that pairing stays cheap.
MAX_WORDS = 16
# Readings kept per side (the most literal first), for the same reason.
MAX_READINGS = 24

# Score from which two names are the same person for sure. Only a reading
# whose every word pairs with the very same word scores 100: an initial, a
# typo or an extra word always costs something, and makes it "probable".
MATCH_THRESHOLD = 100.0
# Score from which two names are likely the same person. Above it:
# "S. Martin"/"Sophie Martin" 80, "J-P Martin"/"Jean-Pierre Martin" 73,
# a first name alone "Sophie"/"Sophie Martin" 80, a middle name
# "Sophie Martin"/"Sophie Anne Martin" 89, one typo "Martinn" 93. Below
# it: any clashing word ("Paul Martin"/"Sophie Martin" 33, "Jean Paul
# Martin"/"Jean Pierre Martin" 50), a first name against three words 67,
# initials alone ("S. M.") 60.
PROBABLE_THRESHOLD = 70.0
# Similarity (0–100) of an initial with a word it abbreviates: one letter
# out of 26 says less than a typo, so "S. Martin" stays under a typo's 93.
INITIAL_SIMILARITY = 60.0
# Weight of a word left over on one side only (a middle name, a missing
# first name): a quarter of a word, so that "Sophie"/"Sophie Martin" is
# still probable but a first name against three words is not.
EXTRA_WORD_WEIGHT = 0.25
# Weight of each word that clashes with a word of the other side ("Paul"
# against "Sophie"): twice a missing word, because a different first
# name with the same surname is a spouse or a sibling: another person.
CONFLICT_WEIGHT = 2.0
# A misspelt word is forgiven from this length (one edit: insertion,
# deletion, substitution or transposition), and a second edit from
# LONG_WORD_LENGTH. Shorter names one letter apart are different names
# ("Anne"/"Anna", "Paul"/"Raul").
MIN_TYPO_LENGTH = 5
LONG_WORD_LENGTH = 10
# Score cap when no word of two letters or more is spelt the same on both
# sides: "Sophia Martyn" for "Sophie Martin" is as likely someone else.
NO_EXACT_WORD_CAP = 60.0

# Civility titles, dropped at the start of a name (normalised: "Mme." →
# "mme", "Maître" → "maitre"). "Famille Martin" is a title too.
CIVILITY_TITLES = frozenset(
    """
    m mr mme mmes mlle mlles mm monsieur madame mademoiselle messieurs mesdames mesdemoiselles
    dr docteur pr prof professeur me maitre mrs ms miss vve veuve famille
    """.split()
)
# Joins the two people of a couple: "M. et Mme", "Sophie et Marc Martin"
# ("&" is read as "et").
COUPLE_WORD = "et"
# Introduce a maiden, married or other name: "Sophie Martin épouse
# Durand", "Sophie Durand née Martin", "Martin ép. Durand".
OTHER_NAME_MARKERS = frozenset("epouse ep nee ne veuve vve dite dit alias".split())
# Particles, optional in a surname: "Jean de La Fontaine" = "Jean
# Fontaine", "d'Artagnan" = "Artagnan" = "Dartagnan".
PARTICLES = frozenset(
    "de du des d le la les l van von der den ter ten da di del della dos das".split()
)
# Legal forms and generic words of company names: "SARL Boulangerie
# Dupont" = "Boulangerie Dupont" = "Ets Dupont".
COMPANY_STOP_WORDS = frozenset(
    """
    sarl sarlu sas sasu eurl ei eirl sa sci snc sca scop scp selarl selas gie
    societe ste entreprise ent ets etablissement etablissements cie et
    """.split()
)
_VOWELS = frozenset("aeiouy")
_NO_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘ʼ`´", None))

_EXACT, _TYPO, _INITIAL = "exact", "typo", "initial"
# Pairing prefers the same word, then a typo, then an initial.
_KIND_RANK = {_EXACT: 3, _TYPO: 2, _INITIAL: 1}

Words = tuple[str, ...]


@dataclass(frozen=True)
class _Reading:
    """One way of reading a name, with what was assumed to get it."""

    words: Words
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Pair:
    left: str
    right: str
    kind: str
    similarity: float


def compare_names(author: str, invoice_client: str, *, invoice_company: str = "") -> NameComparison:
    """Compare the name a reviewer typed with the names on the invoice.

    ``invoice_client`` is the person (or a B2B contact), ``invoice_company``
    the company of a B2B invoice, empty otherwise; the author may give
    either. Never raises: empty, garbage or oversized text is a mismatch
    with score 0.
    """
    author, invoice_client = author or "", invoice_client or ""
    invoice_company = invoice_company or ""
    if len(author.strip()) > MAX_NAME_LENGTH:
        return NameComparison(NameMatch.MISMATCH, 0.0, "author name too long to be a name")
    author_people = _person_readings(author)
    if not author_people:
        return NameComparison(NameMatch.MISMATCH, 0.0, "no author name to compare")
    client_too_long = len(invoice_client.strip()) > MAX_NAME_LENGTH
    company_too_long = len(invoice_company.strip()) > MAX_NAME_LENGTH
    client = [] if client_too_long else _person_readings(invoice_client)
    company = [] if company_too_long else _company_readings(invoice_company)
    if not client and not company:
        if client_too_long or company_too_long:
            return NameComparison(NameMatch.MISMATCH, 0.0, "invoice name too long to be a name")
        return NameComparison(NameMatch.MISMATCH, 0.0, "no client name on the invoice to compare")

    pairs_to_try = list(product(author_people, client))
    if company:
        author_as_company = _company_readings(author)
        # The contact and the company together: "Paul Roux, SARL Dupont".
        together = [
            _Reading(person.words + company[0].words, ("contact and company on the invoice",))
            for person in client[:4]
        ]
        pairs_to_try += product(author_as_company, company + together)

    best: tuple[float, int, str] = (0.0, 0, "no word in common")
    for author_reading, invoice_reading in pairs_to_try:
        score, reason = _compare_words(author_reading.words, invoice_reading.words)
        notes = author_reading.notes + invoice_reading.notes
        if (score, -len(notes)) > (best[0], best[1]):
            best = (score, -len(notes), "; ".join((reason, *dict.fromkeys(notes))))
        if score >= MATCH_THRESHOLD and not notes:
            break
    result = _classify(best[0])
    # Rounding must not lift a near miss (one typo among many words) to 100.
    score = round(max(0.0, min(100.0, best[0])), 1)
    if result != NameMatch.MATCH:
        score = min(score, 99.9)
    return NameComparison(result, score, best[2])


def _classify(score: float) -> NameMatch:
    if score >= MATCH_THRESHOLD:
        return NameMatch.MATCH
    if score >= PROBABLE_THRESHOLD:
        return NameMatch.PROBABLE
    return NameMatch.MISMATCH


# --- Readings -------------------------------------------------------------


def _words(text: str) -> Words:
    """Normalised words, invisible characters dropped and "&" read as "et".

    Format characters (zero-width space, soft hyphen) would otherwise cut a
    word in two; words without a letter are not part of a name.
    """
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    words = normalize(visible.replace("&", f" {COUPLE_WORD} ")).split()
    return tuple(word for word in words if not word.isdigit())[:MAX_WORDS]


def _person_readings(name: str) -> list[_Reading]:
    """The readings of a person's name, or of a couple's.

    An apostrophe both separates ("d'Artagnan" = "Artagnan") and joins
    ("N'Diaye" = "Ndiaye"): the name is read both ways.
    """
    people: list[_Reading] = []
    for words in dict.fromkeys((_words(name), _words(name.translate(_NO_APOSTROPHES)))):
        for person in _people(words):
            for named in _other_name_readings(person):
                people.extend(_spelling_readings(named))
    return _unique(people)


def _people(words: Words) -> list[_Reading]:
    """Titles dropped, and a couple split into each of its people.

    "M. et Mme Martin" is one surname; "Sophie et Marc Martin" reads as
    "Sophie Martin" and "Marc Martin" (a first name alone borrows the
    surname of its neighbour); "M. Martin et Mme Durand" as two surnames.
    """
    groups: list[tuple[Words, bool]] = []
    current: list[str] = []
    for word in (*words, COUPLE_WORD):
        if word != COUPLE_WORD:
            current.append(word)
            continue
        titled = False
        while current and current[0] in CIVILITY_TITLES:
            current.pop(0)
            titled = True
        if current:
            groups.append((tuple(current), titled))
        current = []
    if len(groups) == 1:
        group, titled = groups[0]
        notes = ("title and surname only",) if titled and len(group) == 1 else ()
        return [_Reading(group, notes)]

    people = [_Reading(tuple(word for group, _ in groups for word in group))] if groups else []
    for index, (group, titled) in enumerate(groups):
        if len(group) == 1 and not titled:
            later = [other for other, _ in groups[index + 1 :] if len(other) > 1]
            earlier = [other for other, _ in groups[:index] if len(other) > 1]
            if later:
                group = group + later[0][1:]
            elif earlier:
                group = earlier[-1][:1] + group
        people.append(_Reading(group, ("one of a couple on one side",)))
    return people


def _other_name_readings(reading: _Reading) -> list[_Reading]:
    """ "Sophie Durand née Martin" reads as itself, "Sophie Durand" and
    "Sophie Martin" (the last word of what comes first is the surname)."""
    words = reading.words
    marker = next((i for i, word in enumerate(words) if word in OTHER_NAME_MARKERS), None)
    if marker is None:
        return [reading]
    before = words[:marker]
    after = tuple(word for word in words[marker + 1 :] if word not in OTHER_NAME_MARKERS)
    note = (*reading.notes, "maiden or married name")
    readings = [_Reading(before + after, reading.notes)]
    if before:
        readings.append(_Reading(before, reading.notes))
    if after:
        readings.append(_Reading(before[:-1] + after, note))
    return readings


def _spelling_readings(reading: _Reading) -> list[_Reading]:
    """Without particles, with particles joined to the next word ("van der
    Berg" → "Vanderberg", "Le Goff" → "Legoff"), and with "JP" as the
    initials "J P". Single letters are not joined: "D. Martin" is an
    initial, and "d'" is dealt with by :func:`_person_readings`."""
    words = reading.words
    readings = [reading]
    # A single letter first is an initial ("D. Martin"), not "d'".
    dropped = tuple(
        word
        for index, word in enumerate(words)
        if word not in PARTICLES or (len(word) == 1 and index == 0)
    )
    if dropped and dropped != words:
        readings.append(_Reading(dropped, (*reading.notes, "particles ignored")))
    joined: list[str] = []
    prefix = ""
    for word in words:
        if word in PARTICLES and len(word) > 1:
            prefix += word
        else:
            joined.append(prefix + word)
            prefix = ""
    if prefix:
        joined.append(prefix)
    if tuple(joined) != words:
        readings.append(_Reading(tuple(joined), reading.notes))
    if any(_is_initials(word) for word in words):
        split = tuple(
            letter for word in words for letter in (tuple(word) if _is_initials(word) else (word,))
        )
        readings.append(_Reading(split, reading.notes))
    return readings


def _is_initials(word: str) -> bool:
    """ "JP", "JPL": two or three consonants cannot be a name."""
    return 2 <= len(word) <= 3 and word.isalpha() and not (_VOWELS & set(word))


def _company_readings(name: str) -> list[_Reading]:
    """A company name without its legal form nor generic words, with and
    without articles ("La Boulangerie Dupont")."""
    words = _words(name)
    cleaned = tuple(word for word in words if word not in COMPANY_STOP_WORDS) or words
    if not cleaned:
        return []
    reading = _Reading(cleaned, ("company name",))
    without_articles = tuple(word for word in cleaned if word not in PARTICLES)
    readings = [reading]
    if without_articles and without_articles != cleaned:
        readings.append(_Reading(without_articles, ("company name", "particles ignored")))
    return readings


def _unique(readings: list[_Reading]) -> list[_Reading]:
    """First reading of each distinct word list, at most MAX_READINGS."""
    seen: dict[Words, _Reading] = {}
    for reading in readings:
        if reading.words and reading.words not in seen:
            seen[reading.words] = reading
    return list(seen.values())[:MAX_READINGS]


# --- Word by word ---------------------------------------------------------


def _compare_words(left: Words, right: Words) -> tuple[float, str]:
    """Score (0–100) of two readings, and why."""
    if left == right:
        return 100.0, "same name"
    if "".join(left) == "".join(right):
        return 100.0, "same name, spaced differently"
    pairs, left_over, right_over = _pair_words(left, right)
    conflicts = min(len(left_over), len(right_over))
    extras = abs(len(left_over) - len(right_over))
    weight = len(pairs) + CONFLICT_WEIGHT * conflicts + EXTRA_WORD_WEIGHT * extras
    score = sum(pair.similarity for pair in pairs) / weight if weight else 0.0
    kinds = {pair.kind for pair in pairs}
    spelt_same = any(pair.kind == _EXACT and len(pair.left) > 1 for pair in pairs)
    if not spelt_same:
        score = min(score, NO_EXACT_WORD_CAP)

    if not pairs:
        return score, "no word in common"
    if conflicts:
        return score, f"different words: {' '.join(left_over[:3])} / {' '.join(right_over[:3])}"
    if not spelt_same:
        return score, "no word spelt the same"
    if kinds == {_EXACT} and not extras:
        return score, "same words in another order"
    reasons = []
    if _INITIAL in kinds:
        reasons.append("initials")
    typos = [pair for pair in pairs if pair.kind == _TYPO]
    if typos:
        reasons.append("spelling difference: " + ", ".join(f"{p.left} / {p.right}" for p in typos))
    if extras:
        reasons.append("only one word in common" if len(pairs) == 1 else "extra words on one side")
    return score, ", ".join(reasons)


def _pair_words(left: Words, right: Words) -> tuple[list[_Pair], list[str], list[str]]:
    """Pair the words greedily, the most alike first; return the pairs and
    the words left over on each side."""
    candidates = []
    for i, word in enumerate(left):
        for j, other in enumerate(right):
            kind, similarity = _word_similarity(word, other)
            if kind:
                candidates.append((-_KIND_RANK[kind], -similarity, i, j, kind, similarity))
    candidates.sort()
    used_left: set[int] = set()
    used_right: set[int] = set()
    pairs = []
    for _, _, i, j, kind, similarity in candidates:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
            pairs.append(_Pair(left[i], right[j], kind, similarity))
    left_over = [word for i, word in enumerate(left) if i not in used_left]
    right_over = [word for j, word in enumerate(right) if j not in used_right]
    return pairs, left_over, right_over


@lru_cache(maxsize=4096)
def _word_similarity(word: str, other: str) -> tuple[str, float]:
    """How two words pair: the same, an initial, a typo, or not at all ("")."""
    if word == other:
        return _EXACT, 100.0
    if len(word) == 1 or len(other) == 1:
        if len(word) != len(other) and word[0] == other[0]:
            return _INITIAL, INITIAL_SIMILARITY
        return "", 0.0
    shorter = min(len(word), len(other))
    if shorter < MIN_TYPO_LENGTH or _feminine_of(word, other):
        return "", 0.0
    allowed = 2 if shorter >= LONG_WORD_LENGTH else 1
    if OSA.distance(word, other, score_cutoff=allowed) > allowed:
        return "", 0.0
    return _TYPO, 100.0 * OSA.normalized_similarity(word, other)


def _feminine_of(word: str, other: str) -> bool:
    """ "Louis"/"Louise", "François"/"Françoise": a final "e" makes another
    first name, usually the spouse's, not a typo."""
    return word + "e" == other or other + "e" == word
