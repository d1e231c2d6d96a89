"""A sessions file's status cell (``loyalty.session_columns.parse_status``):
every label the site shows for a status, in French and English, and the
common synonyms, whatever the case, accents and punctuation; anything else
is refused with the cell quoted."""

from __future__ import annotations

import pytest
from django.utils import translation

from loyalty.models import SessionStatus
from loyalty.session_columns import parse_status

COMPLETED, CANCELLED, NO_SHOW = (
    SessionStatus.COMPLETED,
    SessionStatus.CANCELLED,
    SessionStatus.NO_SHOW,
)


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        # The site's own labels (French, then English).
        ("Réalisée", COMPLETED),
        ("Annulée", CANCELLED),
        ("Client absent", NO_SHOW),
        ("Completed", COMPLETED),
        ("Cancelled", CANCELLED),
        ("No-show", NO_SHOW),
        # Case, accents, punctuation.
        ("CLIENT ABSENT", NO_SHOW),
        ("client  absent", NO_SHOW),
        ("Cliente absente", NO_SHOW),
        ("REALISEE", COMPLETED),
        ("réalisé", COMPLETED),
        ("annulee", CANCELLED),
        ("ANNULÉ", CANCELLED),
        ("no show", NO_SHOW),
        ("NO_SHOW", NO_SHOW),
        ("noshow", NO_SHOW),
        # French synonyms.
        ("absent", NO_SHOW),
        ("Absente", NO_SHOW),
        ("non venu", NO_SHOW),
        ("Pas venue", NO_SHOW),
        ("RDV non honoré", NO_SHOW),
        ("Rendez-vous manqué", NO_SHOW),
        ("lapin", NO_SHOW),
        ("effectuée", COMPLETED),
        ("Faite", COMPLETED),
        ("terminée", COMPLETED),
        ("honoré", COMPLETED),
        ("présent", COMPLETED),
        ("oui", COMPLETED),
        ("Annulée par le client", CANCELLED),
        ("annulation", CANCELLED),
        # English synonyms.
        ("done", COMPLETED),
        ("Attended", COMPLETED),
        ("performed", COMPLETED),
        ("canceled", CANCELLED),
        ("missed", NO_SHOW),
        ("Did not show", NO_SHOW),
        # Blank: a file lists what was done.
        ("", COMPLETED),
        ("   ", COMPLETED),
    ],
)
def test_every_label_and_synonym_reads_as_its_status(cell, status):
    assert parse_status(cell) == status


@pytest.mark.parametrize("cell", ["peut-être", "absentéisme", "42", "client", "réalisée ?!x"])
def test_an_unknown_status_is_refused_with_the_cell_quoted(cell):
    with translation.override("fr"), pytest.raises(ValueError, match="statut inconnu") as error:
        parse_status(cell)
    assert cell[:30] in str(error.value)


def test_the_refusal_names_the_site_s_own_words():
    with translation.override("en"), pytest.raises(ValueError, match="or client absent"):
        parse_status("peut-être")
