"""The demo pipelines (``manage.py seed_demo_prospects``, run by ``make run``
after the other demo seeds): from a fresh database, the sales log-in's
platform pipeline and the demo pro's, every stage present with histories
the services could have written, follow-ups overdue, today and this week,
a referrer who brought clients won by their invoices, scores with reasons
(the learned model on the platform, the rules for the pro), the boards
and analytics pages served; the same seed gives the same data and a
second run adds nothing."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from directory.management.commands.seed_demo import DEMO_PASSWORD
from directory.models import Membership
from prospects import demo
from prospects.analytics.clients import client_report
from prospects.models import (
    OPEN_STAGES,
    OWNER,
    STAGE_TRANSITIONS,
    SYSTEM,
    Interaction,
    Pipeline,
    Prospect,
    ProspectEvent,
    Referrer,
    ScoreModel,
    Stage,
)
from prospects.scoring import reasons_text
from prospects.selectors import FollowUp, follow_ups, without_next_step
from reviews.demo.seed import seed_reviews
from reviews.models import Invoice

pytestmark = pytest.mark.django_db

# A Wednesday morning: this week still has days after today.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=timezone.get_fixed_timezone(60))
TODAY = timezone.localdate(NOW)


def seed(**options) -> demo.DemoReport:
    return demo.seed_prospects(password=DEMO_PASSWORD, now=NOW, **options)


@pytest.fixture
def seeded(taxonomy, places):
    call_command("seed_demo", companies=12, verbosity=0, stdout=StringIO())
    seed_reviews(now=NOW - timedelta(hours=1))
    return seed()


@pytest.fixture
def pro_company(seeded):
    return Membership.objects.get(user__username=demo.DEMO_PRO_EMAIL).company


def rows() -> list[tuple]:
    return sorted(
        Prospect.objects.values_list(
            "pipeline", "name", "siren", "email", "stage", "stage_since", "next_follow_up", "score"
        )
    )


def test_both_pipelines_hold_every_stage_with_histories_the_services_could_write_and_follow_ups(
    seeded, pro_company
):
    assert seeded.platform == demo.PLATFORM_PROSPECTS
    assert seeded.company == demo.COMPANY_LEADS
    platform = Prospect.objects.filter(pipeline=Pipeline.PLATFORM)
    pro = Prospect.objects.filter(pipeline=Pipeline.COMPANY, company=pro_company)
    assert Prospect.objects.count() == platform.count() + pro.count()
    for pipeline in (platform, pro):
        assert set(pipeline.values_list("stage", flat=True)) == set(Stage.values)
    events: dict[int, list[ProspectEvent]] = {}
    for event in ProspectEvent.objects.order_by("created_at", "pk"):
        events.setdefault(event.prospect_id, []).append(event)
    touches: dict[int, list[Interaction]] = {}
    for touch in Interaction.objects.order_by("happened_at", "pk"):
        touches.setdefault(touch.prospect_id, []).append(touch)
    for prospect in Prospect.objects.all():
        history = events[prospect.pk]
        assert history[0].from_status == ""
        for before, after in itertools.pairwise(history):
            assert before.created_at < after.created_at
            assert after.from_status == before.to_status
        for event in history:
            role = OWNER if event.actor_id else SYSTEM
            assert STAGE_TRANSITIONS.allows(event.from_status, event.to_status, by=role)
            assert event.created_at <= NOW
        assert history[-1].to_status == prospect.stage
        assert history[-1].created_at == prospect.stage_since
        assert history[-1].lost_reason == prospect.lost_reason
        assert prospect.created_at == history[0].created_at
        mine = touches.get(prospect.pk, [])
        assert all(history[0].created_at < t.happened_at <= NOW for t in mine)
        if mine:
            assert prospect.last_interaction_at == mine[-1].happened_at
        if prospect.stage in OPEN_STAGES:
            assert prospect.next_follow_up == (mine[-1].next_follow_up if mine else None)
        else:
            assert prospect.next_follow_up is None
        if prospect.stage == Stage.SUSPECT:
            # Never contacted: notes only.
            assert {t.kind for t in mine} <= {Interaction.Kind.NOTE}
    # Enough won and lost history for the funnel and the learned model.
    assert platform.filter(stage=Stage.CLIENT).count() >= 50
    assert platform.filter(stage=Stage.LOST).count() >= 50
    assert len(set(pro.filter(stage=Stage.LOST).values_list("lost_reason", flat=True))) >= 4
    # The sales log-in owns most of the platform's pipeline, the pro all of its own.
    assert platform.filter(owner__username=demo.SALES_EMAIL).count() > platform.count() / 2
    assert set(pro.values_list("owner__username", flat=True)) == {demo.DEMO_PRO_EMAIL}
    # SIRENs valid by Luhn, interactions of every kind.
    for siren in platform.values_list("siren", flat=True):
        assert re.fullmatch(r"\d{9}", siren)
        assert luhn.is_valid(siren)
    assert set(Interaction.objects.values_list("kind", flat=True)) == set(Interaction.Kind.values)
    # Next follow-ups overdue, today, later this week, and none, in both.
    for pipeline, company in ((Pipeline.PLATFORM, None), (Pipeline.COMPANY, pro_company)):
        for period in FollowUp:
            assert follow_ups(pipeline=pipeline, company=company, period=period, today=TODAY)
        assert without_next_step(pipeline=pipeline, company=company).exists()


def test_a_former_client_brought_clients_won_by_their_invoices_and_every_open_prospect_is_scored(
    seeded, pro_company
):
    referrer = Referrer.objects.get(pipeline=Pipeline.COMPANY, company=pro_company)
    assert referrer.prospect.stage == Stage.CLIENT
    brought = referrer.referrals.all()
    assert brought.filter(stage=Stage.CLIENT).count() == demo.REFERRED_CLIENTS
    assert brought.filter(stage__in=OPEN_STAGES).count() == demo.REFERRED_OPEN
    # Every client of the pro is the client of a demo invoice, won by the
    # system when the invoice was registered (as prospect_won_by_invoice).
    invoices = {i.client_email: i for i in Invoice.objects.filter(company=pro_company)}
    clients = Prospect.objects.filter(company=pro_company, stage=Stage.CLIENT)
    assert clients.count() == len(invoices) >= 1 + demo.REFERRED_CLIENTS
    for client in clients:
        invoice = invoices[client.email]
        won = client.events.get(to_status=Stage.CLIENT)
        assert won.actor is None
        assert (won.origin, won.origin_ref) == ("invoice", invoice.number)
        assert won.created_at == invoice.created_at
    # The funnel's clients are the Pareto chart's named clients.
    report = client_report(pro_company, start=TODAY - timedelta(days=800), end=TODAY)
    named = {line.name for line in report.clients if line.name}
    assert named == set(clients.values_list("name", flat=True))
    # Open prospects scored with reasons: the learned model on the platform, the rules for the pro.
    open_rows = Prospect.objects.filter(stage__in=OPEN_STAGES)
    assert seeded.scored == open_rows.count()
    assert seeded.learned_pipelines == 1
    assert not open_rows.filter(score__isnull=True).exists()
    for prospect in open_rows:
        assert reasons_text(prospect.score_reasons, today=TODAY)
    platform = open_rows.filter(pipeline=Pipeline.PLATFORM)
    assert set(platform.values_list("score_model", flat=True)) == {ScoreModel.BAYES}
    assert set(open_rows.filter(company=pro_company).values_list("score_model", flat=True)) == {
        ScoreModel.RULES
    }
    # The learned scores spread: some cold, some hot.
    scores = sorted(platform.values_list("score", flat=True))
    assert scores[0] < 20
    assert scores[-1] > 60


def test_the_sales_log_in_and_the_pro_see_their_boards_and_the_command_says_where(
    seeded, pro_company, client
):
    assert client.login(username=demo.SALES_EMAIL, password=DEMO_PASSWORD)
    board = client.get(reverse("prospects:staff-prospects-board"))
    assert board.status_code == 200
    assert client.get(reverse("prospects:platform-analytics")).status_code == 200
    assert client.get(reverse("prospects:staff-prospects-follow-ups")).status_code == 200
    other = client.get(reverse("prospects:pro-prospects-board", args=[pro_company.pk]))
    assert other.status_code == 404
    client.logout()
    assert client.login(username=demo.DEMO_PRO_EMAIL, password=DEMO_PASSWORD)
    own = client.get(reverse("prospects:pro-prospects-board", args=[pro_company.pk]))
    assert own.status_code == 200
    analytics = client.get(reverse("prospects:analytics", args=[pro_company.pk]))
    assert analytics.status_code == 200
    referred = Prospect.objects.filter(company=pro_company, referrer__isnull=False).first()
    page = client.get(reverse("prospects:pro-prospects-detail", args=[pro_company.pk, referred.pk]))
    assert page.status_code == 200
    assert client.get(reverse("prospects:staff-prospects-board")).status_code == 403
    # The command, run again, adds nothing and says where to look.
    out = StringIO()
    call_command("seed_demo_prospects", stdout=out)
    text = out.getvalue()
    assert "0 platform prospects and 0 leads" in text
    assert demo.SALES_EMAIL in text
    assert "/equipe/prospects/" in text
    with pytest.raises(CommandError, match="negative"):
        call_command("seed_demo_prospects", platform=-1)


def test_a_second_run_adds_nothing_and_the_same_seed_gives_the_same_data(seeded):
    first = rows()
    again = seed()
    assert (again.platform, again.company, again.events, again.interactions) == (0, 0, 0, 0)
    assert again.referrers == 0
    assert rows() == first
    assert Referrer.objects.count() == 1
    Prospect.objects.all().delete()
    seed()
    assert rows() == first
