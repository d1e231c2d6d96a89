"""Every e-mail address typed into a form of the site is checked by one
rule (``common.email_addresses.validate_email_address`` through
``common.forms.EmailAddressField``): at most 254 characters, the length
of the column it goes to (trial, findings 1 and 2: longer ones were cut
or failed on PostgreSQL), no accents before the @ (a message that says
so), a domain with a dot, no control character."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from common.email_addresses import EMAIL_MAX_LENGTH, validate_email_address
from common.forms import EmailAddressField
from common.middleware import ControlCharactersMiddleware, fields_stripped_of_control_characters

LONGEST = "a" * 243 + "@exemple.fr"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("a" * 244 + "@exemple.fr", "email_too_long"),
        ("a" * 250 + "@exemple.fr", "email_too_long"),
        ("a" * 64 + "@" + "b" * 200 + ".fr", "email_too_long"),
        ("josé@exemple.fr", "email_accents"),
        ("élodie.müller@exemple.fr", "email_accents"),
        ("françois@exemple.fr", "email_accents"),
        ("ιωάννης@exemple.gr", "email_accents"),
        ("user@localhost", "email_domain"),
        ("user@intranet", "email_domain"),
        ("user@localhost.", "email_domain"),
        ("jean\x00@exemple.fr", "email_control_characters"),
        ("jean@exemple.fr\x1f", "email_control_characters"),
        ("jean\t@exemple.fr", "email_control_characters"),
        ("jean@exemple\x7f.fr", "email_control_characters"),
        ("pas-une-adresse", "invalid"),
        ("zoe@@exemple.fr", "invalid"),
        ("jean @exemple.fr", "invalid"),
    ],
)
def test_the_first_fault_is_named(value, code):
    with pytest.raises(ValidationError) as refused:
        validate_email_address(value)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "value",
    [LONGEST, "jean.dupont+avis@exemple.fr", "jean@exämple.fr", "j@xn--exmple-cua.fr", "a@b.co"],
)
def test_ordinary_and_longest_addresses_pass(value):
    validate_email_address(value)
    assert len(LONGEST) == EMAIL_MAX_LENGTH


def test_the_field_gives_one_message_and_no_maxlength_to_the_browser():
    field = EmailAddressField()
    assert "maxlength" not in field.widget_attrs(field.widget)
    with pytest.raises(ValidationError) as refused:
        field.clean("a" * 300 + "@exemple.fr")
    assert refused.value.messages == [
        "Une adresse e-mail comporte au plus 254 caractères (celle-ci en a 311)."
    ]
    with pytest.raises(ValidationError) as refused:
        field.clean("jean\x00@exemple.fr")
    assert refused.value.messages == [
        "Retirez les caractères de contrôle invisibles de l'adresse e-mail."
    ]


def test_the_field_strips_surrounding_space_but_not_a_control_character():
    field = EmailAddressField(required=False)
    assert field.clean("  jean@exemple.fr\n") == "jean@exemple.fr"
    assert field.clean("") == ""
    with pytest.raises(ValidationError):
        field.clean("jean@exemple.fr\x0b")


def test_the_middleware_names_the_fields_it_stripped():
    seen = {}

    def view(request):
        seen["stripped"] = fields_stripped_of_control_characters(request)
        seen["post"] = request.POST.dict()
        return None

    request = RequestFactory().post(
        "/compte/signup/?q=a%00b", {"email": "jean\x00@exemple.fr", "password1": "x"}
    )
    ControlCharactersMiddleware(view)(request)
    assert seen["stripped"] == {"email", "q"}
    assert seen["post"]["email"] == "jean@exemple.fr"  # still stripped for every other form
    ControlCharactersMiddleware(view)(RequestFactory().post("/", {"email": "jean@exemple.fr"}))
    assert seen["stripped"] == frozenset()


def project_forms() -> list[type[forms.BaseForm]]:
    for app in (
        "common",
        "directory",
        "eligibility",
        "loyalty",
        "partners",
        "prospects",
        "reviews",
    ):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if "form" in module.name.rsplit(".", 1)[-1]:
                importlib.import_module(module.name)
    found, pending = [], [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in {
                "common",
                "directory",
                "eligibility",
                "loyalty",
                "partners",
                "prospects",
                "reviews",
            }:
                found.append(subclass)
    return found


def test_every_e_mail_field_of_the_site_s_forms_uses_the_shared_check():
    email_fields = {
        f"{form.__module__}.{form.__name__}.{name}": field
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, forms.EmailField)
    }
    # The account forms, the quote request, invoices, sessions, prospects,
    # referrers, invitations, the company profile, review links.
    assert len(email_fields) >= 12, sorted(email_fields)
    assert {
        name: type(field).__name__
        for name, field in email_fields.items()
        if not isinstance(field, EmailAddressField)
    } == {}
