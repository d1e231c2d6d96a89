"""A refused page and a refused form answer with the site's own pages in
French (trial, finding 3): a 403 page in the site's layout instead of
Django's bare English one, and, when the CSRF check refuses a form (the
session changed in another tab since the page was shown), a page that
says so and asks to reload, without Django's technical text."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from directory.models import QuoteRequest
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SITE_LAYOUT = "Plus <span>que</span> pro"
DJANGO_CSRF_TEXT = ("CSRF", "Forbidden", "Accès interdit (403)", "La requête a été interrompue")


def token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("path", ["/equipe/avis/", "/equipe/nuits/", "/equipe/controles/"])
@pytest.mark.parametrize("who", ["consumer", "owner_a"])
def test_a_staff_page_refused_to_an_account_is_the_site_s_403_in_french(client, cast, path, who):
    person = getattr(cast, who)
    client.force_login(getattr(person, "user", person))
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 403
    assert SITE_LAYOUT in html
    assert 'lang="fr"' in html
    assert "<h1>Accès refusé</h1>" in html
    assert "403 Forbidden" not in html
    assert reverse("directory:home") in html
    assert reverse("directory:account") in html


def assert_session_changed_page(response) -> None:
    html = response.content.decode()
    assert response.status_code == 403
    assert SITE_LAYOUT in html
    assert "<h1>Votre session a changé</h1>" in html
    assert "rechargez-la" in html
    for technical in DJANGO_CSRF_TEXT:
        assert technical not in html, technical


def test_a_quote_form_sent_after_logging_in_elsewhere_gets_the_session_page(client, cast):
    """The trial's case: the quote page opened logged out, a log-in in
    another tab, then the form sent from the first tab."""
    browser = Client(enforce_csrf_checks=True)
    quote_url = reverse("directory:quote-request", args=[cast.company_a.slug])
    old_token = token(browser.get(quote_url).content.decode())
    login_page = browser.get(reverse("account_login")).content.decode()
    logged_in = browser.post(
        reverse("account_login"),
        {
            "login": "consumer@example.fr",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token(login_page),
        },
    )
    assert logged_in.status_code == 302
    response = browser.post(
        quote_url,
        {
            "need": "Refaire le tableau électrique d'un appartement de 70 m².",
            "csrfmiddlewaretoken": old_token,
        },
        HTTP_REFERER=f"http://testserver{quote_url}",
    )
    assert_session_changed_page(response)
    assert f'href="http://testserver{quote_url}"' in response.content.decode()
    assert not QuoteRequest.objects.exists()


@pytest.mark.parametrize(
    ("data", "cookies"),
    [
        ({}, False),  # no token, no cookie
        ({"csrfmiddlewaretoken": "x" * 64}, True),  # a wrong token
        ({"email": "a@exemple.fr", "password1": PASSWORD, "password2": PASSWORD}, True),
    ],
)
def test_a_refused_form_gets_the_session_page_not_django_s(cast, data, cookies):
    browser = Client(enforce_csrf_checks=True)
    if cookies:
        browser.get(reverse("account_signup"))
    response = browser.post(reverse("account_signup"), data)
    assert_session_changed_page(response)


@pytest.mark.parametrize(
    "referer", ["https://evil.example/devis/", "javascript:alert(1)", "//evil.example/"]
)
def test_the_back_link_never_leads_off_the_site(cast, referer):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("account_signup"), {}, HTTP_REFERER=referer)
    assert_session_changed_page(response)
    assert "evil.example" not in response.content.decode()
    assert "javascript:" not in response.content.decode()


def test_with_debug_on_the_reason_is_shown_below(cast, settings):
    settings.DEBUG = True
    response = Client(enforce_csrf_checks=True).post(reverse("account_signup"), {})
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
