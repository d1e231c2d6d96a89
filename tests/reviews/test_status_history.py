"""Review.status and Audit.status move only through their state machines
(reviews.services.transitions): every former path records who, from, to and
why; a move outside the table is refused; the history cannot be edited."""

from __future__ import annotations

import itertools

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from common.transitions import TransitionError
from reviews import links
from reviews.models import (
    Appeal,
    Audit,
    AuditEvent,
    AuditStatus,
    Review,
    ReviewEvent,
    ReviewStatus,
)
from reviews.services import appeals, audits, moderation, transitions
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.pdfs import minimal_pdf

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def published(client, invited):
    client.post(review_path(), REVIEW)
    return Review.objects.get()


@pytest.fixture
def pending(client, invited):
    client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})
    return Review.objects.get()


def moves(review: Review) -> list[tuple]:
    return list(review.events.values_list("actor", "from_status", "to_status"))


def test_submission_records_the_first_status_and_why(published):
    event = published.events.get()
    assert (event.actor, event.from_status, event.to_status) == (None, "", "published")
    assert event.reason
    assert event.created_at == published.published_at


def test_a_review_sent_to_moderation_records_the_failed_check(pending):
    event = pending.events.get()
    assert (event.actor, event.from_status, event.to_status) == (None, "", "pending")
    assert "Nom de l'auteur différent de celui de la facture" in event.reason


def test_moderation_publish_and_reject_are_recorded(pending, moderator):
    moderation.review_moderate(review=pending, actor=moderator, decision="publish", note="Vu.")
    moderation.review_moderate(
        review=pending,
        actor=moderator,
        decision="reject",
        reason="offensive",
        note="Insultes envers le gérant.",
    )
    assert moves(pending) == [
        (None, "", "pending"),
        (moderator.pk, "pending", "published"),
        (moderator.pk, "published", "rejected"),
    ]
    assert "Insultes envers le gérant." in pending.events.last().reason


def test_withdrawal_is_recorded(client, published):
    client.post(
        reverse("reviews:manage", args=[links.manage_token(published)]), {"action": "withdraw"}
    )
    event = published.events.last()
    assert (event.actor, event.from_status, event.to_status) == (None, "published", "withdrawn")
    assert event.reason


def test_an_upheld_author_appeal_records_the_way_back_to_moderation(pending, moderator):
    moderation.review_moderate(
        review=pending, actor=moderator, decision="reject", reason="name_mismatch"
    )
    pending.refresh_from_db()
    appeal = appeals.appeal_create(
        review=pending, by=Appeal.By.AUTHOR, text="J'ai réglé la facture au nom de ma compagne."
    )
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=True, note="Couple vérifié.")
    assert moves(pending) == [
        (None, "", "pending"),
        (moderator.pk, "pending", "rejected"),
        (moderator.pk, "rejected", "pending"),
        (moderator.pk, "pending", "published"),
    ]
    assert "Couple vérifié." in pending.events.all()[2].reason


def test_an_upheld_company_appeal_records_the_rejection(published, moderator, cast):
    appeal = appeals.appeal_create(
        review=published,
        by=Appeal.By.COMPANY,
        text="Ce client n'a jamais été facturé pour ce chantier.",
        appellant=cast.owner_a,
    )
    appeals.appeal_decide(
        appeal=appeal,
        actor=moderator,
        upheld=True,
        reason="off_topic",
        note="La facture porte sur un autre chantier.",
    )
    event = published.events.last()
    assert (event.actor, event.from_status, event.to_status) == (
        moderator,
        "published",
        "rejected",
    )
    assert event.reason


def test_a_missed_audit_records_both_machines(published, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    with time_machine.travel("2026-11-23 02:00 +0100", tick=False):
        audits.audits_open(now=timezone.now(), seed=1)
    audit = Audit.objects.get()
    opened = audit.events.get()
    assert (opened.actor, opened.from_status, opened.to_status) == (None, "", "open")
    assert opened.reason
    with time_machine.travel("2026-12-09 02:00 +0100", tick=False):
        audits.audits_close_overdue()
    assert list(audit.events.values_list("actor", "from_status", "to_status")) == [
        (None, "", "open"),
        (None, "open", "missed"),
    ]
    # Issue 12: a missed audit leaves the review published (no new event).
    event = published.events.last()
    assert (event.from_status, event.to_status) == ("", "published")
    published.refresh_from_db()
    assert published.status == "published"


def test_the_scan_and_staff_decisions_are_recorded(client, cast, published, moderator, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    client.login(username=cast.member_a.username, password=PASSWORD)
    scan = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
    client.post(
        reverse("reviews:pro-audits", args=[cast.company_a.pk]), {"audit": audit.pk, "scan": scan}
    )
    audits.audit_decide(audit=audit, actor=moderator, passed=False, note="Autre nom.")
    assert list(audit.events.values_list("actor", "from_status", "to_status", "reason"))[1:] == [
        (cast.member_a.pk, "open", "submitted", audit.events.all()[1].reason),
        (moderator.pk, "submitted", "failed", "Autre nom."),
    ]
    assert audit.events.all()[1].reason
    event = published.events.last()
    assert (event.actor, event.from_status, event.to_status) == (
        moderator,
        "published",
        "unpublished",
    )


def test_a_passed_audit_is_recorded(published, moderator, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    scan = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
    audits.audit_submit_scan(audit=audit, upload=scan)
    audits.audit_decide(audit=audit, actor=moderator, passed=True)
    event = audit.events.last()
    assert (event.actor, event.from_status, event.to_status) == (moderator, "submitted", "passed")
    assert event.reason


def test_a_move_outside_the_table_is_refused(published, moderator, settings):
    with pytest.raises(TransitionError):
        transitions.review_move(
            review=published, to=ReviewStatus.PENDING, by="staff", actor=moderator, reason="no"
        )
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
    assert published.events.count() == 1
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    with pytest.raises(TransitionError):
        transitions.audit_move(
            audit=audit, to=AuditStatus.PASSED, by="staff", actor=moderator, reason="no scan"
        )
    assert audit.events.count() == 1


def test_a_move_by_the_wrong_role_is_refused(published, moderator):
    # Only the author withdraws; only staff reject; the system only unpublishes.
    for to, by in (
        (ReviewStatus.WITHDRAWN, "staff"),
        (ReviewStatus.REJECTED, "author"),
        (ReviewStatus.REJECTED, "system"),
        (ReviewStatus.UNPUBLISHED, "author"),
    ):
        with pytest.raises(TransitionError):
            transitions.review_move(review=published, to=to, by=by, actor=None, reason="no")
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
    assert published.events.count() == 1


def test_history_cannot_be_edited(published, settings):
    event = published.events.get()
    event.reason = "Rewritten."
    with pytest.raises(ValidationError):
        event.save()
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit_event = AuditEvent.objects.get()
    audit_event.to_status = AuditStatus.PASSED
    with pytest.raises(ValidationError):
        audit_event.save()
    assert ReviewEvent.objects.get().reason != "Rewritten."


def test_moderators_see_the_history(client, pending, moderator):
    client.login(username=moderator.username, password=PASSWORD)
    page = client.get(reverse("reviews:moderation-detail", args=[pending.pk])).content.decode()
    assert (
        "Nom de l&#x27;auteur différent de celui de la facture"
        in page.split('<ol class="list">')[1]
    )


def test_demo_reviews_and_audits_have_their_history(taxonomy, places):
    call_command("seed_demo", companies=40, no_accounts=True, verbosity=0)
    call_command("seed_demo_reviews", companies=20, verbosity=0)
    for review in Review.objects.prefetch_related("events"):
        # A chain from creation to the current status: moderated reviews
        # went through moderation first.
        moves = [(e.from_status, e.to_status) for e in review.events.all()]
        assert moves[0][0] == ""
        assert moves[-1][1] == review.status
        assert all(a[1] == b[0] for a, b in itertools.pairwise(moves))
    for audit in Audit.objects.prefetch_related("events"):
        assert [(e.from_status, e.to_status) for e in audit.events.all()] == [("", "open")]
