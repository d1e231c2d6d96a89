"""Behind a proxy (issue 10, §5): the client's address comes from
``X-Forwarded-For`` only as far as ``TRUSTED_PROXY_COUNT`` proxies of
ours wrote it; every per-IP limit of the site uses that one address."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from common.client_ip import client_ip
from directory.models import QuoteRequest
from tests.conftest import PASSWORD
from tests.directory.test_quote_requests import form_data

PROXY = "10.0.0.2"  # REMOTE_ADDR of every request that came through the proxy


def address(count: int, settings, forwarded: str | None = None, remote: str = PROXY) -> str:
    settings.TRUSTED_PROXY_COUNT = count
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        # Direct access: the header is the visitor's to write, never read.
        (0, None, PROXY),
        (0, "203.0.113.7", PROXY),
        (0, "1.2.3.4, 203.0.113.7", PROXY),
        # One proxy: the right-most entry is what it saw; the rest is forgeable.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4,203.0.113.7", "203.0.113.7"),
        (1, " 2001:DB8::1 ", "2001:db8::1"),
        # Two proxies: the second from the right.
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        # Fewer entries than proxies (an internal probe), or not an address.
        (1, None, PROXY),
        (2, "203.0.113.7", PROXY),
        (1, "1.2.3.4, not-an-address", PROXY),
        (1, "1.2.3.4, ", PROXY),
    ],
)
def test_the_client_address(settings, count, forwarded, expected):
    assert address(count, settings, forwarded) == expected


def post_quote(client: Client, company, n: int, forwarded: str | None = None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    data = form_data(need=f"Tableau électrique à refaire n°{n}, appartement de Lyon.")
    return client.post(
        reverse("directory:quote-request", args=[company.slug]), data, REMOTE_ADDR=PROXY, **headers
    )


@pytest.mark.django_db
def test_behind_one_proxy_each_visitor_has_its_own_quote_limit(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.QUOTE_RATE_PER_IP = "2/h"
    for n in range(2):
        assert post_quote(client, cast.company_a, n, "203.0.113.7").status_code == 302
    assert post_quote(client, cast.company_a, 3, "203.0.113.7").status_code == 200  # over
    # Another visitor, through the same proxy, is not blocked by the first.
    assert post_quote(client, cast.company_a, 4, "198.51.100.9").status_code == 302
    # Nor does forging the left part of the header give the first a new bucket.
    assert post_quote(client, cast.company_a, 5, "9.9.9.9, 203.0.113.7").status_code == 200
    assert QuoteRequest.objects.count() == 3


@pytest.mark.django_db
def test_without_a_trusted_proxy_a_forged_header_gives_no_new_quota(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.QUOTE_RATE_PER_IP = "2/h"
    for n in range(2):
        assert post_quote(client, cast.company_a, n, f"203.0.113.{n}").status_code == 302
    response = post_quote(client, cast.company_a, 3, "198.51.100.9")
    assert "Trop de demandes" in response.content.decode()
    assert QuoteRequest.objects.count() == 2


@pytest.mark.django_db
def test_invalid_quote_requests_do_not_spend_the_quota(client, cast, settings):
    settings.QUOTE_RATE_PER_IP = "2/h"
    url = reverse("directory:quote-request", args=[cast.company_a.slug])
    for _ in range(5):  # a visitor correcting the form
        response = client.post(url, form_data(email_confirmation="autre@example.fr"))
        assert response.status_code == 200
        assert "Trop de demandes" not in response.content.decode()
    for n in range(2):
        assert post_quote(client, cast.company_a, n).status_code == 302
    assert "Trop de demandes" in post_quote(client, cast.company_a, 3).content.decode()


@pytest.mark.django_db
def test_invalid_review_requests_do_not_spend_the_quota(client, cast):
    url = reverse("reviews:request", args=[cast.company_a.slug])
    for _ in range(6):
        response = client.post(
            url, {"invoice_number": "F-1", "name": "", "email": "pas-une-adresse"}
        )
        assert "Trop de demandes" not in response.content.decode()
    for n in range(5):
        data = {"invoice_number": f"F-{n}", "name": "Sophie Martin", "email": "sophie@example.org"}
        assert "Trop de demandes" not in client.post(url, data).content.decode()
    data = {"invoice_number": "F-9", "name": "Sophie Martin", "email": "sophie@example.org"}
    assert "Trop de demandes" in client.post(url, data).content.decode()


@pytest.mark.django_db
def test_log_in_limits_see_the_client_behind_the_proxy(cast, settings):
    """allauth's per-address limit (10 failures a minute) is per visitor,
    not one bucket for everyone behind the proxy."""
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("account_login")
    attacker = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.9")
    for n in range(12):
        attacker.post(url, {"login": f"nobody{n}@example.fr", "password": "x"})
    visitor = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    response = visitor.post(url, {"login": "consumer@example.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert visitor.get(reverse("directory:account")).status_code == 200
    # The attacker, still limited, even with a real password.
    response = attacker.post(url, {"login": "owner-a@example.fr", "password": PASSWORD})
    assert attacker.get(reverse("directory:account")).status_code == 302


@pytest.mark.django_db
def test_a_proxy_count_larger_than_the_header_is_no_500(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 3
    response = client.post(
        reverse("account_login"),
        {"login": "consumer@example.fr", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert response.status_code == 302
