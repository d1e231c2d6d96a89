"""Text normalisation shared by storage and search.

Every searchable name is stored and compared in one *normal form*: Latin
letters spelt in ASCII, lower case, words separated by single spaces.
Doing it in Python keeps SQLite and PostgreSQL in agreement (SQLite's
``LIKE`` only folds ASCII case, and PostgreSQL's ``unaccent`` cannot be
indexed directly).

Latin letters are transliterated by ``anyascii`` (ISC licence), which
spells every letter of the Latin blocks, including those Unicode does not
decompose into a letter and an accent: Turkish "ı", Polish "ł", Nordic
"ø", Croatian "đ", Maltese "ħ", Icelandic "þ" and "ð", the ligatures "œ",
"æ", "ĳ" and "ß". So "Łukasz Wałęsa" is "lukasz walesa", as a French
clerk would type it.

Letters of other scripts (Greek, Cyrillic, Arabic, CJK…) are kept, in
lower case: "Мартин" compares with "Мартин" but not with "Martin", since
a transliteration is a guess and a name proves an identity. Symbols and
emoji separate words, like punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from anyascii import anyascii

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Abbreviations of French place names: "St-Étienne", "Ste Foy".
_PLACE_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# Below U+0300 every letter and number is Latin or a modifier used with
# Latin (Latin-1 Supplement, Extended-A and -B, IPA, spacing modifiers):
# "ª", "º", "µ" and "ʼ" are not named LATIN but belong there.
_LATIN_RANGE_END = 0x0300
# Latin letters that anyascii spells with a digit or not at all.
# Latin Extended-B: the tone letters of the 1957 Zhuang alphabet, which its
# 1982 reform replaced with z, q and h; the reversed ezh reads like the
# ezh. Glottal stops (IPA, Athabaskan, the Mexican saltillo) read like
# Maltese "q", ains like the "a" of the Egyptological Manuel de Codage.
# Latin Extended-D: the colonial Mayan tresillo and cuatrillos as modern
# Mayan spelling writes them, and the medieval abbreviations spelt out.
_LETTERS = {
    **dict.fromkeys("Ƨƨ", "z"),
    **dict.fromkeys("Ƽƽ", "q"),
    **dict.fromkeys("Ƅƅ", "h"),
    **dict.fromkeys("Ƹƹ", "z"),
    **dict.fromkeys("Ɂɂʔʡ", "q"),
    **dict.fromkeys("Ꞌꞌ", "q"),
    **dict.fromkeys("ʕʢᴥꜢꜣꜤꜥ", "a"),
    "ᴤ": "h",
    "ʭ": "b",
    **dict.fromkeys("Ꜫꜫ", "tz"),
    **dict.fromkeys("Ꜭꜭ", "k"),
    **dict.fromkeys("Ꜯꜯ", "tz"),
    **dict.fromkeys("Ꝫꝫ", "et"),
    **dict.fromkeys("Ꝯꝯ", "con"),
    "ꝰ": "us",
}
# The sinological dot (U+A78F), a "letter" that is a dot, separates words.


def normalize(text: str) -> str:
    """``"L'Électricité  Dupont-Gaël"`` → ``"l electricite dupont gael"``,
    ``"Ayşe Yıldız"`` → ``"ayse yildiz"``."""
    if text.isascii():
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    folded = "".join(_fold(unicodedata.normalize("NFC", text)))
    return " ".join(unicodedata.normalize("NFC", folded).split())


def normalize_place(text: str) -> str:
    """Like :func:`normalize`, with "st"/"ste" spelled out."""
    return " ".join(_PLACE_ABBREVIATIONS.get(word, word) for word in normalize(text).split())


def _fold(text: str) -> Iterator[str]:
    """Each character as its part of the normal form; a space separates.

    A combining mark goes with its letter: dropped after a Latin letter
    (an accent that did not compose, "q̃"), kept after a letter of another
    script, where it is part of the spelling (Devanagari vowel signs).
    """
    after_latin = True
    for char in text:
        if unicodedata.category(char).startswith("M"):
            if not after_latin:
                yield char
            continue
        folded, after_latin = _fold_char(char)
        yield folded


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> tuple[str, bool]:
    """The normal form of one character, and whether it is Latin (or
    ASCII, or a separator) for the combining marks that follow."""
    if char.isascii():
        return (char.lower() if char.isalnum() else " "), True
    if char in _LETTERS:
        return _LETTERS[char], True
    if char.isalnum() and (ord(char) < _LATIN_RANGE_END or "LATIN" in unicodedata.name(char, "")):
        return _NON_ALNUM.sub(" ", anyascii(char).lower()), True
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char:
        # Full-width, mathematical, circled or superscript forms, "½",
        # "ﬁ": fold what they stand for.
        folded = "".join(_fold(compatible))
        return folded, folded.isascii()
    if char.isdecimal():
        return str(unicodedata.decimal(char)), True
    if char.isalpha() and unicodedata.name(char, "").startswith("MODIFIER LETTER"):
        # Phonetic modifiers of Latin letters ("ᴯ"), or marks ("ꞈ").
        return _NON_ALNUM.sub(" ", anyascii(char).lower()), True
    if char.isalnum():
        return char.casefold(), False
    return " ", True


# Dashes a keyboard, a word processor or a PDF may put in an identifier
# for "-": hyphen, non-breaking hyphen, figure dash, en and em dashes,
# minus sign, small and full-width hyphen-minus (the last two NFKC folds).
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACES = re.compile(r"\s+")


def identifier_text(text: str) -> str:
    """An identifier someone typed or pasted (an invoice number, a session
    reference) in one written form, so that two that read the same are
    the same: NFKC (composed accents, "Ｆ-１" is "F-1", "ﬁ" is "fi"),
    every dash "-", every run of spaces (no-break, thin…) one space,
    none around. Case is kept: the caller compares case aside if it
    wants. ``"NE\u0301\u00a0–\u00a01"`` → ``"NÉ - 1"``."""
    folded = _DASHES.sub("-", unicodedata.normalize("NFKC", text))
    return _SPACES.sub(" ", folded).strip()
