"""The strike rule (``reviews.services.sanctions``) pinned at its
boundaries: which missed audits count (``REVIEW_STRIKES_WINDOW_DAYS``, a
strike just inside and just outside the window), from how many a public
warning is given (exactly ``REVIEW_STRIKES_WARNING``), its sentence, its
count kept in step, its lifting, and what each move writes in the record
of every review of the company. Written against the surviving mutants of
the mutation pass (``make mutation``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from reviews.models import Audit, AuditStatus, Review, Sanction, SanctionKind, Strike
from reviews.services import invoices, ledger, sanctions
from reviews.services import reviews as review_services
from tests.factories import CompanyFactory, UserFactory

from .conftest import REVIEW

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def publish(company, n: int) -> Review:
    invoice = invoices.invoice_create(
        company=company,
        fields={
            "number": f"S-{company.pk}-{n}",
            "issued_on": "2026-10-01",
            "amount": "800",
            "client_name": f"Client Sanction{n}",
            "client_email": f"sanction{company.pk}-{n}@example.org",
        },
        actor=None,
    )
    return review_services.review_submit(
        invitation=invoice.invitation,
        fields={
            **{key: int(value) for key, value in REVIEW.items() if key.startswith("rating")},
            "title": f"Avis {n}",
            "text": REVIEW["text"] + f" Sanction {n}.",
            "author_name": f"Client Sanction{n}",
        },
    )


_count = iter(range(1, 10_000))


def strike(
    company, decided_at: datetime, status: str = AuditStatus.MISSED, review: Review | None = None
) -> Strike:
    """A strike of ``company``: an audit of ``review`` (by default a new
    one), closed as ``status`` at ``decided_at``."""
    review = review or publish(company, next(_count))
    audit = Audit.objects.create(
        review=review,
        reason="sample",
        status=status,
        opened_at=decided_at - timedelta(days=16),
        due_at=decided_at - timedelta(days=1),
        decided_at=decided_at,
    )
    return Strike.objects.create(company=company, audit=audit)


def sanction_entries(review: Review) -> list[dict]:
    return [
        entry.payload for entry in review.log_entries.order_by("seq") if entry.kind == "sanction"
    ]


# --- Which missed audits count ----------------------------------------------


def test_only_missed_audits_decided_within_the_window_up_to_now_count(cast, settings):
    settings.REVIEW_STRIKES_WINDOW_DAYS = 365
    company = cast.company_a
    window_start = NOW - timedelta(days=365)
    strike(company, window_start)  # exactly a window ago: out
    assert sanctions.missed_audits(company.pk, now=NOW) == 0
    strike(company, window_start + timedelta(microseconds=1))  # just inside
    assert sanctions.missed_audits(company.pk, now=NOW) == 1
    strike(company, NOW)  # decided now: in
    assert sanctions.missed_audits(company.pk, now=NOW) == 2
    strike(company, NOW + timedelta(microseconds=1))  # after now: not yet
    strike(company, NOW - timedelta(days=1), status=AuditStatus.FAILED)  # failed, not missed
    strike(cast.company_b, NOW - timedelta(days=1))  # another company's
    assert sanctions.missed_audits(company.pk, now=NOW) == 2


def test_the_window_is_a_setting(cast, settings):
    strike(cast.company_a, NOW - timedelta(days=40))
    settings.REVIEW_STRIKES_WINDOW_DAYS = 41
    assert sanctions.missed_audits(cast.company_a.pk, now=NOW) == 1
    settings.REVIEW_STRIKES_WINDOW_DAYS = 40
    assert sanctions.missed_audits(cast.company_a.pk, now=NOW) == 0


# --- The warning --------------------------------------------------------------


def test_a_warning_is_given_from_exactly_the_set_number_of_missed_audits(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 3
    company = cast.company_a
    strike(company, NOW - timedelta(days=3))
    strike(company, NOW - timedelta(days=2))
    assert sanctions.strikes_warn(company_id=company.pk, now=NOW) is None
    assert not Sanction.objects.exists()
    strike(company, NOW - timedelta(days=1))
    warning = sanctions.strikes_warn(company_id=company.pk, now=NOW)
    assert warning == Sanction.objects.get()
    assert (warning.company_id, warning.kind, warning.strike_count, warning.decided_by) == (
        company.pk,
        SanctionKind.WARNING,
        3,
        None,
    )
    assert warning.reason == (
        "Cette entreprise n'a pas fourni les factures demandées lors de 3 contrôles."
    )
    assert warning.lifted_at is None
    assert not sanctions.company_is_frozen(company)


def test_a_single_missed_audit_warning_reads_in_the_singular(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 1
    strike(cast.company_a, NOW - timedelta(days=1))
    warning = sanctions.strikes_warn(company_id=cast.company_a.pk, now=NOW)
    assert (
        warning.reason == "Cette entreprise n'a pas fourni la facture demandée lors de 1 contrôle."
    )


def test_the_warning_is_chained_in_the_record_of_every_review_of_the_company(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 2
    company = cast.company_a
    strike(company, NOW - timedelta(days=2))
    strike(company, NOW - timedelta(days=1))
    other = publish(cast.company_b, 99)
    with time_machine.travel(NOW, tick=False):
        warning = sanctions.strikes_warn(company_id=company.pk)
    reviews = list(Review.objects.filter(company=company).order_by("pk"))
    assert len(reviews) == 2
    for review in reviews:
        assert sanction_entries(review) == [
            {
                "sanction": warning.pk,
                "kind": "warning",
                "action": "given",
                "reason_sha256": ledger.digest(warning.reason),
                "actor": None,
                "at": ledger.iso(NOW),
            }
        ]
    assert sanction_entries(other) == []
    assert warning.created_at == NOW


def test_the_warning_follows_the_count_and_says_so_once(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 2
    company = cast.company_a
    strike(company, NOW - timedelta(days=3))
    strike(company, NOW - timedelta(days=2))
    warning = sanctions.strikes_warn(company_id=company.pk, now=NOW)
    # The same count again: nothing changes, nothing is chained.
    assert sanctions.strikes_warn(company_id=company.pk, now=NOW) == warning
    review = Review.objects.filter(company=company).order_by("pk").first()
    assert [e["action"] for e in sanction_entries(review)] == ["given"]
    strike(company, NOW - timedelta(days=1))
    later = NOW + timedelta(hours=1)
    again = sanctions.strikes_warn(company_id=company.pk, now=later)
    assert again.pk == warning.pk
    assert Sanction.objects.count() == 1
    warning.refresh_from_db()
    assert warning.strike_count == 3
    assert warning.reason == (
        "Cette entreprise n'a pas fourni les factures demandées lors de 3 contrôles."
    )
    changed = sanction_entries(review)[-1]
    assert (changed["action"], changed["kind"], changed["actor"], changed["at"]) == (
        "changed",
        "warning",
        None,
        ledger.iso(later),
    )
    assert changed["reason_sha256"] == ledger.digest(warning.reason)


def test_the_warning_is_lifted_by_the_rule_once_below_the_number(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 2
    settings.REVIEW_STRIKES_WINDOW_DAYS = 30
    company = cast.company_a
    strike(company, NOW - timedelta(days=20))
    strike(company, NOW - timedelta(days=10))
    warning = sanctions.strikes_warn(company_id=company.pk, now=NOW)
    # Ten days later the first strike is exactly 30 days old: out.
    lift_at = NOW + timedelta(days=10)
    assert sanctions.strikes_warn(company_id=company.pk, now=lift_at) is None
    warning.refresh_from_db()
    assert (warning.lifted_at, warning.lifted_by) == (lift_at, None)
    review = Review.objects.filter(company=company).order_by("pk").first()
    lifted = sanction_entries(review)[-1]
    assert (lifted["sanction"], lifted["action"], lifted["actor"], lifted["at"]) == (
        warning.pk,
        "lifted",
        None,
        ledger.iso(lift_at),
    )
    # Lifted once: the next pass has nothing to lift.
    assert sanctions.strikes_warn(company_id=company.pk, now=lift_at) is None
    assert [e["action"] for e in sanction_entries(review)] == ["given", "lifted"]


def test_a_freeze_is_not_the_warning_of_the_rule(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 2
    company = cast.company_a
    strike(company, NOW - timedelta(days=1))
    second = publish(company, 500)
    moderator = UserFactory(is_staff=True)
    freeze = sanctions.sanction_create(company=company, actor=moderator, reason="Faux avis.")
    # Below the number: the rule lifts no freeze.
    assert sanctions.strikes_warn(company_id=company.pk, now=NOW) is None
    freeze.refresh_from_db()
    assert freeze.lifted_at is None
    assert sanctions.company_is_frozen(company)
    strike(company, NOW - timedelta(hours=1), review=second)
    warning = sanctions.strikes_warn(company_id=company.pk, now=NOW)
    assert warning.kind == SanctionKind.WARNING
    assert warning.pk != freeze.pk


def test_the_nightly_pass_lifts_old_warnings_and_counts_the_active_ones(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 2
    settings.REVIEW_STRIKES_WINDOW_DAYS = 30
    # Lifted sanctions of a third company first, so that no warning's id is
    # one of the companies' ids: the pass works by company.
    third = CompanyFactory()
    for _ in range(3):
        Sanction.objects.create(company=third, reason="Levée.", lifted_at=NOW)
    for company, days in ((cast.company_a, (25, 20)), (cast.company_b, (5, 2))):
        for day in days:
            strike(company, NOW - timedelta(days=day))
        sanctions.strikes_warn(company_id=company.pk, now=NOW)
    assert Sanction.objects.active().warnings().count() == 2
    assert sanctions.warnings_refresh(now=NOW) == 2
    # Six days on, company A's first strike left the window.
    assert sanctions.warnings_refresh(now=NOW + timedelta(days=6)) == 1
    assert list(Sanction.objects.active().values_list("company_id", flat=True)) == [
        cast.company_b.pk
    ]
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        assert sanctions.warnings_refresh() == 0
        assert Sanction.objects.get(company=cast.company_b).lifted_at == timezone.now()


# --- Freezes ----------------------------------------------------------------


def test_a_freeze_needs_a_public_reason_and_stops_new_reviews_until_lifted(cast):
    moderator = UserFactory(is_staff=True)
    company = cast.company_a
    review = publish(company, 1)
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            sanctions.sanction_create(company=company, actor=moderator, reason=reason)
        assert error.value.messages == ["L'avertissement doit être motivé ; il est public."]
    assert not sanctions.company_is_frozen(company)
    freeze = sanctions.sanction_create(company=company, actor=moderator, reason="  Faux avis.  ")
    assert (freeze.kind, freeze.reason, freeze.decided_by) == (
        SanctionKind.FREEZE,
        "Faux avis.",
        moderator,
    )
    assert sanctions.company_is_frozen(company)
    assert not sanctions.company_is_frozen(cast.company_b)
    with pytest.raises(ValidationError) as error:
        sanctions.sanction_create(company=company, actor=moderator, reason="Encore.")
    assert error.value.messages == ["Cette entreprise est déjà sanctionnée."]
    sanctions.sanction_lift(sanction=freeze, actor=moderator)
    assert not sanctions.company_is_frozen(company)
    assert [(e["action"], e["kind"], e["actor"]) for e in sanction_entries(review)] == [
        ("given", "freeze", moderator.pk),
        ("lifted", "freeze", moderator.pk),
    ]
    # Lifting twice chains nothing more.
    sanctions.sanction_lift(sanction=freeze, actor=moderator)
    assert len(sanction_entries(review)) == 2


def test_the_warning_sentence_in_english_singular_and_plural(cast, settings):
    """French catalogues find a plural by its singular: only a language
    without a translation reads the plural source sentence itself."""
    settings.REVIEW_STRIKES_WARNING = 1
    strike(cast.company_a, NOW - timedelta(days=2))
    with translation.override("en"):
        warning = sanctions.strikes_warn(company_id=cast.company_a.pk, now=NOW)
        assert warning.reason == (
            "This company did not send the invoice asked for in 1 document audit."
        )
        strike(cast.company_a, NOW - timedelta(days=1))
        warning = sanctions.strikes_warn(company_id=cast.company_a.pk, now=NOW)
    assert warning.reason == (
        "This company did not send the invoices asked for in 2 document audits."
    )


def test_many_companies_are_kept_in_step_by_a_fixed_number_of_reads(settings):
    """``strikes_warn_many`` (the nightly passes) gives, raises, lifts and
    leaves each company's warning as ``strikes_warn`` would, and reads the
    strikes and warnings of all the companies in three queries: a pass
    with nothing to change costs the same for two companies or four."""
    settings.REVIEW_STRIKES_WARNING = 2
    settings.REVIEW_STRIKES_WINDOW_DAYS = 30
    given, below, lifted, raised = (CompanyFactory() for _ in range(4))
    for day in (10, 3):
        strike(given, NOW - timedelta(days=day))
    strike(below, NOW - timedelta(days=4))
    strike(lifted, NOW - timedelta(days=45))
    old = Sanction.objects.create(
        company=lifted, kind=SanctionKind.WARNING, strike_count=2, reason="Ancien."
    )
    for day in (12, 8, 1):
        strike(raised, NOW - timedelta(days=day))
    before = Sanction.objects.create(
        company=raised, kind=SanctionKind.WARNING, strike_count=2, reason="Deux."
    )
    everyone = [company.pk for company in (given, below, lifted, raised)]

    with translation.override("en"):
        warned = sanctions.strikes_warn_many(company_ids=everyone, now=NOW)

    assert set(warned) == {given.pk, raised.pk}
    assert warned[given.pk].strike_count == 2
    assert warned[given.pk].decided_by is None
    assert warned[raised.pk].pk == before.pk
    before.refresh_from_db()
    assert before.strike_count == 3
    assert "in 3 document audits" in before.reason
    old.refresh_from_db()
    assert old.lifted_at == NOW
    assert not Sanction.objects.filter(company=below).exists()
    # Each one agrees with the single-company rule, which changes nothing more.
    for company_id in everyone:
        assert sanctions.strikes_warn(company_id=company_id, now=NOW) == warned.get(company_id)
    with CaptureQueriesContext(connection) as two:
        sanctions.strikes_warn_many(company_ids=everyone[:2], now=NOW)
    with CaptureQueriesContext(connection) as four:
        sanctions.strikes_warn_many(company_ids=everyone, now=NOW)
    assert len(two) == len(four) == 3
