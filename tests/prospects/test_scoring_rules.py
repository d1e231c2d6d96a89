"""The rule-based temperature score (prospects.scoring): each feature read
from the data, each reason's points and wording, and the nightly run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import translation

from eligibility.selectors import trade_fits
from prospects import scoring, services
from prospects.models import Interaction, Pipeline, Prospect, ScoreModel, Stage
from prospects.scoring import FEATURES, RULE_BASE, rule_score

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 2, 40, tzinfo=UTC)
NOTHING = {
    "recency": "never",
    "frequency": "none",
    "signal": "none",
    "fit": "unknown",
    "budget": "unknown",
}


def features_of(prospect: Prospect, now: datetime = NOW) -> dict[str, str]:
    row = (
        scoring.with_features(Prospect.objects.filter(pk=prospect.pk), now=now, fits=trade_fits())
        .values(*(f"f_{name}" for name in FEATURES))
        .get()
    )
    features = {name: row[f"f_{name}"] for name in FEATURES}
    # The nightly run's path reads the same features, open or closed.
    fast = list(
        scoring.open_features(
            prospect.pk,
            prospect.pk,
            now=now,
            fits=trade_fits(),
            closed=prospect.stage in scoring.CLOSED_STAGES,
        )
    )
    assert [{name: fast[0][f"f_{name}"] for name in FEATURES}] == [features]
    return features


def contact(prospect: Prospect, days_ago: float, kind: str = Interaction.Kind.CALL, author=None):
    return Interaction.objects.create(
        prospect=prospect, kind=kind, author=author, happened_at=NOW - timedelta(days=days_ago)
    )


# --- Features read from the data ---------------------------------------------------


def test_a_prospect_with_nothing_known_has_the_neutral_features(make):
    assert features_of(make()) == NOTHING


@pytest.mark.parametrize(
    ("days_ago", "bucket"),
    [(0.5, "week"), (6.9, "week"), (7.1, "month"), (29, "month"), (31, "quarter"), (95, "older")],
)
def test_recency_counts_days_since_the_last_contact(make, days_ago, bucket):
    prospect = make()
    contact(prospect, 200)
    contact(prospect, days_ago)
    assert features_of(prospect)["recency"] == bucket


def test_a_note_written_by_a_person_is_not_a_contact_and_the_future_is_not_counted(make, cast):
    prospect = make()
    contact(prospect, 1, kind=Interaction.Kind.NOTE, author=cast.owner_a)
    contact(prospect, -3)  # a meeting planned, not held yet
    assert features_of(prospect)["recency"] == "never"
    assert features_of(prospect)["frequency"] == "none"


@pytest.mark.parametrize(("contacts", "bucket"), [(1, "one"), (2, "few"), (4, "few"), (5, "many")])
def test_frequency_counts_contacts_of_the_last_90_days(make, contacts, bucket):
    prospect = make()
    contact(prospect, 120)  # out of the window
    for day in range(contacts):
        contact(prospect, day + 1)
    assert features_of(prospect)["frequency"] == bucket


def test_a_quote_request_asking_for_a_call_is_the_call_signal(make):
    prospect = make(actor=None, stage=Stage.HOT, origin="quote_request", origin_ref="12")
    assert features_of(prospect)["signal"] == "call"


def test_a_quote_request_is_the_quote_signal(make):
    prospect = make(actor=None, stage=Stage.WARM, origin="quote_request", origin_ref="12")
    Interaction.objects.create(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        author=None,
        origin="quote_request",
        origin_ref="12",
    )
    assert features_of(prospect)["signal"] == "quote"


def test_a_submitted_application_is_the_application_signal(make):
    prospect = make(
        pipeline=Pipeline.PLATFORM,
        actor=None,
        stage=Stage.HOT,
        origin="application",
        origin_ref="submitted",
    )
    assert features_of(prospect)["signal"] == "application"


def test_a_referral_is_a_signal(make, cast):
    referrer = services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Paul"
    )
    assert features_of(make(referrer=referrer))["signal"] == "referral"


def test_a_leads_trade_fits_when_the_company_works_in_it(make, taxonomy):
    assert features_of(make(profession=taxonomy["electricien"]))["fit"] == "good"
    assert features_of(make(profession=taxonomy["restaurant"]))["fit"] == "poor"


@pytest.mark.parametrize(
    ("slug", "fit"),
    [("menage-domicile", "good"), ("electricien", "check"), ("restaurant", "poor")],
)
def test_a_sales_prospects_fit_comes_from_the_screening_engine(make, taxonomy, slug, fit):
    prospect = make(pipeline=Pipeline.PLATFORM, profession=taxonomy[slug])
    assert features_of(prospect)["fit"] == fit


@pytest.mark.parametrize(
    ("budget", "bucket"),
    [
        (None, "unknown"),
        (Decimal("999.99"), "under_1000"),
        (Decimal(1000), "from_1000"),
        (Decimal(5000), "from_5000"),
        (Decimal(20000), "from_20000"),
    ],
)
def test_budget_is_read_against_the_seed_lines(make, budget, bucket):
    assert features_of(make(budget=budget))["budget"] == bucket


def test_a_closed_prospect_is_read_as_it_stood_when_it_closed(make, cast):
    with time_machine.travel(NOW - timedelta(days=100), tick=False):
        prospect = make(stage=Stage.WARM)
        contact(prospect, 100.5)  # the day before it was won
        prospect = services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=cast.owner_a)
    assert features_of(prospect) == {**NOTHING, "recency": "week", "frequency": "one"}


# --- The rules, one reason at a time ------------------------------------------------


def test_nothing_known_gives_the_base_and_no_reason():
    result = rule_score(NOTHING)
    assert (result.score, result.reasons, result.model) == (RULE_BASE, (), ScoreModel.RULES)


@pytest.mark.parametrize(
    ("feature", "value", "points"),
    [
        ("recency", "week", 15),
        ("recency", "month", 5),
        ("recency", "quarter", -5),
        ("recency", "older", -15),
        ("frequency", "one", 5),
        ("frequency", "few", 10),
        ("frequency", "many", 15),
        ("signal", "call", 30),
        ("signal", "application", 25),
        ("signal", "quote", 20),
        ("signal", "referral", 10),
        ("fit", "good", 10),
        ("fit", "poor", -20),
        ("budget", "under_1000", -5),
        ("budget", "from_1000", 5),
        ("budget", "from_5000", 10),
        ("budget", "from_20000", 15),
    ],
)
def test_each_value_moves_the_score_and_is_its_reason(feature, value, points):
    result = rule_score({**NOTHING, feature: value})
    assert result.score == RULE_BASE + points
    [reason] = result.reasons
    assert (reason.code, reason.effect) == (f"{feature}.{value}", 1 if points > 0 else -1)


def test_the_score_stays_within_0_and_100_and_keeps_the_three_strongest_reasons():
    hot = {
        "recency": "week",
        "frequency": "many",
        "signal": "call",
        "fit": "good",
        "budget": "from_20000",
    }
    result = rule_score(hot)
    assert result.score == 100
    assert [reason.code for reason in result.reasons] == [
        "signal.call",
        "recency.week",
        "frequency.many",
    ]
    cold = {**NOTHING, "recency": "older", "fit": "poor", "budget": "under_1000"}
    assert rule_score(cold).score == 0


def test_the_recency_reason_keeps_the_last_contacts_date():
    last = datetime(2026, 11, 9, 10, tzinfo=UTC)
    [reason] = rule_score({**NOTHING, "recency": "older"}, last_contact=last).reasons
    assert reason.as_dict() == {
        "code": "recency.older",
        "effect": -1,
        "params": {"since": "2026-11-09"},
    }


# --- Wording -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "params", "french"),
    [
        ("signal.call", {}, "a demandé un rappel"),
        ("recency.older", {"since": "2026-11-09"}, "aucun contact depuis 21 jours"),
        ("recency.week", {"since": "2026-11-29"}, "dernier contact il y a 1 jour"),
        ("fit.good", {}, "métier bien adapté"),
        ("budget.from_1000", {}, "budget supérieur à 1\u202f000\u00a0€"),
    ],
)
def test_reasons_are_worded_when_shown_in_the_readers_language(code, params, french):
    reason = {"code": code, "effect": 1, "params": params}
    with translation.override("fr"):
        assert scoring.reason_text(reason, today=date(2026, 11, 30)) == french


def test_a_reason_in_english_and_an_unknown_code():
    with translation.override("en"):
        assert scoring.reason_text({"code": "signal.call"}) == "asked to be called back"
        assert scoring.reason_text({"code": "bogus"}) == ""
        assert scoring.reason_text({"code": "recency.older", "params": {"since": "x"}}) == ""
        assert scoring.reasons_text([{"code": "fit.poor", "effect": -1}]) == ["↓ trade not suited"]


# --- The nightly run -------------------------------------------------------------------


def test_the_run_scores_open_prospects_only_and_a_rerun_writes_nothing(make, cast):
    hot = make(actor=None, stage=Stage.HOT, origin="quote_request", origin_ref="3")
    contact(hot, 2)
    lost = make(stage=Stage.WARM)
    services.prospect_move(prospect=lost, to=Stage.LOST, actor=cast.owner_a, lost_reason="price")
    report = scoring.prospects_score(now=NOW)
    assert report.as_dict() == {"scored": 1, "changed": 1, "learned_pipelines": 0}
    hot.refresh_from_db()
    lost.refresh_from_db()
    assert (hot.score, hot.score_model, hot.scored_at) == (
        RULE_BASE + 30 + 15 + 5,
        ScoreModel.RULES,
        NOW,
    )
    assert [reason["code"] for reason in hot.score_reasons] == [
        "signal.call",
        "recency.week",
        "frequency.one",
    ]
    assert lost.score is None
    updated_at = hot.updated_at

    again = scoring.prospects_score(now=NOW + timedelta(hours=1))
    assert again.changed == 0
    hot.refresh_from_db()
    assert (hot.scored_at, hot.updated_at) == (NOW, updated_at)


def test_a_prospect_that_cooled_down_is_rewritten(make):
    prospect = make(stage=Stage.COLD)
    contact(prospect, 3)
    scoring.prospects_score(now=NOW)
    later = NOW + timedelta(days=10)
    assert scoring.prospects_score(now=later).changed == 1
    prospect.refresh_from_db()
    assert prospect.score == RULE_BASE + 5 + 5
    assert prospect.scored_at == later


def test_the_nightly_step_runs_once_per_night(make, settings):
    from common import nightly

    make()
    step = nightly.step_named("prospect-scores")
    with time_machine.travel(NOW, tick=False):
        first = nightly.step_run(step=step, night=NOW.date(), owner="night-1")
        again = nightly.step_run(step=step, night=NOW.date(), owner="night-1b")
    assert first.outcome == nightly.Outcome.DONE
    assert (first.run.rows_read, first.run.rows_changed) == (1, 1)
    assert first.run.result == "read 1, changed 1, learned_pipelines 0"
    assert again.outcome == nightly.Outcome.ALREADY_DONE  # this night's run is done


def test_the_template_tag_shows_the_score_and_worded_reasons(make):
    from django.template import Context, Template

    prospect = make(actor=None, stage=Stage.HOT, origin="quote_request", origin_ref="3")
    template = Template("{% load prospect_score %}{% prospect_score prospect %}")
    with translation.override("fr"):
        assert "Pas encore de score" in template.render(Context({"prospect": prospect}))
        scoring.prospects_score(now=NOW)
        prospect.refresh_from_db()
        page = template.render(Context({"prospect": prospect}))
    assert f"<strong>{prospect.score}</strong>/100" in page
    assert "<li>↑ a demandé un rappel</li>" in page
