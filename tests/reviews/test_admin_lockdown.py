"""The admin shows reviews and their records but never writes them
(issue 12): no add, change or delete page, no bulk delete, for superusers
and for staff holding every permission; an invoice with a review is never
deleted, alone or in a bulk delete, and its proof is read-only; an invoice
without one may still be deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from reviews.models import (
    Appeal,
    Audit,
    AuditEvent,
    Invoice,
    ModerationDecision,
    Reply,
    ReplyRevision,
    Review,
    ReviewEvent,
    ReviewFlag,
    ReviewLogEntry,
    ReviewUpdate,
    Sanction,
    Strike,
)
from reviews.services import appeals, audits, moderation, sanctions
from tests.factories import UserFactory, recent_date

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

LOCKED = [
    Review,
    ModerationDecision,
    Reply,
    ReplyRevision,
    ReviewUpdate,
    ReviewFlag,
    Appeal,
    Audit,
    AuditEvent,
    Strike,
    Sanction,
    ReviewEvent,
    ReviewLogEntry,
]


@pytest.fixture
def records(client, invited, cast, settings, django_capture_on_commit_callbacks):
    """One row of each locked model, made by the services."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), REVIEW)
        review = Review.objects.get()
        staff = UserFactory(is_staff=True)
        settings.REVIEW_AUDIT_RATE = 1.0
        audits.audits_open(seed=1)
        Strike.objects.create(company=cast.company_a, audit=Audit.objects.get())
        moderation.flag_create(review=review, reason="fake", by_company=True, reporter=cast.owner_a)
        moderation.reply_save(review=review, author=cast.owner_a, text="Merci pour votre avis.")
        moderation.reply_save(review=review, author=cast.owner_a, text="Merci, à bientôt.")
        appeals.review_add_update(review=review, text="Problème résolu depuis, merci.")
        appeals.appeal_create(
            review=review, by="company", text="Ce client n'a jamais été le nôtre.", appellant=None
        )
        moderation.review_moderate(
            review=review,
            actor=staff,
            decision="reject",
            reason="offensive",
            note="Insultes envers le gérant, vues par la modération.",
        )
        sanctions.sanction_create(company=cast.company_a, actor=staff, reason="Faux avis.")
    rows = {model: model.objects.first() for model in LOCKED}
    assert all(rows.values()), [m.__name__ for m, row in rows.items() if row is None]
    return rows


@pytest.fixture(params=["superuser", "staff with every permission"])
def staff_client(request, admin_client):
    if request.param == "superuser":
        return admin_client
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="reviews"))
    other = Client()
    other.force_login(user)
    return other


def url(model, view: str, *args) -> str:
    return reverse(f"admin:reviews_{model._meta.model_name}_{view}", args=args)


def snapshot(model) -> list[dict]:
    return list(model.objects.order_by("pk").values())


def test_every_record_of_a_review_is_locked(records):
    """The list above is every model pointing at a review, and the records
    of an audit: a new one must be added here (and locked in the admin)."""
    pointing = {
        rel.related_model
        for rel in Review._meta.related_objects
        if rel.related_model.__module__ == "reviews.models"
    }
    assert pointing <= set(LOCKED)


@pytest.mark.parametrize("model", LOCKED, ids=lambda m: m.__name__)
def test_no_add_page(staff_client, records, model):
    before = snapshot(model)
    assert staff_client.get(url(model, "add")).status_code == 403
    assert staff_client.post(url(model, "add"), {}).status_code == 403
    assert snapshot(model) == before


@pytest.mark.parametrize("model", LOCKED, ids=lambda m: m.__name__)
def test_no_delete_page(staff_client, records, model):
    row = records[model]
    before = {m: snapshot(m) for m in LOCKED}
    assert staff_client.get(url(model, "delete", row.pk)).status_code == 403
    assert staff_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert {m: snapshot(m) for m in LOCKED} == before


@pytest.mark.parametrize("model", LOCKED, ids=lambda m: m.__name__)
def test_no_bulk_delete(staff_client, records, model):
    before = {m: snapshot(m) for m in LOCKED}
    listing = staff_client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert "delete_selected" not in listing.content.decode()
    staff_client.post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [records[model].pk], "post": "yes"},
    )
    assert {m: snapshot(m) for m in LOCKED} == before


@pytest.mark.parametrize("model", LOCKED, ids=lambda m: m.__name__)
def test_staff_read_but_cannot_change(staff_client, records, model):
    row = records[model]
    before = snapshot(model)
    page = staff_client.get(url(model, "change", row.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    posted = {f.name: "x" for f in model._meta.concrete_fields if not f.primary_key}
    assert staff_client.post(url(model, "change", row.pk), posted).status_code == 403
    assert snapshot(model) == before


# Invoices: the one with a review is its proof.


@pytest.fixture
def unreviewed(cast):
    return Invoice.objects.create(
        company=cast.company_a,
        number="F-2026-050",
        issued_on=recent_date(56),
        amount=300,
        client_name="Paul Durand",
        client_email="paul.durand@example.org",
    )


def invoice_numbers() -> set[str]:
    return set(Invoice.objects.values_list("number", flat=True))


def test_an_invoice_with_a_review_is_never_deleted(staff_client, records, unreviewed):
    reviewed = Review.objects.get().invoice
    before = invoice_numbers()
    assert staff_client.get(url(Invoice, "delete", reviewed.pk)).status_code == 403
    assert (
        staff_client.post(url(Invoice, "delete", reviewed.pk), {"post": "yes"}).status_code == 403
    )
    # Selected with an invoice that may go: the whole bulk delete is refused.
    both = {"action": "delete_selected", "_selected_action": [reviewed.pk, unreviewed.pk]}
    confirmation = staff_client.post(url(Invoice, "changelist"), both)
    assert confirmation.status_code == 200
    assert confirmation.context["protected"]
    staff_client.post(url(Invoice, "changelist"), {**both, "post": "yes"})
    assert invoice_numbers() == before
    assert Review.objects.count() == 1


def test_an_invoice_without_a_review_may_still_be_deleted(staff_client, records, unreviewed):
    listing = staff_client.get(url(Invoice, "changelist"))
    assert "delete_selected" in listing.content.decode()
    staff_client.post(
        url(Invoice, "changelist"),
        {"action": "delete_selected", "_selected_action": [unreviewed.pk], "post": "yes"},
    )
    assert not Invoice.objects.filter(pk=unreviewed.pk).exists()
    another = Invoice.objects.create(
        company=unreviewed.company,
        number="F-2026-051",
        issued_on=recent_date(56),
        amount=300,
        client_name="Paul Durand",
        client_email="paul.durand@example.org",
    )
    assert staff_client.get(url(Invoice, "delete", another.pk)).status_code == 200
    staff_client.post(url(Invoice, "delete", another.pk), {"post": "yes"})
    assert not Invoice.objects.filter(pk=another.pk).exists()


def test_the_proof_of_a_reviewed_invoice_is_read_only(staff_client, records, unreviewed):
    reviewed = Review.objects.get().invoice
    editable = staff_client.get(url(Invoice, "change", reviewed.pk)).context["adminform"].form
    for name in ("company", "number", "issued_on", "client_name", "client_company"):
        assert name not in editable.fields
    free = staff_client.get(url(Invoice, "change", unreviewed.pk)).context["adminform"].form
    assert "client_name" in free.fields
