"""Write-once (issue 12): every field of a submitted review but the ones
the services move (REVIEW_MUTABLE_FIELDS) is written once, through save(),
update(), bulk_update() and an upsert; the author's resubmission of a
refused review is the one path that rewrites its text and ratings; author
updates and other history rows never change; a reply edit keeps the text
it replaces."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from reviews.models import (
    REVIEW_MUTABLE_FIELDS,
    Invoice,
    ModerationDecision,
    Reply,
    ReplyRevision,
    Review,
    ReviewEvent,
    ReviewStatus,
    ReviewUpdate,
)
from reviews.services import appeals, moderation, reviews
from tests.conftest import ON_POSTGRES, PASSWORD
from tests.factories import UserFactory

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

PHONE_TEXT = "Travail soigné, chantier propre. Appelez-le de ma part au 06 12 34 56 78, il est top."


@pytest.fixture
def published(client, invited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), REVIEW)
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    return review


@pytest.fixture
def other_invoice(cast):
    return Invoice.objects.create(
        company=cast.company_a,
        number="F-2026-999",
        issued_on=date(2026, 9, 1),
        amount=100,
        client_name="Paul Durand",
        client_email="paul.durand@example.org",
    )


def new_values(cast, other_invoice) -> dict:
    """A different value for each field the issue names, and more."""
    return {
        "rating": 1,
        "rating_reliability": 1,
        "rating_quality": 1,
        "rating_value": 1,
        "rating_communication": 1,
        "author_name": "Quelqu'un d'autre",
        "title": "Un titre réécrit",
        "text": "Un texte réécrit par quelqu'un d'autre que son auteur, ce qui est interdit.",
        "experience_date": date(2020, 1, 1),
        "invoice": other_invoice,
        "company": cast.company_b,
        "author_email": "autre@example.org",
        "created_at": timezone.now() - timedelta(days=400),
        "declared_at": timezone.now() - timedelta(days=400),
        "name_match": "mismatch",
        "name_score": 12.5,
        "ip_hash": "another-device",
        "user_agent_hash": "another-browser",
        "author_domain": "autre-exemple.fr",
        "anonymised_at": timezone.now(),
    }


FIELDS = [
    "rating",
    "rating_reliability",
    "rating_quality",
    "rating_value",
    "rating_communication",
    "author_name",
    "title",
    "text",
    "experience_date",
    "invoice",
    "company",
    "author_email",
    "created_at",
    "declared_at",
    "name_match",
    "name_score",
    "ip_hash",
    "user_agent_hash",
    "author_domain",
    "anonymised_at",
]

# What the issue names: the ratings, the author and the content.
ISSUE_FIELDS = [
    "rating",
    "rating_reliability",
    "rating_quality",
    "rating_value",
    "rating_communication",
    "author_name",
    "author_email",
    "experience_date",
    "title",
    "text",
]


def test_every_field_written_once_is_tried():
    """A field added to Review is written once unless listed in
    REVIEW_MUTABLE_FIELDS: it must then be tried here too."""
    assert sorted(FIELDS) == sorted(f.name for f in Review.write_once_fields())
    assert set(ISSUE_FIELDS) <= set(FIELDS)
    assert not set(ISSUE_FIELDS) & REVIEW_MUTABLE_FIELDS


def stored(review: Review) -> dict:
    return Review.objects.filter(pk=review.pk).values().get()


@pytest.mark.parametrize("field", FIELDS)
def test_save_refuses_a_new_value(published, cast, other_invoice, field):
    before = stored(published)
    review = Review.objects.get(pk=published.pk)
    setattr(review, field, new_values(cast, other_invoice)[field])
    with pytest.raises(ValidationError):
        review.save()
    with pytest.raises(ValidationError):
        review.save(update_fields=[field])
    assert stored(published) == before


@pytest.mark.parametrize("field", FIELDS)
def test_update_refuses_a_new_value(published, cast, other_invoice, field):
    before = stored(published)
    value = new_values(cast, other_invoice)[field]
    for queryset in (
        Review.objects.filter(pk=published.pk),
        Review.objects.published(),
        cast.company_a.reviews.all(),  # a related manager
        Review._base_manager.filter(pk=published.pk),
    ):
        with pytest.raises(ValidationError):
            queryset.update(**{field: value})
    assert stored(published) == before


@pytest.mark.parametrize("field", FIELDS)
def test_bulk_update_refuses_a_new_value(published, cast, other_invoice, field):
    before = stored(published)
    review = Review.objects.get(pk=published.pk)
    setattr(review, field, new_values(cast, other_invoice)[field])
    with pytest.raises(ValidationError):
        Review.objects.bulk_update([review], [field])
    assert stored(published) == before


def test_an_upsert_cannot_rewrite_a_review(published):
    before = stored(published)
    copy = Review.objects.get(pk=published.pk)
    copy.pk, copy.title = None, "Un titre réécrit"
    kwargs = {"update_conflicts": True, "unique_fields": ["invoice"], "update_fields": ["title"]}
    with pytest.raises(ValidationError):
        Review.objects.bulk_create([copy], **kwargs)
    assert stored(published) == before


def test_a_field_set_while_deferred_is_refused(published):
    review = Review.objects.only("pk", "status").get(pk=published.pk)
    review.author_name = "Quelqu'un d'autre"
    with pytest.raises(ValidationError):
        review.save()
    assert Review.objects.get().author_name == REVIEW["author_name"]


def test_a_deferred_field_loaded_on_access_is_guarded(published):
    review = Review.objects.only("pk").get(pk=published.pk)
    assert review.title == REVIEW["title"]  # loaded now
    review.title = "Un titre réécrit"
    with pytest.raises(ValidationError):
        review.save()


def test_the_same_value_written_differently_is_no_change(published):
    review = Review.objects.get(pk=published.pk)
    review.rating = "5"  # as a form gives it
    review.experience_date = review.experience_date.isoformat()
    review.save()


def test_the_invoice_of_a_review_cannot_be_deleted(published):
    with pytest.raises(ProtectedError):
        published.invoice.delete()
    with pytest.raises(ProtectedError):
        Invoice.objects.all().delete()
    assert Review.objects.filter(invoice=published.invoice).exists()


def test_the_submission_time_is_set_once_on_insert(published, other_invoice):
    """Demo data and tests give a past submission time at insert; after
    it, it is written once like the rest (FIELDS)."""
    past = timezone.now() - timedelta(days=40)
    fields = {
        f.name: getattr(published, f.name)
        for f in Review._meta.concrete_fields
        if not f.primary_key and f.name not in ("invoice", "manage_nonce")
    }
    copy = Review.objects.create(**{**fields, "invoice": other_invoice, "created_at": past})
    assert Review.objects.get(pk=copy.pk).created_at == past
    assert published.created_at > past


def test_a_new_row_never_overwrites_a_review(published):
    copy = Review.objects.get(pk=published.pk)
    copy._state.adding = True
    copy.title = "Un titre réécrit"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert Review.objects.get().title == REVIEW["title"]


def test_the_fields_the_services_move_still_move(published):
    """Each field of REVIEW_MUTABLE_FIELDS is writable, by save() and by
    update(): the list is what the services need, no more."""
    now = timezone.now()
    values = {
        "status": ReviewStatus.REJECTED,
        "status_changed_at": now,
        "published_at": now,
        "status_note": "La facture n'a pas été fournie.",
        "moderation_reasons": ["contact_details"],
        "fraud_score": 0.5,
        "manage_nonce": "renewed",
        "updated_at": now,
    }
    assert set(values) == REVIEW_MUTABLE_FIELDS
    review = Review.objects.get(pk=published.pk)
    for name, value in values.items():
        setattr(review, name, value)
    review.save()
    assert Review.objects.filter(pk=published.pk).update(**values) == 1
    review.fraud_score = 0.7
    assert Review.objects.bulk_update([review], ["fraud_score"]) == 1


# The resubmission of a refused review: the one sanctioned rewrite.


@pytest.fixture
def refused(client, invited, django_capture_on_commit_callbacks):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderation"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), {**REVIEW, "text": PHONE_TEXT})
        review = Review.objects.get()
        decision = moderation.review_moderate(
            review=review, actor=moderator, decision="reject", reason="personal_data"
        )
    return decision


CORRECTED = {
    "rating": 2,
    "rating_reliability": 2,
    "rating_quality": 3,
    "rating_value": 2,
    "rating_communication": 1,
    "title": "Un titre corrigé",
    "text": "Travail soigné, chantier propre, mais le numéro de téléphone est retiré.",
}


def test_a_refused_review_is_corrected_through_the_resubmission(
    refused, django_capture_on_commit_callbacks
):
    before = stored(refused.review)
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review_resubmit(decision=refused, fields=dict(CORRECTED))
    after = stored(refused.review)
    assert after["status"] == ReviewStatus.PENDING
    assert {name: after[name] for name in CORRECTED} == CORRECTED
    assert after["declared_at"] > before["declared_at"]
    # Nothing else of the author's moved.
    for name in ("author_name", "author_email", "invoice_id", "experience_date", "created_at"):
        assert after[name] == before[name]
    # Written once again: the corrected text is now the stored one.
    review = Review.objects.get(pk=refused.review_id)
    review.title = "Encore un autre titre"
    with pytest.raises(ValidationError):
        review.save()


def test_the_resubmission_rewrites_only_its_fields(refused):
    review = Review.objects.get(pk=refused.review_id)
    with pytest.raises(ValueError, match="author_name"):
        review.rewrite_text(
            title="T" * 10, text="x" * 60, declared_at=timezone.now(), author_name="Autre"
        )
    review.rewrite_text(title="Un titre corrigé", text="x" * 60, declared_at=timezone.now())
    review.author_name = "Autre"  # not part of the rewrite: still refused
    with pytest.raises(ValidationError):
        review.save()


# Author updates and the other history rows never change.


@pytest.fixture
def update(published):
    return appeals.review_add_update(review=published, text="Problème résolu depuis, merci.")


def test_an_author_update_is_written_once(update):
    row = ReviewUpdate.objects.get(pk=update.pk)
    row.text = "Un autre texte, pas celui de l'auteur."
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        ReviewUpdate.objects.filter(pk=update.pk).update(text="Réécrit en masse, interdit.")
    with pytest.raises(ValidationError):
        update.review.updates.update(created_at=timezone.now() - timedelta(days=30))
    with pytest.raises(ValidationError):
        ReviewUpdate.objects.bulk_update([row], ["text"])
    assert ReviewUpdate.objects.get().text == "Problème résolu depuis, merci."


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (ModerationDecision, "note"),
        (ReviewEvent, "reason"),
        (ReviewUpdate, "text"),
        (ReplyRevision, "text"),
    ],
)
def test_history_rows_refuse_bulk_writes(model, field):
    with pytest.raises(ValidationError):
        model.objects.update(**{field: "Réécrit"})
    with pytest.raises(ValidationError):
        model.objects.bulk_update([], [field])


def test_deleting_a_staff_user_keeps_the_history_without_them(published, cast):
    """on_delete=SET_NULL on write-once rows goes through the base manager."""
    staff = UserFactory(is_staff=True)
    moderation.review_moderate(
        review=published,
        actor=staff,
        decision="reject",
        reason="offensive",
        note="Insultes envers le technicien dans le texte.",
    )
    moderation.reply_save(review=published, author=cast.owner_a, text="Première réponse, merci.")
    moderation.reply_save(review=published, author=cast.owner_a, text="Seconde réponse, merci.")
    staff.delete()
    cast.owner_a.delete()
    assert ModerationDecision.objects.get().decided_by is None
    assert ReplyRevision.objects.get().author is None
    assert Reply.objects.get().author is None


# A reply edit keeps the previous text.


def test_a_reply_edit_keeps_the_previous_text(published, cast, admin_client):
    first = moderation.reply_save(
        review=published, author=cast.owner_a, text="Merci pour votre avis, Madame."
    )
    moderation.reply_save(
        review=published, author=cast.owner_a, text="Merci pour votre avis et à bientôt."
    )
    moderation.reply_save(review=published, author=cast.owner_a, text="Merci, à bientôt !")
    reply = Reply.objects.get()
    assert reply.text == "Merci, à bientôt !"
    assert reply.edited_at is not None
    revisions = list(reply.revisions.all())
    assert [r.text for r in revisions] == [
        "Merci pour votre avis, Madame.",
        "Merci pour votre avis et à bientôt.",
    ]
    assert revisions[0].written_at == first.created_at
    assert revisions[0].author == cast.owner_a
    # Staff read them in the admin, on the reply's page.
    page = admin_client.get(reverse("admin:reviews_reply_change", args=[reply.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Merci pour votre avis, Madame." in content
    assert "Merci pour votre avis et à bientôt." in content


def test_the_public_page_says_edited(client, published, cast):
    moderation.reply_save(review=published, author=cast.owner_a, text="Merci pour votre avis.")
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "modifiée" not in page
    moderation.reply_save(review=published, author=cast.owner_a, text="Merci, à bientôt.")
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "Merci, à bientôt." in page
    assert "modifiée" in page
    assert "Merci pour votre avis." not in page  # the previous text is for staff


def test_a_reply_edited_on_the_pro_page_keeps_the_previous_text(client, published, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-reply", args=[cast.company_a.pk, published.pk])
    client.post(url, {"text": "Merci beaucoup pour votre confiance !"})
    client.post(url, {"text": "court"})  # refused: too short, changes nothing
    assert not ReplyRevision.objects.exists()
    client.post(url, {"text": "Merci beaucoup, à bientôt pour la suite."})
    revision = ReplyRevision.objects.get()
    assert revision.text == "Merci beaucoup pour votre confiance !"
    assert revision.author == cast.member_a
    assert Reply.objects.get().text == "Merci beaucoup, à bientôt pour la suite."


def test_the_same_reply_again_is_no_edit(published, cast):
    moderation.reply_save(review=published, author=cast.owner_a, text="Merci pour votre avis.")
    reply = moderation.reply_save(
        review=published, author=cast.owner_a, text="  Merci pour votre avis.  "
    )
    assert reply.edited_at is None
    assert not ReplyRevision.objects.exists()


def test_every_write_path_of_a_reply_keeps_the_previous_text(published, cast):
    moderation.reply_save(review=published, author=cast.owner_a, text="Merci pour votre avis.")
    reply = Reply.objects.get()
    reply.text = "Changé dans un shell."
    reply.save()
    assert list(ReplyRevision.objects.values_list("text", flat=True)) == ["Merci pour votre avis."]
    with pytest.raises(ValidationError):
        Reply.objects.update(text="Changé en masse, sans historique.")
    with pytest.raises(ValidationError):
        Reply.objects.bulk_update([reply], ["text"])
    deferred = Reply.objects.defer("text").get()
    deferred.text = "Changé sans avoir été lu."
    with pytest.raises(ValidationError):
        deferred.save()
    assert Reply.objects.get().text == "Changé dans un shell."
    revision = ReplyRevision.objects.get()
    revision.text = "Réécrit"
    with pytest.raises(ValidationError):
        revision.save()


def test_a_reply_stays_on_its_review(published, cast):
    moderation.reply_save(review=published, author=cast.owner_a, text="Merci pour votre avis.")
    reply = Reply.objects.get()
    reply.created_at = timezone.now() - timedelta(days=300)
    with pytest.raises(ValidationError):
        reply.save()


# What the PostgreSQL trigger guards (reviews/migrations/0015): the issue's
# fields, the review's company, invoice, dates and anonymisation, and the
# checks made of its author at submission.
TRIGGER_FIELDS = [
    *ISSUE_FIELDS,
    "company",
    "invoice",
    "created_at",
    "declared_at",
    "anonymised_at",
    "name_match",
    "name_score",
    "author_domain",
    "ip_hash",
    "user_agent_hash",
]


def raw_update(review: Review, column: str, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE reviews_review SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608 (a column name)
            [value, review.pk],
        )


@pytest.mark.skipif(not ON_POSTGRES, reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("field", TRIGGER_FIELDS)
def test_postgresql_refuses_a_raw_rewrite_of_each_field(published, cast, other_invoice, field):
    before = stored(published)
    value = new_values(cast, other_invoice)[field]
    column = Review._meta.get_field(field).column
    with (
        pytest.raises(IntegrityError, match=f"review {published.pk}: a submitted review is"),
        transaction.atomic(),
    ):
        raw_update(published, column, getattr(value, "pk", value))
    assert stored(published) == before


@pytest.mark.skipif(not ON_POSTGRES, reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "assignment",
    [
        "rating = 1",
        "created_at = created_at - interval '1 day'",
        # Even with a status move, unless rejected → pending.
        "status = 'rejected', title = 'Réécrit en SQL'",
    ],
)
def test_postgresql_refuses_a_raw_rewrite(published, assignment):
    before = stored(published)
    with (
        pytest.raises(IntegrityError, match=f"review {published.pk}: a submitted review is"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE reviews_review SET {assignment} WHERE id = %s", [published.pk])  # noqa: S608 (constants)
    assert stored(published) == before


@pytest.mark.skipif(not ON_POSTGRES, reason="the trigger is PostgreSQL's")
def test_postgresql_lets_the_services_move_a_review(published):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reviews_review SET status = 'rejected', fraud_score = 0.5, "
            "status_note = 'note', moderation_reasons = '[]' WHERE id = %s",
            [published.pk],
        )
        cursor.execute(
            "UPDATE reviews_review SET status = 'pending', title = 'Corrigé' WHERE id = %s",
            [published.pk],
        )
    assert Review.objects.get().title == "Corrigé"


# The retention job's anonymisation: the one write of content past the guard
# (and past the trigger), on every database.


@pytest.fixture
def withdrawn(published):
    appeals.review_withdraw(review=published)
    return Review.objects.get(pk=published.pk)


def test_the_anonymisation_blanks_the_author_and_text_and_keeps_the_ratings(withdrawn):
    before = stored(withdrawn)
    now = timezone.now()
    assert Review.objects.filter(pk=withdrawn.pk).anonymise(now=now) == 1
    after = stored(withdrawn)
    blanked = ("title", "text", "author_name", "author_email", "author_domain", "ip_hash")
    assert {name: after[name] for name in blanked} == dict.fromkeys(blanked, "")
    assert after["anonymised_at"] == now
    kept = [
        "rating",
        "rating_reliability",
        "rating_quality",
        "rating_value",
        "rating_communication",
        "experience_date",
        "created_at",
        "declared_at",
        "company_id",
        "invoice_id",
    ]
    assert {name: after[name] for name in kept} == {name: before[name] for name in kept}
    # Once only: a second run finds nothing, and moves no date.
    assert Review.objects.filter(pk=withdrawn.pk).anonymise(now=now + timedelta(days=1)) == 0
    assert stored(withdrawn)["anonymised_at"] == now


@pytest.mark.parametrize("field", ISSUE_FIELDS)
def test_an_anonymised_review_is_still_written_once(withdrawn, cast, other_invoice, field):
    Review.objects.filter(pk=withdrawn.pk).anonymise(now=timezone.now())
    before = stored(withdrawn)
    review = Review.objects.get(pk=withdrawn.pk)
    setattr(review, field, new_values(cast, other_invoice)[field])
    with pytest.raises(ValidationError):
        review.save()
    with pytest.raises(ValidationError):
        Review.objects.filter(pk=withdrawn.pk).update(**{field: getattr(review, field)})
    if ON_POSTGRES:
        column = Review._meta.get_field(field).column
        with pytest.raises(IntegrityError), transaction.atomic():
            raw_update(withdrawn, column, getattr(review, column))
    assert stored(withdrawn) == before


ANONYMISED = {
    "title": "''",
    "text": "''",
    "author_name": "''",
    "author_email": "''",
    "author_domain": "''",
    "anonymised_at": "now()",
}


def anonymise_in_sql(review: Review, **overrides: str) -> None:
    values = {**ANONYMISED, **overrides}
    assignments = ", ".join(f"{column} = {value}" for column, value in values.items())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE reviews_review SET {assignments} WHERE id = %s",  # noqa: S608 (constants)
            [review.pk],
        )


@pytest.mark.skipif(not ON_POSTGRES, reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "overrides",
    [
        # An "anonymisation" that also lowers a rating or moves a date.
        {"rating": "1"},
        {"rating_value": "1"},
        {"experience_date": "'2020-01-01'"},
        {"created_at": "now()"},
        # One that leaves some of the content.
        {"title": "'Gardé'"},
        {"author_name": "'Sophie Martin'"},
        {"author_email": "'sophie.martin@example.org'"},
    ],
)
def test_postgresql_lets_only_a_true_anonymisation_through(withdrawn, overrides):
    before = stored(withdrawn)
    with (
        pytest.raises(IntegrityError, match="a submitted review is written once"),
        transaction.atomic(),
    ):
        anonymise_in_sql(withdrawn, **overrides)
    assert stored(withdrawn) == before
    anonymise_in_sql(withdrawn)
    assert stored(withdrawn)["anonymised_at"] is not None
