"""Too many connection-code tries: the 429 page says when to try again,
in minutes, and its Retry-After header gives the same wait in seconds."""

from __future__ import annotations

import math
import re

import pytest

from partners.models import Connection
from tests.directory.test_connected_apps import code, url  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("rate", "window"), [("2/h", 3600), ("2/m", 60)])
def test_the_429_says_when_to_try_again(client, cast, partner, code, settings, rate, window):  # noqa: F811
    settings.PARTNER_CONNECTION_RATE_PER_USER = rate
    client.force_login(cast.owner_a)
    for _i in range(2):
        client.post(url(cast.company_a), {"code": "AAAAAAAAAA"})
    limited = client.post(url(cast.company_a), {"code": code.code})
    assert limited.status_code == 429
    seconds = int(limited["Retry-After"])
    assert 1 <= seconds <= window
    [error] = limited.context["form"].non_field_errors()
    minutes = re.search(r"dans (\d+) minutes?\.", error)
    assert minutes, error
    assert int(minutes[1]) == math.ceil(seconds / 60)
    assert not Connection.objects.exists()
