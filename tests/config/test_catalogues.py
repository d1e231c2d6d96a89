"""The translation catalogues in the repository are whole: no merge
conflict left in a ``.po``, no fuzzy (guessed) French entry, no French
entry left empty, and each compiled ``.mo`` says what its ``.po`` says
(``make messages`` was run after the last change)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["fr", "en"]
MARKER = re.compile(r"^(<{7}|={7}|>{7})( |$)", re.M)


def entries(po: Path) -> list[dict[str, str]]:
    """The entries of ``po``: msgctxt, msgid, msgid_plural, msgstr (or
    msgstr[0]) and flags, strings unquoted and joined. Obsolete entries
    (``#~``) are left out."""
    found = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str] = {"flags": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                key = "msgstr" if key == "msgstr[0]" else key
                entry[key] = ast.literal_eval(value) if value.startswith('"') else ""
        if "msgid" in entry:
            found.append(entry)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_merge_conflict_is_left_in_a_catalogue(language):
    po = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert not MARKER.search(po)


def test_every_french_entry_is_translated_and_none_is_a_guess():
    french = [e for e in entries(LOCALE / "fr" / "LC_MESSAGES" / "django.po") if e["msgid"]]
    assert french
    assert [e["msgid"][:60] for e in french if "fuzzy" in e["flags"]] == []
    assert [e["msgid"][:60] for e in french if not e.get("msgstr")] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_says_what_the_source_says(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in entries(folder / "django.po"):
        if not entry["msgid"] or not entry.get("msgstr") or "fuzzy" in entry["flags"]:
            continue
        if "msgid_plural" in entry:
            got = (
                compiled.npgettext(entry["msgctxt"], entry["msgid"], entry["msgid_plural"], 1)
                if "msgctxt" in entry
                else compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
            )
        elif "msgctxt" in entry:
            got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
        else:
            got = compiled.gettext(entry["msgid"])
        if got != entry["msgstr"]:
            stale.append(entry["msgid"][:60])
    assert stale == [], "run `make messages`"
