"""What the system writes in a prospect's timeline names its origin in
fields of its own (a quote request, an application, an invoice, a file
import, an application link, with its reference), never in the text: the
page words it in French, and the score reads the fields, so a person's
note that happens to say "quote request #3" is no signal."""

from __future__ import annotations

import importlib
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from directory.quotes import services as quotes
from directory.quotes.links import quote_confirmation_token
from prospects import services
from prospects.models import Interaction, Origin, ProspectEvent, Stage

from .test_quote_request_hook import REQUEST
from .test_scoring_rules import features_of

pytestmark = pytest.mark.django_db

ENGLISH = (
    "quote request",
    "application submitted",
    "application approved",
    "invoice ",
    "file import",
)


def page(client, cast, prospect) -> str:
    client.force_login(cast.owner_a)
    url = reverse("prospects:pro-prospects-detail", args=[cast.company_a.pk, prospect.pk])
    html = client.get(url).content.decode()
    return re.sub(r"\s+", " ", re.sub(r"</?strong>", "", html))


def test_a_quote_request_s_entries_are_worded_in_french(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote = quotes.quote_request_create(
            company=cast.company_a,
            requester=None,
            fields={**REQUEST, "contact_preference": "phone"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        quotes.quote_request_confirm(token=quote_confirmation_token(quote))
    prospect = cast.company_a.prospects.get()
    html = page(client, cast, prospect)
    assert f"Créé en Chaud — demande de devis n° {quote.pk}" in html
    assert f"Note — demande de devis n° {quote.pk}" in html
    for text in ENGLISH:
        assert text not in html


def test_every_automatic_move_is_worded_in_french(client, cast, make):
    cases = [
        (Stage.COLD, Origin.QUOTE_REQUEST, "12", "demande de devis n° 12"),
        (Stage.WARM, Origin.APPLICATION, "submitted", "candidature envoyée"),
        (Stage.HOT, Origin.IMPORT, "7", "import de fichier n° 7"),
        (Stage.CLIENT, Origin.INVOICE, "F-2026-001", "facture F-2026-001"),
    ]
    prospect = make(name="Jean Dupont")
    for stage, origin, ref, _text in cases:
        prospect = services.prospect_move(
            prospect=prospect, to=stage, actor=None, origin=origin, origin_ref=ref
        )
    Interaction.objects.create(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        origin=Origin.APPLICATION_LINK,
        origin_ref="4",
    )
    html = page(client, cast, prospect)
    for _stage, _origin, _ref, text in cases:
        assert text in html
    assert "candidature n° 4 commencée depuis le lien de candidature" in html
    for text in ENGLISH:
        assert text not in html


def test_an_imported_file_s_source_stays_as_typed_after_the_import_s_number(client, cast, make):
    prospect = make(name="Jean Dupont", origin=Origin.IMPORT, origin_ref="3", reason="Salon 2026")
    assert "import de fichier n° 3 — Salon 2026" in page(client, cast, prospect)


def test_the_score_reads_the_origin_not_the_text(make, cast):
    typed = make(name="Typed", stage=Stage.WARM, reason="quote request #3")
    Interaction.objects.create(
        prospect=typed, kind=Interaction.Kind.NOTE, author=None, outcome="quote request #3"
    )
    services.prospect_move(
        prospect=typed, to=Stage.HOT, actor=cast.owner_a, reason="quote request #3"
    )
    asked = make(
        name="Asked", actor=None, stage=Stage.HOT, origin=Origin.QUOTE_REQUEST, origin_ref="3"
    )
    quoted = make(name="Quoted", actor=None, stage=Stage.WARM)
    Interaction.objects.create(
        prospect=quoted, kind=Interaction.Kind.NOTE, origin=Origin.QUOTE_REQUEST, origin_ref="9"
    )
    applied = make(
        name="Applied",
        actor=None,
        stage=Stage.HOT,
        origin=Origin.APPLICATION,
        origin_ref="submitted",
    )
    signals = {row.name: features_of(row)["signal"] for row in (typed, asked, quoted, applied)}
    assert signals == {
        "Typed": "none",
        "Asked": "call",
        "Quoted": "quote",
        "Applied": "application",
    }


def test_the_migration_reads_the_old_english_texts_into_the_origin(make, cast, seller):
    migration = importlib.import_module("prospects.migrations.0010_timeline_origin")
    state = MigrationExecutor(connection).loader.project_state(
        ("prospects", "0010_timeline_origin")
    )
    prospect = make(name="Jean Dupont", actor=None, reason="quote request #12")
    services.prospect_move(
        prospect=prospect, to=Stage.HOT, actor=None, reason="application submitted"
    )
    services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=None, reason="invoice F-1")
    imported = make(name="Paul Martin", reason="file import #3: Salon")
    typed = make(name="Typed", reason="invoice to send")  # a person's words stay
    note = Interaction.objects.create(
        prospect=prospect, kind=Interaction.Kind.NOTE, outcome="quote request #12"
    )
    link = Interaction.objects.create(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        outcome="application #4 started from the application link",
    )
    other = make(name="Jean D.")
    services.prospects_merge(keep=imported, other=other, actor=cast.owner_a)
    migration.forwards(state.apps, None)
    rows = {
        (event.origin, event.origin_ref, event.reason)
        for event in ProspectEvent.objects.filter(prospect__in=[prospect, imported, typed]).exclude(
            kind="merge"
        )
    }
    assert ("quote_request", "12", "") in rows
    assert ("application", "submitted", "") in rows
    assert ("invoice", "F-1", "") in rows
    assert ("import", "3", "Salon") in rows
    assert ("", "", "invoice to send") in rows
    note.refresh_from_db()
    link.refresh_from_db()
    assert (note.origin, note.origin_ref, note.outcome) == ("quote_request", "12", "")
    assert (link.origin, link.origin_ref, link.outcome) == ("application_link", "4", "")
    migration.backwards(state.apps, None)
    note.refresh_from_db()
    assert note.outcome == "quote request #12"
