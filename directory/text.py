"""Text normalisation shared by storage and search.

Every searchable name is stored and compared in one *normal form*: no
accents, lower case, words separated by single spaces. Doing it in Python
keeps SQLite and PostgreSQL in agreement (SQLite's ``LIKE`` only folds
ASCII case, and PostgreSQL's ``unaccent`` cannot be indexed directly).
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Ligatures that Unicode decomposition leaves alone.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
# Abbreviations of French place names: "St-Étienne", "Ste Foy".
_PLACE_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalize(text: str) -> str:
    """``"L'Électricité  Dupont-Gaël"`` → ``"l electricite dupont gael"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", stripped.lower()).strip()


def normalize_place(text: str) -> str:
    """Like :func:`normalize`, with "st"/"ste" spelled out."""
    return " ".join(_PLACE_ABBREVIATIONS.get(word, word) for word in normalize(text).split())
