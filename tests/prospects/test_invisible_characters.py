"""Bidirectional overrides (U+202A–U+202E, U+2066–U+2069) and zero-width
characters typed or pasted into a prospect's or a referrer's name and
notes, or present in an imported file, are not stored: what the page and
the e-mails show is what it looks like (``common.control_characters.
clean_text``, as control characters are for every form)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from common.control_characters import clean_text, strip_invisible_formatting
from prospects.models import Pipeline, Prospect, Referrer, Stage

from .test_import import HEADER, platform_url, report_of, sales, upload  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

HIDDEN = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068",
          "\u2069", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]  # fmt: skip


def pro(cast, name: str, *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


def test_the_cleaner_removes_each_kind_and_keeps_the_rest():
    for char in HIDDEN:
        assert strip_invisible_formatting(f"Jean{char}Dupont") == "JeanDupont"
    assert clean_text("Jean\x00 \u202emoc.elpmaxe\u202c Dupont") == "Jean moc.elpmaxe Dupont"
    # Right-to-left text and its marks, accents, emoji, line breaks stay.
    assert clean_text("مرحبا\u200f Élodie 👍\nligne") == "مرحبا\u200f Élodie 👍\nligne"


@pytest.mark.parametrize("char", HIDDEN)
def test_a_prospect_typed_with_hidden_characters_is_stored_without(client, cast, char):
    client.force_login(cast.owner_a)
    data = {
        "name": f"Jean{char} Dupont",
        "organisation": f"Dupont{char} SARL",
        "town": f"Ly{char}on",
        "stage": Stage.SUSPECT,
    }
    assert client.post(pro(cast, "create"), data).status_code == 302
    prospect = Prospect.objects.get()
    assert (prospect.name, prospect.organisation, prospect.town) == (
        "Jean Dupont",
        "Dupont SARL",
        "Lyon",
    )
    assert prospect.name_key == "jean dupont"


def test_editing_interactions_and_moves_are_cleaned_too(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.WARM)
    client.force_login(cast.owner_a)
    response = client.post(
        pro(cast, "edit", prospect.pk), {"name": "Jean \u2067Dupont\u2069", "town": "\u200bLyon"}
    )
    assert response.status_code == 302
    data = {
        "kind": "note",
        "happened_on": timezone.localdate().isoformat(),
        "outcome": "Rappeler \u202elundi\u202c",
    }
    assert client.post(pro(cast, "interaction", prospect.pk), data).status_code == 302
    move = {
        "to": Stage.LOST,
        "lost_reason": "price",
        "lost_note": "Trop\u200d cher",
        "reason": "\ufeffAppel",
    }
    assert client.post(pro(cast, "move", prospect.pk), move).status_code == 302
    prospect.refresh_from_db()
    assert (prospect.name, prospect.town, prospect.lost_note) == (
        "Jean Dupont",
        "Lyon",
        "Trop cher",
    )
    assert prospect.interactions.get().outcome == "Rappeler lundi"
    assert prospect.events.latest("pk").reason == "Appel"
    html = client.get(pro(cast, "detail", prospect.pk)).content.decode()
    for char in HIDDEN:
        assert char not in html


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200b", "\ufeff"])
def test_a_referrer_s_name_is_cleaned_on_create_and_edit(client, cast, char):
    client.force_login(cast.owner_a)
    data = {"name": f"Claire{char} Martin", "email": "claire@example.org"}
    assert client.post(pro(cast, "referrer-create"), data).status_code == 302
    referrer = Referrer.objects.get()
    assert referrer.name == "Claire Martin"
    data["name"] = f"{char}Claire M."
    assert client.post(pro(cast, "referrer-edit", referrer.pk), data).status_code == 302
    referrer.refresh_from_db()
    assert referrer.name == "Claire M."


def test_an_imported_file_s_hidden_characters_are_removed(sales):  # noqa: F811
    content = HEADER + (
        "Jean\u202e Dupont;Dupont\u200b SARL;;;Lyon;;;;;Sal\u2066on;Vu \u202eau salon\n"
    )
    report = report_of(upload(sales, platform_url(), content))
    (line,) = report.lines
    assert line.prospect is not None
    assert (line.prospect.name, line.prospect.organisation) == ("Jean Dupont", "Dupont SARL")
    assert (line.source, line.note) == ("Salon", "Vu au salon")
    assert line.prospect.pipeline == Pipeline.PLATFORM
