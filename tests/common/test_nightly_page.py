"""The staff page of the night's work: the recent nights, each step's
outcome, duration and rows, a chart of the durations; support staff only,
French first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from common.models import JobRun
from common.views import NIGHTS_SHOWN
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = "2026-11-30 10:00 +0100"
URL = "/equipe/nuits/"


@pytest.fixture
def support(client):
    agent = UserFactory(email="support@plusquepro.fr", is_staff=True)
    agent.groups.add(Group.objects.get(name="support"))
    assert client.login(username=agent.username, password=PASSWORD)
    return client


def ran(name: str, night: str, *, seconds: int, status: str = "done", **fields) -> JobRun:
    started = timezone.now() - timedelta(hours=8)
    return JobRun.objects.create(
        name=f"nightly.{name}",
        slot=night,
        status=status,
        attempts=1,
        started_at=started,
        finished_at=started + timedelta(seconds=seconds),
        **fields,
    )


def test_the_url_is_the_staff_ones():
    assert reverse("common:nightly-runs") == URL


def test_support_staff_read_the_nights_steps_durations_and_rows(support):
    with time_machine.travel(NOW, tick=False):
        for index, name in enumerate(settings.NIGHTLY_STEPS):
            ran(name, "2026-11-30", seconds=10 * (index + 1), rows_read=100, rows_changed=index)
        ran("review-audits", "2026-11-29", seconds=5)
        ran(
            "session-audits",
            "2026-11-29",
            seconds=125,
            status="failed",
            error="SoftTimeLimitExceeded",
        )
        response = support.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Les travaux de la nuit</h1>" in page
    # The nights, the latest first: done, failed, then nothing.
    assert page.count('data-night="') == NIGHTS_SHOWN
    assert page.index('data-night="2026-11-30" data-status="done"') < page.index(
        'data-night="2026-11-29" data-status="failed"'
    )
    assert 'data-night="2026-11-28" data-status="not run"' in page
    assert "Score des prospects" in page or "Scores des prospects" in page
    assert "2\u00a0min 05\u00a0s" in page  # the failed step's duration
    assert "SoftTimeLimitExceeded" in page
    assert "non exécutée" in page  # the steps after the failure
    # The chart: one bar per night, one rectangle per step that ran.
    assert page.count('<g class="chart-bar">') == NIGHTS_SHOWN
    assert page.count('<rect class="nightly-step-') == len(settings.NIGHTLY_STEPS) + 2


def test_the_page_reads_in_english_too(support):
    with time_machine.travel(NOW, tick=False):
        page = support.get("/en" + URL).content.decode()
    assert "<h1>The night's work</h1>" in page
    assert "Fraud scores and document audits" in page


def test_a_fresh_database_shows_nights_that_did_not_run(support):
    with time_machine.travel(NOW, tick=False):
        response = support.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('data-status="not run"') == NIGHTS_SHOWN


def test_the_staff_menus_link_the_page_for_support_staff_only(support, client, cast):
    assert 'href="/equipe/nuits/"' in support.get(reverse("directory:home")).content.decode()
    client.logout()
    assert client.login(username=cast.staff.username, password=PASSWORD)  # vetting staff
    page = client.get(reverse("eligibility:queue")).content.decode()
    assert 'href="/equipe/nuits/"' not in page


def test_the_page_only_reads(support):
    assert support.post(URL).status_code == 405
