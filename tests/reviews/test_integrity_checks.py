"""Issue 12, the loopholes that let a company shape its reviews: updates and
replies run the review's own checks and wait for a moderator on a hit; an
invoice over 12 months old is registered but never invited; a published
review is taken down only with the note that justifies it; a reviewer who
shares the company's phone, or a member's surname and town, goes to
moderation. Through the real views where people meet them."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from directory.models import Company
from reviews import links
from reviews.models import (
    AdditionStatus,
    Invoice,
    InvoiceImport,
    ModerationDecision,
    Reply,
    Review,
    ReviewFlag,
    ReviewInvitation,
    ReviewRequest,
    ReviewStatus,
    ReviewUpdate,
)
from reviews.services import appeals, invoices, moderation
from reviews.text_checks import hidden_name_words, text_check_reasons
from tests.conftest import PASSWORD
from tests.factories import QuoteRequestFactory, UserFactory

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db

HELD = "attend nos modérateurs"
CLEAN_UPDATE = "Le petit défaut signalé a été repris la semaine suivante, merci."
CLEAN_REPLY = "Merci pour votre retour, ce fut un plaisir de travailler chez vous."
# The review is "Sophie M." on the page; the invoice's client is "Mme Sophie Martin".
LEAKY_TEXTS = [
    "Rappelez-moi au 06 12 34 56 78 pour la suite du chantier.",
    "Tout est détaillé sur www.mon-blog-travaux.fr si besoin.",
    "Écrivez-moi à sophie.perso@example.org pour les photos.",
    "Merci Madame Martin pour ce retour, à bientôt.",
    "Merci à la famille MARTIN pour son accueil chaleureux.",
    "Nous remercions Mme Martin, cliente fidèle depuis des années.",
]


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def published(client, invited):
    client.post(review_path(), REVIEW)
    review = Review.objects.get()
    assert review.status == ReviewStatus.PUBLISHED
    return review


def company_page(client, review) -> str:
    return page_text(client.get(review.company.get_absolute_url()))


def manage_url(review) -> str:
    return reverse("reviews:manage", args=[links.manage_token(review)])


# 1. Updates and replies run the review's checks -------------------------------


def test_the_text_checks_compare_with_the_invoice_client_name():
    # The demo case of the issue: "Monsieur Durand" under "Marc D.".
    reasons = text_check_reasons(
        "Merci Monsieur Durand pour votre confiance.",
        client_name="Marc Durand",
        shown_name="Marc D.",
    )
    assert reasons == ["personal_data"]
    assert text_check_reasons("Merci Marc !", client_name="Marc Durand", shown_name="Marc D.") == []
    assert hidden_name_words("M. et Mme Jean de La Fontaine", "Jean F.") == {"fontaine"}
    # Accents and case aside; a name inside a longer word is not the name.
    assert text_check_reasons("merci m. lefevre", client_name="Luc Lefèvre", shown_name="Luc L.")
    assert not text_check_reasons(
        "Travaux de martinage.", client_name="Luc Martin", shown_name="Luc M."
    )


@pytest.mark.parametrize("text", LEAKY_TEXTS)
def test_an_update_with_contact_details_or_the_surname_waits_and_is_not_shown(
    client, published, text
):
    response = client.post(manage_url(published), {"action": "update", "text": text}, follow=True)
    assert HELD in page_text(response)
    update = ReviewUpdate.objects.get()
    assert update.status == AdditionStatus.PENDING
    assert update.moderation_reasons
    # The author sees it, marked; the public page does not.
    assert "En attente de modération" in page_text(client.get(manage_url(published)))
    public = company_page(client, published)
    assert text not in public
    assert "mis à jour le" not in public


def test_a_clean_update_is_published_at_once(client, published):
    response = client.post(
        manage_url(published), {"action": "update", "text": CLEAN_UPDATE}, follow=True
    )
    assert "Votre mise à jour est ajoutée" in page_text(response)
    assert ReviewUpdate.objects.get().status == AdditionStatus.PUBLISHED
    assert CLEAN_UPDATE in company_page(client, published)


@pytest.mark.parametrize("text", ["", "court", "x" * 2001])
def test_a_bad_update_is_refused_with_a_message_and_nothing_stored(client, published, text):
    response = client.post(manage_url(published), {"action": "update", "text": text}, follow=True)
    assert response.status_code == 200
    assert not ReviewUpdate.objects.exists()


@pytest.mark.parametrize("text", LEAKY_TEXTS)
def test_a_reply_with_contact_details_or_the_client_surname_waits(client, published, cast, text):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-reply", args=[cast.company_a.pk, published.pk])
    response = client.post(url, {"text": text}, follow=True)
    assert HELD in page_text(response)
    reply = Reply.objects.get()
    assert reply.status == AdditionStatus.PENDING
    assert "En attente de modération" in page_text(
        client.get(reverse("reviews:pro-reviews", args=[cast.company_a.pk]))
    )
    client.logout()
    public = company_page(client, published)
    assert text not in public
    assert "Réponse de" not in public


def test_a_clean_reply_is_published_and_an_edit_with_a_phone_hides_it(client, published, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-reply", args=[cast.company_a.pk, published.pk])
    response = client.post(url, {"text": CLEAN_REPLY}, follow=True)
    assert "Votre réponse est publiée" in page_text(response)
    assert CLEAN_REPLY in company_page(client, published)
    client.post(url, {"text": "Appelez-nous au 04 78 00 00 00, nous arrangerons cela."})
    reply = Reply.objects.get()
    assert (reply.status, reply.moderation_reasons) == ("pending", ["contact_details"])
    assert "04 78 00 00 00" not in company_page(client, published)


def test_a_reply_too_short_is_refused_with_a_message(client, published, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("reviews:pro-reply", args=[cast.company_a.pk, published.pk])
    response = client.post(url, {"text": "ok"}, follow=True)
    assert "au moins 10 caractères" in page_text(response)
    assert not Reply.objects.exists()


def test_staff_publish_or_reject_held_texts_from_the_queue(client, published, cast, moderator):
    reply = moderation.reply_save(
        review=published, author=cast.owner_a, text="Merci Madame Martin, à bientôt."
    )
    update = appeals.review_add_update(review=published, text="Mon numéro : 06 12 34 56 78.")
    client.login(username=moderator.username, password=PASSWORD)
    queue = page_text(client.get(reverse("reviews:moderation")))
    assert "Mises à jour et réponses retenues par les contrôles" in queue
    assert "Nom de famille complet du client dans le texte" in queue
    assert "Coordonnées dans le texte" in queue
    assert "Merci Madame Martin" in queue

    client.post(reverse("reviews:addition-decide", args=["reponse", reply.pk]), {"publish": "1"})
    client.post(reverse("reviews:addition-decide", args=["maj", update.pk]), {"publish": "0"})
    reply.refresh_from_db()
    update.refresh_from_db()
    assert (reply.status, reply.decided_by) == ("published", moderator)
    assert (update.status, update.decided_by) == ("rejected", moderator)
    public = company_page(client, published)
    assert "Merci Madame Martin" in public
    assert "06 12 34 56 78" not in public
    # Decided once: a second decision changes nothing and says why.
    response = client.post(
        reverse("reviews:addition-decide", args=["maj", update.pk]), {"publish": "1"}, follow=True
    )
    assert "n'attend plus de modération" in page_text(response)
    update.refresh_from_db()
    assert update.status == "rejected"
    assert client.post(reverse("reviews:addition-decide", args=["autre", 1])).status_code == 404


def test_only_moderators_decide_held_texts(client, published, cast):
    reply = moderation.reply_save(review=published, author=cast.owner_a, text="Merci Mme Martin !")
    client.login(username=cast.owner_a.username, password=PASSWORD)
    url = reverse("reviews:addition-decide", args=["reponse", reply.pk])
    assert client.post(url, {"publish": "1"}).status_code == 403
    reply.refresh_from_db()
    assert reply.status == "pending"


def test_a_review_naming_the_client_in_full_goes_to_moderation(client, invited):
    text = "Madame Martin tient à remercier toute l'équipe pour ce tableau électrique neuf."
    client.post(review_path(), {**REVIEW, "text": text})
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    assert review.moderation_reasons == ["personal_data"]


# 2. Invoices over 12 months old are registered, not invited ---------------------


def invoice_form(pro, cast, days_old: int, number: str = "F-OLD"):
    url = reverse("reviews:invoices", args=[cast.company_a.pk])
    data = {
        "number": number,
        "issued_on": (timezone.localdate() - timedelta(days=days_old)).isoformat(),
        "amount": "1500",
        "client_name": "Luc Petit",
        "client_email": "luc@example.org",
    }
    return pro.post(url, data, follow=True)


@pytest.fixture
def pro(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("days_old", [366, 400, 730, 3650])
def test_an_old_invoice_is_registered_without_an_invitation(
    pro, cast, django_capture_on_commit_callbacks, days_old
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invoice_form(pro, cast, days_old)
    text = page_text(response)
    assert "Facture F-OLD enregistrée" in text
    assert "Facture de plus de 12 mois : pas d'invitation" in text
    assert Invoice.objects.filter(number="F-OLD").exists()
    assert not ReviewInvitation.objects.exists()
    assert mail.outbox == []
    # The list says why, invoice by invoice.
    assert "facture de plus de 12 mois : pas d'invitation" in text


@pytest.mark.parametrize("days_old", [0, 30, 364, 365])
def test_an_invoice_of_the_last_12_months_is_invited(
    pro, cast, django_capture_on_commit_callbacks, days_old
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invoice_form(pro, cast, days_old)
    assert "pas d'invitation" not in page_text(response)
    assert ReviewInvitation.objects.count() == 1
    assert mail.outbox[-1].to == ["luc@example.org"]


def test_the_age_limit_is_a_setting(pro, cast, settings, django_capture_on_commit_callbacks):
    settings.REVIEW_INVOICE_MAX_AGE_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        text = page_text(invoice_form(pro, cast, 31))
    assert "Facture de plus de 1 mois : pas d'invitation" in text
    assert not ReviewInvitation.objects.exists()
    # The transparency page's figure follows.
    assert "moins de 1 mois" in render_to_string("reviews/includes/invoice_age_rule.html")


def test_the_transparency_include_states_12_months():
    text = render_to_string("reviews/includes/invoice_age_rule.html")
    assert "Seuls les clients de factures de moins de 12 mois sont invités" in html.unescape(text)


def test_the_import_reports_old_invoices_and_invites_only_the_recent(
    pro, cast, django_capture_on_commit_callbacks
):
    old = (timezone.localdate() - timedelta(days=500)).strftime("%d/%m/%Y")
    recent = (timezone.localdate() - timedelta(days=10)).strftime("%d/%m/%Y")
    content = (
        "N° facture;Date;Montant TTC;Nom du client;Société;Courriel;Téléphone\n"
        f"I-1;{old};100;Luc Petit;;luc@example.org;\n"
        f"I-2;{recent};100;Paul Roux;;paul@example.org;\n"
    )
    url = reverse("reviews:invoice-import", args=[cast.company_a.pk])
    preview = page_text(pro.post(url, {"file": SimpleUploadedFile("f.csv", content.encode())}))
    assert "1 facture enregistrée sans invitation (facture de plus de 12 mois" in preview
    assert "I-1" in preview
    with django_capture_on_commit_callbacks(execute=True):
        response = pro.post(url, {"step": "confirm"})
    job = InvoiceImport.objects.get()
    response = pro.get(response["Location"])
    assert (job.status, job.created_count, job.not_invited) == ("done", 2, ["I-1"])
    assert "sans invitation (facture de plus de 12 mois : pas d'invitation) : I-1" in page_text(
        response
    )
    assert list(ReviewInvitation.objects.values_list("invoice__number", flat=True)) == ["I-2"]


def test_a_client_request_for_an_old_invoice_gets_no_invitation(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-77",
                "issued_on": timezone.localdate() - timedelta(days=400),
                "amount": "2000",
                "client_name": "Mme Sophie Martin",
                "client_email": "sophie@example.org",
            },
            actor=None,
        )
        client.post(
            reverse("reviews:request", args=[cast.company_a.slug]),
            {"invoice_number": "F-77", "name": "Sophie Martin", "email": "sophie@example.org"},
        )
    path = re.search(r"/avis/demande/\S+/", mail.outbox[-1].body).group(0)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path)
    assert "elle date de plus de 12 mois" in page_text(response)
    assert ReviewRequest.objects.get().status == "too_old"
    assert not ReviewInvitation.objects.exists()
    assert len(mail.outbox) == sent


# 3. A published review is taken down only with its justification ----------------


@pytest.mark.parametrize("note", ["", "   ", "faux"])
def test_rejecting_a_flagged_review_without_a_note_is_a_form_error(
    client, published, moderator, note
):
    moderation.flag_create(review=published, reason="fake", note="Jamais venu chez moi.")
    client.login(username=moderator.username, password=PASSWORD)
    url = reverse("reviews:moderation-detail", args=[published.pk])
    assert "Note justifiant le refus" in page_text(client.get(url))
    response = client.post(
        url, {"decision": "reject", "reason": "not_own_experience", "note": note}
    )
    assert response.status_code == 200
    assert "demande la note qui le justifie" in page_text(response)
    published.refresh_from_db()
    assert published.status == ReviewStatus.PUBLISHED
    assert not ModerationDecision.objects.exists()
    assert ReviewFlag.objects.get().resolved_at is None


def test_rejecting_a_flagged_review_stores_its_note(
    client, published, moderator, django_capture_on_commit_callbacks
):
    moderation.flag_create(review=published, reason="fake")
    client.login(username=moderator.username, password=PASSWORD)
    url = reverse("reviews:moderation-detail", args=[published.pk])
    note = "Le client de la facture dit n'avoir jamais écrit cet avis (courriel du 12/11)."
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"decision": "reject", "reason": "not_own_experience", "note": note})
    published.refresh_from_db()
    assert published.status == ReviewStatus.REJECTED
    assert ModerationDecision.objects.get().note == note
    assert note in page_text(client.get(url))  # shown with the decision


def test_the_service_refuses_a_takedown_without_a_note(published, moderator):
    with pytest.raises(ValidationError):
        moderation.review_moderate(
            review=published, actor=moderator, decision="reject", reason="offensive", note=" "
        )
    assert Review.objects.get().status == ReviewStatus.PUBLISHED


# 4. Linked people: the company's phone, a member's surname and town ------------


def register(cast, capture, **fields):
    with capture(execute=True):
        return invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-9",
                "issued_on": timezone.localdate() - timedelta(days=20),
                "amount": "900",
                "client_name": "Mme Sophie Martin",
                "client_email": "sophie.martin@example.org",
                **fields,
            },
            actor=cast.owner_a,
        )


def submit(client) -> Review:
    client.post(review_path(), REVIEW)
    return Review.objects.get()


@pytest.mark.parametrize(
    ("company_phone", "client_phone", "linked"),
    [
        ("+33478000000", "+33478000000", True),
        ("04 78 00 00 00", "+33478000000", True),  # a row typed before E.164
        ("+33478000000", "+33478000001", False),
        ("", "", False),  # both unknown: no link
        ("+33478000000", "", False),
    ],
)
def test_the_company_phone_on_the_invoice_sends_the_review_to_moderation(
    client, cast, django_capture_on_commit_callbacks, company_phone, client_phone, linked
):
    Company.objects.filter(pk=cast.company_a.pk).update(phone=company_phone)
    register(cast, django_capture_on_commit_callbacks, client_phone=client_phone)
    review = submit(client)
    assert ("linked_phone" in review.moderation_reasons) is linked
    assert review.status == (ReviewStatus.PENDING if linked else ReviewStatus.PUBLISHED)


def test_the_company_phone_in_a_quote_request_of_the_client_counts(
    client, cast, django_capture_on_commit_callbacks
):
    Company.objects.filter(pk=cast.company_a.pk).update(phone="+33478000000")
    QuoteRequestFactory(
        company=cast.company_a, email="Sophie.Martin@example.org", phone="+33478000000"
    )
    register(cast, django_capture_on_commit_callbacks)
    assert submit(client).moderation_reasons == ["linked_phone"]


@pytest.mark.parametrize(
    ("member_surname", "client_town", "linked"),
    [
        ("Martin", "Lyon", True),
        ("MARTIN", "lyon", True),
        ("Martin", "Grenoble", False),  # same name, elsewhere
        ("Bernard", "Lyon", False),  # same town, another name
        ("Martin", None, False),  # no town known for the client
    ],
)
def test_a_member_surname_in_the_company_town_sends_the_review_to_moderation(
    client, cast, django_capture_on_commit_callbacks, member_surname, client_town, linked
):
    assert cast.company_a.city == "Lyon"
    cast.member_a.last_name = member_surname
    cast.member_a.save()
    if client_town:
        QuoteRequestFactory(
            company=cast.company_a, email="sophie.martin@example.org", city=client_town
        )
    register(cast, django_capture_on_commit_callbacks)
    review = submit(client)  # never refused: the review exists either way
    assert ("linked_name_town" in review.moderation_reasons) is linked
    assert review.status == (ReviewStatus.PENDING if linked else ReviewStatus.PUBLISHED)


def test_linked_people_reasons_are_shown_in_french_to_staff(
    client, cast, moderator, django_capture_on_commit_callbacks
):
    Company.objects.filter(pk=cast.company_a.pk).update(phone="+33478000000")
    cast.member_a.last_name = "Martin"
    cast.member_a.save()
    QuoteRequestFactory(company=cast.company_a, email="sophie.martin@example.org", city="Lyon")
    register(cast, django_capture_on_commit_callbacks, client_phone="+33478000000")
    review = submit(client)
    assert review.moderation_reasons == ["linked_phone", "linked_name_town"]
    client.login(username=moderator.username, password=PASSWORD)
    queue = page_text(client.get(reverse("reviews:moderation")))
    assert "Téléphone de l'auteur identique à celui de l'entreprise" in queue
    assert "Auteur au nom d'un membre, habitant la ville de l'entreprise" in queue


def test_upholding_a_company_appeal_needs_the_note_too(client, published, cast, moderator):
    appeal = appeals.appeal_create(
        review=published,
        by="company",
        text="Ce client n'a jamais été facturé pour ce chantier.",
        appellant=cast.owner_a,
    )
    client.login(username=moderator.username, password=PASSWORD)
    url = reverse("reviews:appeal-decide", args=[appeal.pk])
    page = page_text(client.get(reverse("reviews:moderation-detail", args=[published.pk])))
    assert "obligatoire pour donner raison" in page
    response = client.post(url, {"upheld": "1", "reason": "off_topic", "note": ""}, follow=True)
    assert "demande la note qui le justifie" in page_text(response)
    published.refresh_from_db()
    appeal.refresh_from_db()
    assert (published.status, appeal.status) == (ReviewStatus.PUBLISHED, "open")
