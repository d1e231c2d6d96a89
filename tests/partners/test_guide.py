"""The partner guide (docs/api.md, docs/api.en.md) cannot rot: it is
served and linked from /api/docs/, ReDoc and /partenaires/; every endpoint
it quotes exists in the schema; its webhook-verification example, run as
written, accepts a real delivery signed by our code and refuses a forged,
altered or stale one."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

from partners.models import EventType, Scope
from partners.webhooks import delivery_attempt, endpoint_create, event_publish

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {"fr": ROOT / "docs" / "api.md", "en": ROOT / "docs" / "api.en.md"}
PREFIX = "/api/v1/"


def text(language: str) -> str:
    return GUIDES[language].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema_paths() -> list[str]:
    return list(SchemaGenerator().get_schema(request=None, public=True)["paths"])


def matches(path: str, templates: list[str]) -> bool:
    for template in templates:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return True
    return False


@pytest.mark.parametrize("language", GUIDES)
def test_every_address_the_guide_quotes_is_an_endpoint_of_the_schema(language, schema_paths):
    guide = text(language)
    # Full addresses of the curl examples, without their query.
    addresses = re.findall(r"https://plusquepro\.fr(/api/v1/[^\s\"'?`]*)", guide)
    # Operations quoted as `GET companies/{slug}/reviews`.
    operations = re.findall(r"`(?:GET|POST|DELETE) ([a-z{][^`\s]*)`", guide)
    assert len(addresses) >= 8
    assert len(operations) >= 8
    for path in addresses + [PREFIX + o for o in operations]:
        if path == PREFIX:
            continue
        assert matches(path, schema_paths), f"{GUIDES[language].name}: {path}"


@pytest.mark.parametrize("language", GUIDES)
def test_the_guide_names_every_scope_and_event(language):
    guide = text(language)
    for name in [*Scope.values, *EventType.values]:
        assert f"`{name}`" in guide, name


def verifier(language: str):
    [code] = re.findall(r"```python\n(.*?)```", text(language), flags=re.DOTALL)
    namespace: dict = {}
    exec(compile(code, str(GUIDES[language]), "exec"), namespace)  # noqa: S102 - our own guide
    return namespace["verify_webhook"]


def test_both_guides_show_the_same_verification_code():
    assert re.findall(r"```python\n.*?```", text("fr"), flags=re.DOTALL) == re.findall(
        r"```python\n.*?```", text("en"), flags=re.DOTALL
    )


@pytest.mark.django_db
def test_the_guides_verification_example_accepts_our_real_delivery(partner, receiver, cast):
    verify_webhook = verifier("fr")
    _endpoint, secret = endpoint_create(
        partner=partner,
        url=receiver.url,
        events=[EventType.COMPANY_SUSPENDED],
        scope="public",
    )
    event = event_publish(
        EventType.COMPANY_SUSPENDED,
        company_id=cast.company_a.pk,
        payload={"company": {"id": cast.company_a.pk}},
    )
    delivery_attempt(event.deliveries.get().pk)
    [request] = receiver.received
    assert verify_webhook(secret, request.headers, request.body)
    # Forged, altered, stale: refused.
    _other, other_secret = endpoint_create(
        partner=partner, url=receiver.url, events=[EventType.COMPANY_SUSPENDED], scope="public"
    )
    assert not verify_webhook(other_secret, request.headers, request.body)
    assert not verify_webhook(secret, request.headers, request.body + b" ")
    stale = {**request.headers, "webhook-timestamp": str(int(time.time()) - 3600)}
    assert not verify_webhook(secret, stale, request.body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "language"), [("/api/docs/guide/", "fr"), ("/api/docs/guide/en/", "en")]
)
def test_the_guide_is_served_as_written(client, url, language):
    response = client.get(url)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()
    assert "verify_webhook" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/docs/redoc/"])
def test_the_docs_pages_link_the_guide(client, url):
    page = client.get(url).content.decode()
    assert 'href="/api/docs/guide/"' in page
    assert 'href="/api/docs/guide/en/"' in page


@pytest.mark.django_db
def test_the_partner_portal_links_the_guide(client, partner):
    from tests.factories import UserFactory

    user = UserFactory(email="dev@comp.test")
    partner.members.add(user)
    client.force_login(user)
    page = client.get(f"/partenaires/{partner.pk}/").content.decode()
    assert 'href="/api/docs/guide/"' in page
    assert 'href="/api/docs/guide/en/"' in page
