"""The application in the browser's terms: steps, errors, who sees what."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from eligibility.models import Application, ApplicationStatus
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, UserFactory, checks_pass

pytestmark = pytest.mark.django_db

IDENTITY = {
    "legal_name": "Cuisines du Rhône",
    "siren": "732 829 320",
    "address": "4 quai Saint-Antoine",
    "postal_code": "69002",
    "city": "lyon",
    "phone": "",
    "year_founded": "2012",
}
QUESTIONNAIRE = {
    "new_clients_per_day": "2",
    "average_amount_eur": "8000",
    "decision_time": "days_or_more",
    "invoices_name_client": "yes",
    "exceptional_event": "unknown",
}


def step(number: int) -> str:
    return reverse("eligibility:step", args=[number])


@pytest.fixture
def logged_in(client, applicant):
    client.login(username=applicant.username, password=PASSWORD)
    return client


def test_anonymous_visitor_is_asked_to_log_in_first(client, db):
    page = client.get(reverse("eligibility:apply")).content.decode()
    assert reverse("account_signup") in page
    response = client.get(step(1))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_four_steps_then_the_vetting_queue(logged_in, taxonomy, places):
    assert logged_in.post(step(1), IDENTITY).status_code == 302
    application = Application.objects.get()
    assert (application.siren, application.city) == ("732829320", "Lyon 2e Arrondissement")
    activity = {
        "professions": [taxonomy["cuisiniste"].pk],
        "serves_consumers": "on",
        "services_description": "Cuisines sur mesure, de la conception à la pose.",
    }
    assert logged_in.post(step(2), activity).status_code == 302
    assert logged_in.post(step(3), QUESTIONNAIRE).status_code == 302
    review = logged_in.get(step(5)).content.decode()
    assert "Vos réponses correspondent à nos règles" in review
    assert "nouveaux clients par jour" in review
    response = logged_in.post(step(5), {"message": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    # The applicant follows it; it is no longer editable.
    assert logged_in.get(step(1)).status_code == 302
    assert "Envoyée" in logged_in.get(reverse("eligibility:follow")).content.decode()


def test_progress_is_saved_and_resumed(logged_in, taxonomy, places):
    logged_in.post(step(1), {**IDENTITY, "later": "1"})
    page = logged_in.get(reverse("eligibility:apply")).content.decode()
    assert "Poursuivre ma candidature" in page
    assert 'value="Cuisines du Rhône"' in logged_in.get(step(1)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"siren": "732829321"}, "SIREN"),
        ({"siren": "abc"}, "SIREN"),
        ({"postal_code": "6900"}, "cinq chiffres"),
        ({"city": "Atlantide"}, "Nous ne connaissons pas"),
        ({"legal_name": ""}, "obligatoire"),
    ],
)
def test_identity_errors_are_clear_and_change_nothing(logged_in, places, data, message):
    response = logged_in.post(step(1), {**IDENTITY, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.filter(siren__gt="").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new_clients_per_day": "-3"}, "supérieure ou égale à 0"),
        ({"new_clients_per_day": "1e9"}, "chiffres"),
        ({"average_amount_eur": "-10"}, "supérieure ou égale à 0"),
        ({"average_amount_eur": "lots"}, "nombre entier"),
        ({"decision_time": ""}, "obligatoire"),
        ({"invoices_name_client": "perhaps"}, "choix valide"),
    ],
)
def test_questionnaire_errors_are_clear_and_change_nothing(logged_in, places, data, message):
    logged_in.post(step(1), IDENTITY)
    response = logged_in.post(step(3), {**QUESTIONNAIRE, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Application.objects.get().new_clients_per_day is None


def test_listed_siren_is_refused_at_the_first_step(logged_in, taxonomy, places):
    CompanyFactory(siren="732829320")
    response = logged_in.post(step(1), IDENTITY)
    assert "demandez à son propriétaire de vous inviter" in response.content.decode()


# --- Who sees the vetting pages ----------------------------------------------------------


@pytest.fixture
def in_queue(complete_application, applicant):
    from eligibility import services

    services.application_submit(application=complete_application, actor=applicant)
    return complete_application


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("applicant", 403), ("consumer", 403), ("vetter", 200), ("admin", 200)],
)
@pytest.mark.parametrize("view", ["queue", "detail", "companies"])
def test_only_vetting_staff_open_the_back_office(client, in_queue, persona, expected, view):
    from django.contrib.auth.models import Group

    people = {
        "applicant": in_queue.applicant,
        "consumer": UserFactory(),
        "vetter": UserFactory(is_staff=True),
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    people["vetter"].groups.add(Group.objects.get(name="vetting"))
    if persona != "anonymous":
        client.login(username=people[persona].username, password=PASSWORD)
    url = {
        "queue": reverse("eligibility:queue"),
        "detail": reverse("eligibility:detail", args=[in_queue.pk]),
        "companies": reverse("eligibility:companies"),
    }[view]
    assert client.get(url).status_code == expected


@pytest.mark.parametrize("action", ["decide", "assign"])
def test_only_vetting_staff_act(client, in_queue, action):
    client.login(username=in_queue.applicant.username, password=PASSWORD)
    url = reverse(f"eligibility:{action}", args=[in_queue.pk])
    assert client.post(url, {"action": "approve"}).status_code == 403
    in_queue.refresh_from_db()
    assert in_queue.status == ApplicationStatus.SUBMITTED


def test_an_applicant_sees_only_their_own_application(client, in_queue):
    other = UserFactory()
    client.login(username=other.username, password=PASSWORD)
    response = client.get(reverse("eligibility:follow"))
    assert response.status_code == 302  # nothing of theirs: back to the start
    assert "Cuisines du Rhône" not in client.get(reverse("eligibility:apply")).content.decode()


def test_vetter_approves_from_the_detail_page(client, in_queue, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    vetter = UserFactory(is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    client.login(username=vetter.username, password=PASSWORD)
    detail = client.get(reverse("eligibility:detail", args=[in_queue.pk])).content.decode()
    assert "Le numéro SIREN est valide" in detail
    assert "Cuisines du Rhône" in client.get(reverse("eligibility:queue")).content.decode()
    checks_pass(in_queue, vetter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("eligibility:decide", args=[in_queue.pk]), {"action": "approve"})
    in_queue.refresh_from_db()
    assert in_queue.status == ApplicationStatus.APPROVED
    assert in_queue.company.status == "listed"


def test_reject_without_reason_shows_an_error(client, in_queue):
    from django.contrib.auth.models import Group

    vetter = UserFactory(is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    client.login(username=vetter.username, password=PASSWORD)
    response = client.post(
        reverse("eligibility:decide", args=[in_queue.pk]),
        {"action": "reject", "note": ""},
        follow=True,
    )
    assert "Un refus doit être motivé" in response.content.decode()
    in_queue.refresh_from_db()
    assert in_queue.status == ApplicationStatus.SUBMITTED


@pytest.mark.parametrize(
    ("postal_code", "city", "stored_city"),
    [
        ("75015", "Paris 15e", "Paris 15e Arrondissement"),
        ("75015", "Paris 15", "Paris 15e Arrondissement"),
        ("75015", "paris XVe", "Paris 15e Arrondissement"),
        ("75007", "Paris", "Paris 7e Arrondissement"),
        ("75008", "PARIS CEDEX 08", "Paris 8e Arrondissement"),
        ("75007", "Paris Cedex 07", "Paris 7e Arrondissement"),
        ("69441", "Lyon Cedex 03", "Lyon"),
        ("69003", "Lyon 3ème", "Lyon 3e Arrondissement"),
        ("13008", "Marseille 8e", "Marseille 8e Arrondissement"),
        ("97400", "Saint-Denis", "Saint-Denis"),
        ("97400", "Saint-Denis (974)", "Saint-Denis"),
        ("97200", "Fort-de-France", "Fort-de-France"),
        ("50100", "Cherbourg-en-Cotentin", "Cherbourg-en-Cotentin"),
        ("50100", "Cherbourg-Octeville", "Cherbourg-en-Cotentin"),
        ("91000", "Évry", "Évry-Courcouronnes"),
        ("91080", "Évry-Courcouronnes", "Évry-Courcouronnes"),
        ("01200", "Bellegarde-sur-Valserine", "Valserhône"),
        ("01200", "Valserhône", "Valserhône"),
        ("33220", "Port-Sainte-Foy-et-Ponchapt", "Port-Sainte-Foy-et-Ponchapt"),
        ("33220", "Pineuilh", "Pineuilh"),
        ("42000", "St-Étienne", "Saint-Étienne"),
    ],
)
def test_identity_accepts_every_real_address(logged_in, places, postal_code, city, stored_city):
    response = logged_in.post(step(1), {**IDENTITY, "postal_code": postal_code, "city": city})
    assert response.status_code == 302, response.content.decode()
    application = Application.objects.get()
    assert (application.postal_code, application.city) == (postal_code, stored_city)


@pytest.mark.parametrize(
    ("postal_code", "city", "message"),
    [
        ("75015", "Paris 16e", "Paris 15e Arrondissement (75)"),
        ("33220", "Bordeaux", "Port-Sainte-Foy-et-Ponchapt (24)"),
        ("97400", "Saint-Denis (93)", "Saint-Denis (974)"),
        ("93200", "Fort-de-France", "Saint-Denis (93)"),
        ("69441", "Marseille", "69441"),
        ("99999", "Paris", "99999"),
        ("75015", "Atlantide", "Atlantide"),
    ],
)
def test_identity_refuses_a_postal_code_that_does_not_serve_the_city(
    logged_in, places, postal_code, city, message
):
    response = logged_in.post(step(1), {**IDENTITY, "postal_code": postal_code, "city": city})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Application.objects.filter(siren__gt="").exists()


FUTURE_YEAR = "L&#x27;année de création ne peut pas être dans le futur."


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2027", FUTURE_YEAR),
        ("2099", FUTURE_YEAR),
        ("9999", FUTURE_YEAR),
        ("32767", FUTURE_YEAR),
        ("99999", FUTURE_YEAR),  # on PostgreSQL the field's range says it first
        ("1066", "supérieure ou égale à 1800"),
    ],
)
def test_identity_refuses_a_founding_year_the_pro_profile_refuses(logged_in, places, year, message):
    """Trial, finding 5: the same rule and message as the pro profile
    (common.validators.validate_year_founded), with the clock at 2026."""
    with time_machine.travel("2026-06-15 12:00 +0200"):
        response = logged_in.post(step(1), {**IDENTITY, "year_founded": year})
    assert response.status_code == 200
    assert message in response.content.decode() or year == "99999"
    assert not Application.objects.filter(siren__gt="").exists()


@pytest.mark.parametrize("year", ["2026", "1800", ""])
def test_identity_takes_this_year_the_oldest_year_or_none(logged_in, places, year):
    with time_machine.travel("2026-06-15 12:00 +0200"):
        response = logged_in.post(step(1), {**IDENTITY, "year_founded": year})
    assert response.status_code == 302
    assert Application.objects.get().year_founded == (int(year) if year else None)
