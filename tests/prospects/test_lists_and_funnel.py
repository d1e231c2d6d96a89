"""The "à relancer" lists (overdue, today, this week) and their
boundaries, prospects with no next step, and the funnel in one query."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prospects import services
from prospects.models import LostReason, Pipeline, Stage
from prospects.selectors import FollowUp, follow_ups, funnel, without_next_step

pytestmark = pytest.mark.django_db

WEDNESDAY = date(2026, 3, 4)


def names(rows) -> list[str]:
    return [row.name for row in rows]


@pytest.fixture
def dated(make, cast):
    """One prospect per interesting date around Wednesday 4 March 2026."""
    days = {
        "last-sunday": date(2026, 3, 1),
        "yesterday": WEDNESDAY - timedelta(days=1),
        "today": WEDNESDAY,
        "tomorrow": WEDNESDAY + timedelta(days=1),
        "sunday": date(2026, 3, 8),
        "next-monday": date(2026, 3, 9),
    }
    for name, day in days.items():
        make(name=name, stage=Stage.WARM, next_follow_up=day)
    make(name="member-today", stage=Stage.HOT, owner=cast.member_a, next_follow_up=WEDNESDAY)
    lost = make(name="lost-yesterday", stage=Stage.WARM, next_follow_up=days["yesterday"])
    services.prospect_move(
        prospect=lost, to=Stage.LOST, actor=cast.owner_a, lost_reason=LostReason.TIMING
    )
    make(name="other-company", company=cast.company_b, next_follow_up=WEDNESDAY)
    make(name="platform", pipeline=Pipeline.PLATFORM, actor=None, next_follow_up=WEDNESDAY)


def listed(cast, period, **kwargs) -> list[str]:
    return names(
        follow_ups(
            pipeline=Pipeline.COMPANY,
            company=cast.company_a,
            period=period,
            today=WEDNESDAY,
            **kwargs,
        )
    )


def test_overdue_today_and_this_week_split_at_their_boundaries(cast, dated):
    assert listed(cast, FollowUp.OVERDUE) == ["last-sunday", "yesterday"]
    assert sorted(listed(cast, FollowUp.TODAY)) == ["member-today", "today"]
    assert listed(cast, FollowUp.WEEK) == ["tomorrow", "sunday"]


def test_each_list_is_one_query(cast, dated):
    with CaptureQueriesContext(connection) as queries:
        for period in FollowUp:
            listed(cast, period)
        names(without_next_step(pipeline=Pipeline.COMPANY, company=cast.company_a))
    assert len(queries) == len(FollowUp) + 1


def test_lists_per_owner(cast, dated):
    assert listed(cast, FollowUp.TODAY, owner=cast.member_a) == ["member-today"]
    assert listed(cast, FollowUp.OVERDUE, owner=cast.member_a) == []


def test_on_a_sunday_this_week_is_over(cast, dated):
    rows = follow_ups(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        period=FollowUp.WEEK,
        today=date(2026, 3, 8),
    )
    assert names(rows) == []


def test_the_platform_pipeline_has_its_own_lists(cast, dated):
    rows = follow_ups(
        pipeline=Pipeline.PLATFORM, company=None, period=FollowUp.TODAY, today=WEDNESDAY
    )
    assert names(rows) == ["platform"]


def test_open_prospects_without_a_date_have_no_next_step(make, cast):
    make(name="nothing-planned", stage=Stage.COLD)
    make(name="planned", stage=Stage.COLD, next_follow_up=WEDNESDAY)
    make(name="client", stage=Stage.CLIENT)
    make(name="elsewhere", company=cast.company_b)
    rows = without_next_step(pipeline=Pipeline.COMPANY, company=cast.company_a)
    assert names(rows) == ["nothing-planned"]


def test_the_funnel_counts_every_stage_in_one_query(make, cast):
    for stage, count in ((Stage.SUSPECT, 3), (Stage.WARM, 2), (Stage.CLIENT, 1)):
        for n in range(count):
            make(name=f"{stage}-{n}", stage=stage)
    hot = make(name="hot-then-lost", stage=Stage.HOT)
    services.prospect_move(
        prospect=hot, to=Stage.LOST, actor=cast.owner_a, lost_reason=LostReason.PRICE
    )
    make(name="elsewhere", company=cast.company_b, stage=Stage.HOT)
    with CaptureQueriesContext(connection) as queries:
        counts = funnel(pipeline=Pipeline.COMPANY, company=cast.company_a)
    assert len(queries) == 1
    assert counts == {"suspect": 3, "cold": 0, "warm": 2, "hot": 0, "client": 1, "lost": 1}
    assert list(counts) == ["suspect", "cold", "warm", "hot", "client", "lost"]
