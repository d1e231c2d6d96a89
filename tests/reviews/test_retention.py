"""Retention (issue 12): a removed review and its evidence are kept at
least REVIEW_RETENTION_DAYS, then anonymised and the evidence deleted;
the client data of an invoice never reviewed is erased after the
invitation window; every audit scan is kept until then. Time travels
with time_machine; the files are real files in the private storage."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.models import private_storage
from reviews import tasks
from reviews.models import (
    Appeal,
    Audit,
    AuditScan,
    InvitationPolicy,
    Invoice,
    Reply,
    Review,
    ReviewFlag,
    ReviewInvitation,
    ReviewRequest,
    ReviewSettings,
    ReviewStatus,
    ReviewUpdate,
)
from reviews.services import audits, invoices, retention, transitions
from tests.conftest import PASSWORD
from tests.factories import UserFactory, recent_date
from tests.pdfs import minimal_pdf

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-03-02T10:00:00+01:00")
CLIENT_EMAIL = "sophie.martin@example.org"
PHONE = "+33699056090"


def at(days: float):
    """Travel to ``days`` after T0 (time stands still there)."""
    return time_machine.travel(T0 + timedelta(days=days), tick=False)


def pdf(name: str = "facture.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(), "application/pdf")


def exists(name: str) -> bool:
    return bool(name) and private_storage().exists(name)


def register(cast, n: int, capture, **extra) -> Invoice:
    fields = {
        "number": f"F-{n}",
        "issued_on": recent_date(10).isoformat(),  # 10 days before registration
        "client_name": "Mme Sophie Martin",
        "client_email": CLIENT_EMAIL if n == 1 else f"client{n}@example.org",
        "client_phone": PHONE,
        **extra,
    }
    with capture(execute=True):
        return invoices.invoice_create(company=cast.company_a, fields=fields, actor=cast.owner_a)


def write(client, cast, n: int, capture, **extra) -> Review:
    """Invoice ``n`` of company A, its client invited, their review sent."""
    invoice = register(cast, n, capture, **extra)
    with capture(execute=True):
        client.post(review_path(), REVIEW)
    return Review.objects.get(invoice=invoice)


def remove(review: Review, status: str) -> None:
    """Move ``review`` to a removed status, the way each happens."""
    review.refresh_from_db()
    if status == ReviewStatus.WITHDRAWN:
        transitions.review_move(review=review, to=status, by="author", actor=None, reason="")
        return
    if review.status != ReviewStatus.PUBLISHED and status == ReviewStatus.UNPUBLISHED:
        transitions.review_move(
            review=review, to=ReviewStatus.PUBLISHED, by="staff", actor=None, reason=""
        )
    transitions.review_move(review=review, to=status, by="staff", actor=None, reason="test")


@pytest.fixture
def evidence(client, cast, settings):
    """Company A's review with all its evidence, removed at T0: a scan on
    its invoice, two scans sent for its audit, an update, a reply, a flag,
    an appeal decided, a review request naming the client."""
    settings.REVIEW_AUDIT_RATE = 1.0

    def build(status: str, capture) -> Review:
        with at(-10):
            review = write(client, cast, 1, capture, scan=pdf(), amount="1500")
            review.refresh_from_db()
            if review.status != ReviewStatus.PUBLISHED:
                transitions.review_move(
                    review=review, to=ReviewStatus.PUBLISHED, by="staff", actor=None, reason=""
                )
            audits.audits_open(seed=1)
            audit = Audit.objects.get(review=review)
            audits.audit_submit_scan(audit=audit, upload=pdf(), actor=cast.member_a)
            audits.audit_submit_scan(audit=audit, upload=pdf(), actor=cast.member_a)
            ReviewUpdate.objects.create(review=review, text="Problème réglé depuis, merci.")
            Reply.objects.create(review=review, author=cast.owner_a, text="Merci Madame Martin.")
            ReviewFlag.objects.create(review=review, reason="other", note="Mme Martin, 06 99")
            ReviewRequest.objects.create(
                company=cast.company_a,
                invoice_number="F-1",
                name="Sophie Martin",
                email=CLIENT_EMAIL,
                invoice=review.invoice,
            )
        with at(0):
            remove(review, status)
        return review

    return build


def files_of(review: Review) -> list[str]:
    scans = AuditScan.objects.filter(audit__review=review).values_list("file", flat=True)
    names = [*scans, Invoice.objects.get(pk=review.invoice_id).scan.name]
    return [name for name in names if name]


REMOVED = [ReviewStatus.WITHDRAWN, ReviewStatus.REJECTED, ReviewStatus.UNPUBLISHED]


@pytest.mark.parametrize("status", REMOVED)
def test_a_removed_review_and_its_evidence_stay_a_year_then_are_anonymised(
    evidence, status, django_capture_on_commit_callbacks
):
    review = evidence(status, django_capture_on_commit_callbacks)
    files = files_of(review)
    assert len(files) == 3
    assert all(exists(name) for name in files)
    days = settings.REVIEW_RETENTION_DAYS
    assert days >= 365

    with at(days - 1):
        assert retention.retention_apply() == retention.RetentionReport()
    review.refresh_from_db()
    assert (review.text, review.author_email, review.anonymised_at) == (
        REVIEW["text"],
        CLIENT_EMAIL,
        None,
    )
    invoice = Invoice.objects.get(pk=review.invoice_id)
    assert (invoice.client_email, invoice.client_phone) == (CLIENT_EMAIL, PHONE)
    assert all(exists(name) for name in files)
    assert AuditScan.objects.filter(audit__review=review).count() == 2

    with at(days + 1):
        report = retention.retention_apply()
    assert report == retention.RetentionReport(
        reviews_anonymised=1, invoices_erased=1, files_deleted=3
    )
    review.refresh_from_db()
    assert review.status == status  # the record stays: status, ratings, dates, history
    assert (review.rating, review.rating_quality) == (5, 4)
    assert review.events.count() >= 2
    assert review.anonymised_at == T0 + timedelta(days=days + 1)
    for field in ("title", "text", "author_name", "author_email", "author_domain", "ip_hash"):
        assert getattr(review, field) == "", field
    assert review.display_name == ""
    invoice.refresh_from_db()
    assert (invoice.number, str(invoice.amount)) == ("F-1", "1500.00")
    for field in ("client_name", "client_company", "client_email", "client_phone"):
        assert getattr(invoice, field) == "", field
    assert invoice.client_email_canonical == ""
    assert invoice.client_data_erased_at is not None
    assert not invoice.scan
    # The evidence is gone: rows and files.
    assert not any(exists(name) for name in files)
    assert not AuditScan.objects.filter(audit__review=review).exists()
    assert Audit.objects.filter(review=review).exists()  # the audit's outcome stays
    assert not ReviewUpdate.objects.filter(review=review).exists()
    assert not Reply.objects.filter(review=review).exists()
    assert list(ReviewFlag.objects.filter(review=review).values_list("note", flat=True)) == [""]
    assert not ReviewRequest.objects.filter(email=CLIENT_EMAIL).exists()


def test_the_clock_starts_at_the_removal_not_the_submission(
    client, cast, django_capture_on_commit_callbacks
):
    with at(-300):
        review = write(client, cast, 1, django_capture_on_commit_callbacks)
    with at(0):
        remove(review, ReviewStatus.WITHDRAWN)
    with at(settings.REVIEW_RETENTION_DAYS - 1):  # 300 + 365 days after its submission
        assert retention.retention_apply().reviews_anonymised == 0
    with at(settings.REVIEW_RETENTION_DAYS + 1):
        assert retention.retention_apply().reviews_anonymised == 1


def test_a_retention_set_below_a_year_still_keeps_a_year(
    client, cast, settings, django_capture_on_commit_callbacks
):
    settings.REVIEW_RETENTION_DAYS = 30
    with at(0):
        review = write(client, cast, 1, django_capture_on_commit_callbacks)
        remove(review, ReviewStatus.WITHDRAWN)
    with at(364):
        assert retention.retention_apply().reviews_anonymised == 0
    with at(366):
        assert retention.retention_apply().reviews_anonymised == 1


def test_published_and_pending_reviews_are_never_anonymised(
    client, cast, django_capture_on_commit_callbacks
):
    with at(0):
        published = write(client, cast, 1, django_capture_on_commit_callbacks)
        pending = write(client, cast, 2, django_capture_on_commit_callbacks)  # same text
    assert (published.status, pending.status) == ("published", "pending")
    with at(5 * 365):
        report = retention.retention_apply()
    assert report == retention.RetentionReport()
    for review in (published, pending):
        review.refresh_from_db()
        assert review.anonymised_at is None
        assert review.text == REVIEW["text"]
        assert Invoice.objects.get(pk=review.invoice_id).client_phone == PHONE


def test_a_review_under_appeal_waits_for_the_decision(
    client, cast, django_capture_on_commit_callbacks
):
    with at(0):
        review = write(client, cast, 1, django_capture_on_commit_callbacks)
        remove(review, ReviewStatus.REJECTED)
        appeal = Appeal.objects.create(review=review, by="author", text="Je conteste ce refus.")
    with at(400):
        assert retention.retention_apply().reviews_anonymised == 0
        Appeal.objects.filter(pk=appeal.pk).update(status="dismissed")
        assert retention.retention_apply().reviews_anonymised == 1
    appeal.refresh_from_db()
    assert appeal.text == ""


def test_the_author_s_private_link_dies_with_the_anonymisation(
    client, cast, django_capture_on_commit_callbacks
):
    from django.core import mail

    with at(0):
        review = write(client, cast, 1, django_capture_on_commit_callbacks)
        path = next(
            line for line in mail.outbox[-1].body.split() if "/avis/gerer/" in line
        ).removeprefix("http://testserver")
        path = path[path.index("/avis/gerer/") :]
        assert client.get(path).status_code == 200
        remove(review, ReviewStatus.WITHDRAWN)
    with at(367):
        retention.retention_apply()
        assert client.get(path).status_code in (400, 404)


# --- Invoices never reviewed --------------------------------------------------------


def test_the_client_data_of_an_invoice_never_reviewed_is_erased_after_the_window(
    client, cast, django_capture_on_commit_callbacks
):
    window = settings.REVIEW_INVITATION_DAYS + settings.REVIEW_CLIENT_DATA_MARGIN_DAYS
    with at(0):
        unreviewed = register(cast, 1, django_capture_on_commit_callbacks, scan=pdf())
        reviewed = write(client, cast, 2, django_capture_on_commit_callbacks)
    scan = unreviewed.scan.name
    assert exists(scan)
    with at(window - 1):
        assert retention.retention_apply() == retention.RetentionReport()
    unreviewed.refresh_from_db()
    assert (unreviewed.client_email, unreviewed.client_phone) == (CLIENT_EMAIL, PHONE)
    with at(window + 1):
        report = retention.retention_apply()
    assert report == retention.RetentionReport(invoices_erased=1, files_deleted=1)
    unreviewed.refresh_from_db()
    assert (unreviewed.client_name, unreviewed.client_email, unreviewed.client_phone) == (
        "",
        "",
        "",
    )
    assert unreviewed.client_data_erased_at is not None
    assert not unreviewed.scan
    assert not exists(scan)
    kept = Invoice.objects.get(pk=reviewed.invoice_id)
    assert (kept.client_name, kept.client_phone) == ("Mme Sophie Martin", PHONE)


def test_an_invoice_never_invited_is_erased_after_the_same_window(
    cast, django_capture_on_commit_callbacks
):
    """Below the company's threshold: no invitation, the same window."""
    ReviewSettings.objects.create(
        company=cast.company_a, policy=InvitationPolicy.MIN_AMOUNT, min_amount=1000
    )
    window = settings.REVIEW_INVITATION_DAYS + settings.REVIEW_CLIENT_DATA_MARGIN_DAYS
    with at(0):
        invoice = register(cast, 1, django_capture_on_commit_callbacks, amount="200")
    assert not ReviewInvitation.objects.filter(invoice=invoice).exists()
    with at(window - 1):
        assert retention.retention_apply().invoices_erased == 0
    with at(window + 1):
        assert retention.retention_apply().invoices_erased == 1


def test_an_invitation_sent_later_keeps_the_client_data_until_it_expires(
    cast, django_capture_on_commit_callbacks
):
    window = settings.REVIEW_INVITATION_DAYS + settings.REVIEW_CLIENT_DATA_MARGIN_DAYS
    with at(0):
        invoice = register(cast, 1, django_capture_on_commit_callbacks)
    # A review request matched late: the invitation is sent again, later.
    invoice.invitation.expires_at = T0 + timedelta(days=200 + settings.REVIEW_INVITATION_DAYS)
    invoice.invitation.save()
    with at(window + 1):
        assert retention.retention_apply().invoices_erased == 0
    with at(200 + window + 1):
        assert retention.retention_apply().invoices_erased == 1


def test_the_pro_sees_that_the_client_data_was_erased(
    client, cast, django_capture_on_commit_callbacks
):
    window = settings.REVIEW_INVITATION_DAYS + settings.REVIEW_CLIENT_DATA_MARGIN_DAYS
    with at(0):
        register(cast, 1, django_capture_on_commit_callbacks)
    with at(window + 1):
        retention.retention_apply()
        client.login(username=cast.member_a.username, password=PASSWORD)
        page = client.get(reverse("reviews:invoices", args=[cast.company_a.pk])).content.decode()
    assert "F-1" in page
    assert "Mme Sophie Martin" not in page
    assert "coordonnées du client effacées" in page


# --- Audit scans: a write-once list ---------------------------------------------------


@pytest.fixture
def audited(client, cast, settings, django_capture_on_commit_callbacks):
    settings.REVIEW_AUDIT_RATE = 1.0
    review = write(client, cast, 1, django_capture_on_commit_callbacks)
    audits.audits_open(seed=1)
    return Audit.objects.get(review=review)


def test_two_scans_of_one_audit_are_both_kept(client, cast, audited):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-audits", args=[cast.company_a.pk])
    client.post(url, {"audit": audited.pk, "scan": pdf("premiere.pdf")})
    client.post(url, {"audit": audited.pk, "scan": pdf("seconde.pdf")})
    scans = list(AuditScan.objects.filter(audit=audited))
    assert len(scans) == 2
    assert scans[0].file.name != scans[1].file.name
    assert all(exists(scan.file.name) for scan in scans)
    assert {scan.sent_by for scan in scans} == {cast.member_a}
    audited.refresh_from_db()
    assert audited.status == "submitted"
    # Both are listed for the company and for the staff who decide audits.
    page = client.get(url).content.decode()
    for scan in scans:
        link = reverse("reviews:audit-scan", args=[cast.company_a.pk, scan.pk])
        assert link in page
        assert client.get(link).status_code == 200
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderation"))
    client.login(username=moderator.username, password=PASSWORD)
    staff_page = client.get(reverse("reviews:staff-audits")).content.decode()
    for scan in scans:
        link = reverse("reviews:audit-scan", args=[cast.company_a.pk, scan.pk])
        assert link in staff_page
        assert client.get(link).status_code == 200


def test_a_scan_is_written_once(cast, audited):
    audits.audit_submit_scan(audit=audited, upload=pdf(), actor=cast.member_a)
    scan = AuditScan.objects.get()
    scan.file = "autre.pdf"
    with pytest.raises(ValidationError):
        scan.save()


@pytest.mark.parametrize("who", ["owner_b", "consumer", "staff", None])
def test_nobody_else_downloads_an_audit_scan(client, cast, audited, who):
    audits.audit_submit_scan(audit=audited, upload=pdf(), actor=cast.member_a)
    scan = AuditScan.objects.get()
    if who:
        client.login(username=getattr(cast, who).username, password=PASSWORD)
    response = client.get(reverse("reviews:audit-scan", args=[cast.company_a.pk, scan.pk]))
    assert response.status_code in (302, 404) if who is None else response.status_code == 404
    # Nor through another company's address.
    client.login(username=cast.owner_b.username, password=PASSWORD)
    wrong = reverse("reviews:audit-scan", args=[cast.company_b.pk, scan.pk])
    assert client.get(wrong).status_code == 404


def test_a_closed_audit_takes_no_more_scans(cast, audited):
    Audit.objects.filter(pk=audited.pk).update(status="passed")
    with pytest.raises(ValidationError):
        audits.audit_submit_scan(audit=audited, upload=pdf(), actor=cast.member_a)
    assert not AuditScan.objects.exists()


# --- The job: idempotent, bounded, scheduled; the command ------------------------------


def removed_reviews(client, cast, count: int, capture, start: int = 1) -> list[Review]:
    with at(0):
        reviews = [write(client, cast, n, capture, scan=pdf()) for n in range(start, start + count)]
        for review in reviews:
            remove(review, ReviewStatus.WITHDRAWN)
    return reviews


def test_running_twice_does_the_work_once(client, cast, django_capture_on_commit_callbacks):
    removed_reviews(client, cast, 2, django_capture_on_commit_callbacks)
    with at(400):
        first = retention.retention_apply()
        erased = dict(Invoice.objects.values_list("pk", "client_data_erased_at"))
        anonymised = dict(Review.objects.values_list("pk", "anonymised_at"))
    with at(401):
        assert retention.retention_apply() == retention.RetentionReport()
    assert first.reviews_anonymised == 2
    assert dict(Invoice.objects.values_list("pk", "client_data_erased_at")) == erased
    assert dict(Review.objects.values_list("pk", "anonymised_at")) == anonymised


def test_the_queries_do_not_grow_with_the_rows(client, cast, django_capture_on_commit_callbacks):
    removed_reviews(client, cast, 2, django_capture_on_commit_callbacks)
    with at(400), CaptureQueriesContext(connection) as few:
        assert retention.retention_apply().reviews_anonymised == 2
    removed_reviews(client, cast, 6, django_capture_on_commit_callbacks, start=10)
    with at(400), CaptureQueriesContext(connection) as many:
        assert retention.retention_apply().reviews_anonymised == 6
    assert len(many) == len(few)


def test_a_night_is_bounded_in_batches(
    client, cast, monkeypatch, django_capture_on_commit_callbacks
):
    removed_reviews(client, cast, 5, django_capture_on_commit_callbacks)
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    monkeypatch.setattr(retention, "MAX_BATCHES", 2)
    with at(400):
        assert retention.retention_apply().reviews_anonymised == 4  # the fifth waits
        assert retention.retention_apply().reviews_anonymised == 1


def test_the_nightly_task_runs_the_job_once_a_day(client, cast, django_capture_on_commit_callbacks):
    removed_reviews(client, cast, 1, django_capture_on_commit_callbacks)
    with at(400):
        result = tasks.apply_retention.apply(task_id="beat-1").result
        assert tasks.apply_retention.apply(task_id="beat-2").result is None  # same day
    assert result == {"reviews_anonymised": 1, "invoices_erased": 1, "files_deleted": 1}
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "reviews.tasks.apply_retention"
    )
    assert entry["options"]["expires"] <= 24 * 60 * 60


def test_the_command_counts_in_a_dry_run_and_changes_nothing(
    client, cast, capsys, django_capture_on_commit_callbacks
):
    removed_reviews(client, cast, 2, django_capture_on_commit_callbacks)
    with at(0):
        register(cast, 50, django_capture_on_commit_callbacks)  # never reviewed
    with at(400):
        call_command("apply_retention", "--dry-run")
        out = capsys.readouterr().out
        assert "Would anonymise 2 removed reviews" in out
        assert "client data of 3 invoices" in out
        assert "2 files" in out
        assert not Review.objects.filter(anonymised_at__isnull=False).exists()
        assert not Invoice.objects.filter(client_data_erased_at__isnull=False).exists()
        call_command("apply_retention")
        assert "Anonymised 2 removed reviews" in capsys.readouterr().out
        assert Review.objects.filter(anonymised_at__isnull=False).count() == 2
        assert Invoice.objects.filter(client_data_erased_at__isnull=False).count() == 3


def test_a_file_already_gone_is_no_error(client, cast, django_capture_on_commit_callbacks):
    (review,) = removed_reviews(client, cast, 1, django_capture_on_commit_callbacks)
    private_storage().delete(Invoice.objects.get(pk=review.invoice_id).scan.name)
    with at(400):
        assert retention.retention_apply().reviews_anonymised == 1


# --- What the pages say ------------------------------------------------------------------


def test_the_retention_rule_states_the_figures_the_job_applies(settings):
    from django.template.loader import render_to_string

    settings.REVIEW_RETENTION_DAYS = 400
    settings.REVIEW_INVITATION_DAYS = 100
    settings.REVIEW_CLIENT_DATA_MARGIN_DAYS = 20
    text = render_to_string("reviews/includes/retention_rule.html")
    assert "au moins 400 jours" in text
    assert "120 jours après" in text
    settings.REVIEW_RETENTION_DAYS = 10
    assert "au moins 365 jours" in render_to_string("reviews/includes/retention_rule.html")


def test_the_privacy_policy_states_both_periods(client, settings):
    settings.REVIEW_CLIENT_DATA_MARGIN_DAYS = 20
    page = client.get(reverse("directory:privacy")).content.decode()
    assert f"Conservés au moins {settings.REVIEW_RETENTION_DAYS} jours" in page
    assert "anonymisé" in page
    assert f"Effacées {settings.REVIEW_INVITATION_DAYS + 20} jours" in page


# --- The migration: the scan an audit left on its invoice becomes its first AuditScan ---


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_audit_s_scan_to_its_list(cast):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    names = [n for app, n in executor.loader.disk_migrations if app == "reviews"]
    (mine,) = [n for n in names if n.endswith("retention_audit_scans_optional_amount")]
    before = executor.loader.get_migration("reviews", mine).dependencies
    (previous,) = [dep for dep in before if dep[0] == "reviews"]
    leaves = executor.loader.graph.leaf_nodes("reviews")
    try:
        executor.migrate([previous])
        old = executor.loader.project_state([previous]).apps
        scan = private_storage().save("invoice/ancien.pdf", pdf())
        invoice = old.get_model("reviews", "Invoice").objects.create(
            company_id=cast.company_a.pk,
            number="F-1",
            issued_on="2026-01-05",
            amount=100,
            client_name="Luc Petit",
            client_email="luc@example.org",
            scan=scan,
        )
        untouched = old.get_model("reviews", "Invoice").objects.create(
            company_id=cast.company_a.pk,
            number="F-2",
            issued_on="2026-01-05",
            amount=100,
            client_name="Ana Roux",
            client_email="ana@example.org",
            scan="invoice/registration.pdf",
        )
        review = old.get_model("reviews", "Review").objects.create(
            company_id=cast.company_a.pk,
            invoice_id=invoice.pk,
            rating=4,
            rating_reliability=4,
            rating_quality=4,
            rating_value=4,
            rating_communication=4,
            title="Bien",
            text="x" * 60,
            experience_date="2026-01-05",
            author_name="Luc Petit",
            author_email="luc@example.org",
            declared_at=T0,
            name_match="match",
            name_score=1.0,
            status="published",
        )
        audit = old.get_model("reviews", "Audit").objects.create(
            review_id=review.pk, reason="sample", status="submitted", opened_at=T0, due_at=T0
        )
        sent = T0 + timedelta(days=3)
        old.get_model("reviews", "AuditEvent").objects.create(
            audit_id=audit.pk,
            from_status="open",
            to_status="submitted",
            actor_id=cast.member_a.pk,
            created_at=sent,
        )
        executor = MigrationExecutor(connection)
        executor.migrate([("reviews", mine)])
        new = executor.loader.project_state([("reviews", mine)]).apps
        scans = list(
            new.get_model("reviews", "AuditScan").objects.values_list(
                "audit_id", "file", "sent_at", "sent_by_id"
            )
        )
        assert scans == [(audit.pk, scan, sent, cast.member_a.pk)]
        moved = new.get_model("reviews", "Invoice").objects.get(pk=invoice.pk)
        assert moved.scan.name == ""
        # An invoice never audited keeps the scan given at its registration.
        kept = new.get_model("reviews", "Invoice").objects.get(pk=untouched.pk)
        assert kept.scan.name == "invoice/registration.pdf"
        assert private_storage().exists(scan)  # the file stays where it was
    finally:
        MigrationExecutor(connection).migrate(leaves)


@pytest.mark.parametrize("status", REMOVED)
def test_the_anonymisation_leaves_the_review_s_record_intact(
    evidence, status, django_capture_on_commit_callbacks
):
    """The record holds codes and digests, never the texts retention
    blanks: anonymising a removed review breaks no chain."""
    from reviews.services import ledger

    review = evidence(status, django_capture_on_commit_callbacks)
    assert ledger.chains_verify(review_ids=[review.pk]) == []
    with at(400):
        assert retention.retention_apply().reviews_anonymised == 1
    assert ledger.chains_verify(review_ids=[review.pk]) == []
    assert ledger.chains_verify() == []
