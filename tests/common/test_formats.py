from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import translation

from common.formats import format_amount, format_phone, parse_phone, tel_uri
from common.forms import PhoneNumberField


@pytest.mark.parametrize(
    "typed",
    [
        "06 99 05 60 90",
        "06.99.05.60.90",
        "0699056090",
        "+33 6 99 05 60 90",
        "+33 (0)6 99 05 60 90",
        "0033 6 99 05 60 90",
        " 06-99-05-60-90 ",
    ],
)
def test_what_people_type_is_stored_in_e164(typed):
    assert parse_phone(typed) == "+33699056090"


@pytest.mark.parametrize(
    "typed", ["", "abc", "06 99", "12345678901234567", "+33 1", "06 99 05 60 90 12"]
)
def test_what_is_not_a_phone_number_is_refused(typed):
    with pytest.raises(ValidationError) as excinfo:
        parse_phone(typed)
    assert excinfo.value.code == "invalid_phone"


def test_french_numbers_read_the_national_way_and_foreign_ones_the_international_way():
    assert format_phone("+33699056090") == "06 99 05 60 90"
    assert format_phone("+33142685300") == "01 42 68 53 00"
    assert format_phone("+3222345678") == "+32 2 234 56 78"
    assert format_phone("") == ""
    assert format_phone(None) == ""
    # A legacy row that is not a number is shown as it was typed.
    assert format_phone("voir site") == "voir site"
    assert tel_uri("+33699056090") == "tel:+33699056090"
    assert tel_uri("") == ""


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (Decimal("1250"), "1\u202f250,00\u00a0€", "€1,250.00"),
        (Decimal("0.5"), "0,50\u00a0€", "€0.50"),
        (Decimal("1234567.891"), "1\u202f234\u202f567,89\u00a0€", "€1,234,567.89"),
        (Decimal("999.995"), "1\u202f000,00\u00a0€", "€1,000.00"),
        (Decimal("-45.2"), "-45,20\u00a0€", "-€45.20"),
        (80, "80,00\u00a0€", "€80.00"),
        ("12.5", "12,50\u00a0€", "€12.50"),
    ],
)
def test_amounts_in_each_language(value, french, english):
    with translation.override("fr"):
        assert format_amount(value) == french
    with translation.override("en"):
        assert format_amount(value) == english


def test_a_whole_amount_may_leave_out_its_cents_but_not_a_fraction():
    with translation.override("fr"):
        assert format_amount(1000, cents=False) == "1\u202f000\u00a0€"
        assert format_amount(Decimal("12.50"), cents=False) == "12,50\u00a0€"
    with translation.override("en"):
        assert format_amount(20000, cents=False) == "€20,000"
        assert format_amount(Decimal("-3.10"), cents=False) == "-€3.10"


@pytest.mark.parametrize("value", [None, "", "abc"])
def test_no_amount_shows_nothing(value):
    assert format_amount(value) == ""


def test_filters():
    template = Template("{% load formats %}{{ p|phone }}|{{ p|tel_uri }}|{{ a|euros }}")
    with translation.override("fr"):
        out = template.render(Context({"p": "+33699056090", "a": Decimal("1250")}))
    assert out == "06 99 05 60 90|tel:+33699056090|1\u202f250,00\u00a0€"


class _Form(forms.Form):
    phone = PhoneNumberField(required=False)


def test_phone_field_cleans_to_e164_and_shows_back_the_national_form():
    form = _Form(data={"phone": "06.99.05.60.90"})
    assert form.is_valid()
    assert form.cleaned_data["phone"] == "+33699056090"
    assert 'value="06 99 05 60 90"' in str(_Form(initial={"phone": "+33699056090"})["phone"])
    assert _Form(data={"phone": ""}).is_valid()
    bad = _Form(data={"phone": "06 99"})
    assert not bad.is_valid()
    assert "numéro de téléphone valide" in bad.errors["phone"][0]  # French first
    with translation.override("en"):
        assert "valid phone number" in _Form(data={"phone": "06 99"}).errors["phone"][0]


@pytest.mark.parametrize(
    ("seconds", "french", "english"),
    [
        (None, "—", "—"),
        (0.44, "0,4\u00a0s", "0.4\u00a0s"),
        (12.4, "12\u00a0s", "12\u00a0s"),
        (185, "3\u00a0min 05\u00a0s", "3\u00a0min 05\u00a0s"),
        (3725, "1\u00a0h 02\u00a0min", "1\u00a0h 02\u00a0min"),
    ],
)
def test_a_duration_reads_as_exact_as_useful(seconds, french, english):
    from common.formats import format_duration

    with translation.override("fr"):
        assert format_duration(seconds) == french
    with translation.override("en"):
        assert format_duration(seconds) == english
