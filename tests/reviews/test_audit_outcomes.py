"""Issue 12: what a document audit does to a review, its author and the
company. The audit proves the *client*: a missed audit (the company sent
nothing within 15 days) leaves the review published with a dated public
note and counts a strike; only a failed check of the scan unpublishes.
The author is told of every outcome; missed audits lead to an automatic
public warning; an author can appeal any unpublishing; the label says
what was checked."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.links import manage_url
from reviews.models import (
    Appeal,
    Audit,
    AuditStatus,
    ModerationDecision,
    RejectionReason,
    Review,
    ReviewStatus,
    Sanction,
    SanctionKind,
    Strike,
)
from reviews.services import appeals, audits, invoices, moderation, sanctions
from reviews.services import reviews as review_services
from tests.factories import UserFactory, recent_date
from tests.pdfs import minimal_pdf

from .conftest import REVIEW

pytestmark = pytest.mark.django_db

MISSED_NOTE = "la facture n'a pas été fournie par l'entreprise"
OLD_LABEL = "Avis vérifié — facture contrôlée"
LABEL = "Avis lié à une facture"


def publish(company, n: int, *, name: str = "Client Numéro") -> Review:
    """A review of ``company``, published at once (every check passes)."""
    invoice = invoices.invoice_create(
        company=company,
        fields={
            "number": f"A-{company.pk}-{n}",
            "issued_on": recent_date(60).isoformat(),
            "amount": "1200",
            "client_name": f"{name}{n}",
            "client_email": f"client{company.pk}-{n}@example.org",
        },
        actor=None,
    )
    review = review_services.review_submit(
        invitation=invoice.invitation,
        fields={
            **{key: int(value) for key, value in REVIEW.items() if key.startswith("rating")},
            "title": f"Avis numéro {n}",
            "text": REVIEW["text"] + f" Chantier {n}.",
            "author_name": f"{name}{n}",
        },
    )
    assert review.status == ReviewStatus.PUBLISHED
    return review


def stored_as(review: Review, **values) -> None:
    """Set up a stored state directly (``name_match`` is written once by the
    submission): an UPDATE past the ORM's write-once guard and, on
    PostgreSQL, past the trigger (its replication role skips user triggers,
    for this statement only)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        models.QuerySet.update(Review.objects.filter(pk=review.pk), **values)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")


def open_audits(settings, when: str) -> list[Audit]:
    """Audit every review published in the day before ``when``."""
    settings.REVIEW_AUDIT_RATE = 1.0
    with time_machine.travel(when, tick=False):
        audits.audits_open(seed=1)
    return list(Audit.objects.filter(status=AuditStatus.OPEN).order_by("pk"))


def miss(settings, company, n: int, when: str) -> Audit:
    """A review of ``company`` published the day before ``when``, whose
    audit the company misses 16 days later."""
    with time_machine.travel(when, tick=False):
        review = publish(company, n)
    [audit] = [a for a in open_audits(settings, when) if a.review_id == review.pk]
    with time_machine.travel(audit.due_at + timedelta(hours=1), tick=False):
        audits.audits_close_overdue()
    audit.refresh_from_db()
    assert audit.status == AuditStatus.MISSED
    return audit


def send_scan(audit: Audit) -> None:
    scan = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
    audits.audit_submit_scan(audit=audit, upload=scan)


@pytest.fixture
def moderator():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def review(cast, settings):
    with time_machine.travel("2026-11-22 15:00 +0100", tick=False):
        return publish(cast.company_a, 1, name="Sophie Martin")


def page_of(client, company) -> str:
    return html.unescape(client.get(company.get_absolute_url()).content.decode())


def outcome_mails(review: Review) -> list:
    return [m for m in mail.outbox if m.to == [review.author_email] and "contrôle" in m.body]


# --- 1. A missed audit no longer unpublishes -------------------------------


def test_a_missed_audit_keeps_the_review_published_with_a_dated_note_and_a_strike(
    client, cast, review, settings, django_capture_on_commit_callbacks
):
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    # An hour before the 15 days are over, nothing happens.
    with time_machine.travel("2026-12-08 01:00 +0100", tick=False):
        assert audits.audits_close_overdue() == 0
    audit.refresh_from_db()
    assert audit.status == AuditStatus.OPEN
    # Day 16: missed.
    with (
        time_machine.travel("2026-12-09 02:00 +0100", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert audits.audits_close_overdue() == 1
    audit.refresh_from_db()
    review.refresh_from_db()
    assert audit.status == AuditStatus.MISSED
    assert review.status == ReviewStatus.PUBLISHED
    assert review.status_note == ""
    assert Strike.objects.filter(company=cast.company_a, audit=audit).count() == 1
    cast.company_a.refresh_from_db()
    assert cast.company_a.review_count == 1  # still counted in the average
    page = page_of(client, cast.company_a)
    assert review.title in page
    assert f"Contrôle du 09/12/2026 : {MISSED_NOTE}." in page
    # Not listed among the reviews removed after an audit, and not "checked".
    assert "Avis retirés après un contrôle des pièces" not in page
    assert "facture contrôlée le" not in page


def test_a_second_run_does_not_miss_the_same_audit_twice(cast, review, settings):
    open_audits(settings, "2026-11-23 02:00 +0100")
    with time_machine.travel("2026-12-09 02:00 +0100", tick=False):
        assert audits.audits_close_overdue() == 1
        assert audits.audits_close_overdue() == 0
    assert Strike.objects.count() == 1


def test_a_missed_audit_of_a_review_withdrawn_meanwhile_stays_withdrawn(cast, review, settings):
    open_audits(settings, "2026-11-23 02:00 +0100")
    appeals.review_withdraw(review=review)
    with time_machine.travel("2026-12-09 02:00 +0100", tick=False):
        assert audits.audits_close_overdue() == 1
    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN


def test_the_system_can_no_longer_unpublish_a_review():
    """The state table: only staff (a failed audit) unpublishes."""
    from common.transitions import TransitionError
    from reviews.models import REVIEW_TRANSITIONS

    with pytest.raises(TransitionError):
        REVIEW_TRANSITIONS.check(ReviewStatus.PUBLISHED, ReviewStatus.UNPUBLISHED, by="system")
    REVIEW_TRANSITIONS.check(ReviewStatus.PUBLISHED, ReviewStatus.UNPUBLISHED, by="staff")


def test_a_failed_check_of_the_scan_unpublishes_with_the_public_reason(
    client, cast, review, moderator, settings
):
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audit)
    with pytest.raises(ValidationError):  # a failure says why
        audits.audit_decide(audit=audit, actor=moderator, passed=False, note="  ")
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    audits.audit_decide(
        audit=audit, actor=moderator, passed=False, note="Le nom de la facture diffère."
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.UNPUBLISHED
    assert Strike.objects.filter(audit=audit).exists()
    page = page_of(client, cast.company_a)
    assert review.title not in page
    assert "Avis retirés après un contrôle des pièces" in page
    assert "la facture ne correspondait pas à l'avis" in page
    # A failed audit is not a missed invoice: no warning, whatever the count.
    settings.REVIEW_STRIKES_WARNING = 1
    assert sanctions.strikes_warn(company_id=cast.company_a.pk) is None


# --- 2. The author is told of every outcome --------------------------------


def test_the_author_is_told_of_a_missed_audit_in_french(
    review, settings, django_capture_on_commit_callbacks
):
    open_audits(settings, "2026-11-23 02:00 +0100")
    with (
        time_machine.travel("2026-12-09 02:00 +0100", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        audits.audits_close_overdue()
    [message] = outcome_mails(review)
    assert "n'a pas envoyé la facture" in message.subject
    assert "reste publié" in message.body
    assert "/entreprises/" in message.body or "http" in message.body


def test_the_author_is_told_of_a_passed_audit(
    review, moderator, settings, django_capture_on_commit_callbacks
):
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audit)
    with (
        time_machine.travel("2026-11-25 10:00 +0100", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        audits.audit_decide(audit=audit, actor=moderator, passed=True)
    [message] = outcome_mails(review)
    assert "la facture a été contrôlée" in message.subject
    assert "facture contrôlée le 25/11/2026" in message.body


def test_the_author_is_told_of_a_failed_audit_with_the_link_to_appeal(
    review, moderator, settings, django_capture_on_commit_callbacks
):
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audit)
    with django_capture_on_commit_callbacks(execute=True):
        audits.audit_decide(audit=audit, actor=moderator, passed=False, note="Autre client.")
    [message] = outcome_mails(review)
    assert "n'est plus publié" in message.subject
    assert "Autre client." in message.body
    assert manage_url(review).split("/avis/")[1][:20] in message.body


# --- 3. Strikes lead to an automatic public warning ------------------------


def test_two_missed_audits_within_the_window_put_a_warning_on_the_page_and_the_card(
    client, cast, settings, taxonomy
):
    miss(settings, cast.company_a, 1, "2026-03-01 02:00 +0100")
    assert not Sanction.objects.exists()  # one is not enough
    miss(settings, cast.company_a, 2, "2026-09-01 02:00 +0200")
    warning = Sanction.objects.get()
    assert (warning.kind, warning.strike_count, warning.decided_by) == (
        SanctionKind.WARNING,
        2,
        None,
    )
    with time_machine.travel("2026-09-20 12:00 +0200", tick=False):
        text = "Cette entreprise n'a pas fourni les factures demandées lors de 2 contrôles"
        page = page_of(client, cast.company_a)
        assert text in page
        assert "Ses avis restent publiés" in page
        assert "détecté de faux avis" not in page  # a warning, not a freeze
        search = client.get(reverse("directory:search"), {"q": "électricien"}).content.decode()
    cards = re.findall(r'<li class="card result">.*?</li>', search, re.S)
    [card] = [card for card in cards if cast.company_a.trade_name in card]
    assert "n'a pas fourni les factures demandées lors de 2 contrôles" in card
    # A warning does not freeze: new reviews still come.
    assert not sanctions.company_is_frozen(cast.company_a)


def test_missed_audits_further_apart_than_the_window_give_no_warning(cast, settings):
    settings.REVIEW_STRIKES_WINDOW_DAYS = 365
    miss(settings, cast.company_a, 1, "2025-01-10 02:00 +0100")
    miss(settings, cast.company_a, 2, "2026-03-01 02:00 +0100")
    assert not Sanction.objects.exists()


def test_the_number_of_missed_audits_is_a_setting(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 3
    miss(settings, cast.company_a, 1, "2026-03-01 02:00 +0100")
    miss(settings, cast.company_a, 2, "2026-04-01 02:00 +0200")
    assert not Sanction.objects.exists()
    miss(settings, cast.company_a, 3, "2026-05-01 02:00 +0200")
    assert Sanction.objects.get().strike_count == 3


def test_a_third_missed_audit_raises_the_count_of_the_same_warning(cast, settings):
    for n, when in enumerate(["2026-03-01", "2026-04-01", "2026-05-01"], start=1):
        miss(settings, cast.company_a, n, f"{when} 02:00 +0200")
    warning = Sanction.objects.get()
    assert warning.strike_count == 3
    assert "lors de 3 contrôles" in warning.reason


def test_the_nightly_job_lifts_the_warning_once_the_strikes_leave_the_window(
    client, cast, settings
):
    miss(settings, cast.company_a, 1, "2026-03-01 02:00 +0100")
    miss(settings, cast.company_a, 2, "2026-04-01 02:00 +0200")
    assert Sanction.objects.active().warnings().count() == 1
    with time_machine.travel("2027-03-10 03:00 +0100", tick=False):
        audits.audits_run(seed=1)  # both missed within the last 365 days
        assert "lors de 2 contrôles" in page_of(client, cast.company_a)
    with time_machine.travel("2027-03-20 03:00 +0100", tick=False):
        audits.audits_run(seed=1)  # the first missed on 16/03/2026: 1 left
        assert "lors de 2 contrôles" not in page_of(client, cast.company_a)
    warning = Sanction.objects.get()
    assert warning.lifted_at is not None
    assert warning.lifted_by is None


def test_the_warning_of_one_company_is_not_shown_on_another(client, cast, settings):
    miss(settings, cast.company_a, 1, "2026-03-01 02:00 +0100")
    miss(settings, cast.company_a, 2, "2026-04-01 02:00 +0200")
    assert "lors de 2 contrôles" not in page_of(client, cast.company_b)


def test_staff_freeze_and_lift_still_work_beside_a_warning(client, cast, moderator, settings):
    miss(settings, cast.company_a, 1, "2026-03-01 02:00 +0100")
    miss(settings, cast.company_a, 2, "2026-04-01 02:00 +0200")
    client.force_login(moderator)
    url = reverse("reviews:sanction", args=[cast.company_a.pk])
    client.post(url, {"reason": "Faux avis rédigés par le gérant."})
    assert sanctions.company_is_frozen(cast.company_a)
    page = page_of(client, cast.company_a)
    assert "Faux avis rédigés par le gérant." in page
    assert "lors de 2 contrôles" in page
    assert client.post(url, {"lift": "1"}).status_code == 302
    assert not sanctions.company_is_frozen(cast.company_a)
    assert Sanction.objects.active().warnings().count() == 1  # the rule's, not staff's


def test_the_sanctions_policy_states_each_sanction_with_the_settings(settings):
    from django.template import Context, Template

    settings.REVIEW_STRIKES_WARNING = 3
    settings.REVIEW_STRIKES_WINDOW_DAYS = 200
    html = Template("{% load reviews_tags %}{% sanctions_policy %}").render(Context())
    for word in ("Avertissement", "Gel", "Exclusion", "3 contrôles", "200 jours", "15 jours"):
        assert word in html, word


# --- 4. An author can appeal any unpublishing ------------------------------


def test_the_author_appeals_a_failed_audit_from_the_manage_page_and_is_republished(
    client, cast, review, moderator, settings
):
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audit)
    audits.audit_decide(audit=audit, actor=moderator, passed=False, note="Autre client.")
    url = manage_url(review)
    page = client.get(url).content.decode()
    assert "Contester la décision" in page
    assert "la facture ne correspondait pas à l'avis" in html.unescape(page)
    client.post(url, {"action": "appeal", "text": "J'ai bien payé cette facture, voici pourquoi."})
    appeal = Appeal.objects.get(review=review, by=Appeal.By.AUTHOR)
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=True, note="Erreur de lecture.")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED
    assert review.title in page_of(client, cast.company_a)


def test_the_author_appeals_a_review_staff_took_down(cast, review, moderator):
    moderation.review_moderate(
        review=review,
        actor=moderator,
        decision=ModerationDecision.Decision.REJECT,
        reason=RejectionReason.OFF_TOPIC,
        note="Signalé par l'entreprise.",
    )
    review.refresh_from_db()
    appeal = appeals.appeal_create(
        review=review, by=Appeal.By.AUTHOR, text="Mon avis parle bien du chantier facturé."
    )
    assert appeal.status == "open"


def test_a_published_review_cannot_be_appealed_by_its_author(review):
    with pytest.raises(ValidationError):
        appeals.appeal_create(
            review=review, by=Appeal.By.AUTHOR, text="Je voudrais faire appel de rien du tout."
        )
    assert not Appeal.objects.exists()


def test_an_audit_failure_is_appealable_within_6_months_of_the_audit(review, moderator, settings):
    """The 6 months run from the audit's decision, not the publication."""
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audit)
    with time_machine.travel("2027-07-01 10:00 +0200", tick=False):  # 7 months on
        audits.audit_decide(audit=audit, actor=moderator, passed=False, note="Autre client.")
    review.refresh_from_db()
    with (
        time_machine.travel("2028-01-15 10:00 +0100", tick=False),
        pytest.raises(ValidationError),
    ):
        appeals.appeal_create(
            review=review, by=Appeal.By.AUTHOR, text="J'ai bien payé cette facture, voici."
        )
    with time_machine.travel("2027-07-05 10:00 +0200", tick=False):
        appeals.appeal_create(
            review=review, by=Appeal.By.AUTHOR, text="J'ai bien payé cette facture, voici."
        )
    assert Appeal.objects.filter(review=review, status="open").count() == 1


# --- 5. The label says what was checked ------------------------------------


def test_every_review_is_tied_to_an_invoice_and_only_a_passed_audit_says_checked(
    client, cast, review, moderator, settings
):
    with time_machine.travel("2026-11-22 16:00 +0100", tick=False):
        other = publish(cast.company_a, 2)
    page = page_of(client, cast.company_a)
    assert OLD_LABEL not in page
    assert page.count(LABEL) == 2
    assert "facture contrôlée le" not in page
    audit = open_audits(settings, "2026-11-23 02:00 +0100")[0]
    assert audit.review_id == review.pk
    send_scan(audit)
    assert "facture contrôlée le" not in page_of(client, cast.company_a)  # sent, not checked
    with time_machine.travel("2026-11-25 10:00 +0100", tick=False):
        audits.audit_decide(audit=audit, actor=moderator, passed=True)
    page = page_of(client, cast.company_a)
    assert page.count("facture contrôlée le 25/11/2026") == 1
    checked = page.split(f'id="avis-{review.pk}"')[1].split("</li>")[0]
    assert "facture contrôlée le 25/11/2026" in checked
    unchecked = page.split(f'id="avis-{other.pk}"')[1].split("</li>")[0]
    assert "facture contrôlée" not in unchecked
    assert LABEL in unchecked


def test_the_labels_cost_no_query_per_review(client, cast, moderator, settings):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(cast.company_a.get_absolute_url()).status_code == 200
        return len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])

    with time_machine.travel("2026-11-22 15:00 +0100", tick=False):
        publish(cast.company_a, 1)
    one = count()
    with time_machine.travel("2026-11-22 16:00 +0100", tick=False):
        for n in range(2, 6):
            publish(cast.company_a, n)
    audits_ = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audits_[0])
    audits.audit_decide(audit=audits_[0], actor=moderator, passed=True)
    with time_machine.travel("2026-12-09 02:00 +0100", tick=False):
        audits.audits_close_overdue()
    assert count() == one


def test_a_probable_name_match_is_labelled_for_staff_only(client, cast, moderator, settings):
    with time_machine.travel("2026-11-22 15:00 +0100", tick=False):
        review = publish(cast.company_a, 1)
    stored_as(review, name_match="probable", status="pending")
    client.force_login(moderator)
    queue = client.get(reverse("reviews:moderation")).content.decode()
    assert "Nom : correspondance probable seulement" in queue
    detail = client.get(reverse("reviews:moderation-detail", args=[review.pk])).content.decode()
    assert "Nom : correspondance probable seulement" in detail
    stored_as(review, status="published")
    client.logout()
    public = page_of(client, cast.company_a).lower()
    assert review.title.lower() in public
    assert "probable" not in public


def test_the_staff_audits_page_labels_a_probable_name_match(client, cast, moderator, settings):
    with time_machine.travel("2026-11-22 15:00 +0100", tick=False):
        review = publish(cast.company_a, 1)
    stored_as(review, name_match="probable")
    [audit] = open_audits(settings, "2026-11-23 02:00 +0100")
    send_scan(audit)
    client.force_login(moderator)
    page = client.get(reverse("reviews:staff-audits")).content.decode()
    assert "Nom : correspondance probable seulement" in page
    stored_as(review, name_match="match")
    page = client.get(reverse("reviews:staff-audits")).content.decode()
    assert "correspondance probable" not in page


def test_a_moderator_can_still_open_the_review_of_a_missed_audit(
    client, cast, review, moderator, settings
):
    open_audits(settings, "2026-11-23 02:00 +0100")
    with time_machine.travel("2026-12-09 02:00 +0100", tick=False):
        audits.audits_close_overdue()
    client.force_login(moderator)
    assert client.get(reverse("reviews:moderation-detail", args=[review.pk])).status_code == 200
    assert timezone.now()  # the clock is back
