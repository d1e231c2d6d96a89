"""Direction controls and zero-width characters, which make a value read
otherwise than it is stored, are refused — never silently kept — in
identifiers (invoice number, session reference) and labels (a key's
name, a webhook endpoint's description), and the direction controls and
zero-width spaces in a client's name; each refusal names its field, in
French and English, on the API and on the web forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.control_characters import has_invisible_characters, validate_visible_text
from common.validators import validate_person_name
from loyalty.models import ServiceSession
from partners.forms import PartnerKeyForm, WebhookEndpointForm
from partners.models import PartnerKey, Scope, WebhookEndpoint
from partners.services import partner_key_create
from reviews.forms import InvoiceForm
from reviews.models import Invoice

from .writes import assert_problem, post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"
INVISIBLE = {
    "rlo": "\u202e",
    "lre": "\u202a",
    "pdf": "\u202c",
    "rli": "\u2067",
    "pdi": "\u2069",
    "rlm": "\u200f",
    "zwsp": "\u200b",
    "zwnj": "\u200c",
    "zwj": "\u200d",
    "word-joiner": "\u2060",
    "bom": "\ufeff",
}
# Refused in a person's name too (the joiners spell some scripts).
IN_NAMES = {k: v for k, v in INVISIBLE.items() if k not in {"zwnj", "zwj"}}
MESSAGE = {"fr": "Retirez les caractères invisibles", "en": "Remove the invisible characters"}


def invoice(**overrides) -> dict:
    return {
        "number": "F-1",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
        **overrides,
    }


@pytest.mark.parametrize("name", list(INVISIBLE))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_invoice_number_with_an_invisible_character_is_a_422(connected, name, language):
    number = f"F-1{INVISIBLE[name]}02"
    response = post(
        connected.client, BASE + "invoices", invoice(number=number), **{"Accept-Language": language}
    )
    body = assert_problem(response, 422, "unprocessable")
    assert [e["field"] for e in body["errors"]] == ["number"]
    assert body["errors"][0]["detail"].startswith(MESSAGE[language])
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("name", list(INVISIBLE))
def test_a_session_reference_with_an_invisible_character_is_a_422(connected, name):
    response = post(
        connected.client,
        BASE + "sessions",
        {
            "reference": f"{INVISIBLE[name]}RDV-1",
            "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "client_email": "sophie.martin@example.org",
        },
    )
    body = assert_problem(response, 422, "unprocessable")
    assert [e["field"] for e in body["errors"]] == ["reference"]
    assert not ServiceSession.objects.exists()


@pytest.mark.parametrize("name", list(IN_NAMES))
def test_a_client_name_with_a_direction_control_or_zero_width_space_is_a_422(connected, name):
    response = post(
        connected.client, BASE + "invoices", invoice(client_name=f"Sophie{IN_NAMES[name]}")
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["client_name"]


def test_a_name_spelt_with_a_joiner_is_accepted(connected):
    persian = "\u0645\u0647\u0631\u200c\u062f\u0627\u062f"
    assert (
        post(connected.client, BASE + "invoices", invoice(client_name=persian)).status_code == 201
    )
    assert Invoice.objects.get().client_name == persian


def test_in_a_batch_only_the_item_is_refused(connected):
    items = [invoice(number="F-1\u202e"), invoice(number="F-2")]
    results = post(connected.client, BASE + "invoices/batch", {"items": items}).json()["results"]
    assert [r["status"] for r in results] == [422, 201]
    assert results[0]["errors"][0]["field"] == "number"


@pytest.mark.parametrize("name", ["rlo", "zwsp", "bom", "lre"])
def test_a_webhook_description_with_an_invisible_character_is_refused(api, settings, name):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    response = api.client.post(
        "/api/v1/webhooks",
        {
            "url": "http://127.0.0.1:9/hook",
            "events": ["review.published"],
            "description": f"Prod{INVISIBLE[name]}",
        },
        format="json",
    )
    body = assert_problem(response, 400, "invalid_parameters")
    assert [e["field"] for e in body["errors"]] == ["description"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("name", ["rlo", "zwsp", "rli"])
def test_the_portal_forms_refuse_them_beside_the_field(partner, name):
    key_form = PartnerKeyForm({"name": f"Prod{INVISIBLE[name]}", "scopes": [Scope.DIRECTORY_READ]})
    assert not key_form.is_valid()
    assert list(key_form.errors) == ["name"]
    endpoint_form = WebhookEndpointForm(
        {
            "url": "https://hooks.example.fr/x",
            "events": ["review.published"],
            "scope": "connected",
            "description": f"{INVISIBLE[name]}Prod",
        }
    )
    assert not endpoint_form.is_valid()
    assert "description" in endpoint_form.errors


def test_the_key_service_refuses_them_too(partner):
    with pytest.raises(ValidationError) as caught:
        partner_key_create(partner=partner, name="Prod\u200b", scopes=[Scope.DIRECTORY_READ])
    assert list(caught.value.message_dict) == ["name"]
    assert not PartnerKey.objects.exists()


@pytest.mark.parametrize("name", ["rlo", "zwsp", "zwj", "pdi"])
def test_the_pro_space_invoice_form_refuses_them_in_the_number(connected, name):
    form = InvoiceForm(
        {**invoice(number=f"F{INVISIBLE[name]}-1"), "issued_on": timezone.localdate()},
        company=connected.company,
    )
    assert not form.is_valid()
    assert "number" in form.errors


def test_the_validators():
    for character in INVISIBLE.values():
        assert has_invisible_characters(f"a{character}b")
        with pytest.raises(ValidationError):
            validate_visible_text(f"a{character}b")
    for character in IN_NAMES.values():
        with pytest.raises(ValidationError):
            validate_person_name(f"Zoé{character}")
    validate_visible_text("F-2026/0142 é")
    validate_person_name("Zoé N\u2019Diaye")
