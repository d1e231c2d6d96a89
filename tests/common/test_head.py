"""HEAD is answered like GET on every page (uptime checks and crawlers use
it; issue 10: every ``@require_GET`` view answered 405), and changes
nothing, even on the pages whose POST acts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory.models import QuoteRequest
from prospects.models import Prospect
from reviews.models import ReviewInvitation

from .site_urls import walk

pytestmark = pytest.mark.django_db


def test_head_answers_like_get_on_every_page(client, cast, site):
    errors, checked = [], 0
    for role, login, _route, url in walk(client, cast, site):
        login()
        get = client.get(url)
        if get.status_code == 405:
            continue  # a POST-only URL
        login()
        head = client.head(url)
        checked += 1
        if head.status_code != get.status_code:
            errors.append(f"HEAD {role} {url}: {head.status_code}, GET {get.status_code}")
        if head.content:
            errors.append(f"HEAD {role} {url}: a body")
    assert not errors
    assert checked > 100


def test_head_on_public_pages_is_200(client, cast, site):
    for name, args in [
        ("directory:home", []),
        ("directory:search", []),
        ("directory:company", [cast.company_a.slug]),
        ("directory:professions", []),
        ("reviews:how", []),
        ("robots", []),
        ("reviews:write", [site["reviews:write.token"]]),
        ("reviews:manage", [site["reviews:manage.token"]]),
    ]:
        assert client.head(reverse(name, args=args)).status_code == 200, name


def test_head_on_a_confirmation_or_opt_out_link_changes_nothing(client, cast, site):
    client.head(reverse("directory:quote-confirm", args=[site["directory:quote-confirm.token"]]))
    client.head(reverse("reviews:opt-out", args=[site["reviews:opt-out.token"]]))
    client.head(
        reverse("prospects:application-link", args=[site["prospects:application-link.token"]]),
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"},
    )
    quote = QuoteRequest.objects.get(pk=site["quote_id"])
    assert quote.status == QuoteRequest._meta.get_field("status").default
    assert not ReviewInvitation.objects.filter(opted_out_at__isnull=False).exists()
    assert not Prospect.objects.filter(application_link_opened_at__isnull=False).exists()
