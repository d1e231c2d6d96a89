"""The learned temperature score (prospects.scoring.NaiveBayes): the same
probabilities as scikit-learn's CategoricalNB, an implementation none of
us wrote (issue 15), counts made by SQL, and the switch from the rules
once a pipeline has enough won and lost prospects."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.naive_bayes import CategoricalNB

from eligibility.selectors import trade_fits
from prospects import scoring, services
from prospects.models import Interaction, Pipeline, Prospect, ScoreModel, Stage
from prospects.scoring import DOMAINS, FEATURES, Counts, NaiveBayes

NOW = datetime(2026, 11, 30, 2, 40, tzinfo=UTC)


def fixed_history(seed: int = 15, size: int = 240) -> list[tuple[dict[str, str], bool]]:
    """A fixed data set: won prospects lean to recent contacts, calls and
    good fits, lost ones to the opposite; some values never appear in
    training at all (``budget.from_20000``, ``fit.unknown``) or only in
    one class."""
    draw = random.Random(seed)
    rows = []
    for _ in range(size):
        won = draw.random() < 0.4
        features = {}
        for name in FEATURES:
            domain = [value for value in DOMAINS[name] if value not in ("from_20000", "unknown")]
            weights = [
                (index + 1) if won else (len(domain) - index) for index in range(len(domain))
            ]
            features[name] = draw.choices(domain, weights=weights)[0]
        if won and draw.random() < 0.1:
            features["signal"] = "call"
        elif not won and features["signal"] == "call":
            features["signal"] = "none"  # "call" seen among the won only
        rows.append((features, won))
    return rows


def encoded(features: dict[str, str]) -> list[int]:
    return [DOMAINS[name].index(features[name]) for name in FEATURES]


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_our_probabilities_are_scikit_learns(alpha):
    history = fixed_history()
    counts = Counts()
    for features, won in history:
        counts.add(won=won, features=features)
    ours = NaiveBayes.fit(counts, alpha=alpha)
    theirs = CategoricalNB(
        alpha=alpha, min_categories=[len(DOMAINS[name]) for name in FEATURES]
    ).fit(
        np.array([encoded(features) for features, _won in history]),
        np.array([int(won) for _features, won in history]),
    )
    draw = random.Random(7)
    probes = [features for features, _won in history[:40]] + [
        # Values unseen in training, in one class or in both.
        {name: draw.choice(DOMAINS[name]) for name in FEATURES}
        for _ in range(60)
    ]
    probes.append({**probes[0], "budget": "from_20000", "fit": "unknown", "signal": "call"})
    expected = theirs.predict_proba(np.array([encoded(probe) for probe in probes]))[:, 1]
    for probe, probability in zip(probes, expected, strict=True):
        assert math.isclose(ours.probability_won(probe), probability, rel_tol=0, abs_tol=1e-9)
    # The likelihoods themselves, value by value.
    for index, name in enumerate(FEATURES):
        for value_index, value in enumerate(DOMAINS[name]):
            for won in (True, False):
                assert math.isclose(
                    ours.log_likelihood[won][name][value],
                    theirs.feature_log_prob_[index][int(won)][value_index],
                    abs_tol=1e-9,
                )


def test_the_reasons_are_the_largest_log_likelihood_ratios():
    counts = Counts()
    for features, won in fixed_history():
        counts.add(won=won, features=features)
    model = NaiveBayes.fit(counts, alpha=1.0)
    probe = {
        "recency": "week",
        "frequency": "many",
        "signal": "call",
        "fit": "poor",
        "budget": "unknown",
    }
    result = model.score(probe)
    ratios = sorted(FEATURES, key=lambda name: -abs(model.ratio(name, probe[name])))
    assert [reason.feature for reason in result.reasons] == ratios[:3]
    for reason in result.reasons:
        assert reason.effect == (1 if model.ratio(reason.feature, reason.value) > 0 else -1)
    assert result.score == round(model.probability_won(probe) * 100)
    assert result.model == ScoreModel.BAYES


# --- From the database ----------------------------------------------------------------


@pytest.fixture
def history(make, cast, taxonomy):
    """Company A's pipeline: 4 won (recent calls, electricians), 3 lost
    (no contact, restaurants), closed 10 days ago; one open lead."""
    closed_on = NOW - timedelta(days=10)
    import time_machine

    with time_machine.travel(closed_on, tick=False):
        for index in range(4):
            prospect = make(
                name=f"Gagné {index}", stage=Stage.WARM, profession=taxonomy["electricien"]
            )
            Interaction.objects.create(
                prospect=prospect,
                kind=Interaction.Kind.CALL,
                happened_at=closed_on - timedelta(days=2),
            )
            services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=cast.owner_a)
        for index in range(3):
            prospect = make(
                name=f"Perdu {index}", stage=Stage.COLD, profession=taxonomy["restaurant"]
            )
            services.prospect_move(
                prospect=prospect, to=Stage.LOST, actor=cast.owner_a, lost_reason="price"
            )
    # Another pipeline's history is not company A's.
    make(pipeline=Pipeline.PLATFORM, stage=Stage.CLIENT)
    return make(name="Ouvert", stage=Stage.WARM, profession=taxonomy["electricien"])


@pytest.mark.django_db
def test_the_counts_are_a_few_queries_whatever_the_history(
    history, cast, django_assert_max_num_queries
):
    # The closed prospects' span, their interactions per prospect, their
    # system events, the prospects: not one query per prospect or pipeline.
    with django_assert_max_num_queries(4):
        counts = scoring.history_counts(now=NOW, fits={})
    company = counts[(Pipeline.COMPANY, cast.company_a.pk)]
    assert company.total == {True: 4, False: 3}
    assert dict(company.values[True]["recency"]) == {"week": 4}
    assert dict(company.values[True]["fit"]) == {"good": 4}
    assert dict(company.values[False]["fit"]) == {"poor": 3}
    assert dict(company.values[False]["recency"]) == {"never": 3}
    assert counts[(Pipeline.PLATFORM, None)].total == {True: 1, False: 0}


@pytest.mark.django_db
def test_a_pipeline_with_enough_history_is_scored_by_its_model(history, settings):
    settings.PROSPECT_SCORE_MIN_WON = 4
    settings.PROSPECT_SCORE_MIN_LOST = 3
    report = scoring.prospects_score(now=NOW)
    assert report.learned_pipelines == 1
    history.refresh_from_db()
    assert history.score_model == ScoreModel.BAYES
    counts = scoring.history_counts(now=NOW, fits=trade_fits())
    model = NaiveBayes.fit(counts[(Pipeline.COMPANY, history.company_id)], alpha=1.0)
    features = {
        "recency": "never",
        "frequency": "none",
        "signal": "none",
        "fit": "good",
        "budget": "unknown",
    }
    assert history.score == round(model.probability_won(features) * 100)
    assert history.score_reasons[0]["code"] in ("fit.good", "recency.never", "frequency.none")
    assert scoring.prospects_score(now=NOW).changed == 0

    settings.PROSPECT_SCORE_MIN_LOST = 4  # not enough lost any more: back to the rules
    scoring.prospects_score(now=NOW)
    history.refresh_from_db()
    assert history.score_model == ScoreModel.RULES
    assert Prospect.objects.filter(score_model=ScoreModel.BAYES).count() == 0
