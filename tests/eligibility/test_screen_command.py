"""`manage.py screen` prints the screening of a JSON application."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(payload, monkeypatch) -> dict:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(payload)))
    out = io.StringIO()
    call_command("screen", stdout=out)
    return json.loads(out.getvalue())


def test_kitchen_installer_is_eligible(taxonomy, monkeypatch):
    result = run(
        {
            "new_clients_per_day": 2,
            "average_amount_eur": 8000,
            "decision_time": "days_or_more",
            "invoices_name_client": "yes",
            "professions": ["cuisiniste"],
        },
        monkeypatch,
    )
    assert result["verdict"] == "eligible"
    assert [rule["code"] for rule in result["rules"]] == [
        "new_clients_per_day",
        "amount_or_trust",
        "considered_purchase",
        "invoice_names_client",
        "sector",
    ]
    assert {rule["outcome"] for rule in result["rules"]} == {"pass"}


def test_messages_are_in_french(taxonomy, monkeypatch):
    result = run({"invoices_name_client": "no", "professions": ["boulangerie"]}, monkeypatch)
    assert result["verdict"] == "ineligible"
    invoice = next(r for r in result["rules"] if r["code"] == "invoice_names_client")
    assert invoice["message"].startswith("Vos factures doivent porter le nom du client")


def test_unknown_trade_goes_to_a_person(taxonomy, monkeypatch):
    result = run(
        {
            "new_clients_per_day": 1,
            "average_amount_eur": 5000,
            "decision_time": "days_or_more",
            "invoices_name_client": "yes",
            "professions": ["vitrailliste"],
        },
        monkeypatch,
    )
    assert result["verdict"] == "needs_review"


@pytest.mark.parametrize(
    "payload",
    [[1, 2], {"new_clients_per_day": "many"}, {"decision_time": "forever"}, {"colour": "blue"}],
)
def test_bad_input_is_a_clear_error(taxonomy, monkeypatch, payload):
    with pytest.raises(CommandError):
        run(payload, monkeypatch)


def test_file_argument(taxonomy, tmp_path):
    path = tmp_path / "application.json"
    path.write_text(json.dumps({"professions": ["garde-enfants"]}), encoding="utf-8")
    out = io.StringIO()
    call_command("screen", str(path), stdout=out)
    assert json.loads(out.getvalue())["verdict"] == "needs_review"
