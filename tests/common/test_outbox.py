"""The outbox: every e-mail is a row written with the change that causes
it, sent exactly once by a worker, whatever the broker or the SMTP server
did meanwhile (issue 10, §1).

Faults are injected at their source only: the broker by making every
Celery publish (``Task.apply_async``) raise kombu's ``OperationalError``,
as Redis down does; SMTP by making the mail backend raise."""

from __future__ import annotations

import smtplib
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from celery.app.task import Task
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from post_office.models import STATUS, Email, Log

from common.mail import queue_templated
from common.tasks import outbox_purge, outbox_sweep, send_outbox_email
from directory.models import MembershipRole, Profession, QuoteRequest
from directory.quotes.services import quote_reply_create
from directory.team.services import invitation_create
from eligibility import services as eligibility
from eligibility.models import Application
from reviews import links
from reviews.models import Review, ReviewInvitation, ReviewStatus
from reviews.services import audits, invitations, moderation
from tests.conftest import PASSWORD
from tests.directory.test_quote_requests import form_data as quote_form
from tests.directory.test_quote_requests import url as quote_url
from tests.factories import QuoteRequestFactory, UserFactory, checks_pass, recent_date

from ..reviews.conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


@contextmanager
def broker_down():
    """Redis stopped: every publish fails as kombu reports it."""
    error = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with mock.patch.object(Task, "apply_async", side_effect=error):
        yield


@contextmanager
def smtp_down():
    error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=error
    ):
        yield


def sweep(after=timedelta(minutes=2)):
    """The beat's sweeper, run ``after`` from now (the broker is back)."""
    with time_machine.travel(timezone.now() + after, tick=False):
        return outbox_sweep()


def pending() -> int:
    return Email.objects.filter(status__in=(STATUS.queued, STATUS.requeued)).count()


# --- The two journeys observed while Redis was down --------------------------


def test_a_review_submitted_while_the_broker_is_down_is_published_and_its_receipt_sent_later(
    client, invited, django_capture_on_commit_callbacks
):
    path = review_path()
    mail.outbox.clear()
    invitation_row = Email.objects.get()
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, REVIEW)
    assert response.status_code == 200  # not a 500
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    assert mail.outbox == []  # delayed, not lost
    assert pending() == 1

    assert sweep() == 1
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["sophie.martin@example.org"]
    # The link to update, withdraw or appeal: the same signed payload (its
    # timestamp is the second it was signed, so not compared).
    payload = links.manage_url(review).rsplit(":", 2)[0]
    assert payload in receipt.body
    # Swept again, or its task delivered twice by the broker: still one.
    assert sweep(timedelta(minutes=10)) == 0
    assert send_outbox_email(Email.objects.exclude(pk=invitation_row.pk).get().pk) == "skipped"
    assert len(mail.outbox) == 1


def test_an_invoice_registered_while_the_broker_is_down_gets_its_invitation_later(
    client, cast, django_capture_on_commit_callbacks
):
    client.login(username=cast.member_a.username, password=PASSWORD)
    data = {
        "number": "F-1",
        "issued_on": recent_date(60).isoformat(),
        "amount": "1500",
        "client_name": "Luc Petit",
        "client_email": "luc@example.org",
    }
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:invoices", args=[cast.company_a.pk]), data)
    assert response.status_code == 302  # not a 500
    invitation = ReviewInvitation.objects.get()
    assert mail.outbox == []
    assert invitation.sent_at is not None  # the reminder job will see it

    assert sweep() == 1
    assert [m.to for m in mail.outbox] == [["luc@example.org"]]
    assert "/avis/" in mail.outbox[0].body
    assert sweep(timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1


# --- Every other kind of e-mail -----------------------------------------------
#
# Each kind prepares what its e-mail needs (with a working broker), then
# returns the write that queues the e-mail and who must receive it.


def _team_invitation(cast, client):
    def act():
        invitation_create(
            company=cast.company_a,
            email="nouveau@example.fr",
            role=MembershipRole.MEMBER,
            invited_by=cast.owner_a,
        )

    return act, ["nouveau@example.fr"]


def _quote_confirmation(cast, client):
    def act():
        assert client.post(quote_url(cast.company_a), quote_form()).status_code == 302

    return act, ["claire@example.fr"]


def _quote_notification(cast, client):
    client.login(username=cast.consumer.username, password=PASSWORD)
    data = quote_form(email="consumer@example.fr", email_confirmation="consumer@example.fr")

    def act():
        assert client.post(quote_url(cast.company_a), data).status_code == 302
        assert QuoteRequest.objects.get().status == "new"

    return act, ["owner-a@example.fr", "member-a@example.fr"]


def _quote_reply(cast, client):
    quote = QuoteRequestFactory(company=cast.company_a)

    def act():
        quote_reply_create(quote=quote, author=cast.member_a, body="Nous passons mardi.")

    return act, ["claire@example.fr"]


def _application(kind):
    def prepare(cast, client):
        applicant = UserFactory(email="gerant@cuisines-rhone.fr")
        application = Application.objects.create(
            applicant=applicant,
            legal_name="Cuisines du Rhône",
            siren="732829320",
            address="4 quai Saint-Antoine",
            postal_code="69002",
            city="Lyon",
            year_founded=2012,
            services_description="Conception et pose de cuisines sur mesure.",
            new_clients_per_day=2,
            average_amount_eur=8000,
            decision_time="days_or_more",
            invoices_name_client="yes",
        )
        application.professions.set(Profession.objects.filter(slug="cuisiniste"))
        eligibility.application_submit(application=application, actor=applicant)
        vetter = UserFactory(is_staff=True)
        vetter.groups.add(Group.objects.get(name="vetting"))

        def act():
            if kind == "information":
                eligibility.application_request_information(
                    application=application, actor=vetter, question="Votre Kbis ?"
                )
            elif kind == "rejected":
                eligibility.application_reject(
                    application=application, actor=vetter, reason="Hors du champ."
                )
            else:
                checks_pass(application, vetter)
                eligibility.application_approve(application=application, actor=vetter)

        return act, ["gerant@cuisines-rhone.fr"]

    return prepare


def _signup(cast, client):
    def act():
        response = client.post(
            reverse("account_signup"),
            {"email": "nouveau@example.fr", "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 302

    return act, ["nouveau@example.fr"]


def _password_reset(cast, client):
    def act():
        response = client.post(reverse("account_reset_password"), {"email": "consumer@example.fr"})
        assert response.status_code == 302

    return act, ["consumer@example.fr"]


def _review_request(cast, client):
    def act():
        data = {"invoice_number": "F-77", "name": "Sophie Martin", "email": "sophie@example.org"}
        response = client.post(reverse("reviews:request", args=[cast.company_a.slug]), data)
        assert response.status_code in (200, 302)

    return act, ["sophie@example.org"]


def _moderation(cast, client):
    client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})  # a name mismatch
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderation"))

    def act():
        moderation.review_moderate(review=review, actor=moderator, decision="publish", note="Vu.")

    return act, ["sophie.martin@example.org"]


def _audit_request(cast, client):
    client.post(review_path(), REVIEW)

    def act():
        assert audits.audits_open(seed=1) == 1

    return act, ["owner-a@example.fr", "member-a@example.fr"]


def _reminder(cast, client):
    later = ReviewInvitation.objects.get().sent_at + timedelta(days=11)

    def act():
        assert invitations.invitations_remind(now=later) == 1

    return act, ["sophie.martin@example.org"]


KINDS = {
    "team invitation": _team_invitation,
    "quote confirmation": _quote_confirmation,
    "quote notification": _quote_notification,
    "quote reply": _quote_reply,
    "application information": _application("information"),
    "application rejected": _application("rejected"),
    "application approved": _application("approved"),
    "sign-up verification": _signup,
    "password reset": _password_reset,
    "review request confirmation": _review_request,
    "moderation decision": _moderation,
    "audit request": _audit_request,
    "invitation reminder": _reminder,
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_email_survives_a_broker_outage_and_is_sent_once(
    kind, client, cast, invited, django_capture_on_commit_callbacks, settings
):
    settings.REVIEW_AUDIT_RATE = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        act, recipients = KINDS[kind](cast, client)
    mail.outbox.clear()
    already = set(Email.objects.values_list("pk", flat=True))
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        act()  # the write succeeds
    assert mail.outbox == [], kind
    queued = Email.objects.exclude(pk__in=already)
    assert [row.status for row in queued] == [STATUS.queued], kind

    assert sweep() == 1
    assert len(mail.outbox) == 1, kind
    assert sorted(mail.outbox[0].to) == sorted(recipients)
    assert mail.outbox[0].subject.startswith("[Plus que pro] ")
    # The worker's message delivered twice, the sweeper run again: one e-mail.
    assert send_outbox_email(queued.get().pk) == "skipped"
    assert sweep(timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1, kind


# --- A write that rolls back has no e-mail ------------------------------------


def test_an_email_queued_in_a_transaction_that_rolls_back_is_never_sent(
    cast, django_capture_on_commit_callbacks
):
    def write_that_fails():
        with transaction.atomic():
            invitation_create(
                company=cast.company_a, email="x@example.fr", role="member", invited_by=cast.owner_a
            )
            raise RuntimeError("the rest of the write failed")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        write_that_fails()
    assert not Email.objects.exists()
    assert sweep() == 0
    assert mail.outbox == []


# --- A worker lost while sending ----------------------------------------------


def _queued(django_capture_on_commit_callbacks, to="luc@example.org") -> Email:
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        return queue_templated("review_request", _request_context(), [to])


def _request_context():
    return {"request": None, "company": {"name": "Alpha"}, "url": "http://127.0.0.1:8000/x/"}


def test_a_row_held_by_a_worker_is_not_sent_by_another_until_its_lease_ends(
    db, django_capture_on_commit_callbacks
):
    row = _queued(django_capture_on_commit_callbacks)
    # A worker claimed the row, then died (kill -9, WorkerLostError) before sending.
    now = timezone.now()
    claimed = Email.objects.filter(pk=row.pk, scheduled_time__isnull=True).update(
        scheduled_time=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    )
    assert claimed == 1
    assert send_outbox_email(row.pk) == "skipped"  # the other worker sees it held
    assert sweep(timedelta(minutes=2)) == 0
    assert mail.outbox == []
    # The lease is over: the sweeper hands it out again, and it is sent once.
    assert sweep(timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)) == 1
    assert len(mail.outbox) == 1
    assert Email.objects.get().status == STATUS.sent


def test_two_workers_given_the_same_row_send_it_once(db, django_capture_on_commit_callbacks):
    row = _queued(django_capture_on_commit_callbacks)
    assert [send_outbox_email(row.pk), send_outbox_email(row.pk)] == ["sent", "skipped"]
    assert len(mail.outbox) == 1


def test_a_new_row_is_left_to_its_own_task_for_a_grace_period(
    db, django_capture_on_commit_callbacks
):
    _queued(django_capture_on_commit_callbacks)
    assert sweep(timedelta(seconds=5)) == 0
    assert sweep(timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS + 1)) == 1


# --- SMTP failures: back-off, then a dead letter staff can re-send -------------


def test_smtp_failures_are_retried_with_back_off_then_the_row_is_failed(
    db, django_capture_on_commit_callbacks, caplog, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_SECONDS = 60
    row = _queued(django_capture_on_commit_callbacks)
    start = timezone.now()
    with smtp_down():
        with time_machine.travel(start + timedelta(minutes=2), tick=False):
            assert outbox_sweep() == 1
        row.refresh_from_db()
        assert (row.status, row.number_of_retries) == (STATUS.requeued, 1)
        assert row.scheduled_time == start + timedelta(minutes=3)  # 1 minute later
        with time_machine.travel(start + timedelta(minutes=2, seconds=59), tick=False):
            assert outbox_sweep() == 0  # not due yet
        with time_machine.travel(start + timedelta(minutes=3), tick=False):
            assert outbox_sweep() == 1
        row.refresh_from_db()
        assert (row.status, row.number_of_retries) == (STATUS.requeued, 2)
        assert row.scheduled_time == start + timedelta(minutes=5)  # then 2 minutes
        with time_machine.travel(start + timedelta(minutes=5), tick=False):
            assert outbox_sweep() == 1
    row.refresh_from_db()
    assert (row.status, row.number_of_retries, row.scheduled_time) == (STATUS.failed, 3, None)
    assert mail.outbox == []
    assert sweep(timedelta(days=1)) == 0  # dead: only staff bring it back
    assert (
        list(Log.objects.values_list("exception_type", flat=True)) == ["SMTPServerDisconnected"] * 3
    )
    # One line per attempt, never the message.
    assert "luc@example.org" not in caplog.text
    assert "http://127.0.0.1:8000/x/" not in caplog.text
    assert "attempt 3/3 failed (SMTPServerDisconnected), given up" in caplog.text


@pytest.fixture
def failed_row(db, django_capture_on_commit_callbacks, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    row = _queued(django_capture_on_commit_callbacks)
    with smtp_down():
        assert send_outbox_email(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == STATUS.failed
    return row


@pytest.fixture
def superuser_client(client):
    UserFactory(email="root@plusquepro.fr", is_staff=True, is_superuser=True)
    client.login(username="root@plusquepro.fr", password=PASSWORD)
    return client


def test_staff_list_failed_emails_read_only(superuser_client, failed_row):
    changelist = reverse("admin:post_office_email_changelist")
    page = superuser_client.get(changelist, {"status__exact": STATUS.failed})
    assert page.status_code == 200
    assert "luc@example.org" in page.content.decode()
    detail = superuser_client.get(reverse("admin:post_office_email_change", args=[failed_row.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()  # no form to change it
    assert "SMTPServerDisconnected" in detail.content.decode()  # its log
    response = superuser_client.post(
        reverse("admin:post_office_email_change", args=[failed_row.pk]),
        {"to": "attacker@example.com", "subject": "x"},
    )
    assert response.status_code == 403
    failed_row.refresh_from_db()
    assert failed_row.to == ["luc@example.org"]


def test_staff_re_send_a_failed_email_once_smtp_is_back(
    superuser_client, failed_row, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            reverse("admin:post_office_email_changelist"),
            {"action": "resend_failed", "_selected_action": [failed_row.pk]},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["luc@example.org"]]
    failed_row.refresh_from_db()
    assert (failed_row.status, failed_row.number_of_retries) == (STATUS.sent, 0)
    # A sent row is not sent again by the same action.
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            reverse("admin:post_office_email_changelist"),
            {"action": "resend_failed", "_selected_action": [failed_row.pk]},
        )
    assert len(mail.outbox) == 1


def test_re_send_needs_the_permission_to_change_emails(client, failed_row):
    viewer = UserFactory(email="viewer@plusquepro.fr", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_email"))
    client.login(username="viewer@plusquepro.fr", password=PASSWORD)
    changelist = reverse("admin:post_office_email_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "resend_failed", "_selected_action": [failed_row.pk]})
    failed_row.refresh_from_db()
    assert failed_row.status == STATUS.failed


def test_the_support_group_lists_and_re_sends_failed_emails_without_reading_them(
    client, failed_row, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Group

    agent = UserFactory(email="support@plusquepro.fr", is_staff=True)
    agent.groups.add(Group.objects.get(name="support"))
    client.login(username="support@plusquepro.fr", password=PASSWORD)
    changelist = reverse("admin:post_office_email_changelist")
    page = client.get(changelist, {"status__exact": STATUS.failed})
    assert page.status_code == 200
    assert "luc@example.org" in page.content.decode()
    detail = client.get(reverse("admin:post_office_email_change", args=[failed_row.pk]))
    assert detail.status_code in (302, 403)  # the body stays closed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "resend_failed", "_selected_action": [failed_row.pk]})
    failed_row.refresh_from_db()
    assert failed_row.status == STATUS.sent
    assert [m.to for m in mail.outbox] == [["luc@example.org"]]


# --- Personal data: kept only as long as needed --------------------------------


def test_sent_and_failed_rows_are_purged_after_the_retention_period(
    db, django_capture_on_commit_callbacks, settings
):
    settings.OUTBOX_RETENTION_DAYS = 30
    sent, failed, waiting, recent = (
        _queued(django_capture_on_commit_callbacks, to=f"{name}@example.org")
        for name in ("sent", "failed", "waiting", "recent")
    )
    long_ago = timezone.now() - timedelta(days=31)
    Email.objects.filter(pk=sent.pk).update(status=STATUS.sent, last_updated=long_ago)
    Email.objects.filter(pk=failed.pk).update(status=STATUS.failed, last_updated=long_ago)
    Email.objects.filter(pk=waiting.pk).update(status=STATUS.requeued, last_updated=long_ago)
    Email.objects.filter(pk=recent.pk).update(status=STATUS.sent)
    Log.objects.create(email=failed, status=STATUS.failed, message="x")
    assert outbox_purge() == 2
    assert set(Email.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert not Log.objects.exists()


def test_the_sweeper_and_the_purge_are_scheduled():
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["common.tasks.outbox_sweep"]["schedule"] <= 60
    assert "common.tasks.outbox_purge" in schedule
