"""The public page's sentences about the checks agree in French with the
check's name (found by a fresh-user trial: the demo company's page read
"Entretien téléphonique avec le dirigeant vérifiée le …" and an expired
insurance "Assurance décennale : expiré le …"). The catalogue says each
name's gender (``public_feminine``); the template picks the wording."""

from __future__ import annotations

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from eligibility.checklist import PublicCheck
from eligibility.checks import catalogue

# The first word of each French public name and its gender: a check whose
# name starts with another word needs a person to say which it is, here
# and in checks.json.
FEMININE_FIRST_WORDS = {"immatriculation", "identité", "assurance", "qualification", "attestation"}
MASCULINE_FIRST_WORDS = {"diplôme", "agrément", "entretien", "extrait", "certificat", "contrôle"}

VERIFIED = date(2026, 3, 12)
UNTIL = date(2026, 12, 31)


def render(check, *, valid_until=None, expired=False, language="fr") -> str:
    public = PublicCheck(
        label=check.public_fr if language == "fr" else check.public_en,
        verified_on=VERIFIED,
        valid_until=valid_until,
        expired=expired,
        feminine=check.public_feminine,
    )
    with translation.override(language):
        html = render_to_string("eligibility/includes/public_checks.html", {"checks": [public]})
    return " ".join(html.replace("&#x27;", "'").split())


@pytest.mark.parametrize("check", catalogue(), ids=lambda check: check.code)
def test_the_catalogue_says_the_gender_of_each_public_name(check):
    first = check.public_fr.split()[0].lower()
    assert first in FEMININE_FIRST_WORDS | MASCULINE_FIRST_WORDS, (
        f"{check.code}: say whether “{check.public_fr}” is feminine (public_feminine) "
        "and add its first word to this test"
    )
    assert check.public_feminine is (first in FEMININE_FIRST_WORDS)


@pytest.mark.django_db
@pytest.mark.parametrize("check", catalogue(), ids=lambda check: check.code)
def test_each_check_reads_in_agreement_on_the_public_page(check):
    ending = "e" if check.public_feminine else ""
    name = check.public_fr
    assert f"{name} vérifié{ending} le 12/03/2026" in render(check)
    assert f"{name} vérifié{ending} le 12/03/2026, valable jusqu'au 31/12/2026" in render(
        check, valid_until=UNTIL
    )
    expired = render(check, valid_until=UNTIL, expired=True)
    assert f"{name} : expiré{ending} le 31/12/2026" in expired
    if not check.public_feminine:
        assert "vérifiée" not in render(check, valid_until=UNTIL)
        assert "expirée" not in expired
    assert f"{check.public_en} verified on " in render(check, language="en")


def test_a_masculine_and_a_feminine_name_side_by_side():
    checks = {check.code: check for check in catalogue()}
    call, insurance = checks["manager_call"], checks["decennale"]
    assert "Entretien téléphonique avec le dirigeant vérifié le 12/03/2026" in render(call)
    assert "vérifiée" not in render(call)
    assert "Assurance décennale vérifiée le 12/03/2026" in render(insurance)
    assert "Assurance décennale : expirée le 31/12/2026" in render(
        insurance, valid_until=UNTIL, expired=True
    )
