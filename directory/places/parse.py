"""Reads what a person typed as a place, without the database.

"Saint-Denis (974)", "75007 Paris", "69441 Lyon Cedex 03", "Paris XVe",
"15e arrondissement de Paris", "St-Étienne", "Gironde", "45.76, 4.83"…
become a :class:`PlaceQuery`: a postal code, the city's words in normal
form, a département, an arrondissement number, coordinates. Resolving it
against the gazetteer is :mod:`directory.places`'s job. Never raises on
any text (property-tested).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from common.text import normalize, normalize_place

from .departments import departments

MAX_LENGTH = 200
# Paris, Lyon and Marseille: normal form → number of arrondissements.
ARRONDISSEMENT_CITIES = {"paris": 20, "lyon": 9, "marseille": 16}

_POSTAL_CODE = re.compile(r"^\d{5}$")
_DOT_COORDINATES = re.compile(r"^\s*(-?\d{1,2}\.\d+)\s*[,; ]\s*(-?\d{1,3}\.\d+)\s*$")
_COMMA_COORDINATES = re.compile(r"^\s*(-?\d{1,2},\d+)\s*[; ]\s*(-?\d{1,3},\d+)\s*$")
_TRAILING_PARENTHESES = re.compile(r"^(?P<head>.*?)\s*\(\s*(?P<inner>[^()]{1,60}?)\s*\)\s*$", re.S)
_NUMBER = re.compile(r"^(?P<n>\d{1,2})(?P<suffix>e|er|re|ere|eme|em|ieme|me|nd|nde)?$")
_ROMAN = re.compile(r"^(?P<n>x{0,2}(?:ix|iv|v?i{0,3}))(?P<suffix>e|er|re|ere|eme|ieme)?$")
_SUFFIXES = {"e", "er", "re", "ere", "eme", "em", "ieme", "me"}
_ARRONDISSEMENT_WORDS = {
    "arrondissement",
    "arrondissements",
    "arrondis",
    "arrond",
    "arr",
    "arrt",
    "arrdt",
    "ardt",
}
_DEPARTMENT_WORDS = {"departement", "dept", "dep", "dpt"}
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_ORDINAL_WORDS = {
    word: n
    for n, words in enumerate(
        [
            "premier|premiere",
            "deuxieme|second|seconde",
            "troisieme",
            "quatrieme",
            "cinquieme",
            "sixieme",
            "septieme",
            "huitieme",
            "neuvieme",
            "dixieme",
            "onzieme",
            "douzieme",
            "treizieme",
            "quatorzieme",
            "quinzieme",
            "seizieme",
            "dix septieme",
            "dix huitieme",
            "dix neuvieme",
            "vingtieme",
        ],
        start=1,
    )
    for word in words.split("|")
}


@dataclass(frozen=True)
class PlaceQuery:
    """A place as typed, taken apart. ``city`` is in normal form
    (:func:`common.text.normalize_place`)."""

    city: str = ""
    postal_code: str = ""
    department: str = ""
    arrondissement: int | None = None
    coordinates: tuple[float, float] | None = None
    cedex: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.city or self.postal_code or self.department or self.coordinates)


@cache
def _department_names() -> dict[str, str]:
    """Normal form of each département's name (with and without its
    article: "la reunion", "reunion"; "st" spelled out, as
    :func:`common.text.normalize_place` does) → code."""
    names = {}
    for code, name in departments().items():
        key = normalize_place(name)
        names[key] = code
        for article in ("la ", "le ", "les ", "l "):
            if key.startswith(article):
                names[key.removeprefix(article)] = code
    return names


def department_code(text: str) -> str:
    """ "33", "2a", "974", "1" (01), "Gironde", "La Réunion", "seine st
    denis", "cotes d'armor" → the département's code, or ""."""
    key = normalize_place(text)
    if key.isdigit() and len(key) == 1:
        key = f"0{key}"
    if key.upper() in departments():
        return key.upper()
    return _department_names().get(key, "")


# Words before a département's name: "département de la Gironde", "du Nord".
_DEPARTMENT_LEAD_WORDS = frozenset({"de", "du", "des", "d", "la", "le", "les", "l"})


def _named_department(words: list[str]) -> str:
    """The département these words name, leading "de la", "du"… aside
    ("de la gironde", "du nord", "de l ain"), or ""."""
    while words:
        if code := _department_names().get(normalize_place(" ".join(words)), ""):
            return code
        if words[0] not in _DEPARTMENT_LEAD_WORDS:
            return ""
        words = words[1:]
    return ""


# A département's suggestion names it so (``directory.places.resolve``);
# the parser reads it back as the département, not a commune of that name.
DEPARTMENT_LABEL = "{name} (département {code})"
# At least this many letters before a name prefix suggests départements.
DEPARTMENT_PREFIX_MIN = 3


def departments_matching(text: str) -> tuple[list[str], bool]:
    """The départements what someone is typing may name, for the
    autocomplete: ``(codes, exact)``. A code ("33", "2a", "974", "1" for
    01, "20" for both Corsicas, "département 33") or a whole name
    ("gironde", "cotes d'armor", "seine st denis") is exact and gives
    one (two for "20"); at least :data:`DEPARTMENT_PREFIX_MIN` letters
    starting names give those, in name order. Paris is a city: its name
    alone does not give département 75 (its code does)."""
    words = normalize_place(str(text)[:MAX_LENGTH]).split()
    words = [w for w in words if w not in _DEPARTMENT_WORDS] or words
    key = " ".join(words)
    if not key:
        return [], False
    if key == "20":
        return ["2A", "2B"], True
    if len(words) == 1 and (key.isdigit() or key in ("2a", "2b")):
        code = department_code(key)
        return ([code], True) if code else ([], False)
    if code := _named_department(words):
        return ([code], True) if code != "75" else ([], False)
    if len(key.replace(" ", "")) < DEPARTMENT_PREFIX_MIN:
        return [], False
    prefixed = sorted(
        {code for name, code in _department_names().items() if name.startswith(key)} - {"75"},
        key=lambda code: normalize_place(departments()[code]),
    )
    return prefixed, False


def _coordinates(text: str) -> tuple[float, float] | None:
    match = _DOT_COORDINATES.match(text) or _COMMA_COORDINATES.match(text)
    if match is None:
        return None
    latitude, longitude = (float(group.replace(",", ".")) for group in match.groups())
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return latitude, longitude
    return None


def _roman(numeral: str) -> int:
    total = 0
    values = [_ROMAN_VALUES[c] for c in numeral]
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and values[i + 1] > value else value
    return total


def _ordinal(words: list[str], i: int, roman: bool) -> tuple[int, int] | None:
    """The ordinal starting at ``words[i]`` ("15", "15e", "15 eme", "1er",
    "xve", "quinzieme", "dix septieme"), as (value, words used)."""
    word = words[i]
    used = 1
    if match := _NUMBER.match(word):
        value = int(match["n"])
    elif roman and (match := _ROMAN.match(word)) and match["n"]:
        value = _roman(match["n"])
    elif word == "dix" and i + 1 < len(words) and f"dix {words[i + 1]}" in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[f"dix {words[i + 1]}"], 2
    elif word in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[word], 1
    else:
        return None
    if i + 1 < len(words) and words[i + 1] in _SUFFIXES:
        used += 1
    return (value, used) if value > 0 else None


def _arrondissement(words: list[str]) -> tuple[int | None, list[str]]:
    """Finds "paris 15", "paris 15e arrondissement", "15e arrondissement de
    paris", "lyon arrondissement 3" and returns (number, the city's words)."""
    keyword = next((i for i, t in enumerate(words) if t in _ARRONDISSEMENT_WORDS), None)
    if keyword is not None:
        rest = words[:keyword] + words[keyword + 1 :]
        # "15e arrondissement de Paris", "Paris 15e arrondissement"
        for start in (keyword - 2, keyword - 1):
            if start >= 0 and (found := _ordinal(words, start, roman=True)):
                value, used = found
                if start + used == keyword:
                    city = words[:start] + words[keyword + 1 :]
                    while city and city[0] in ("de", "du", "d"):
                        city = city[1:]
                    return value, city
        # "Paris arrondissement 15"
        if keyword + 1 < len(words) and (found := _ordinal(words, keyword + 1, roman=True)):
            value, used = found
            return value, words[:keyword] + words[keyword + 1 + used :]
        return None, rest
    # "Paris 15", "Paris 15e", "Paris XVe", "Lyon 3 eme": only after the
    # three cities, within their number of arrondissements.
    for split in range(len(words) - 1, 0, -1):
        city = " ".join(words[:split])
        if city in ARRONDISSEMENT_CITIES and (found := _ordinal(words, split, roman=True)):
            value, used = found
            if split + used == len(words) and value <= ARRONDISSEMENT_CITIES[city]:
                return value, words[:split]
    return None, words


def parse_place(raw: str) -> PlaceQuery:
    """Take apart what a person typed as a place. Never raises."""
    text = str(raw)[:MAX_LENGTH].strip()
    if not text:
        return PlaceQuery()
    if coordinates := _coordinates(text):
        return PlaceQuery(coordinates=coordinates)

    department = ""
    postal_code = ""
    # The word "département" said: the name is the département's, not a
    # commune's ("Gironde (département 33)", "département de la Gironde").
    said_department = False
    # "Saint-Denis (974)", "Saint-Denis (La Réunion)", "Lyon (69003)",
    # "Mayenne (département 53)", "Gironde (département)"
    if match := _TRAILING_PARENTHESES.match(text):
        inner_words = normalize(match["inner"]).split()
        kept_words = [w for w in inner_words if w not in _DEPARTMENT_WORDS]
        inner = " ".join(kept_words)
        if len(kept_words) < len(inner_words) and (not inner or department_code(inner)):
            said_department, department, text = True, department_code(inner), match["head"]
        elif _POSTAL_CODE.match(inner):
            postal_code, text = inner, match["head"]
        elif code := department_code(inner):
            department, text = code, match["head"]
    # "Saint-Denis, 974", "Saint-Denis, Réunion"
    if not department and "," in text:
        head, _comma, tail = text.rpartition(",")
        if normalize(head) and (code := department_code(tail)):
            department, text = code, head

    words = normalize(text).split()
    cedex = False
    kept: list[str] = []
    skip_number = False
    for word in words:
        if word == "cedex" or (word.startswith("cedex") and word[5:].isdigit()):
            cedex, skip_number = True, word == "cedex"
            continue
        if skip_number and word.isdigit() and len(word) <= 2:
            skip_number = False
            continue
        skip_number = False
        kept.append(word)
    words = kept

    # A postal code anywhere; the city follows it ("1 rue X 75002 Paris"),
    # or precedes it ("Paris 75002").
    for i, word in enumerate(words):
        if _POSTAL_CODE.match(word):
            if not postal_code:
                postal_code = word
            words = words[i + 1 :] or words[:i]
            break

    if any(t in _DEPARTMENT_WORDS for t in words):
        said_department = True
    words = [t for t in words if t not in _DEPARTMENT_WORDS] or words
    if said_department and not postal_code:
        named = _named_department(words) if words else department
        if named and department in ("", named):
            return PlaceQuery(department=named, cedex=cedex)
    arrondissement, words = _arrondissement(words)

    # A département code before or after the name: "Saint-Denis 93", "974 Saint-Denis".
    if not department and len(words) > 1 and arrondissement is None:
        if code := _code_word(words[-1]):
            department, words = code, words[:-1]
        elif code := _code_word(words[0]):
            department, words = code, words[1:]
    if len(words) == 1 and not postal_code and not department:
        # Alone, one digit is unambiguous: "1" is the Ain (01).
        word = f"0{words[0]}" if words[0] in tuple("123456789") else words[0]
        if code := _code_word(word):
            return PlaceQuery(department=code, cedex=cedex)

    city = normalize_place(" ".join(words))
    # A département named alone ("Gironde", "Guadeloupe"); Paris is a city.
    if city and not postal_code and not department and arrondissement is None:
        code = _department_names().get(normalize_place(" ".join(words)), "")
        if code and code != "75":
            return PlaceQuery(department=code, cedex=cedex)
    return PlaceQuery(
        city=city,
        postal_code=postal_code,
        department=department,
        arrondissement=arrondissement,
        cedex=cedex,
    )


def _code_word(word: str) -> str:
    """A word that is a département code ("93", "974", "2a"), else ""."""
    if (word.isdigit() and len(word) in (2, 3)) or word in ("2a", "2b"):
        return word.upper() if word.upper() in departments() else ""
    return ""
