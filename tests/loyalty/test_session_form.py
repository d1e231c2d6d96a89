"""Recording a session without an invoice in the pro space (issue 13, § 1:
"pros whose work is recurring … can also record sessions without one
invoice each: a form"), and the list of the company's sessions."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from loyalty.identity import client_key
from loyalty.models import ServiceSession, SessionSource, SessionStatus
from loyalty.services import session_record
from loyalty.services.sessions import REFERENCE_PREFIX

pytestmark = pytest.mark.django_db

TODAY = "2026-04-10 12:00 +0200"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def url(company) -> str:
    return reverse("loyalty:sessions", args=[company.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def post(client, company, **fields):
    data = {"performed_on": "03/04/2026", "status": "completed", **fields}
    return client.post(url(company), data, follow=True)


def test_a_member_records_a_session_and_sees_its_reference(client, cast):
    client.force_login(cast.member_a)
    response = post(client, cast.company_a, client_email="Jean.Dupont@Gmail.com", amount="45,50")
    session = ServiceSession.objects.get()
    assert (session.company, session.performed_on, session.amount, session.status) == (
        cast.company_a,
        date(2026, 4, 3),
        Decimal("45.50"),
        SessionStatus.COMPLETED,
    )
    assert session.source == SessionSource.FORM
    assert session.created_by == cast.member_a
    assert session.reference.startswith(REFERENCE_PREFIX)
    assert session.client_key == client_key(
        company_id=cast.company_a.pk, email="jeandupont@gmail.com"
    )
    page = response.content.decode()
    assert f"Prestation {session.reference} enregistrée." in page
    assert session.reference in page  # in the list too


@pytest.mark.parametrize(
    "written", ["03/04/2026", "3/4/2026", "3 avril 2026", "03.04.2026", "2026-04-03", "3/4/26"]
)
def test_french_dates_are_read(client, cast, written):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_name="Luc Petit", performed_on=written)
    assert ServiceSession.objects.get().performed_on == date(2026, 4, 3)


def test_the_pro_s_own_reference_is_kept(client, cast):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_phone="06 12 34 56 78", reference="GARDE-0412")
    assert ServiceSession.objects.get().reference == "GARDE-0412"


@pytest.mark.parametrize(
    ("status", "label"), [("cancelled", "Annulée"), ("no_show", "Client absent")]
)
def test_cancelled_and_no_show_are_recorded_as_such(client, cast, status, label):
    client.force_login(cast.owner_a)
    response = post(client, cast.company_a, client_name="Luc Petit", status=status)
    assert ServiceSession.objects.get().status == status
    assert label in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"performed_on": "11/04/2026"}, "La date est dans le futur (11/04/2026)."),
        ({"performed_on": "30/02/2026"}, "Cette date n'existe pas (30/02/2026)."),
        ({"performed_on": "demain"}, "La date doit être au format JJ/MM/AAAA (demain)."),
        ({"performed_on": ""}, "Ce champ est obligatoire"),
        ({"performed_on": "01/01/1900"}, "La date est trop ancienne (01/01/1900)."),
        ({"performed_on": "31/12/2015"}, "La date est trop ancienne (31/12/2015)."),
        ({"amount": "-5"}, "Le montant doit être positif (-5)."),
        ({"amount": "0"}, "Le montant doit être supérieur à 0 (0)."),
        ({"amount": "12,3456"}, "Le montant n'est pas un nombre valide (12,3456)."),
        ({"amount": "beaucoup"}, "Le montant n'est pas un nombre valide (beaucoup)."),
        ({"amount": "NaN"}, "Le montant n'est pas un nombre valide (NaN)."),
        ({"amount": "1e9"}, "Le montant n'est pas un nombre valide (1e9)."),
        ({"amount": "100 000 000"}, "Le montant est trop élevé (100 000 000)."),
        ({"status": "done"}, "Sélectionnez un choix valide"),
        ({"client_email": "pas une adresse"}, "adresse de courriel valide"),
    ],
)
def test_bad_input_is_refused_with_a_message(client, cast, fields, message):
    client.force_login(cast.owner_a)
    response = post(client, cast.company_a, client_name="Luc Petit", **fields)
    assert response.status_code == 200
    assert message in text(response)
    assert not ServiceSession.objects.exists()


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("45,50", "45.50"),
        ("1 234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("45 €", "45.00"),
        ("€45.5", "45.50"),
        ("1.234,56", "1234.56"),
        ("0,5", "0.50"),
    ],
)
def test_amounts_are_read_as_people_write_them(client, cast, written, amount):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_name="Luc Petit", amount=written)
    assert ServiceSession.objects.get().amount == Decimal(amount)


def test_a_session_ten_years_back_is_still_accepted(client, cast):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_name="Luc Petit", performed_on="01/01/2016")
    assert ServiceSession.objects.get().performed_on == date(2016, 1, 1)


@pytest.mark.parametrize("name", ["😀😀", "!!!", "—", "🙂 ✨"])
def test_a_name_of_symbols_only_is_refused_with_its_own_message(client, cast, name):
    client.force_login(cast.owner_a)
    response = post(client, cast.company_a, client_name=name)
    assert "Le nom doit contenir des lettres ou des chiffres" in text(response)
    assert not ServiceSession.objects.exists()


def test_a_name_of_symbols_is_fine_beside_an_e_mail(client, cast):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_name="😀", client_email="luc@example.fr")
    assert ServiceSession.objects.count() == 1


def test_the_form_sent_twice_records_the_session_once(client, cast):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_email="Jean.Dupont@Gmail.com")
    first = ServiceSession.objects.get()
    response = post(client, cast.company_a, client_email="jeandupont@gmail.com")
    assert f"Cette prestation est déjà enregistrée (référence {first.reference})" in text(response)
    assert ServiceSession.objects.count() == 1


@pytest.mark.parametrize(
    "other",
    [
        {"performed_on": "04/04/2026"},  # another day
        {"status": "cancelled"},  # another status
        {"client_email": "paul@example.fr"},  # another client
        {"reference": "SECOND-PASSAGE"},  # the pro says it is another one
    ],
)
def test_another_session_of_the_same_client_is_recorded(client, cast, other):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_email="jean@example.fr")
    post(client, cast.company_a, **{"client_email": "jean@example.fr", **other})
    assert ServiceSession.objects.count() == 2


def test_a_client_must_be_told_by_at_least_one_identity(client, cast):
    client.force_login(cast.owner_a)
    response = post(client, cast.company_a, client_name="  ")
    assert "au moins l'un des trois" in text(response)
    assert not ServiceSession.objects.exists()


def test_a_reference_already_recorded_is_refused_not_duplicated(client, cast):
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_name="Luc Petit", reference="R-1")
    response = post(client, cast.company_a, client_name="Autre", reference="R-1")
    assert "Une prestation avec cette référence est déjà enregistrée." in text(response)
    assert ServiceSession.objects.count() == 1


@pytest.mark.parametrize("again", ["R\u20131", "\uff32-1", " R\u22121"])
def test_a_reference_recorded_in_another_spelling_is_refused(client, cast, again):
    """ "R–1" (en dash) is "R-1" (``common.text.identifier_text``): it was
    looked up as typed, found nothing, and the form recorded nothing but
    said nothing either (the service returned the session already there)."""
    client.force_login(cast.owner_a)
    post(client, cast.company_a, client_name="Luc Petit", reference="R-1")
    response = post(client, cast.company_a, client_name="Autre", reference=again)
    assert "Une prestation avec cette référence est déjà enregistrée." in text(response)
    assert ServiceSession.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, cast):
    response = client.get(url(cast.company_a))
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]
    response = client.post(url(cast.company_a), {"client_name": "X", "performed_on": "1/4/2026"})
    assert response.status_code == 302
    assert not ServiceSession.objects.exists()


def test_another_company_s_member_gets_a_404(client, cast):
    client.force_login(cast.owner_b)
    assert client.get(url(cast.company_a)).status_code == 404
    response = client.post(url(cast.company_a), {"client_name": "X", "performed_on": "1/4/2026"})
    assert response.status_code == 404
    assert not ServiceSession.objects.exists()


def test_the_form_needs_its_csrf_token(cast):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.owner_a)
    response = strict.post(url(cast.company_a), {"client_name": "X", "performed_on": "1/4/2026"})
    assert response.status_code == 403
    assert not ServiceSession.objects.exists()


def test_the_list_shows_only_the_company_s_sessions_newest_first_without_client_data(client, cast):
    for day, reference in ((2, "OLD"), (5, "NEW"), (4, "MID")):
        session_record(
            company=cast.company_a,
            performed_on=date(2026, 4, day),
            source=SessionSource.FORM,
            reference=reference,
            email="secret.client@example.org",
        )
    session_record(
        company=cast.company_b,
        performed_on=date(2026, 4, 6),
        source=SessionSource.FORM,
        reference="OTHER",
        name="Quelqu'un",
    )
    client.force_login(cast.owner_a)
    page = client.get(url(cast.company_a)).content.decode()
    assert page.index("NEW") < page.index("MID") < page.index("OLD")
    assert "OTHER" not in page
    assert "secret.client" not in page
    assert "Formulaire" in page
    assert "Réalisée" in page


def test_the_list_is_paginated(client, cast):
    from loyalty.selectors import SESSIONS_PER_PAGE

    for n in range(SESSIONS_PER_PAGE + 3):
        session_record(
            company=cast.company_a,
            performed_on=date(2026, 1, 1),
            source=SessionSource.FORM,
            reference=f"REF-{n:03d}",
            name="Luc",
        )
    client.force_login(cast.owner_a)
    first = client.get(url(cast.company_a)).content.decode()
    second = client.get(url(cast.company_a) + "?page=2").content.decode()
    assert "REF-052" in first
    assert "REF-000" not in first
    assert "REF-000" in second
    assert "2 / 2" in second
