"""A SIREN as people type it, on the application form: separators, a
SIRET whose SIREN is kept, one clear error for a wrong number."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import siret

from common.company_numbers import CompanyNumber, parse_company_number, siren_in
from eligibility.models import Application
from tests.conftest import PASSWORD

from .test_apply_views import IDENTITY

pytestmark = pytest.mark.django_db

STEP_1 = reverse("eligibility:step", args=[1])
# La Poste's establishments share the SIREN 356 000 000; their SIRET do
# not follow Luhn, only "the sum of the digits is a multiple of 5".
LA_POSTE_SIRETS = ["35600000000010", "356 000 000 00024", "356.000.000.00029"]


@pytest.fixture
def logged_in(client, applicant, places):
    client.login(username=applicant.username, password=PASSWORD)
    return client


def notices(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_la_poste_sirets_of_the_tests_are_valid_only_by_their_exception():
    for number in LA_POSTE_SIRETS:
        digits = "".join(c for c in number if c.isdigit())
        assert siret.is_valid(digits)
        assert not luhn.is_valid(digits)
    assert siret.is_valid("73282932000074")


@pytest.mark.parametrize(
    "typed",
    [
        "732.829.320",
        "732 829 320",
        "732\u00a0829\u00a0320",
        "732\u202f829\u202f320",
        "732-829-320",
        "732829320",
        "  732829320  ",
        "732 829 320 ",
        "7 3 2 8 2 9 3 2 0",
        "732/829/320",
        "732\u200b829\u200b320",
        "７３２８２９３２０",
    ],
)
def test_a_siren_with_separators_is_accepted(logged_in, typed):
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().siren == "732829320"
    assert notices(response) == []


@pytest.mark.parametrize(
    "typed",
    [
        "73282932000074",
        "732 829 320 00074",
        "732.829.320.00074",
        "732\u00a0829\u00a0320\u00a000074",
        "732-829-320-00074",
    ],
)
def test_a_siret_is_accepted_and_its_siren_kept(logged_in, typed):
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().siren == "732829320"
    assert notices(response) == ["SIRET reconnu : nous gardons le SIREN 732 829 320."]
    # Said on the next step's page, once.
    assert "SIRET reconnu" in logged_in.get(response["Location"]).content.decode()
    assert "SIRET reconnu" not in logged_in.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        "SIREN 732829320",
        "SIREN : 732 829 320",
        "N° SIREN 732 829 320",
        "Numéro SIREN : 732.829.320",
        "RCS Paris 732 829 320",
        "732 829 320 R.C.S. Paris",
        "RCS Lyon B 732 829 320",
        "R.C.S. Nanterre 732829320",
    ],
)
def test_the_words_printed_around_a_siren_are_ignored(logged_in, typed):
    """As copied from a Kbis, an invoice footer or a letterhead."""
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().siren == "732829320"


@pytest.mark.parametrize(
    "typed", ["N° SIRET : 732 829 320 00074", "Siret n° 73282932000074", "SIRET 732.829.320.00074"]
)
def test_a_labelled_siret_is_accepted_and_its_siren_kept(logged_in, typed):
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().siren == "732829320"
    assert notices(response) == ["SIRET reconnu : nous gardons le SIREN 732 829 320."]


@pytest.mark.parametrize("typed", ["FR44732829320", "FR 44 732 829 320", "fr44 732829320"])
def test_a_french_vat_number_is_accepted_and_its_siren_kept(logged_in, typed):
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().siren == "732829320"
    assert notices(response) == ["Numéro de TVA reconnu : nous gardons le SIREN 732 829 320."]


@pytest.mark.parametrize("typed", LA_POSTE_SIRETS)
def test_a_la_poste_siret_is_accepted(logged_in, typed):
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 302, response.context["form"].errors
    assert Application.objects.get().siren == "356000000"
    assert notices(response) == ["SIRET reconnu : nous gardons le SIREN 356 000 000."]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("732829321", "732829321 n’est pas un numéro SIREN valide"),
        ("732.829.321", "732829321 n’est pas un numéro SIREN valide"),
        ("123456789", "123456789 n’est pas un numéro SIREN valide"),
        ("000 000 000", "000000000 n’est pas un numéro SIREN valide"),
        ("00000000000000", "00000000000000 n’est pas un numéro SIRET valide"),
        ("73282932000075", "73282932000075 n’est pas un numéro SIRET valide"),
        ("732 829 320 00075", "73282932000075 n’est pas un numéro SIRET valide"),
        # Luhn holds on the SIRET but not on its SIREN.
        ("73282932100007", "73282932100007 n’est pas un numéro SIRET valide"),
        ("35600000000000", "35600000000000 n’est pas un numéro SIRET valide"),
        ("356 000 000 00002", "35600000000002 n’est pas un numéro SIRET valide"),
        ("7328293201", "ce numéro en a 10"),
        ("73282932", "ce numéro en a 8"),
        ("732 829 32", "ce numéro en a 8"),
        ("732829320000740", "ce numéro en a 15"),
        ("7328293200007", "ce numéro en a 13"),
        ("1" * 60, "ce numéro en a 60"),
        ("73282932A", "chiffres uniquement"),
        ("abc", "chiffres uniquement"),
        ("SIREN ABC", "chiffres uniquement"),
        ("FR 732 829 320", "chiffres uniquement"),
        ("FR46732829320", "FR46732829320 n’est pas un numéro de TVA français valide"),
        ("732 829 321 RCS Paris", "732829321 n’est pas un numéro SIREN valide"),
        ("732,829,320", "chiffres uniquement"),
        ("٧٣٢٨٢٩٣٢٠", "chiffres uniquement"),
        ("   ", "Saisissez votre SIREN"),
    ],
)
def test_a_wrong_number_gets_one_clear_error_and_changes_nothing(logged_in, typed, message):
    response = logged_in.post(STEP_1, {**IDENTITY, "siren": typed})

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.keys() == {"siren"}
    assert len(form.errors["siren"]) == 1
    assert message in form.errors["siren"][0]
    assert "caractères" not in form.errors["siren"][0]  # no length limit on the text
    assert not Application.objects.filter(siren__gt="").exists()


def test_the_field_accepts_a_formatted_number_in_the_browser(logged_in):
    page = logged_in.get(STEP_1).content.decode()
    assert 'maxlength="40"' in page
    assert 'inputmode="numeric"' in page


@given(st.text(max_size=60))
def test_parsing_any_text_gives_a_siren_or_one_validation_error(text):
    messages, number = [], None
    try:
        number = parse_company_number(text)
    except ValidationError as error:
        messages = error.messages
    assert (number is None) == (len(messages) == 1)
    if number is not None:
        assert re.fullmatch(r"[0-9]{9}", number.siren)
        assert siren_in(text) == number.siren


@given(
    st.from_regex(r"[0-9]{8}", fullmatch=True),
    st.lists(st.sampled_from(["", " ", ".", "-", "\u00a0", "\u202f"]), min_size=9, max_size=9),
)
def test_a_valid_siren_is_read_whatever_its_separators(body, separators):
    assume(body.strip("0"))  # all zeros is no SIREN, checksum or not
    number = body + luhn.calc_check_digit(body)
    typed = "".join(digit + separator for digit, separator in zip(number, separators, strict=True))

    assert parse_company_number(typed) == CompanyNumber(siren=number)


# --- Staff find a company or an application by the number they have -------

TYPED_FORMS_OF_732829320 = [
    "732829320",
    "732 829 320",
    "732.829.320",
    "732\u00a0829\u00a0320",
    "73282932000074",
    "732 829 320 00074",
]


@pytest.fixture
def vetter_client(client, db):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True, is_superuser=True)
    user.groups.add(Group.objects.get(name="vetting"))
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("typed", TYPED_FORMS_OF_732829320)
def test_staff_find_a_company_by_siren_or_siret_as_typed(vetter_client, taxonomy, typed):
    from directory.models import Company
    from tests.factories import CompanyFactory

    CompanyFactory(siren="732829320", trade_name="Cuisines du Rhône")
    CompanyFactory(siren="356000000", trade_name="La Poste")

    assert list(Company.objects.lookup(typed).values_list("trade_name", flat=True)) == [
        "Cuisines du Rhône"
    ]
    page = vetter_client.get(reverse("eligibility:companies"), {"q": typed}).content.decode()
    assert "Cuisines du Rhône" in page
    assert "La Poste" not in page
    admin = vetter_client.get(reverse("admin:directory_company_changelist"), {"q": typed})
    assert list(admin.context["cl"].result_list) == list(Company.objects.filter(siren="732829320"))


@pytest.mark.parametrize("typed", TYPED_FORMS_OF_732829320)
def test_staff_find_an_application_by_siren_or_siret_as_typed(
    vetter_client, complete_application, applicant, typed
):
    from eligibility import services

    services.application_submit(application=complete_application, actor=applicant)

    page = vetter_client.get(reverse("eligibility:queue"), {"q": typed}).content.decode()
    assert "Cuisines du Rhône" in page
    admin = vetter_client.get(reverse("admin:eligibility_application_changelist"), {"q": typed})
    assert list(admin.context["cl"].result_list) == [complete_application]


def test_a_number_that_is_no_siren_finds_no_company_by_siren(vetter_client, taxonomy):
    from directory.models import Company
    from tests.factories import CompanyFactory

    CompanyFactory(siren="732829320", trade_name="Cuisines du Rhône")

    for typed in ["732 829", "7328293201", "732829320000741"]:
        assert not Company.objects.lookup(typed).exists()
    assert siren_in("") == ""


def test_the_admin_company_form_reads_a_siren_as_typed(rf, taxonomy):
    from django.contrib import admin

    from directory.models import Company
    from tests.factories import UserFactory

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    field = admin.site._registry[Company].get_form(request).base_fields["siren"]

    assert field.clean("732.829.320") == "732829320"
    assert field.clean("732 829 320 00074") == "732829320"
    assert field.notice() == "SIRET reconnu : nous gardons le SIREN 732 829 320."
    with pytest.raises(ValidationError) as error:
        field.clean("732.829.321")
    assert len(error.value.messages) == 1
