"""The invitation rules (``reviews.services.invitations``) pinned at their
boundaries: the invoice age limit (``REVIEW_INVOICE_MAX_AGE_DAYS``), the
link's validity (``REVIEW_INVITATION_DAYS``), the one reminder
(``REVIEW_REMINDER_DAYS``), the opt-out and the message of each refused
link. Written against the surviving mutants of the mutation pass (``make
mutation``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from common.signed_links import LinkError
from reviews.links import invitation_token
from reviews.models import ReviewInvitation
from reviews.services import invitations, invoices

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

NOW = "2026-11-30 10:00 +0100"


def invite(company, n: int, *, issued_on: str = "2026-10-02") -> ReviewInvitation:
    invoice = invoices.invoice_create(
        company=company,
        fields={
            "number": f"I-{n}",
            "issued_on": issued_on,
            "amount": "300",
            "client_name": f"Client Invité{n}",
            "client_email": f"invite{n}@example.org",
        },
        actor=None,
    )
    return invoice.invitation


# --- The invoice age limit ---------------------------------------------------


def test_the_age_limit_is_365_days_by_default_and_a_setting(settings):
    assert invitations.invoice_max_age() == timedelta(days=365)
    settings.REVIEW_INVOICE_MAX_AGE_DAYS = 30
    assert invitations.invoice_max_age() == timedelta(days=30)


@pytest.mark.parametrize(
    ("days", "months"),
    # 137 days: 4.504 months counted in 365-day years (5), 4.49 in 366-day ones.
    [(365, 12), (730, 24), (183, 6), (137, 5), (46, 2), (45, 1), (30, 1), (10, 1), (1, 1)],
)
def test_the_age_limit_in_whole_months_is_rounded_and_at_least_one(settings, days, months):
    settings.REVIEW_INVOICE_MAX_AGE_DAYS = days
    assert invitations.invoice_max_age_months() == months


def test_the_pro_reads_the_age_limit_in_months(settings):
    assert invitations.too_old_message() == "facture de plus de 12 mois : pas d'invitation"
    with translation.override("en"):
        assert invitations.too_old_message() == "invoice more than 12 months old: no invitation"
        settings.REVIEW_INVOICE_MAX_AGE_DAYS = 30
        assert invitations.too_old_message() == "invoice more than 1 month old: no invitation"


def test_an_invoice_issued_exactly_the_limit_ago_is_still_in_time(settings):
    today = date(2026, 11, 30)
    assert not invitations.invoice_too_old(date(2025, 11, 30), today=today)
    assert invitations.invoice_too_old(date(2025, 11, 29), today=today)
    assert not invitations.invoice_too_old(today, today=today)
    settings.REVIEW_INVOICE_MAX_AGE_DAYS = 10
    assert not invitations.invoice_too_old(date(2026, 11, 20), today=today)
    assert invitations.invoice_too_old(date(2026, 11, 19), today=today)


def test_without_a_date_the_limit_counts_from_the_local_date():
    # 23:30 UTC on the 30th is already the 1st of December in Paris.
    with time_machine.travel("2026-11-30 23:30 +0000", tick=False):
        assert not invitations.invoice_too_old(date(2025, 12, 1))
        assert invitations.invoice_too_old(date(2025, 11, 30))


def test_an_invoice_past_the_limit_cannot_be_invited(cast):
    with time_machine.travel(NOW, tick=False):
        invoice = invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "OLD-1",
                "issued_on": "2025-11-01",
                "amount": "300",
                "client_name": "Client Ancien",
                "client_email": "ancien@example.org",
            },
            actor=None,
        )
        with pytest.raises(ValidationError) as error:
            invitations.invitation_create(invoice=invoice)
    assert error.value.messages == ["facture de plus de 12 mois : pas d'invitation"]
    assert not ReviewInvitation.objects.filter(invoice=invoice).exists()


# --- The invitation and its link --------------------------------------------


def test_an_invitation_is_valid_for_the_set_number_of_days_and_mailed(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.REVIEW_INVITATION_DAYS = 122
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation = invite(cast.company_a, 1)
        now = timezone.now()
    assert invitation.expires_at == now + timedelta(days=122)
    invitation.refresh_from_db()
    assert invitation.sent_at == now
    assert mail.outbox[-1].to == ["invite1@example.org"]
    settings.REVIEW_INVITATION_DAYS = 30
    with time_machine.travel(NOW, tick=False):
        assert invite(cast.company_a, 2).expires_at == now + timedelta(days=30)


def test_a_link_can_be_used_until_the_instant_it_expires(cast):
    with time_machine.travel(NOW, tick=False):
        invitation = invite(cast.company_a, 1)
    token = invitation_token(invitation)
    with time_machine.travel(invitation.expires_at - timedelta(microseconds=1), tick=False):
        found = invitations.invitation_from_token(token)
    assert found == invitation
    # The invoice and its company come with it (the review form shows them).
    assert found.invoice.company == cast.company_a
    with (
        time_machine.travel(invitation.expires_at, tick=False),
        pytest.raises(LinkError) as error,
    ):
        invitations.invitation_from_token(token)
    assert error.value.message == "Ce lien d'avis a expiré."


def test_each_refused_link_says_why(cast):
    with time_machine.travel(NOW, tick=False):
        used, answered, opted_out = (invite(cast.company_a, n) for n in range(1, 4))
        ReviewInvitation.objects.filter(pk=used.pk).update(used_at=timezone.now())
        ReviewInvitation.objects.filter(pk=opted_out.pk).update(opted_out_at=timezone.now())

        def refusal(token: str) -> str:
            with pytest.raises(LinkError) as error:
                invitations.invitation_from_token(token)
            return error.value.message

        assert refusal("not-a-token") == "Ce lien d'avis n'est pas valide."
        assert refusal(invitation_token(used)) == "Un avis a déjà été rédigé pour cette facture."
        assert refusal(invitation_token(opted_out)) == (
            "Vous avez demandé à ne plus recevoir d'invitation pour cette facture."
        )
    assert invitations.invitation_from_token(invitation_token(answered)) == answered


def test_a_link_whose_invoice_has_a_review_is_refused_even_if_not_marked_used(
    client, invited, django_capture_on_commit_callbacks
):
    token = review_path().strip("/").split("/")[-1]
    client.post(review_path(), REVIEW)
    ReviewInvitation.objects.update(used_at=None)
    with pytest.raises(LinkError) as error:
        invitations.invitation_from_token(token)
    assert error.value.message == "Un avis a déjà été rédigé pour cette facture."


def test_the_first_opening_is_noted_once(cast):
    with time_machine.travel(NOW, tick=False):
        invitation = invite(cast.company_a, 1)
        invitations.invitation_opened(invitation)
        first = timezone.now()
    with time_machine.travel("2026-12-05 10:00 +0100", tick=False):
        invitations.invitation_opened(invitation)
    invitation.refresh_from_db()
    assert invitation.opened_at == first


def test_the_opt_out_is_noted_once_and_refuses_a_bad_link(cast):
    with time_machine.travel(NOW, tick=False):
        invitation = invite(cast.company_a, 1)
        other = invite(cast.company_a, 2)
        assert invitations.invitation_opt_out(token=invitation_token(invitation)) == invitation
        first = timezone.now()
    with time_machine.travel("2026-12-05 10:00 +0100", tick=False):
        invitations.invitation_opt_out(token=invitation_token(invitation))
    invitation.refresh_from_db()
    assert invitation.opted_out_at == first
    assert ReviewInvitation.objects.get(pk=other.pk).opted_out_at is None
    with pytest.raises(LinkError) as error:
        invitations.invitation_opt_out(token="not-a-token")
    assert error.value.message == "Ce lien n'est pas valide."
    with pytest.raises(LinkError):  # a review link's token is for the review link only
        invitations.invitation_opt_out(token=invitation_token(invitation) + "x")


# --- The one reminder --------------------------------------------------------


def test_the_reminder_is_due_exactly_the_set_number_of_days_after_sending(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.REVIEW_REMINDER_DAYS = 10
    with time_machine.travel(NOW, tick=False):
        first, second = invite(cast.company_a, 1), invite(cast.company_a, 2)
    sent_at = ReviewInvitation.objects.get(pk=first.pk).sent_at
    due = sent_at + timedelta(days=10)
    assert invitations.invitations_remind(now=due - timedelta(microseconds=1)) == 0
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert invitations.invitations_remind(now=due) == 2
    assert len(mail.outbox) == sent + 2
    assert {tuple(m.to) for m in mail.outbox[-2:]} == {
        ("invite1@example.org",),
        ("invite2@example.org",),
    }
    assert all("Rappel" in m.subject for m in mail.outbox[-2:])
    assert set(ReviewInvitation.objects.values_list("reminded_at", flat=True)) == {due}
    # One reminder only.
    assert invitations.invitations_remind(now=due + timedelta(days=5)) == 0
    assert second.pk != first.pk


def test_no_reminder_for_a_link_used_opted_out_or_expired(cast, settings):
    settings.REVIEW_REMINDER_DAYS = 10
    with time_machine.travel(NOW, tick=False):
        used, opted_out, expiring, open_ = (invite(cast.company_a, n) for n in range(1, 5))
    later = timezone.now() + timedelta(days=20)
    ReviewInvitation.objects.filter(pk=used.pk).update(used_at=later)
    ReviewInvitation.objects.filter(pk=opted_out.pk).update(opted_out_at=later)
    ReviewInvitation.objects.filter(pk=expiring.pk).update(expires_at=later)
    ReviewInvitation.objects.filter(pk__in=[used.pk, opted_out.pk, expiring.pk, open_.pk]).update(
        sent_at=later - timedelta(days=10)
    )
    assert invitations.invitations_remind(now=later) == 1
    reminded = ReviewInvitation.objects.filter(reminded_at__isnull=False)
    assert list(reminded.values_list("pk", flat=True)) == [open_.pk]


def test_without_a_time_the_reminder_counts_from_now(cast, settings):
    settings.REVIEW_REMINDER_DAYS = 10
    with time_machine.travel(NOW, tick=False):
        invite(cast.company_a, 1)
    with time_machine.travel("2026-12-10 09:59 +0100", tick=False):
        assert invitations.invitations_remind() == 0
    with time_machine.travel("2026-12-10 10:00 +0100", tick=False):
        assert invitations.invitations_remind() == 1
        assert ReviewInvitation.objects.get().reminded_at == timezone.now()


def test_opening_an_invitation_marks_that_one_only_and_only_the_first_time(cast):
    with time_machine.travel(NOW, tick=False):
        first, second = invite(cast.company_a, 1), invite(cast.company_a, 2)
        invitations.invitation_opened(first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.opened_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert second.opened_at is None  # another client's link, never opened
    with time_machine.travel("2026-12-02 10:00 +0100", tick=False):
        invitations.invitation_opened(first)
    opened = first.opened_at
    first.refresh_from_db()
    assert first.opened_at == opened  # the first opening stands
