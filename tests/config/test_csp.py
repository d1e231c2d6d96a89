"""Every page is sent with a strict Content-Security-Policy (django-csp):
scripts and styles only from our own files, nothing inline, no framing,
forms posted only here. The browser suite checks that no page breaks it
(tests/browser/test_csp.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return dict(directives)


def assert_strict(response) -> None:
    assert "Content-Security-Policy-Report-Only" not in response
    found = policy(response)
    assert {name: found.get(name) for name in EXPECTED} == EXPECTED
    assert not any("unsafe" in value for value in found.values()), found


def public_urls(cast) -> list[str]:
    company = cast.company_a
    return [
        reverse("directory:home"),
        reverse("directory:search") + "?q=electricien&ou=Lyon",
        reverse("directory:search") + "?q=",
        reverse("directory:company", args=[company.slug]),
        reverse("directory:quote-request", args=[company.slug]),
        reverse("directory:professions"),
        reverse("directory:trust"),
        reverse("reviews:how"),
        reverse("reviews:request", args=[company.slug]),
        reverse("eligibility:apply"),
        reverse("account_login"),
        reverse("account_signup"),
        "/page-qui-n-existe-pas/",  # the 404 page
        "/robots.txt",
    ]


def pro_urls(cast) -> list[str]:
    pk = cast.company_a.pk
    names = [
        "directory:pro-dashboard",
        "directory:pro-profile",
        "directory:pro-photos",
        "directory:pro-team",
        "directory:pro-quotes",
        "reviews:invoices",
        "reviews:invoice-import",
        "reviews:pro-reviews",
        "reviews:pro-audits",
    ]
    return [reverse(name, args=[pk]) for name in names] + [
        reverse("directory:account"),
        reverse("eligibility:step", args=[1]),
    ]


STAFF_URLS = [
    "eligibility:queue",
    "eligibility:companies",
    "reviews:moderation",
    "reviews:staff-audits",
]


def test_every_public_page_sends_the_policy(client, cast):
    for url in public_urls(cast):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict(response)


def test_every_pro_space_page_sends_the_policy(client, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    for url in pro_urls(cast):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)


def test_every_staff_page_sends_the_policy(client, cast):
    cast.staff.groups.add(*Group.objects.filter(name__in=["moderation", "sales"]))
    client.login(username=cast.staff.username, password=PASSWORD)
    for name in STAFF_URLS:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_strict(response)


def test_a_redirect_and_a_form_error_send_the_policy_too(client, cast):
    assert_strict(client.get(reverse("directory:pro-home")))  # to the log-in page
    response = client.post(reverse("account_login"), {"login": "x@example.org", "password": "x"})
    assert response.status_code == 200
    assert_strict(response)


def test_the_templates_carry_no_inline_script_handler_or_style():
    """What the policy forbids, spotted at the source: an inline <script>,
    an on…= handler, a style= attribute, a javascript: URL."""
    import re

    from django.conf import settings

    forbidden = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE
    )
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for path in (settings.BASE_DIR / "templates").rglob("*.html")
        if "emails" not in path.parts  # e-mails are not pages: their styles are inline
        for match in forbidden.finditer(path.read_text())
    ]
    assert offenders == []
