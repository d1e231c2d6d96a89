"""Control characters out of every text that comes in, and invisible
characters out of identifiers and names.

PostgreSQL text cannot hold a NUL (psycopg refuses the parameter, and the
request is a 500), and the other C0 controls (U+0001–U+001F) and DEL are
never part of a name, an address or a message: they hide text, break
exports and terminals. Tab, line feed and carriage return stay, since a
textarea sends them.

One function, :func:`strip_control_characters`, used at each boundary:
request data (``common.middleware.ControlCharactersMiddleware`` cleans
``request.GET`` and ``request.POST`` for every form and view), the
invoice file reader, and :func:`strip_control_characters_deep` for JSON
bodies (the API to come).

Invisible formatting characters are the same kind of fault in a name or
a note: bidirectional overrides, embeddings and isolates (U+202A–U+202E,
U+2066–U+2069) reverse what follows them on screen and in e-mails
("Trojan Source": "moc.elpmaxe@" shown for "@example.com"), and
zero-width ones (U+200B–U+200D, U+2060, U+FEFF) hide inside a word, so
that two names that look alike differ. :func:`strip_invisible_formatting`
removes them where text is stored (the prospects' and referrers' names
and notes, the cells of every imported file). The left-to-right and
right-to-left marks (U+200E, U+200F) stay: Arabic or Hebrew text needs
them and they override nothing.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls but tab (U+0009), line feed (U+000A) and carriage return
# (U+000D); and DEL (U+007F).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates, and zero-width
# characters (see the module's docstring).
INVISIBLE_FORMATTING = re.compile("[\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# Any C0 control or DEL, line breaks included: none belongs in a URL path.
ANY_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f]")


def strip_control_characters(text: str) -> str:
    """``text`` without C0 controls and DEL, tab and line breaks kept:
    ``"Du\\x00pont\\x1b"`` → ``"Dupont"``."""
    return CONTROL_CHARACTERS.sub("", text)


def strip_invisible_formatting(text: str) -> str:
    """``text`` without bidirectional overrides, embeddings, isolates and
    zero-width characters: ``"Jean\u202eDupont"`` → ``"JeanDupont"``."""
    return INVISIBLE_FORMATTING.sub("", text)


def clean_text(text: str) -> str:
    """``text`` without control characters nor invisible formatting: what
    a name or a note is stored as."""
    return strip_invisible_formatting(strip_control_characters(text))


def has_control_characters(text: str) -> bool:
    """Whether :func:`strip_control_characters` would change ``text``."""
    return CONTROL_CHARACTERS.search(text) is not None


def strip_control_characters_deep(data: object) -> object:
    """A parsed JSON document with every string (keys too) stripped of
    control characters; other values unchanged."""
    if isinstance(data, str):
        return strip_control_characters(data)
    if isinstance(data, dict):
        return {
            strip_control_characters_deep(key): strip_control_characters_deep(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [strip_control_characters_deep(item) for item in data]
    return data


# --- Invisible characters ------------------------------------------------------
#
# Bidirectional controls (embeddings and overrides U+202A–U+202E, isolates
# U+2066–U+2069, and the marks U+200E, U+200F, U+061C) reorder what a
# reader sees: "F-1\u202e20-F" shows another invoice number than the one
# stored ("Trojan Source", CVE-2021-42574). Zero-width characters (U+200B
# space, U+200C non-joiner, U+200D joiner, U+2060 word joiner, U+FEFF
# byte-order mark) make two values that look the same differ. Neither
# belongs in an identifier (an invoice number, a session reference) or a
# label (a key's name, a webhook endpoint's description).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
ZERO_WIDTH = "\u200b-\u200d\u2060\ufeff"
INVISIBLE_CHARACTERS = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH}]")
# In a person's name the non-joiner and the joiner are part of the
# spelling (Persian and Indic names use them), so a name refuses
# only the bidirectional controls and the zero-width characters that never
# spell anything.
INVISIBLE_IN_NAMES = re.compile(f"[{BIDI_CONTROLS}\u200b\u2060\ufeff]")


def has_invisible_characters(text: str) -> bool:
    """Whether ``text`` holds a bidirectional control or a zero-width
    character (:data:`INVISIBLE_CHARACTERS`)."""
    return INVISIBLE_CHARACTERS.search(text) is not None


def validate_visible_text(value: str) -> None:
    """Refuse an identifier or a label holding an invisible character
    (:data:`INVISIBLE_CHARACTERS`): ``ValidationError``, code
    ``invisible_characters``. Refused rather than stripped: a number that
    differs from what the partner's software or the pro typed would no
    longer match its own records."""
    if has_invisible_characters(str(value)):
        raise ValidationError(
            _(
                "Remove the invisible characters (direction marks, zero-width spaces): "
                "what is stored must read as it is written."
            ),
            code="invisible_characters",
        )
