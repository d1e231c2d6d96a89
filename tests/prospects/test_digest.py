"""The daily follow-up digest (issue 15, "Interactions"): at 8:00
Europe/Paris each owner gets one e-mail of their overdue and today's
follow-ups, nothing if nothing is due; unowned leads of a company go to
its owners; a rerun sends nothing twice; a signed one-click opt-out
(RFC 8058) and a setting to turn it back on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prospects import links, services
from prospects.digest import digest_for, digest_recipients
from prospects.models import DigestSent, DigestSubscription, Pipeline, Stage
from prospects.tasks import send_follow_up_digests
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def send(capture) -> dict[str, int]:
    with capture(execute=True):
        return services.digests_send()


def digests():
    return [m for m in mail.outbox if "relancer" in m.subject or "follow up" in m.subject]


@pytest.fixture
def due(make, cast):
    """Company A's owner has one overdue and one of today; a prospect with
    no next step; one for next week."""

    def build(today: date):
        make(name="Paul Retard", owner=cast.owner_a, next_follow_up=today - timedelta(days=3))
        make(name="Anne Jour", owner=cast.owner_a, next_follow_up=today, stage=Stage.WARM)
        make(name="Sans Suite", owner=cast.owner_a, stage=Stage.COLD)
        make(name="Plus Tard", owner=cast.owner_a, next_follow_up=today + timedelta(days=7))

    return build


@pytest.mark.parametrize(
    "moment",
    ["2026-01-15 08:00 +01:00", "2026-07-15 08:00 +02:00"],
    ids=["winter (UTC+1)", "summer (UTC+2)"],
)
def test_the_digest_lists_overdue_and_today_with_links(
    moment, due, cast, django_capture_on_commit_callbacks
):
    with time_machine.travel(moment, tick=False):
        today = timezone.localdate()
        due(today)
        assert send(django_capture_on_commit_callbacks) == {"sent": 1, "skipped": 0}
    (message,) = digests()
    assert message.to == ["owner-a@example.fr"]
    assert "2 prospects" in message.subject
    assert "Paul Retard" in message.body
    assert "Anne Jour" in message.body
    assert "Plus Tard" not in message.body
    assert "Sans Suite" not in message.body
    assert "1 prospect ouvert n’a pas de prochaine étape" in message.body or (
        "1 open prospect has no next step" in message.body
    )
    assert f"/espace-pro/{cast.company_a.pk}/prospects/" in message.body
    assert message.body.index("Paul Retard") < message.body.index("Anne Jour")
    assert DigestSent.objects.get().day == today


def test_the_beat_sends_it_at_8_paris_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prospects-send-follow-up-digests"]
    assert entry["task"] == "prospects.tasks.send_follow_up_digests"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {0})
    assert settings.CELERY_TIMEZONE == "Europe/Paris"


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_the_day_is_the_paris_day(make, cast, django_capture_on_commit_callbacks):
    """At 00:30 Paris time on the 16th it is still the 15th in UTC: the
    16th's follow-ups are the ones due."""
    make(name="Demain", owner=cast.owner_a, next_follow_up=date(2026, 1, 16))
    with time_machine.travel("2026-01-16 00:30 +01:00", tick=False):
        assert send(django_capture_on_commit_callbacks)["sent"] == 1
    assert "Demain" in digests()[0].body


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_a_rerun_sends_nothing_twice(due, django_capture_on_commit_callbacks):
    due(timezone.localdate())
    assert send(django_capture_on_commit_callbacks)["sent"] == 1
    assert send(django_capture_on_commit_callbacks) == {"sent": 0, "skipped": 0}
    with django_capture_on_commit_callbacks(execute=True):
        send_follow_up_digests.apply()
    assert len(digests()) == 1
    # The next day, again.
    with time_machine.travel("2026-01-16 08:00 +01:00", tick=False):
        assert send(django_capture_on_commit_callbacks)["sent"] == 1


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_a_claim_taken_by_another_run_is_skipped(due, cast, django_capture_on_commit_callbacks):
    due(timezone.localdate())
    recipients = list(digest_recipients(today=timezone.localdate()))
    # Another worker claimed the person between the two reads.
    DigestSent.objects.create(user=cast.owner_a, day=timezone.localdate())
    assert services._digest_send_one(recipients[0], timezone.localdate()) is False
    assert digests() == []


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_nothing_due_means_no_mail(make, cast, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    make(name="Sans Suite", owner=cast.owner_a, stage=Stage.COLD)
    make(name="Plus Tard", owner=cast.owner_a, next_follow_up=today + timedelta(days=1))
    lost = make(name="Perdu", owner=cast.owner_a, stage=Stage.WARM, next_follow_up=today)
    services.prospect_move(prospect=lost, to=Stage.LOST, actor=cast.owner_a, lost_reason="price")
    assert list(digest_recipients(today=today)) == []
    assert send(django_capture_on_commit_callbacks) == {"sent": 0, "skipped": 0}
    assert digests() == []


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_unowned_leads_go_to_the_companys_owners(make, cast, django_capture_on_commit_callbacks):
    """Only owners (role owner), not the other members; owned rows to
    their owner only."""
    today = timezone.localdate()
    make(name="Sans Responsable", owner=None, next_follow_up=today)
    make(name="Au Membre", owner=cast.member_a, next_follow_up=today)
    send(django_capture_on_commit_callbacks)
    by_person = {m.to[0]: m.body for m in digests()}
    assert set(by_person) == {"owner-a@example.fr", "member-a@example.fr"}
    assert "Sans Responsable" in by_person["owner-a@example.fr"]
    assert "Au Membre" not in by_person["owner-a@example.fr"]
    assert "Sans Responsable" not in by_person["member-a@example.fr"]


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_only_pipelines_the_person_still_works(
    make, cast, seller, django_capture_on_commit_callbacks
):
    """A platform prospect owned by someone who is not sales staff (or no
    longer) is not e-mailed to them; a seller gets theirs, with staff
    links."""
    today = timezone.localdate()
    make(
        pipeline=Pipeline.PLATFORM, actor=None, name="Cuisines", owner=seller, next_follow_up=today
    )
    make(
        pipeline=Pipeline.PLATFORM,
        actor=None,
        name="Secret",
        owner=cast.owner_b,
        next_follow_up=today,
    )
    send(django_capture_on_commit_callbacks)
    by_person = {m.to[0]: m.body for m in digests()}
    assert set(by_person) == {"sales@example.fr"}
    assert "/equipe/prospects/" in by_person["sales@example.fr"]


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_recipients_are_one_query_and_a_digest_two(make, cast, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    for number in range(40):
        make(name=f"Client {number}", owner=cast.owner_a, next_follow_up=today - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        list(digest_recipients(today=today))
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        digest = digest_for(cast.owner_a, today=today)
    # Memberships, the counts, the rows listed (the permission check
    # reads the user's groups and permissions once).
    assert len(queries) <= 5
    assert (digest.overdue_count, len(digest.overdue), digest.not_listed) == (40, 30, 10)
    send(django_capture_on_commit_callbacks)
    assert "10" in digests()[0].body


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_the_digest_carries_one_click_unsubscribe_headers(
    due, cast, django_capture_on_commit_callbacks
):
    due(timezone.localdate())
    send(django_capture_on_commit_callbacks)
    (message,) = digests()
    url = links.digest_opt_out_url(DigestSubscription.objects.get(user=cast.owner_a))
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body


def opt_out_path(subscription) -> str:
    return reverse("prospects:digest-opt-out", args=[links.digest_opt_out_token(subscription)])


def test_the_opt_out_link_asks_on_get_and_opts_out_on_post(client, cast):
    subscription = DigestSubscription.objects.create(user=cast.owner_a)
    path = opt_out_path(subscription)
    assert client.get(path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.enabled
    # The mail client's one-click POST: no CSRF token, RFC 8058's body.
    csrf_client = client_class(enforce_csrf_checks=True)
    response = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert not subscription.enabled


def client_class(**kwargs):
    from django.test import Client

    return Client(**kwargs)


@time_machine.travel("2026-01-15 08:00 +01:00", tick=False)
def test_an_opted_out_person_gets_nothing(due, cast, django_capture_on_commit_callbacks):
    due(timezone.localdate())
    services.digest_set(user=cast.owner_a, enabled=False)
    assert send(django_capture_on_commit_callbacks)["sent"] == 0
    assert digests() == []


@pytest.mark.parametrize("token", ["forged", "eyJpIjoxLCJuIjoieCJ9:1abc:def", ""])
def test_a_forged_opt_out_link_changes_nothing(client, cast, token):
    subscription = DigestSubscription.objects.create(user=cast.owner_a)
    path = (
        f"/prospects/recapitulatif/{token}/desinscription/"
        if token
        else opt_out_path(subscription).replace(links.digest_opt_out_token(subscription), "x")
    )
    response = client.post(path)
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.enabled


def test_another_kind_of_signed_link_is_refused(client, cast):
    from common.signed_links import make_token

    subscription = DigestSubscription.objects.create(user=cast.owner_a)
    token = make_token("reviews.invitation", subscription.pk, subscription.nonce)
    assert client.post(f"/prospects/recapitulatif/{token}/desinscription/").status_code == 400
    subscription.refresh_from_db()
    assert subscription.enabled


def test_an_expired_opt_out_link_says_so(client, cast):
    with time_machine.travel("2026-01-15 08:00 +01:00", tick=False):
        subscription = DigestSubscription.objects.create(user=cast.owner_a)
        path = opt_out_path(subscription)
    with time_machine.travel("2026-03-20 08:00 +01:00", tick=False):
        response = client.post(path)
    assert response.status_code == 400
    assert "expiré" in response.content.decode() or "expired" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.enabled


def test_a_revoked_link_no_longer_works(client, cast):
    subscription = DigestSubscription.objects.create(user=cast.owner_a)
    path = opt_out_path(subscription)
    DigestSubscription.objects.filter(pk=subscription.pk).update(nonce="new")
    assert client.post(path).status_code == 400


def test_the_setting_turns_it_off_and_back_on(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    url = reverse("prospects:pro-prospects-digest", args=[cast.company_a.pk])
    page = client.get(url).content.decode()
    assert 'name="enabled"' in page
    assert "checked" in page
    assert client.post(url, {}).status_code == 302
    assert not DigestSubscription.objects.get(user=cast.member_a).enabled
    client.post(url, {"enabled": "on"})
    assert DigestSubscription.objects.get(user=cast.member_a).enabled


def test_the_staff_setting_works_for_sales_only(client, cast, seller):
    url = reverse("prospects:staff-prospects-digest")
    client.login(username=cast.owner_a.username, password=PASSWORD)
    assert client.get(url).status_code in (302, 403, 404)
    client.login(username=seller.username, password=PASSWORD)
    assert client.post(url, {}).status_code == 302
    assert not DigestSubscription.objects.get(user=seller).enabled


@pytest.mark.parametrize("persona", ["consumer", "owner_b"])
def test_the_company_setting_is_a_404_for_outsiders(client, cast, persona):
    client.login(username=getattr(cast, persona).username, password=PASSWORD)
    url = reverse("prospects:pro-prospects-digest", args=[cast.company_a.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not DigestSubscription.objects.exists()
