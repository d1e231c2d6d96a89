"""Document audits and fraud signals."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reviews.models import Audit, AuditStatus, Review, ReviewStatus, Strike
from reviews.services import audits
from tests.conftest import PASSWORD
from tests.factories import UserFactory, recent_date
from tests.pdfs import minimal_pdf

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(client, invited):
    client.post(review_path(), REVIEW)
    return Review.objects.get()


def test_sampling_is_reproducible_with_a_seed(published, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    assert audits.audits_open(seed=42) == 1
    audit = Audit.objects.get()
    assert (audit.review, audit.reason, audit.status) == (published, "sample", "open")
    assert (audit.due_at - audit.opened_at).days == 15
    # Already audited: never twice.
    assert audits.audits_open(seed=42) == 0


def test_the_same_seed_draws_the_same_sample(cast, settings, django_capture_on_commit_callbacks):
    from reviews.services import invoices
    from reviews.services import reviews as review_services

    settings.REVIEW_AUDIT_RATE = 0.3
    reviews = []
    for n in range(10):
        with django_capture_on_commit_callbacks(execute=False):
            invoice = invoices.invoice_create(
                company=cast.company_a,
                fields={
                    "number": f"S-{n}",
                    "issued_on": recent_date(60).isoformat(),
                    "amount": "1200",
                    "client_name": f"Client Numéro{n}",
                    "client_email": f"c{n}@example.org",
                },
                actor=None,
            )
        reviews.append(
            review_services.review_submit(
                invitation=invoice.invitation,
                fields={
                    "rating": 4,
                    "rating_reliability": 4,
                    "rating_quality": 4,
                    "rating_value": 4,
                    "rating_communication": 4,
                    "title": f"Avis {n}",
                    "text": REVIEW["text"] + f" Variante {n}.",
                    "author_name": f"Client Numéro{n}",
                },
            )
        )
    drawn = []
    for _ in range(2):
        audits.audits_open(seed="2026-11-23")
        drawn.append(set(Audit.objects.values_list("review_id", flat=True)))
        Audit.objects.all().delete()
    assert drawn[0] == drawn[1]
    assert len(drawn[0]) == 3


def test_a_missed_audit_keeps_the_review_published_with_a_public_note_and_a_strike(
    client, published, settings, django_capture_on_commit_callbacks
):
    """Issue 12: the company's silence proves nothing against the client
    (tests/reviews/test_audit_outcomes.py has the rest)."""
    settings.REVIEW_AUDIT_RATE = 1.0
    with (
        time_machine.travel("2026-11-23 02:00 +0100", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        audits.audits_open(now=timezone.now(), seed=1)
    assert "F-2026-001" in mail.outbox[-1].body  # the company is asked for the invoice
    with time_machine.travel("2026-12-09 02:00 +0100", tick=False):
        assert audits.audits_close_overdue() == 1
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
    assert Strike.objects.filter(company=published.company).count() == 1
    page = client.get(published.company.get_absolute_url()).content.decode()
    assert "Un tableau refait proprement" in page
    assert "la facture n&#x27;a pas été fournie par l&#x27;entreprise" in page or (
        "la facture n'a pas été fournie par l'entreprise" in page
    )
    published.company.refresh_from_db()
    assert published.company.review_count == 1


def test_the_pro_sends_the_scan_and_staff_decide(client, cast, published, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-audits", args=[cast.company_a.pk])
    scan = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
    client.post(url, {"audit": audit.pk, "scan": scan})
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderation"))
    client.login(username=moderator.username, password=PASSWORD)
    assert "Mme Sophie Martin" in client.get(reverse("reviews:staff-audits")).content.decode()
    client.post(reverse("reviews:staff-audits"), {"audit": audit.pk, "passed": "1"})
    audit.refresh_from_db()
    assert audit.status == AuditStatus.PASSED
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED


def test_a_fake_scan_is_refused(client, cast, published, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    client.login(username=cast.member_a.username, password=PASSWORD)
    fake = SimpleUploadedFile("facture.pdf", b"not a pdf at all", "application/pdf")
    client.post(
        reverse("reviews:pro-audits", args=[cast.company_a.pk]), {"audit": audit.pk, "scan": fake}
    )
    audit.refresh_from_db()
    assert audit.status == AuditStatus.OPEN


def test_another_company_cannot_answer_an_audit(client, cast, published, settings):
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    client.login(username=cast.owner_b.username, password=PASSWORD)
    assert client.get(reverse("reviews:pro-audits", args=[cast.company_a.pk])).status_code == 404


def test_duplicate_texts_and_shared_devices_raise_the_fraud_score(published, cast):
    from reviews.models import Invoice

    for n in range(2):
        invoice = Invoice.objects.create(
            company=cast.company_a,
            number=f"X-{n}",
            issued_on=recent_date(60),
            amount=1,
            client_name="X",
            client_email=f"x{n}@example.org",
        )
        Review.objects.create(
            company=cast.company_a,
            invoice=invoice,
            rating=5,
            rating_reliability=5,
            rating_quality=5,
            rating_value=5,
            rating_communication=5,
            title="Copie",
            text=REVIEW["text"],
            experience_date=recent_date(60),
            author_name="X",
            author_email=f"x{n}@example.org",
            declared_at=timezone.now(),
            name_match="match",
            name_score=100,
            status="published",
            ip_hash=published.ip_hash,  # the same device as the first review
        )
    audits.fraud_scores_refresh()
    published.refresh_from_db()
    assert published.fraud_score == pytest.approx(0.9)  # duplicate text + shared IP
    assert audits.audits_open(seed=0) >= 1
    assert Audit.objects.filter(reason="fraud").exists()
    assert Review.objects.count() == 3  # a score never deletes


# --- The company-domain fraud weight ---------------------------------------------------
#
# A client writing from the company's own mail domain (its public e-mail
# "contact@alpha-elec.fr") weighs WEIGHTS["company_domain"] in the fraud
# score, enough on its own to cross FRAUD_AUDIT_THRESHOLD: the review is
# audited, never deleted. A public mail provider shared with the company
# proves nothing.


def test_the_documented_weights():
    assert audits.WEIGHTS["company_domain"] == 0.6
    assert audits.FRAUD_AUDIT_THRESHOLD == 0.5
    assert audits.WEIGHTS["company_domain"] >= audits.FRAUD_AUDIT_THRESHOLD


def review_from(
    company, client_email: str, django_capture_on_commit_callbacks, *, ip="", user_agent=""
) -> Review:
    """A review submitted through the service by the client of a new invoice."""
    from datetime import timedelta

    from reviews.services import invoices
    from reviews.services import reviews as review_services

    n = Review.objects.count() + 1
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoices.invoice_create(
            company=company,
            fields={
                "number": f"D-{n}",
                "issued_on": timezone.localdate() - timedelta(days=10),
                "amount": "1200",
                "client_name": "Marc Durand",
                "client_email": client_email,
            },
            actor=None,
        )
        return review_services.review_submit(
            invitation=invoice.invitation,
            fields={
                "rating": 5,
                "rating_reliability": 5,
                "rating_quality": 5,
                "rating_value": 5,
                "rating_communication": 5,
                "title": f"Avis numéro {n}",
                "text": REVIEW["text"] + f" Avis numéro {n}.",
                "author_name": "Marc Durand",
            },
            ip=ip or f"192.0.2.{n}",
            user_agent=user_agent or f"Navigateur {n}",
        )


@pytest.mark.parametrize(
    ("company_email", "client_email", "score"),
    [
        ("contact@alpha-elec.fr", "marc.durand@alpha-elec.fr", 0.6),
        ("Contact@ALPHA-Elec.fr", "MARC.DURAND@alpha-elec.FR", 0.6),  # any case
        # Another domain: a parent, a sub-domain, a look-alike.
        ("contact@alpha-elec.fr", "marc.durand@elec.fr", 0.0),
        ("contact@alpha-elec.fr", "marc.durand@bureau.alpha-elec.fr", 0.0),
        ("contact@alpha-elec.fr", "marc.durand@alpha-elec.fr.example.com", 0.0),
        ("contact@alpha-elec.fr", "marc.durand@alpha-elec.com", 0.0),
        # A public mail provider shared with the company proves nothing.
        ("alpha.elec@gmail.com", "marc.durand@gmail.com", 0.0),
        ("alpha.elec@orange.fr", "marc.durand@orange.fr", 0.0),
        # A company with no public e-mail.
        ("", "marc.durand@alpha-elec.fr", 0.0),
    ],
)
def test_the_company_domain_weighs_exactly_its_weight(
    cast, django_capture_on_commit_callbacks, settings, company_email, client_email, score
):
    from directory.models import Company

    Company.objects.filter(pk=cast.company_a.pk).update(email=company_email)
    review = review_from(cast.company_a, client_email, django_capture_on_commit_callbacks)
    assert review.status == ReviewStatus.PUBLISHED
    assert audits.fraud_scores_refresh() == 1
    review.refresh_from_db()
    assert review.fraud_score == pytest.approx(score)
    settings.REVIEW_AUDIT_RATE = 0.0  # no random sample: only the score opens an audit
    assert audits.audits_open(seed=0) == (1 if score else 0)
    if score:
        audit = Audit.objects.get()
        assert (audit.review_id, audit.reason) == (review.pk, "fraud")
        review.refresh_from_db()
        assert review.status == ReviewStatus.PUBLISHED  # audited, still published


def test_the_company_domain_adds_to_the_other_signals_up_to_one(
    cast, django_capture_on_commit_callbacks
):
    from directory.models import Company

    Company.objects.filter(pk=cast.company_a.pk).update(email="contact@alpha-elec.fr")
    # Three reviews from one device: shared IP (0.4) and browser (0.2).
    for email in ("a@autre.fr", "b@autre.fr", "c@alpha-elec.fr"):
        review_from(
            cast.company_a,
            email,
            django_capture_on_commit_callbacks,
            ip="192.0.2.7",
            user_agent="Un navigateur",
        )
    audits.fraud_scores_refresh()
    scores = dict(Review.objects.values_list("author_email", "fraud_score"))
    assert scores["a@autre.fr"] == pytest.approx(0.6)
    assert scores["c@alpha-elec.fr"] == pytest.approx(1.0)  # 0.4 + 0.2 + 0.6, capped at 1
