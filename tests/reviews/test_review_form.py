"""The review form (a star rating per criterion, labelled, with clear errors),
the sub-ratings on the company page, and the correction of a review refused
for a fixable reason (issue 11)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from directory.models import Company
from reviews import links
from reviews.models import (
    REVIEW_TRANSITIONS,
    Invoice,
    ModerationDecision,
    Review,
    ReviewEvent,
    ReviewInvitation,
    ReviewStatus,
)
from reviews.services import appeals, invitations, moderation, reviews, sanctions
from tests.conftest import PASSWORD
from tests.factories import UserFactory

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

RATINGS = ("rating", "rating_reliability", "rating_quality", "rating_value", "rating_communication")
LABELS_FR = ["1 — très déçu", "2 — déçu", "3 — correct", "4 — satisfait", "5 — excellent"]
LABELS_EN = [
    "1 — very disappointed",
    "2 — disappointed",
    "3 — fair",
    "4 — satisfied",
    "5 — excellent",
]
CLEAN_TEXT = (
    "Travail soigné, chantier propre, délais tenus. Je recommande sans hésiter, "
    "le tableau est parfait."
)
PHONE_TEXT = "Travail soigné, chantier propre. Appelez-le de ma part au 06 12 34 56 78, il est top."


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


def star_radios(html: str, name: str) -> list[tuple[str, str]]:
    """(value, label text) of each radio of ``name``, in page order."""
    found = re.findall(
        rf'<input type="radio" name="{name}" value="(\d)"[^>]*id="([^"]+)"[^>]*>'
        r'<label for="\2" class="star">.*?<span class="visually-hidden">([^<]+)</span></label>',
        html,
    )
    return [(value, label) for value, _, label in found]


# --- The form: stars, labels, errors ---------------------------------------


def test_each_criterion_is_a_fieldset_of_five_labelled_stars_in_french(client, invited):
    html = client.get(review_path()).content.decode()
    for name in RATINGS:
        assert f'<fieldset class="field star-rating" id="id_{name}"' in html
        assert star_radios(html, name) == list(zip("12345", LABELS_FR, strict=True))
    for legend in (
        "Note globale",
        "Fiabilité et ponctualité",
        "Qualité du travail",
        "Rapport qualité-prix",
        "Communication",
    ):
        assert f"<legend>{legend} " in html
    # The chosen value is written out (CSS shows the one checked).
    assert "Aucune note choisie" in html
    assert "Votre note : 4 — satisfait" in html
    assert "js/review-form.js" in html
    assert 'aria-live="polite"' in html


def test_stars_are_labelled_in_english_too(client, invited):
    html = client.get("/en" + review_path()).content.decode()  # English pages: /en/…
    assert star_radios(html, "rating") == list(zip("12345", LABELS_EN, strict=True))
    assert "Your rating: 5 — excellent" in html


@pytest.mark.parametrize("name", RATINGS)
@pytest.mark.parametrize("value", [None, "", "0", "6", "4.5", "cinq", "-1"])
def test_a_missing_or_invalid_rating_is_a_clear_error_and_saves_nothing(
    client, invited, name, value
):
    data = {**REVIEW}
    if value is None:
        data.pop(name)
    else:
        data[name] = value
    response = client.post(review_path(), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Votre avis n’est pas encore enregistré" in html
    errors = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', html)
    assert errors, html
    assert f'<div role="alert"><ul class="errorlist" id="id_{name}_error">' in html  # announced
    if value in (None, ""):
        assert "Choisissez une note" in errors.group(1)
    else:
        assert "de 1 à 5" in errors.group(1)
    # The error summary links to the fieldset.
    assert f'href="#id_{name}"' in html
    assert not Review.objects.exists()
    assert ReviewInvitation.objects.get().used_at is None


def test_an_error_keeps_the_ratings_already_chosen(client, invited):
    data = {**REVIEW, "rating_value": "2", "text": "trop court"}
    html = client.post(review_path(), data).content.decode()
    assert re.search(r'name="rating_value" value="2"[^>]*checked', html)
    assert not re.search(r'name="rating_value" value="3"[^>]*checked', html)
    assert not Review.objects.exists()


def test_every_sub_rating_is_recorded(client, invited):
    data = {
        **REVIEW,
        "rating": "4",
        "rating_reliability": "3",
        "rating_quality": "5",
        "rating_value": "2",
        "rating_communication": "1",
    }
    client.post(review_path(), data)
    review = Review.objects.get()
    assert (
        review.rating,
        review.rating_reliability,
        review.rating_quality,
        review.rating_value,
        review.rating_communication,
    ) == (4, 3, 5, 2, 1)


# --- Sub-ratings on the company page ---------------------------------------


def add_review(company: Company, number: str, email: str, ratings: tuple, status="published"):
    """A review recorded by the service, through a real invitation."""
    invoice = Invoice.objects.create(
        company=company,
        number=number,
        issued_on=timezone.localdate() - timedelta(days=10),
        amount=100,
        client_name="Jeanne Petit",
        client_email=email,
    )
    invitation = invitations.invitation_create(invoice=invoice)
    fields = {
        **dict(zip(RATINGS, ratings, strict=True)),
        "title": f"Avis {number}",
        "text": f"{CLEAN_TEXT} Facture {number}.",
        "author_name": "Jeanne Petit" if status == "published" else "Paul Bernard",
    }
    return reviews.review_submit(invitation=invitation, fields=fields)


def test_company_page_shows_each_reviews_sub_ratings_and_their_averages(client, cast):
    company = cast.company_a
    add_review(company, "F-1", "a@example.org", (5, 5, 4, 3, 5))
    add_review(company, "F-2", "b@example.org", (4, 4, 5, 4, 2))
    pending = add_review(company, "F-3", "c@example.org", (1, 1, 1, 1, 1), status="pending")
    assert pending.status == ReviewStatus.PENDING  # left out of the averages
    html = client.get(company.get_absolute_url()).content.decode()
    averages = html[html.index('<dl class="criteria">') :]
    averages = averages[: averages.index("</dl>")]
    for label, average in (
        ("Fiabilité et ponctualité", "4,5"),
        ("Qualité du travail", "4,5"),
        ("Rapport qualité-prix", "3,5"),
        ("Communication", "3,5"),
    ):
        assert f"<dt>{label}</dt><dd>{average}/5</dd>" in averages
    first = html[html.index('id="avis-') :]
    assert "<dt>Rapport qualité-prix</dt><dd>4/5</dd>" in first  # newest first: F-2
    assert "<dt>Communication</dt><dd>2/5</dd>" in first
    assert "<dt>Communication</dt><dd>5/5</dd>" in first  # F-1 below


def test_criteria_averages_round_and_skip_a_company_without_reviews(cast):
    from reviews.selectors import criteria_averages

    assert criteria_averages(cast.company_b) == []
    add_review(cast.company_b, "F-1", "a@example.org", (5, 5, 4, 3, 5))
    add_review(cast.company_b, "F-2", "b@example.org", (5, 4, 4, 4, 5))
    add_review(cast.company_b, "F-3", "c@example.org", (5, 4, 5, 4, 5))
    assert [average for _, average in criteria_averages(cast.company_b)] == [4.3, 4.3, 3.7, 5.0]


def statements(captured) -> list[str]:
    return [
        q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_company_page_queries_do_not_grow_with_its_reviews(client, cast, settings):
    settings.PAGE_CACHE_SECONDS = 0  # each page built (common.page_cache)
    company = cast.company_a
    add_review(company, "F-0", "r0@example.org", (5, 4, 4, 4, 5))
    add_review(company, "F-1", "r1@example.org", (4, 4, 4, 4, 4))
    url = company.get_absolute_url()
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 10):
        add_review(company, f"F-{n}", f"r{n}@example.org", (n % 5 + 1, 3, 4, 5, 2))
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('<li class="review"') == 10
    assert len(statements(many)) == len(statements(few)), statements(many)
    # company, trades, photos, certifications, reviews (count, page, updates),
    # distribution, averages, sanction, removed reviews, invitation ratio
    assert len(statements(many)) <= 13, statements(many)


# --- Correcting a review refused for a fixable reason ----------------------


def resubmit_path(body: str) -> str:
    return re.search(r"/avis/corriger/[^/\s]+/", body).group(0)


@pytest.fixture
def refused(client, invited, moderator, django_capture_on_commit_callbacks):
    """A review held for its phone number, refused for personal data; the
    decision e-mail in the outbox."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), {**REVIEW, "text": PHONE_TEXT})
    review = Review.objects.get()
    assert review.moderation_reasons == ["contact_details"]
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_moderate(
            review=review, actor=moderator, decision="reject", reason="personal_data"
        )
    review.refresh_from_db()
    return review


def corrected(**overrides) -> dict:
    return {
        "rating": "4",
        "rating_reliability": "5",
        "rating_quality": "4",
        "rating_value": "3",
        "rating_communication": "5",
        "title": "Un tableau refait proprement",
        "text": CLEAN_TEXT,
        "declaration": "on",
        **overrides,
    }


def test_the_refusal_email_links_to_the_correction_page(client, refused):
    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == ["sophie.martin@example.org"]
    assert "Contient des données personnelles" in body
    path = resubmit_path(body)
    html = client.get(path).content.decode()
    assert "Corrigez votre avis sur Alpha Électricité" in html
    assert escape(PHONE_TEXT) in html  # the text to correct, filled in
    assert re.search(r'name="rating" value="5"[^>]*checked', html)
    assert 'name="author_name"' not in html  # the name compared with the invoice stays
    assert "Envoyer mon avis corrigé" in html


def test_a_corrected_review_goes_back_to_moderation_as_the_same_review(
    client, refused, django_capture_on_commit_callbacks
):
    path = resubmit_path(mail.outbox[-1].body)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, corrected())
    assert response.status_code == 200
    assert "Votre avis corrigé est envoyé" in response.content.decode()
    review = Review.objects.get()
    assert review.pk == refused.pk
    assert review.invoice_id == refused.invoice_id
    assert review.status == ReviewStatus.PENDING
    assert (review.text, review.rating, review.rating_value) == (CLEAN_TEXT, 4, 3)
    assert review.moderation_reasons == []
    assert review.author_name == refused.author_name
    event = review.events.order_by("-pk").first()
    assert (event.from_status, event.to_status, event.actor) == ("rejected", "pending", None)
    assert "corrigé" in event.reason.lower()
    assert mail.outbox[-1].to == ["sophie.martin@example.org"]  # the receipt, with its link
    assert "/avis/gerer/" in mail.outbox[-1].body
    # Once: the same link now refuses, and changes nothing.
    again = client.post(path, corrected(text=CLEAN_TEXT + " Encore."))
    assert again.status_code == 400
    assert "ne peut plus être corrigé" in again.content.decode()
    review.refresh_from_db()
    assert review.text == CLEAN_TEXT


def test_a_corrected_text_still_holding_a_phone_is_held_again(client, refused):
    path = resubmit_path(mail.outbox[-1].body)
    client.post(path, corrected(text=PHONE_TEXT + " Merci encore."))
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    assert review.moderation_reasons == ["contact_details"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"rating": ""},
        {"rating_quality": "9"},
        {"text": "trop court"},
        {"title": ""},
        {"declaration": ""},
        {"text": "x" * 5001},
    ],
)
def test_an_invalid_correction_changes_nothing(client, refused, overrides):
    path = resubmit_path(mail.outbox[-1].body)
    response = client.post(path, corrected(**overrides))
    assert response.status_code == 200
    assert "Votre avis n" in response.content.decode()  # the error summary
    review = Review.objects.get()
    assert review.status == ReviewStatus.REJECTED
    assert review.text == PHONE_TEXT
    assert not review.events.filter(to_status="pending", from_status="rejected").exists()
    assert client.get(path).status_code == 200  # the link still works


def test_a_duplicate_of_another_review_is_held_on_resubmission(client, refused, cast):
    other = add_review(cast.company_a, "F-9", "x@example.org", (5, 5, 5, 5, 5))
    path = resubmit_path(mail.outbox[-1].body)
    client.post(path, corrected(text=other.text))
    assert Review.objects.get(pk=refused.pk).moderation_reasons == ["duplicate_text"]


@pytest.mark.parametrize(
    "reason",
    [
        "not_own_experience",
        "conflict_of_interest",
        "offensive",
        "off_topic",
        "advertising",
        "duplicate",
        "name_mismatch",
    ],
)
def test_no_correction_for_a_refusal_an_edit_cannot_fix(
    client, invited, moderator, reason, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})
    review = Review.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        decision = moderation.review_moderate(
            review=review, actor=moderator, decision="reject", reason=reason
        )
    assert "/avis/corriger/" not in mail.outbox[-1].body
    assert "contester cette décision" in mail.outbox[-1].body  # the appeal stays
    review.refresh_from_db()
    manage = client.get(reverse("reviews:manage", args=[links.manage_token(review)]))
    assert "Corriger mon avis" not in manage.content.decode()
    # A link made up for this refusal is refused, and changes nothing.
    token = links.resubmit_token(review, decision.pk)
    response = client.post(reverse("reviews:resubmit", args=[token]), corrected())
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED


def test_the_authors_pages_offer_the_correction(client, refused):
    manage = client.get(reverse("reviews:manage", args=[links.manage_token(refused)]))
    html = manage.content.decode()
    decision = refused.decisions.get()
    assert "Corriger mon avis" in html
    assert reverse("reviews:resubmit", args=[links.resubmit_token(refused, decision.pk)]) in html
    author = UserFactory(email="sophie.martin@example.org")
    client.login(username=author.username, password=PASSWORD)
    home = client.get(reverse("directory:account")).content.decode()
    assert "Corrigez-le et renvoyez-le" in home
    assert "/avis/corriger/" in home


def test_my_reviews_needs_one_query_whatever_the_number_of_reviews(cast):
    from reviews.selectors import fixable_decision_id, reviews_by_author

    for n in range(4):
        add_review(cast.company_a, f"F-{n}", "same@example.org", (5, 5, 5, 5, 5))
    with CaptureQueriesContext(connection) as queries:
        rows = [
            (r.company.trade_name, fixable_decision_id(r))
            for r in reviews_by_author("same@example.org")
        ]
    assert len(rows) == 4
    assert all(fix is None for _, fix in rows)
    assert len(statements(queries)) == 1


def test_a_new_fixable_refusal_gives_a_new_link_and_voids_the_old(
    client, refused, moderator, django_capture_on_commit_callbacks
):
    first = resubmit_path(mail.outbox[-1].body)
    client.post(first, corrected(text=PHONE_TEXT + " Toujours."))
    review = Review.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_moderate(
            review=review, actor=moderator, decision="reject", reason="personal_data"
        )
    second = resubmit_path(mail.outbox[-1].body)
    assert second != first
    assert client.get(first).status_code == 400
    assert client.post(second, corrected()).status_code == 200
    review.refresh_from_db()
    assert (review.status, review.text) == (ReviewStatus.PENDING, CLEAN_TEXT)


def test_no_correction_once_withdrawn(client, refused):
    path = resubmit_path(mail.outbox[-1].body)
    appeals.review_withdraw(review=refused)
    assert client.post(path, corrected()).status_code == 400
    assert Review.objects.get().status == ReviewStatus.WITHDRAWN


def test_the_same_door_checks_run_again_a_sanctioned_company(client, refused, cast, moderator):
    path = resubmit_path(mail.outbox[-1].body)
    sanctions.sanction_create(company=cast.company_a, actor=moderator, reason="Faux avis.")
    response = client.post(path, corrected())
    assert response.status_code == 200
    assert "ne peut pas recevoir de nouveaux avis" in response.content.decode()
    assert Review.objects.get().status == ReviewStatus.REJECTED


def test_the_service_refuses_a_second_resubmission_of_one_refusal(refused):
    decision = refused.decisions.get()
    fields = {k: v for k, v in corrected().items() if k != "declaration"}
    fields.update({name: int(fields[name]) for name in RATINGS})
    reviews.review_resubmit(decision=decision, fields=fields)
    with pytest.raises(ValidationError, match=r"ne peut plus être corrigé"):
        reviews.review_resubmit(decision=decision, fields={**fields, "text": CLEAN_TEXT + " Bis."})
    assert Review.objects.get().text == CLEAN_TEXT


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "abc", lambda t: t + "a"])
def test_a_forged_link_is_refused(client, refused, mangle):
    token = resubmit_path(mail.outbox[-1].body).split("/")[-2]
    response = client.get(reverse("reviews:resubmit", args=[mangle(token)]))
    assert response.status_code == 400
    assert "Ce lien ne fonctionne pas" in response.content.decode()


def test_a_manage_link_is_no_correction_link(client, refused):
    token = links.manage_token(refused)
    assert client.get(reverse("reviews:resubmit", args=[token])).status_code == 400


def test_an_expired_link_says_where_to_get_a_new_one(client, refused, settings):
    path = resubmit_path(mail.outbox[-1].body)
    settings.REVIEW_MANAGE_LINK_DAYS = 0
    response = client.get(path)
    assert response.status_code == 400
    assert "expiré" in response.content.decode()


def test_revoking_the_manage_links_revokes_the_correction_link(client, refused):
    path = resubmit_path(mail.outbox[-1].body)
    Review.objects.filter(pk=refused.pk).update(manage_nonce="revoked")
    assert client.get(path).status_code == 400


def test_a_published_review_refused_after_a_flag_can_be_corrected(
    client, invited, moderator, django_capture_on_commit_callbacks
):
    client.post(review_path(), REVIEW)
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_moderate(
            review=review,
            actor=moderator,
            decision="reject",
            reason="personal_data",
            note="Le nom complet du voisin est cité.",
        )
    assert Company.objects.get(pk=review.company_id).review_count == 0
    client.post(resubmit_path(mail.outbox[-1].body), corrected())
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING
    assert Company.objects.get(pk=review.company_id).review_count == 0  # not public until read


def test_only_the_author_or_staff_move_a_refused_review_back_and_nobody_publishes_it():
    assert REVIEW_TRANSITIONS.allows("rejected", "pending", by="author")
    assert REVIEW_TRANSITIONS.allows("rejected", "pending", by="staff")
    assert not REVIEW_TRANSITIONS.allows("rejected", "pending", by="company")
    assert not REVIEW_TRANSITIONS.allows("rejected", "published", by="author")
    assert not REVIEW_TRANSITIONS.allows("pending", "published", by="author")


def test_the_events_of_a_corrected_review_are_write_once(client, refused):
    client.post(resubmit_path(mail.outbox[-1].body), corrected())
    event = ReviewEvent.objects.filter(review=refused, to_status="pending").last()
    event.reason = "autre chose"
    with pytest.raises(ValidationError):
        event.save()


@pytest.mark.parametrize(
    ("language", "words"), [("fr", "corriger vous-même"), ("en", "fix this yourself")]
)
def test_decision_emails_are_complete_in_both_languages(
    client, invited, moderator, settings, language, words, django_capture_on_commit_callbacks
):
    from tests.directory.test_account_emails import assert_complete

    settings.LANGUAGE_CODE = language  # e-mails speak the site's language
    client.post(review_path(), {**REVIEW, "text": PHONE_TEXT})
    review = Review.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_moderate(
            review=review, actor=moderator, decision="reject", reason="personal_data"
        )
    message = mail.outbox[-1]
    assert_complete(message)
    assert words in message.body
    assert "/avis/corriger/" in message.body
    # A publication: no correction link.
    client.post(resubmit_path(message.body), corrected())
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_moderate(review=review, actor=moderator, decision="publish")
    assert_complete(mail.outbox[-1])
    assert "/avis/corriger/" not in mail.outbox[-1].body
    assert ModerationDecision.objects.count() == 2


def test_an_open_appeal_is_answered_before_a_correction(client, refused, moderator):
    path = resubmit_path(mail.outbox[-1].body)
    appeal = appeals.appeal_create(
        review=refused, by="author", text="Le numéro était celui de l'entreprise, pas le mien."
    )
    response = client.get(path)
    assert response.status_code == 400
    assert "répond d’abord à votre contestation" in response.content.decode()
    manage = client.get(reverse("reviews:manage", args=[links.manage_token(refused)]))
    assert "répond d’abord à votre contestation" in manage.content.decode()
    assert "/avis/corriger/" not in manage.content.decode()
    assert client.post(path, corrected()).status_code == 400
    assert Review.objects.get().status == ReviewStatus.REJECTED
    author = UserFactory(email="sophie.martin@example.org")
    client.force_login(author)
    assert "/avis/corriger/" not in client.get(reverse("directory:account")).content.decode()
    # Dismissed: the refusal stands, its link works again.
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=False)
    assert client.post(path, corrected()).status_code == 200
    assert Review.objects.get().status == ReviewStatus.PENDING


def test_an_upheld_appeal_publishes_and_ends_the_correction(client, refused, moderator):
    path = resubmit_path(mail.outbox[-1].body)
    appeal = appeals.appeal_create(
        review=refused, by="author", text="Le numéro était celui de l'entreprise, pas le mien."
    )
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=True)
    assert Review.objects.get().status == ReviewStatus.PUBLISHED
    assert client.get(path).status_code == 400
