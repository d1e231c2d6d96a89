"""Document audits of sessions recorded without an invoice (issue 13,
§ 1: "subject to the same random document audit as reviews: the pro shows
the invoice that covers the session within 15 days; failing that, the
session no longer counts and a strike is recorded")."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from common import nightly
from common.transitions import TransitionError
from loyalty.models import (
    ServiceSession,
    SessionAudit,
    SessionAuditStatus,
    SessionSource,
    SessionStrike,
)
from loyalty.selectors import session_strikes_since
from loyalty.services import session_record
from loyalty.services.audits import (
    AUDIT_DAYS,
    session_audit_decide,
    session_audit_move,
    session_audit_submit_scan,
    session_audits_close_overdue,
    session_audits_open,
    session_audits_run,
)
from reviews.services import invoices
from tests.factories import UserFactory
from tests.pdfs import minimal_pdf

pytestmark = pytest.mark.django_db

RECORDED = "2026-04-09 15:00 +0200"
NIGHT = "2026-04-10 01:55 +0200"


def record(company, reference: str, **fields) -> ServiceSession:
    session, _created = session_record(
        company=company,
        performed_on=date(2026, 4, 9),
        source=fields.pop("source", SessionSource.FORM),
        reference=reference,
        name=fields.pop("name", "Luc Petit"),
        **fields,
    )
    return session


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")


@pytest.fixture
def every_session(settings):
    settings.LOYALTY_AUDIT_RATE = 1.0


@pytest.fixture
def audited(cast, every_session) -> SessionAudit:
    """A session recorded on the form, audited the next night."""
    with time_machine.travel(RECORDED, tick=False):
        session = record(cast.company_a, "S-1")
    with time_machine.travel(NIGHT, tick=False):
        assert session_audits_open() == 1
    return SessionAudit.objects.get(session=session)


@pytest.fixture
def moderator():
    user = UserFactory(email="moderation@example.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


def history(audit: SessionAudit) -> list[tuple[str, str]]:
    return list(audit.events.values_list("from_status", "to_status"))


def counted(company) -> list[str]:
    return list(
        ServiceSession.objects.counted().filter(company=company).values_list("reference", flat=True)
    )


# --- Opening ------------------------------------------------------------------------


def test_the_night_audits_a_share_of_the_day_s_sessions_without_an_invoice(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 0.5
    settings.LOYALTY_AUDITS_PER_COMPANY_MAX = 10
    with time_machine.travel(RECORDED, tick=False):
        for n in range(10):
            record(cast.company_a, f"S-{n}")
    with time_machine.travel(NIGHT, tick=False):
        assert session_audits_open() == 5
        assert session_audits_open() == 0  # a rerun of the night opens nothing more
    audit = SessionAudit.objects.first()
    assert audit.status == SessionAuditStatus.OPEN
    assert audit.due_at - audit.opened_at == timedelta(days=AUDIT_DAYS)
    assert history(audit) == [("", "open")]


def test_the_company_s_members_are_asked_for_the_invoice_by_e_mail(
    cast, every_session, django_capture_on_commit_callbacks
):
    from django.core import mail

    with time_machine.travel(RECORDED, tick=False):
        record(cast.company_a, "S-GARDE-7")
    with (
        time_machine.travel(NIGHT, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        session_audits_open()
    message = mail.outbox[-1]
    assert sorted(message.to) == ["member-a@example.fr", "owner-a@example.fr"]
    assert "S-GARDE-7" in message.subject
    assert "prestation S-GARDE-7 du 9 avril 2026" in message.body
    assert "25 avril 2026" in message.body  # the due date
    assert f"/espace-pro/{cast.company_a.pk}/prestations/controles/" in message.body


def test_the_sample_is_reproducible_from_its_seed(cast, settings):
    settings.LOYALTY_AUDIT_RATE = 0.3
    settings.LOYALTY_AUDITS_PER_COMPANY_MAX = 10
    with time_machine.travel(RECORDED, tick=False):
        for n in range(20):
            record(cast.company_a, f"S-{n}")
    with time_machine.travel(NIGHT, tick=False):
        session_audits_open(seed="graine")
        first = set(SessionAudit.objects.values_list("session_id", flat=True))
        SessionAudit.objects.all().delete()
        session_audits_open(seed="graine")
    assert set(SessionAudit.objects.values_list("session_id", flat=True)) == first
    assert len(first) == 6


def test_sessions_of_invoices_cancelled_ones_and_older_ones_are_not_sampled(cast, every_session):
    with time_machine.travel("2026-04-01 12:00 +0200", tick=False):
        record(cast.company_a, "OLD")
    with time_machine.travel(RECORDED, tick=False):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-1",
                "issued_on": date(2026, 4, 9),
                "client_name": "Luc Petit",
                "client_email": "luc@example.org",
            },
            actor=None,
        )
        record(cast.company_a, "CANCELLED", status="cancelled")
        record(cast.company_a, "NEW", source=SessionSource.CSV)
    with time_machine.travel(NIGHT, tick=False):
        assert session_audits_open() == 1
    assert SessionAudit.objects.get().session.reference == "NEW"


# --- Missed: 15 days without the invoice ---------------------------------------------


def test_an_audit_left_open_15_days_is_missed_the_session_excluded_and_a_strike_recorded(
    cast, audited
):
    due = audited.due_at
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        assert session_audits_close_overdue() == 0
    assert counted(cast.company_a) == ["S-1"]
    with time_machine.travel(due + timedelta(hours=1), tick=False):
        assert session_audits_close_overdue() == 1
        assert session_audits_close_overdue() == 0  # once only
    audited.refresh_from_db()
    assert audited.status == SessionAuditStatus.MISSED
    assert audited.decided_at == due + timedelta(hours=1)
    assert history(audited) == [("", "open"), ("open", "missed")]
    session = audited.session
    session.refresh_from_db()
    assert session.excluded_at == due + timedelta(hours=1)
    assert session.status == "completed"  # as the pro recorded it
    assert counted(cast.company_a) == []
    strike = SessionStrike.objects.get()
    assert (strike.company, strike.audit, strike.missed) == (cast.company_a, audited, True)
    assert session_strikes_since(company_id=cast.company_a.pk, since=audited.opened_at) == 1


def test_the_nightly_step_opens_and_closes_audits(cast, every_session):
    step = nightly.step_named("session-audits")

    def run(owner: str) -> nightly.StepReport:
        return nightly.step_run(step=step, night=timezone.localdate(), owner=owner)

    with time_machine.travel(RECORDED, tick=False):
        record(cast.company_a, "S-1")
    with time_machine.travel(NIGHT, tick=False):
        assert run("night-1").run.result == "read 1, changed 1, opened 1, missed 0"
        assert run("night-1b").outcome == nightly.Outcome.ALREADY_DONE  # same night
    with time_machine.travel("2026-04-26 01:55 +0200", tick=False):
        assert run("night-17").run.result == "read 1, changed 1, opened 0, missed 1"
    assert counted(cast.company_a) == []


# --- Submitted, then passed or failed ---------------------------------------------------


def test_a_pro_sends_the_invoice_and_staff_pass_it(client, cast, audited, moderator):
    client.force_login(cast.member_a)
    page_url = reverse("loyalty:session-audits", args=[cast.company_a.pk])
    page = html.unescape(client.get(page_url).content.decode())
    assert "Prestation S-1 du 09/04/2026" in page
    response = client.post(
        page_url, {"audit": audited.pk, "scan": pdf(), "client_name": "Luc Petit"}, follow=True
    )
    assert "Merci : notre équipe va comparer la facture." in html.unescape(
        response.content.decode()
    )
    audited.refresh_from_db()
    assert audited.status == SessionAuditStatus.SUBMITTED
    assert audited.client_matches is True
    scan = audited.scans.get()
    assert scan.sent_by == cast.member_a

    client.force_login(moderator)
    staff_url = reverse("loyalty:staff-session-audits")
    assert "S-1" in client.get(staff_url).content.decode()
    scan_url = reverse("loyalty:session-audit-scan", args=[cast.company_a.pk, scan.pk])
    assert client.get(scan_url).status_code == 200
    client.post(staff_url, {"audit": audited.pk, "passed": "1"})
    audited.refresh_from_db()
    assert audited.status == SessionAuditStatus.PASSED
    assert audited.decided_by == moderator
    assert history(audited) == [("", "open"), ("open", "submitted"), ("submitted", "passed")]
    assert counted(cast.company_a) == ["S-1"]
    assert not SessionStrike.objects.exists()


def test_a_failed_audit_excludes_the_session_and_records_a_strike(cast, audited, moderator):
    session_audit_submit_scan(audit=audited, upload=pdf(), actor=cast.owner_a)
    with pytest.raises(ValidationError, match="Indiquez ce qui ne correspond pas"):
        session_audit_decide(audit=audited, actor=moderator, passed=False, note="  ")
    session_audit_decide(
        audit=audited, actor=moderator, passed=False, note="La facture date de 2025."
    )
    audited.refresh_from_db()
    assert audited.status == SessionAuditStatus.FAILED
    assert audited.note == "La facture date de 2025."
    assert history(audited)[-1] == ("submitted", "failed")
    assert counted(cast.company_a) == []
    strike = SessionStrike.objects.get()
    assert (strike.company, strike.missed) == (cast.company_a, False)
    assert session_strikes_since(company_id=cast.company_a.pk, since=audited.opened_at) == 0
    assert (
        session_strikes_since(
            company_id=cast.company_a.pk, since=audited.opened_at, missed_only=False
        )
        == 1
    )


def test_a_second_scan_adds_to_the_first(cast, audited):
    session_audit_submit_scan(audit=audited, upload=pdf(), actor=cast.owner_a)
    session_audit_submit_scan(audit=audited, upload=pdf(), actor=cast.owner_a)
    assert audited.scans.count() == 2
    assert history(audited)[-1] == ("submitted", "submitted")


def test_only_a_submitted_audit_can_be_decided_and_a_closed_one_takes_no_scan(
    cast, audited, moderator
):
    with pytest.raises(ValidationError):
        session_audit_decide(audit=audited, actor=moderator, passed=True)
    with time_machine.travel(audited.due_at + timedelta(days=1), tick=False):
        session_audits_run()
    with pytest.raises(ValidationError):
        session_audit_submit_scan(audit=audited, upload=pdf(), actor=cast.owner_a)
    audited.refresh_from_db()
    with pytest.raises(TransitionError):
        session_audit_move(
            audit=audited, to=SessionAuditStatus.PASSED, by="staff", actor=moderator, reason=""
        )


def test_a_file_that_is_not_a_document_is_refused(client, cast, audited):
    client.force_login(cast.owner_a)
    fake = SimpleUploadedFile("facture.pdf", b"%PDF-1.4 pas un pdf", "application/pdf")
    client.post(
        reverse("loyalty:session-audits", args=[cast.company_a.pk]),
        {"audit": audited.pk, "scan": fake},
    )
    audited.refresh_from_db()
    assert audited.status == SessionAuditStatus.OPEN
    assert not audited.scans.exists()


# --- Who may see and do what --------------------------------------------------------------


def test_another_company_cannot_answer_or_see_an_audit_or_its_scan(client, cast, audited):
    scan = session_audit_submit_scan(audit=audited, upload=pdf(), actor=cast.owner_a)
    client.force_login(cast.owner_b)
    own_page = reverse("loyalty:session-audits", args=[cast.company_b.pk])
    assert "S-1" not in client.get(own_page).content.decode()
    # Its own page, another company's audit: not found.
    assert client.post(own_page, {"audit": audited.pk, "scan": pdf()}).status_code == 404
    scan_url = reverse("loyalty:session-audit-scan", args=[cast.company_a.pk, scan.pk])
    assert client.get(scan_url).status_code == 404
    assert audited.scans.count() == 1


def test_the_staff_queue_needs_the_permission(client, cast, audited):
    staff_url = reverse("loyalty:staff-session-audits")
    assert client.get(staff_url).status_code == 302  # to log in
    client.force_login(cast.owner_a)
    assert client.get(staff_url).status_code == 403
    client.force_login(cast.staff)  # vetting, not moderation
    assert client.get(staff_url).status_code == 403
    session_audit_submit_scan(audit=audited, upload=pdf(), actor=cast.owner_a)
    client.post(staff_url, {"audit": audited.pk, "passed": "1"})
    audited.refresh_from_db()
    assert audited.status == SessionAuditStatus.SUBMITTED


def test_the_pro_list_shows_an_excluded_session(client, cast, audited):
    with time_machine.travel(audited.due_at + timedelta(days=1), tick=False):
        session_audits_run()
    client.force_login(cast.owner_a)
    page = client.get(reverse("loyalty:sessions", args=[cast.company_a.pk])).content.decode()
    assert "ne compte plus (contrôle)" in page
    assert timezone.now()  # the page renders outside the travel too


# --- Strikes count towards the public warning of reviews ------------------------


def test_missed_session_audits_count_towards_the_public_warning(cast, settings, every_session):
    """REVIEW_STRIKES_WARNING missed audits, of reviews or of sessions, in
    the window: the nightly pass of reviews gives the warning."""
    from reviews.models import Sanction
    from reviews.services import sanctions

    settings.REVIEW_STRIKES_WARNING = 2
    for n, (recorded, night) in enumerate(
        [(RECORDED, NIGHT), ("2026-05-04 15:00 +0200", "2026-05-05 01:55 +0200")], start=1
    ):
        with time_machine.travel(recorded, tick=False):
            record(cast.company_a, f"S-{n}")
        with time_machine.travel(night, tick=False):
            assert session_audits_open() == 1
    audits = list(SessionAudit.objects.order_by("due_at"))
    with time_machine.travel(audits[0].due_at + timedelta(hours=1), tick=False):
        session_audits_close_overdue()
        assert sanctions.warnings_refresh() == 0  # one missed audit: no warning
    with time_machine.travel(audits[1].due_at + timedelta(hours=1), tick=False):
        session_audits_close_overdue()
        assert sanctions.warnings_refresh() == 1
    warning = Sanction.objects.active().warnings().get()
    assert (warning.company, warning.strike_count) == (cast.company_a, 2)
    # Another company's strikes never count for this one.
    assert not Sanction.objects.filter(company=cast.company_b).exists()
    # A year later both left the window: the warning is lifted.
    with time_machine.travel(audits[1].due_at + timedelta(days=400), tick=False):
        assert sanctions.warnings_refresh() == 0
    assert not Sanction.objects.active().warnings().exists()


def test_an_excluded_session_no_longer_counts_for_the_score(cast, audited):
    from loyalty.models import LoyaltyScore
    from loyalty.recompute import scores_recompute

    with time_machine.travel(NIGHT, tick=False):
        record(cast.company_a, "S-2")  # another counted session, not audited
        scores_recompute()
    assert LoyaltyScore.objects.get(company=cast.company_a).sessions == 2
    with time_machine.travel(audited.due_at + timedelta(hours=1), tick=False):
        session_audits_close_overdue()
        scores_recompute()
    assert LoyaltyScore.objects.get(company=cast.company_a).sessions == 1
