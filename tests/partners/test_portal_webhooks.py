"""Webhooks in the partner portal (/partenaires/<id>/webhooks/): a
member subscribes an endpoint (the service's SSRF refusals as form
errors), sees its secret once, rotates it, deletes the endpoint, reads
the delivery log (filters, pages by id), reads a delivery and replays
it. Another partner's endpoint or delivery, and ids that are not ids,
are 404s; nothing is ever a 500."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from partners import selectors
from partners.models import (
    DeliveryStatus,
    DisabledReason,
    EndpointScope,
    EventType,
    Partner,
    PartnerKind,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)
from partners.webhooks import endpoint_create, endpoint_disable, events_publish
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(partner):
    user = UserFactory(email="dev@comp.test")
    partner.members.add(user)
    return user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def other_partner():
    return Partner.objects.create(
        name="Logiciel Autre", kind=PartnerKind.INVOICING_SOFTWARE, contact_email="a@o.test"
    )


def base(partner: Partner) -> str:
    return f"/partenaires/{partner.pk}/webhooks"


def create(client, partner, address, events=("review.published",), **extra):
    data = {"url": address, "events": list(events), "scope": "connected", **extra}
    return client.post(f"{base(partner)}/nouveau/", data)


def errors_of(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def publish(count: int, type: str = EventType.REVIEW_PUBLISHED) -> None:
    """``count`` public events, each with its delivery to every public
    endpoint subscribed (left pending: the test's transaction never
    commits, so no worker takes them)."""
    events_publish(type, [(None, {"review": {"id": n, "rating": 5}}) for n in range(count)])


@pytest.fixture
def endpoint(partner, receiver):
    endpoint, _secret = endpoint_create(
        partner=partner,
        url=receiver.url,
        events=[EventType.REVIEW_PUBLISHED, EventType.COMPANY_LISTED],
        scope=EndpointScope.PUBLIC,
        description="Production",
    )
    return endpoint


# --- Creation and the secret ------------------------------------------------------------


def test_an_endpoint_is_created_and_its_secret_shown_once(member_client, partner, receiver):
    page = member_client.get(f"{base(partner)}/nouveau/")
    assert page.status_code == 200
    # The catalogue in French, the private events said so.
    assert "Un avis a été publié (review.published)" in page.content.decode()
    assert "entreprises connectées seulement" in page.content.decode()
    response = create(
        member_client,
        partner,
        receiver.url,
        events=["review.published", "application.decided"],
        description="Production",
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{base(partner)}/{endpoint.pk}/secret/"
    assert endpoint.partner == partner
    assert endpoint.events == ["application.decided", "review.published"]
    assert endpoint.scope == EndpointScope.CONNECTED
    secret = WebhookSecret.objects.get(endpoint=endpoint).secret
    assert secret.startswith("whsec_")
    shown = member_client.get(response["Location"])
    assert shown["Cache-Control"] == "no-store"
    assert secret in shown.content.decode()
    assert "Copiez-le maintenant" in shown.content.decode()
    again = member_client.get(response["Location"])
    assert secret not in again.content.decode()
    assert "ne peut plus l'être" in again.content.decode()
    listing = member_client.get(f"{base(partner)}/")
    text = listing.content.decode()
    assert receiver.url in text
    assert "application.decided" in text
    assert "aucun pour l'instant" in text
    assert secret not in text


def test_a_secret_not_shown_does_not_linger_in_the_session(member_client, partner, receiver):
    response = create(member_client, partner, receiver.url)
    secret = WebhookSecret.objects.get().secret
    member_client.get(f"{base(partner)}/")
    assert secret not in member_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://hooks.example.fr/plusquepro", "https://"),
        ("https://10.1.2.3/hooks", "10.1.2.3"),
        ("https://127.0.0.1/hooks", "127.0.0.1"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://[::1]/hooks", "::1"),
        ("https://2130706433/", "127.0.0.1"),
        ("https://intranet/hooks", "intranet"),
        ("https://user:pw@hooks.example.fr/", "mot de passe"),
        ("ftp://hooks.example.fr/", "https://"),
        ("pas une adresse", "espaces"),
        ("https://hooks.example.fr/" + "x" * 2100, "2000"),
    ],
)
def test_urls_we_would_never_call_are_form_errors_in_production_settings(
    member_client, partner, settings, url, words
):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = create(member_client, partner, url)
    assert response.status_code == 400
    assert any(words in message for message in errors_of(response)["url"]), errors_of(response)
    assert 'role="alert"' in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookSecret.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"events": []}, "events"),
        ({"events": ["review.liked"]}, "events"),
        ({"events": ["application.decided"], "scope": "public"}, "events"),
        ({"scope": "everyone"}, "scope"),
        ({"url": ""}, "url"),
        ({"url": "   "}, "url"),
        ({"description": "d" * 201}, "description"),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(
    member_client, partner, receiver, data, field
):
    response = create(member_client, partner, receiver.url, **data)
    assert response.status_code == 400
    assert field in errors_of(response)
    assert not WebhookEndpoint.objects.exists()


def test_a_public_endpoint_is_refused_a_private_event_with_the_services_words(
    member_client, partner, receiver
):
    response = create(
        member_client, partner, receiver.url, events=["application.decided"], scope="public"
    )
    assert "entreprises qui vous ont connecté" in errors_of(response)["events"][0]


def test_a_partner_has_a_bounded_number_of_endpoints(member_client, partner, receiver, settings):
    settings.WEBHOOK_ENDPOINTS_MAX = 1
    assert create(member_client, partner, receiver.url).status_code == 302
    response = create(member_client, partner, receiver.url)
    assert response.status_code == 400
    assert "au plus 1" in errors_of(response)["__all__"][0]
    assert WebhookEndpoint.objects.count() == 1


def test_the_form_is_limited_per_account(member_client, partner, settings):
    settings.PARTNER_WEBHOOK_CREATE_RATE = "2/h"
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for _n in range(2):
        assert create(member_client, partner, "https://10.0.0.1/").status_code == 400
    response = create(member_client, partner, "https://10.0.0.1/")
    assert response.status_code == 429
    assert "Trop d'essais" in html.unescape(response.content.decode())


def test_hostile_input_is_escaped_and_never_a_500(member_client, partner, receiver):
    description = '<script>alert("x")</script>'
    response = create(member_client, partner, receiver.url, description=description)
    assert response.status_code == 302
    # A direction control is refused beside the field (test_invisible_characters).
    refused = create(member_client, partner, receiver.url, description="Prod\u202e")
    assert refused.status_code == 400
    listing = member_client.get(f"{base(partner)}/").content.decode()
    assert "<script>alert" not in listing
    for data in (
        {"url": "https://exa\x00mple.fr/"},
        {"url": "https://exämple.fr/"},
        {"url": "https://[fe80::1%25eth0]/"},
        {"url": "https://example.fr:99999/"},
        {"events": ["review.published"] * 500},
    ):
        response = create(member_client, partner, receiver.url, **data)
        assert response.status_code in (302, 400), data


# --- Rotation and deletion --------------------------------------------------------------


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_for_the_overlap(
    member_client, partner, endpoint
):
    old = WebhookSecret.objects.get(endpoint=endpoint)
    url = f"{base(partner)}/{endpoint.pk}/renouveler-le-secret/"
    confirm = member_client.get(url)
    assert "encore 24 heures" in confirm.content.decode()
    assert WebhookSecret.objects.count() == 1
    response = member_client.post(url)
    assert response["Location"] == f"{base(partner)}/{endpoint.pk}/secret/"
    new = WebhookSecret.objects.exclude(pk=old.pk).get()
    old.refresh_from_db()
    assert old.expires_at is not None
    assert old.expires_at > timezone.now()
    page = member_client.get(response["Location"]).content.decode()
    assert new.secret in page
    assert old.secret not in page
    assert "signe encore jusqu'au" in page
    assert new.secret not in member_client.get(response["Location"]).content.decode()


def test_deleting_asks_then_removes_the_endpoint_and_its_log(member_client, partner, endpoint):
    publish(2)
    url = f"{base(partner)}/{endpoint.pk}/supprimer/"
    assert "Supprimer ce point de réception" in member_client.get(url).content.decode()
    assert WebhookEndpoint.objects.exists()
    response = member_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == f"{base(partner)}/"
    assert "est supprimé" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert member_client.get(f"{base(partner)}/{endpoint.pk}/").status_code == 404


def test_posts_need_the_csrf_token(member, partner, endpoint, receiver):
    publish(1)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED, next_attempt_at=None
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    for url in (
        f"{base(partner)}/nouveau/",
        f"{base(partner)}/{endpoint.pk}/renouveler-le-secret/",
        f"{base(partner)}/{endpoint.pk}/supprimer/",
        f"{base(partner)}/{endpoint.pk}/livraisons/{delivery.pk}/renvoyer/",
    ):
        response = strict.post(url, {"url": receiver.url, "events": ["review.published"]})
        assert response.status_code == 403, url
    assert WebhookEndpoint.objects.count() == 1
    assert WebhookSecret.objects.count() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


# --- The delivery log ---------------------------------------------------------------------


def test_the_list_shows_state_and_last_delivery(member_client, partner, endpoint):
    publish(1)
    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED, status_code=503)
    page = member_client.get(f"{base(partner)}/").content.decode()
    assert "Échoué (503)" in page
    assert "actif" in page
    endpoint_disable(endpoint=endpoint, reason=DisabledReason.GONE)
    page = member_client.get(f"{base(partner)}/").content.decode()
    assert "désactivé" in page
    assert "410" in page


def test_the_log_is_filtered_by_outcome_and_event_type(member_client, partner, endpoint):
    publish(2)
    publish(1, EventType.COMPANY_LISTED)
    published = list(
        WebhookDelivery.objects.filter(event__type=EventType.REVIEW_PUBLISHED).order_by("id")
    )
    WebhookDelivery.objects.filter(pk=published[0].pk).update(
        status=DeliveryStatus.DELIVERED, next_attempt_at=None, status_code=200, latency_ms=42
    )
    url = f"{base(partner)}/{endpoint.pk}/"

    def shown(**params) -> list[int]:
        response = member_client.get(url, params)
        assert response.status_code == 200
        return [d.pk for d in response.context["page"].deliveries]

    every = list(WebhookDelivery.objects.order_by("-id").values_list("pk", flat=True))
    assert shown() == every
    assert shown(status="delivered") == [published[0].pk]
    assert shown(status="pending", type="review.published") == [published[1].pk]
    assert len(shown(type="company.listed")) == 1
    assert shown(status="gone") == []
    page = member_client.get(url, {"status": "delivered"}).content.decode()
    assert "42" in page
    assert published[0].event_id in page
    # A value that is no choice: said beside the field, the log unfiltered.
    response = member_client.get(url, {"status": "lost", "type": "<b>x</b>"})
    assert response.status_code == 200
    assert response.context["filters"].errors
    assert [d.pk for d in response.context["page"].deliveries] == every


def test_the_log_pages_by_id_newest_first(member_client, partner, endpoint, monkeypatch):
    monkeypatch.setattr(selectors, "DELIVERIES_PER_PAGE", 2)
    publish(5)
    ids = list(WebhookDelivery.objects.order_by("-id").values_list("pk", flat=True))
    url = f"{base(partner)}/{endpoint.pk}/"
    first = member_client.get(url).context["page"]
    assert [d.pk for d in first.deliveries] == ids[:2]
    assert first.newer is None
    second = member_client.get(url, {"avant": first.older}).context["page"]
    assert [d.pk for d in second.deliveries] == ids[2:4]
    third = member_client.get(url, {"avant": second.older}).context["page"]
    assert [d.pk for d in third.deliveries] == ids[4:]
    assert third.older is None
    back = member_client.get(url, {"apres": third.newer}).context["page"]
    assert [d.pk for d in back.deliveries] == ids[2:4]
    assert back.newer == ids[2]
    page = member_client.get(url, {"avant": first.older}).content.decode()
    assert "Plus récents" in page
    assert "Plus anciens" in page
    for hostile in ("abc", "-1", "0", "9" * 40, "1e9", "١"):
        assert member_client.get(url, {"avant": hostile, "apres": hostile}).status_code == 200


def test_a_delivery_shows_what_the_endpoint_received(member_client, partner, endpoint):
    publish(1)
    delivery = WebhookDelivery.objects.select_related("event").get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=None,
        attempts=3,
        status_code=500,
        latency_ms=120,
        response_excerpt="<h1>Erreur</h1>",
    )
    response = member_client.get(f"{base(partner)}/{endpoint.pk}/livraisons/{delivery.pk}/")
    assert response.status_code == 200
    body = json.loads(response.context["body"])
    assert body["type"] == "review.published"
    assert body["data"] == {"review": {"id": 0, "rating": 5}}
    page = response.content.decode()
    assert delivery.event_id in page
    assert "&lt;h1&gt;Erreur&lt;/h1&gt;" in page
    assert re.search(r">\s*Renvoyer\s*<", page)


# --- Replays ----------------------------------------------------------------------------


def test_a_finished_delivery_is_replayed(
    member_client, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    publish(1)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, attempts=9, status_code=500
    )
    url = f"{base(partner)}/{endpoint.pk}/livraisons/{delivery.pk}/renvoyer/"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url, follow=True)
    assert (
        response.redirect_chain[-1][0] == f"{base(partner)}/{endpoint.pk}/livraisons/{delivery.pk}/"
    )
    assert "relancé" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["webhook-id"] == delivery.event_id


def test_a_pending_delivery_or_a_disabled_endpoint_is_refused_with_a_message(
    member_client, partner, endpoint
):
    publish(1)
    delivery = WebhookDelivery.objects.get()
    url = f"{base(partner)}/{endpoint.pk}/livraisons/{delivery.pk}/renvoyer/"
    response = member_client.post(url, follow=True)
    assert "encore en cours" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    endpoint_disable(endpoint=endpoint, reason=DisabledReason.FAILING)
    response = member_client.post(url, follow=True)
    assert "désactivé" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error_code == "endpoint_disabled"


# --- Who sees what ----------------------------------------------------------------------


def pages(partner: Partner, endpoint_id: object, delivery_id: object) -> list[tuple[str, str]]:
    root = base(partner)
    one = f"{root}/{endpoint_id}"
    return [
        ("get", f"{one}/"),
        ("get", f"{one}/secret/"),
        ("get", f"{one}/renouveler-le-secret/"),
        ("post", f"{one}/renouveler-le-secret/"),
        ("get", f"{one}/supprimer/"),
        ("post", f"{one}/supprimer/"),
        ("get", f"{one}/livraisons/{delivery_id}/"),
        ("post", f"{one}/livraisons/{delivery_id}/renvoyer/"),
    ]


@pytest.fixture
def delivered(endpoint):
    publish(1)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED, next_attempt_at=None
    )
    return delivery


def test_anonymous_visitors_are_sent_to_the_log_in_page(client, partner, endpoint, delivered):
    urls = [("get", f"{base(partner)}/"), ("get", f"{base(partner)}/nouveau/")]
    for method, url in urls + pages(partner, endpoint.pk, delivered.pk):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/compte/login/" in response["Location"]


def test_non_members_and_another_partners_members_get_404s(
    client, partner, other_partner, endpoint, delivered
):
    other_member = UserFactory(email="other@o.test")
    other_partner.members.add(other_member)
    stranger = UserFactory(email="stranger@example.fr")
    urls = [
        ("get", f"{base(partner)}/"),
        ("get", f"{base(partner)}/nouveau/"),
        ("post", f"{base(partner)}/nouveau/"),
    ]
    for user in (stranger, other_member):
        client.force_login(user)
        for method, url in urls + pages(partner, endpoint.pk, delivered.pk):
            assert getattr(client, method)(url).status_code == 404, (user, url)
    # Through its own partner's URL, another partner's endpoint is still a 404.
    client.force_login(other_member)
    for method, url in pages(other_partner, endpoint.pk, delivered.pk):
        assert getattr(client, method)(url).status_code == 404, url
    assert WebhookEndpoint.objects.count() == 1
    assert WebhookSecret.objects.count() == 1
    delivered.refresh_from_db()
    assert delivered.status == DeliveryStatus.DELIVERED


def test_a_delivery_of_another_endpoint_is_a_404(member_client, partner, endpoint, receiver):
    second, _secret = endpoint_create(
        partner=partner, url=receiver.url, events=["review.published"], scope="public"
    )
    publish(1)
    of_second = WebhookDelivery.objects.get(endpoint=second)
    for method, url in pages(partner, endpoint.pk, of_second.pk)[-2:]:
        assert getattr(member_client, method)(url).status_code == 404


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "1.5", "99999999999999999999999", "١"])
def test_hostile_ids_are_404s(member_client, partner, endpoint, delivered, raw):
    for method, url in pages(partner, raw, delivered.pk) + pages(partner, endpoint.pk, raw)[-2:]:
        assert getattr(member_client, method)(url).status_code == 404, url
    assert WebhookEndpoint.objects.count() == 1


def test_the_webhook_pages_speak_english_too(member_client, partner, endpoint, delivered):
    root = f"/en/partenaires/{partner.pk}/webhooks"
    for url, words in (
        (f"{root}/", "New endpoint"),
        (f"{root}/nouveau/", "A review was published (review.published)"),
        (f"{root}/{endpoint.pk}/", "Delivery log"),
        (f"{root}/{endpoint.pk}/livraisons/{delivered.pk}/", "What your endpoint received"),
    ):
        response = member_client.get(url)
        assert response.status_code == 200, url
        assert words in response.content.decode(), url


def test_the_pages_cost_a_bounded_number_of_queries(
    member_client, partner, receiver, django_assert_max_num_queries
):
    for _n in range(5):
        endpoint_create(
            partner=partner, url=receiver.url, events=["review.published"], scope="public"
        )
    publish(30)
    endpoint = WebhookEndpoint.objects.first()
    older = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id")[10].pk
    # Session, user, partner and the layout's four, then the page's own
    # reads: one for the list; endpoint, page and the two "more?" for the log.
    with django_assert_max_num_queries(8):
        member_client.get(f"{base(partner)}/")
    with django_assert_max_num_queries(11):
        member_client.get(f"{base(partner)}/{endpoint.pk}/", {"avant": older, "status": "pending"})
