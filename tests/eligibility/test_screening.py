"""The screening rules, as a table of cases from seed 000, and properties
that hold for any answers."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility.screening import (
    Answers,
    Category,
    DecisionTime,
    InvoiceNames,
    Outcome,
    Thresholds,
    Trade,
    Verdict,
    screen,
)

KITCHEN = Trade("cuisiniste", trust=False, category=Category.INCLUDED)
NANNY = Trade("garde-enfants", trust=True, category=Category.INCLUDED)
DENTAL = Trade("implantologie-dentaire", trust=True, category=Category.INCLUDED)
PLUMBER = Trade("plombier", trust=False, category=Category.INCLUDED)
BAKERY = Trade("boulangerie", trust=False, category=Category.EXCLUDED)
RESTAURANT = Trade("restaurant", trust=False, category=Category.EXCLUDED)
CATERER = Trade("traiteur", trust=False, category=Category.EXCEPTION)
WEDDING_PLANNER = Trade("wedding-planner", trust=False, category=Category.EXCEPTION)

DAYS = DecisionTime.DAYS_OR_MORE
YES = InvoiceNames.YES

# (case, answers, verdict, rules that do not pass)
CASES = [
    (
        "kitchen installer at €8,000, 2 new clients a day",
        Answers(2, 8000, DAYS, YES, trades=(KITCHEN,)),
        Verdict.ELIGIBLE,
        [],
    ),
    (
        "nanny service at €400 a month (trust profession)",
        Answers(1, 400, DAYS, YES, trades=(NANNY,)),
        Verdict.ELIGIBLE,
        [],
    ),
    (
        "bakery, 200 clients a day at €8",
        Answers(200, 8, DecisionTime.UNDER_5_MINUTES, InvoiceNames.NO, trades=(BAKERY,)),
        Verdict.INELIGIBLE,
        [
            "new_clients_per_day",
            "amount_or_trust",
            "considered_purchase",
            "invoice_names_client",
            "sector",
        ],
    ),
    (
        "classic restaurant",
        Answers(40, 35, DecisionTime.UNDER_1_HOUR, InvoiceNames.SOMETIMES, False, (RESTAURANT,)),
        Verdict.INELIGIBLE,
        ["new_clients_per_day", "amount_or_trust", "invoice_names_client", "sector"],
    ),
    (
        "wedding caterer",
        Answers(0.2, 6000, DAYS, YES, trades=(CATERER,)),
        Verdict.ELIGIBLE,
        [],
    ),
    (
        "dental implantology",
        Answers(1, 2500, DAYS, YES, trades=(DENTAL,)),
        Verdict.ELIGIBLE,
        [],
    ),
    (
        "emergency plumber, 8 new clients a day at €150",
        Answers(8, 150, DecisionTime.UNDER_5_MINUTES, YES, trades=(PLUMBER,)),
        Verdict.INELIGIBLE,
        ["new_clients_per_day", "amount_or_trust", "considered_purchase"],
    ),
    (
        "wedding planner",
        Answers(0.1, 3000, DAYS, YES, trades=(WEDDING_PLANNER,)),
        Verdict.ELIGIBLE,
        [],
    ),
    (
        "invoices without the client's name",
        Answers(1, 9000, DAYS, InvoiceNames.NO, trades=(KITCHEN,)),
        Verdict.INELIGIBLE,
        ["invoice_names_client"],
    ),
    (
        "considered purchase at €900: borderline, a person decides",
        Answers(2, 900, DAYS, YES, trades=(KITCHEN,)),
        Verdict.NEEDS_REVIEW,
        ["amount_or_trust"],
    ),
    (
        "restaurant for weddings only (exceptional events)",
        Answers(0.1, 9000, DAYS, YES, True, (RESTAURANT,)),
        Verdict.NEEDS_REVIEW,
        ["sector"],
    ),
    (
        "a trade not in the list",
        Answers(1, 5000, DAYS, YES, other_trade="Restaurateur de vitraux"),
        Verdict.NEEDS_REVIEW,
        ["sector"],
    ),
    (
        "no answers at all",
        Answers(trades=(KITCHEN,)),
        Verdict.NEEDS_REVIEW,
        ["new_clients_per_day", "amount_or_trust", "considered_purchase", "invoice_names_client"],
    ),
    (
        "a trust profession whose clients decide in under 5 minutes: contradictory",
        Answers(2, 60, DecisionTime.UNDER_5_MINUTES, YES, trades=(NANNY,)),
        Verdict.NEEDS_REVIEW,
        ["considered_purchase"],
    ),
    (
        "exactly 5 new clients a day: at the limit",
        Answers(5, 3000, DAYS, YES, trades=(PLUMBER,)),
        Verdict.NEEDS_REVIEW,
        ["new_clients_per_day"],
    ),
    (
        "10 new clients a day: clearly too many",
        Answers(10, 5000, DAYS, YES, trades=(PLUMBER,)),
        Verdict.INELIGIBLE,
        ["new_clients_per_day"],
    ),
    (
        "invoices name the client only sometimes",
        Answers(1, 4000, DAYS, InvoiceNames.SOMETIMES, trades=(KITCHEN,)),
        Verdict.NEEDS_REVIEW,
        ["invoice_names_client"],
    ),
    (
        "a caterer that also runs a bakery",
        Answers(3, 2000, DAYS, YES, trades=(CATERER, BAKERY)),
        Verdict.NEEDS_REVIEW,
        ["sector"],
    ),
]


@pytest.mark.parametrize(
    ("case", "answers", "verdict", "failing"), CASES, ids=[c[0] for c in CASES]
)
def test_seed_cases(case, answers, verdict, failing):
    result = screen(answers, Thresholds())
    assert result.verdict == verdict
    assert result.failing() == failing


def test_every_rule_explains_itself_in_french():
    result = screen(CASES[2][1], Thresholds())
    assert len(result.rules) == 5
    for rule in result.rules:
        assert rule.message
    assert result.rules[3].message.startswith("Vos factures doivent porter le nom du client")


def test_thresholds_come_from_settings(settings):
    settings.ELIGIBILITY_THRESHOLDS = {"max_new_clients_per_day": 50}
    assert screen(Answers(20, 8000, DAYS, YES, trades=(KITCHEN,))).verdict == Verdict.ELIGIBLE


ORDER = {Verdict.ELIGIBLE: 0, Verdict.NEEDS_REVIEW: 1, Verdict.INELIGIBLE: 2}
numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))
trades = st.lists(
    st.builds(
        Trade,
        slug=st.sampled_from(["cuisiniste", "restaurant", "hotel", "boulangerie", "traiteur", "x"]),
        trust=st.booleans(),
        category=st.sampled_from(list(Category)),
    ),
    max_size=4,
).map(tuple)
answers = st.builds(
    Answers,
    new_clients_per_day=numbers,
    average_amount_eur=numbers,
    decision_time=st.one_of(st.none(), st.sampled_from(list(DecisionTime))),
    invoices_name_client=st.one_of(st.none(), st.sampled_from(list(InvoiceNames))),
    exceptional_event=st.one_of(st.none(), st.booleans()),
    trades=trades,
    other_trade=st.text(max_size=30),
)


@given(answers)
def test_never_crashes_and_always_explains(answers):
    result = screen(answers, Thresholds())
    assert result.verdict in Verdict
    assert {rule.outcome for rule in result.rules} <= set(Outcome)
    assert all(rule.message for rule in result.rules)


finite = st.floats(min_value=0, max_value=1e9, allow_nan=False)


@given(answers, finite, finite)
def test_more_money_never_makes_the_verdict_worse(answers, amount, extra):
    base = Answers(**{**answers.__dict__, "average_amount_eur": amount})
    richer = Answers(**{**answers.__dict__, "average_amount_eur": amount + extra})
    assert ORDER[screen(richer, Thresholds()).verdict] <= ORDER[screen(base, Thresholds()).verdict]


@given(answers, finite, finite)
def test_fewer_new_clients_never_make_the_verdict_worse(answers, volume, cut):
    base = Answers(**{**answers.__dict__, "new_clients_per_day": volume})
    lower = Answers(**{**answers.__dict__, "new_clients_per_day": max(volume - cut, 0.0)})
    assert not math.isnan(lower.new_clients_per_day)
    assert ORDER[screen(lower, Thresholds()).verdict] <= ORDER[screen(base, Thresholds()).verdict]
