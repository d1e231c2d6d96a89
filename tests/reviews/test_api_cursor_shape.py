"""A cursor that decodes but is none we issued — ``AAAA``, an empty
``cursor=``, a truncated copy, keys of its own — is a 400 "Invalid
cursor." problem on every cursor-paged endpoint. DRF read it as "no
position", that is the feed's first page: a partner whose stored cursor
was damaged started its whole sync again, told nothing (found by a
fresh-user trial: ``/api/v1/reviews?cursor=AAAA`` answered 200)."""

from __future__ import annotations

from base64 import b64encode

import pytest

from . import test_api
from .test_api import ids

reviewed = test_api.reviewed  # the fixture

pytestmark = pytest.mark.django_db


def _b64(text: str) -> str:
    return b64encode(text.encode()).decode()


NOT_ISSUED = {
    "nul bytes": "AAAA",
    "empty": "",
    "no key": _b64("hello"),
    "unknown key": _b64("x=1"),
    "known and unknown keys": _b64("o=1&z=2"),
    "not base64": "%%%",
    "base64 with junk": _b64("o=1") + "!",
}


@pytest.fixture
def cursor_urls(cast):
    return ["/api/v1/reviews", f"/api/v1/companies/{cast.company_a.slug}/reviews"]


@pytest.mark.parametrize("name", list(NOT_ISSUED))
def test_a_cursor_we_never_issued_is_a_400_problem(api, reviewed, cursor_urls, name):
    for url in cursor_urls:
        response = api.client.get(url, {"cursor": NOT_ISSUED[name]})
        assert response.status_code == 400, (url, response.content)
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["errors"] == [{"field": "cursor", "detail": "Curseur invalide."}]


def test_the_cursors_we_issue_still_page_both_ways(api, reviewed):
    published, _hidden, other = reviewed
    first = api.client.get("/api/v1/reviews", {"limit": 2}).json()
    second = api.client.get(first["next"]).json()
    assert ids(second) == [other.pk, published[0].pk]
    back = api.client.get(second["previous"]).json()
    assert ids(back) == ids(first)


def test_the_delivery_log_refuses_a_cursor_never_issued(api, settings):
    from partners.webhooks import endpoint_create

    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    endpoint, _secret = endpoint_create(
        partner=api.partner, url="http://127.0.0.1:9/in", events=["review.published"]
    )
    response = api.client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries", {"cursor": "AAAA"})
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "cursor"
