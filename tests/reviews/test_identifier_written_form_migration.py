"""Migrations reviews 0022 and loyalty 0010: invoice numbers and session
references written before they were kept in one written form
(``common.text.identifier_text``) are rewritten in it, a clash renamed
"… (2)" rather than failing or merging (the migrations' docstrings)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from common.text import identifier_text
from tests.factories import CompanyFactory

BEFORE = [
    ("reviews", "0021_invoice_number_unique_case_insensitive"),
    ("loyalty", "0009_session_reference_visible_characters"),
]
AFTER = [
    ("reviews", "0022_invoice_numbers_written_form"),
    ("loyalty", "0010_session_references_written_form"),
]
INVOICES = importlib.import_module("reviews.migrations.0022_invoice_numbers_written_form")
SESSIONS = importlib.import_module("loyalty.migrations.0010_session_references_written_form")

DECOMPOSED = "NE\u0301-1"  # É as E + combining acute
LIGATURES = "\ufb00" * 30  # "ﬀ": 60 characters once NFKC


@pytest.fixture
def migrated():
    """Old rows written at ``BEFORE``; call ``run()`` to migrate to
    ``AFTER``; the database ends at the latest migrations."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps

    def run():
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        return executor.loader.project_state(AFTER).apps

    yield old, run
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def write_invoices(old, company, numbers):
    Invoice = old.get_model("reviews", "Invoice")
    Session = old.get_model("loyalty", "ServiceSession")
    pks = []
    for number in numbers:
        invoice = Invoice.objects.create(
            company_id=company.pk,
            number=number,
            issued_on=timezone.localdate(),
            client_name="Luc Petit",
            client_email="l@example.org",
        )
        # Its session, under the number as written then.
        Session.objects.create(
            company_id=company.pk,
            client_key="k" * 64,
            performed_on=invoice.issued_on,
            source="invoice",
            invoice_id=invoice.pk,
            reference=number,
        )
        pks.append(invoice.pk)
    return pks


def write_sessions(old, company, rows):
    Session = old.get_model("loyalty", "ServiceSession")
    return [
        Session.objects.create(
            company_id=company.pk,
            client_key="k" * 64,
            performed_on=timezone.localdate(),
            source=source,
            reference=reference,
        ).pk
        for source, reference in rows
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [500, 2])
def test_numbers_take_the_written_form_and_clashes_are_renamed(migrated, monkeypatch, batch):
    monkeypatch.setattr(INVOICES, "BATCH", batch)
    old, run = migrated
    company, other = CompanyFactory(), CompanyFactory()
    numbers = [
        "F\u2013001",  # en dash: clashes with the next, already written so
        "F-001",
        DECOMPOSED,  # clashes with the composed one, registered after it
        "NÉ-1",
        "X\u00a0Y",  # no-break space; the first of two old ones takes "X Y"
        "X  Y",
        "\uff26\uff37-9",  # full-width "FW-9": no clash
        "f\u2014002",  # em dash; "F-002" exists, case aside
        "F-002",
        "G\u2212" + "1",  # minus sign; "G-1" and "G-1 (2)" are taken
        "G-1",
        "G-1 (2)",
        LIGATURES,  # too long once written: left alone
        "Plain-7",
        "\tTab\t8 ",
    ]
    pks = write_invoices(old, company, numbers)
    [elsewhere] = write_invoices(old, other, ["F\u2013001"])
    Request = old.get_model("reviews", "ReviewRequest")
    requests = [
        Request.objects.create(
            company_id=company.pk, invoice_number=number, name="Luc Petit", email="l@example.org"
        ).pk
        for number in ["F\u2013001", "F-001", "\uff26\uff37-9", LIGATURES]
    ]

    new = run()
    Invoice = new.get_model("reviews", "Invoice")
    after = dict(Invoice.objects.filter(company_id=company.pk).values_list("pk", "number"))
    assert [after[pk] for pk in pks] == [
        "F-001 (2)",
        "F-001",
        "NÉ-1 (2)",
        "NÉ-1",
        "X Y",
        "X Y (2)",
        "FW-9",
        "f-002 (2)",
        "F-002",
        "G-1 (3)",
        "G-1",
        "G-1 (2)",
        LIGATURES,
        "Plain-7",
        "Tab 8",
    ]
    assert Invoice.objects.get(pk=elsewhere).number == "F-001"
    # A client's request keeps the number asked for, in the written form
    # (no constraint: two requests may name one invoice).
    Request = new.get_model("reviews", "ReviewRequest")
    asked = dict(Request.objects.values_list("pk", "invoice_number"))
    assert [asked[pk] for pk in requests] == ["F-001", "F-001", "FW-9", LIGATURES]
    # Every number is now in the written form the services write (but the
    # one whose form is too long to be written at all).
    for number in Invoice.objects.exclude(number=LIGATURES).values_list("number", flat=True):
        assert identifier_text(number) == number
    # Each invoice's session follows its number.
    Session = new.get_model("loyalty", "ServiceSession")
    for invoice_id, reference in Session.objects.values_list("invoice_id", "reference"):
        assert reference == Invoice.objects.get(pk=invoice_id).number


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [500, 2])
def test_references_take_the_written_form_and_clashes_are_renamed(migrated, monkeypatch, batch):
    monkeypatch.setattr(SESSIONS, "BATCH", batch)
    old, run = migrated
    company, other = CompanyFactory(), CompanyFactory()
    rows = [
        ("api", "S\u20131"),  # clashes with the next, already written so
        ("api", "S-1"),
        ("import", "S\u20131"),  # another source: no clash
        ("api", "s-1"),  # references keep their case: no clash with S-1
        ("api", "R\u00a0 1"),  # the first old one takes "R 1"
        ("api", "R\u2002\u20021"),
        ("api", "R 1 (2)"),  # so the second old one gets " (3)"
        ("form", DECOMPOSED),
        ("api", " A-1 "),
        ("api", "x" * 99 + "\u2013"),  # 100 characters: the suffix is cut in
        ("api", "x" * 99 + "-"),
    ]
    pks = write_sessions(old, company, rows)
    [elsewhere] = write_sessions(old, other, [("api", "S\u20131")])

    new = run()
    Session = new.get_model("loyalty", "ServiceSession")
    after = dict(Session.objects.values_list("pk", "reference"))
    assert [after[pk] for pk in pks] == [
        "S-1 (2)",
        "S-1",
        "S-1",
        "s-1",
        "R 1",
        "R 1 (3)",
        "R 1 (2)",
        "NÉ-1",
        "A-1",
        "x" * 96 + " (2)",
        "x" * 99 + "-",
    ]
    assert after[elsewhere] == "S-1"


@pytest.mark.django_db(transaction=True)
def test_a_second_run_changes_nothing(migrated):
    old, run = migrated
    company = CompanyFactory()
    write_invoices(old, company, ["F\u2013001", "F-001"])
    write_sessions(old, company, [("api", "S\u20131"), ("api", "S-1")])
    new = run()
    Invoice = new.get_model("reviews", "Invoice")
    Session = new.get_model("loyalty", "ServiceSession")
    before = (
        sorted(Invoice.objects.values_list("pk", "number")),
        sorted(Session.objects.values_list("pk", "reference")),
    )

    INVOICES.numbers_written_form(new, None)
    SESSIONS.references_written_form(new, None)
    assert before == (
        sorted(Invoice.objects.values_list("pk", "number")),
        sorted(Session.objects.values_list("pk", "reference")),
    )
