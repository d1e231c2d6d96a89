"""The screening engine: a pure function of an applicant's answers.

The rules come from the platform's seed document (seed 000):

* fewer than 5 new clients a day (the per-client process stays light);
* an amount generally above €1,000, **or** a trade built on trust in a
  person (childcare, home cleaning, health…);
* a considered purchase: a client cannot decide in under 5 minutes;
* invoices carry the client's name (reviews are checked against them);
* no classic restaurant, hotel or high-volume retail — except caterers,
  event organisers and exceptional events (a wedding, an inauguration, a
  convention).

Every rule returns an outcome (pass, warn, fail) and a French message for
the applicant. A borderline or unknown answer *warns*: the application
goes to a person (*needs review*); only a clear failure *fails*
(*ineligible*), and the applicant may still ask a person to look.

Monotonic by design: a higher amount or fewer new clients a day never
make a verdict worse (checked by property-based tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeGuard

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.formats import format_amount

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Voice(StrEnum):
    """Who reads a message: the applicant ("your clients…") or the vetting
    team, who reads about the applicant ("their clients…")."""

    APPLICANT = "applicant"
    STAFF = "staff"


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    WARN = "warn"
    FAIL = "fail"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    INELIGIBLE = "ineligible"


class DecisionTime(StrEnum):
    """How long a typical client takes to choose a company."""

    UNDER_5_MINUTES = "under_5_minutes"
    UNDER_1_HOUR = "under_1_hour"
    UNDER_1_DAY = "under_1_day"
    DAYS_OR_MORE = "days_or_more"


class InvoiceNames(StrEnum):
    """Do the company's invoices carry the client's name?"""

    YES = "yes"
    SOMETIMES = "sometimes"
    NO = "no"


class Category(StrEnum):
    """Mirrors directory.models.EligibilityCategory (values are shared)."""

    INCLUDED = "included"
    EXCLUDED = "excluded"
    EXCEPTION = "exception"


# Excluded trades an exceptional event can redeem (restaurants, hotels),
# unlike high-volume retail (bakeries, shops), which nothing redeems.
HOSPITALITY_TRADES = frozenset({"restaurant", "hotel", "chambre-hotes", "restauration-rapide"})


@dataclass(frozen=True)
class Trade:
    slug: str
    trust: bool
    category: Category


@dataclass(frozen=True)
class Thresholds:
    max_new_clients_per_day: float = 5
    min_amount_eur: float = 1000
    # Within this share of a threshold, a case is borderline: a person
    # decides. Beyond, the failure is clear.
    clear_failure_ratio: float = 2.0

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(**getattr(settings, "ELIGIBILITY_THRESHOLDS", {}))


@dataclass(frozen=True)
class Answers:
    new_clients_per_day: float | None = None
    average_amount_eur: float | None = None
    decision_time: DecisionTime | None = None
    invoices_name_client: InvoiceNames | None = None
    exceptional_event: bool | None = None
    trades: tuple[Trade, ...] = ()
    # A trade the applicant could not find in the taxonomy ("other").
    other_trade: str = ""


@dataclass(frozen=True)
class RuleResult:
    code: str
    outcome: Outcome
    message: str


@dataclass(frozen=True)
class Screening:
    verdict: Verdict
    rules: tuple[RuleResult, ...] = field(default_factory=tuple)

    def failing(self) -> list[str]:
        return [rule.code for rule in self.rules if rule.outcome != Outcome.PASS]

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "rules": [{**asdict(rule), "outcome": rule.outcome.value} for rule in self.rules],
        }


def _known(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value) and value >= 0


def _say(voice: Voice, applicant: str, staff: str) -> str:
    """The message for its reader: ``applicant`` in the second person,
    ``staff`` in the third."""
    return staff if voice == Voice.STAFF else applicant


def rule_volume(answers: Answers, limits: Thresholds, voice: Voice = Voice.APPLICANT) -> RuleResult:
    code, value, limit = (
        "new_clients_per_day",
        answers.new_clients_per_day,
        limits.max_new_clients_per_day,
    )
    if not _known(value):
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _("How many new clients a day? A person will ask you."),
                _("New clients a day not given: ask the applicant."),
            ),
        )
    if value < limit:
        return RuleResult(
            code,
            Outcome.PASS,
            # "1 new client", "0.5 new clients", "2 new clients".
            ngettext(
                "%(value)s new client a day: it can be followed individually.",
                "%(value)s new clients a day: each one can be followed individually.",
                1 if value == 1 else 2,
            )
            % {"value": _number(value)},
        )
    if value < limit * limits.clear_failure_ratio:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _(
                    "%(value)s new clients a day is at or just above our limit of %(limit)s: "
                    "a person will look at how you follow each client."
                ),
                _(
                    "%(value)s new clients a day is at or just above our limit of %(limit)s: "
                    "look at how they follow each client."
                ),
            )
            % {"value": _number(value), "limit": _number(limit)},
        )
    return RuleResult(
        code,
        Outcome.FAIL,
        _(
            "%(value)s new clients a day is far above our limit of %(limit)s: checking every "
            "client's invoice would be too heavy."
        )
        % {"value": _number(value), "limit": _number(limit)},
    )


def rule_amount_or_trust(
    answers: Answers, limits: Thresholds, voice: Voice = Voice.APPLICANT
) -> RuleResult:
    code, amount, limit = "amount_or_trust", answers.average_amount_eur, limits.min_amount_eur
    if any(trade.trust for trade in answers.trades):
        return RuleResult(
            code,
            Outcome.PASS,
            _say(
                voice,
                _(
                    "Your trade engages trust in a person (home, children, health): "
                    "the amount does not matter."
                ),
                _(
                    "Their trade engages trust in a person (home, children, health): "
                    "the amount does not matter."
                ),
            ),
        )
    if not _known(amount):
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _("What is the usual amount of a service? A person will ask you."),
                _("Usual amount of a service not given: ask the applicant."),
            ),
        )
    if amount >= limit:
        return RuleResult(
            code,
            Outcome.PASS,
            _("About %(amount)s per service: a purchase that matters to the client.")
            % {"amount": format_amount(amount)},
        )
    if amount * limits.clear_failure_ratio >= limit:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _(
                    "About %(amount)s per service, just under the usual %(limit)s: a person "
                    "will check that your clients still make a considered choice."
                ),
                _(
                    "About %(amount)s per service, just under the usual %(limit)s: check "
                    "that their clients still make a considered choice."
                ),
            )
            % {"amount": format_amount(amount), "limit": format_amount(limit)},
        )
    return RuleResult(
        code,
        Outcome.FAIL,
        _(
            "About %(amount)s per service, well under %(limit)s, in a trade that does not "
            "engage trust in a person: a wrong choice costs the client little."
        )
        % {"amount": format_amount(amount), "limit": format_amount(limit)},
    )


def rule_considered_purchase(
    answers: Answers, limits: Thresholds, voice: Voice = Voice.APPLICANT
) -> RuleResult:
    code, decision = "considered_purchase", answers.decision_time
    if decision is None:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _("How long do your clients take to choose? A person will ask you."),
                _("Time their clients take to choose not given: ask the applicant."),
            ),
        )
    if decision != DecisionTime.UNDER_5_MINUTES:
        return RuleResult(
            code,
            Outcome.PASS,
            _say(
                voice,
                _("Your clients take time to choose: a considered purchase."),
                _("Their clients take time to choose: a considered purchase."),
            ),
        )
    if any(trade.trust for trade in answers.trades):
        # Nobody picks a nanny or a surgeon in five minutes: the answers
        # contradict each other, a person asks.
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _(
                    "Clients deciding in under 5 minutes is unusual for a trust profession: "
                    "a person will ask you."
                ),
                _(
                    "Clients deciding in under 5 minutes is unusual for a trust profession: "
                    "ask the applicant."
                ),
            ),
        )
    return RuleResult(
        code,
        Outcome.FAIL,
        _("Clients who decide in under 5 minutes do not need verified reviews to choose."),
    )


def rule_invoice_names_client(
    answers: Answers, limits: Thresholds, voice: Voice = Voice.APPLICANT
) -> RuleResult:
    code, invoices = "invoice_names_client", answers.invoices_name_client
    if invoices == InvoiceNames.YES:
        return RuleResult(
            code,
            Outcome.PASS,
            _say(
                voice,
                _("Your invoices carry the client's name: reviews can be checked."),
                _("Their invoices carry the client's name: reviews can be checked."),
            ),
        )
    if invoices == InvoiceNames.NO:
        return RuleResult(
            code,
            Outcome.FAIL,
            _say(
                voice,
                _("Your invoices must carry the client's name: it is how every review is checked."),
                _(
                    "Their invoices do not carry the client's name: their reviews could not "
                    "be checked."
                ),
            ),
        )
    if invoices == InvoiceNames.SOMETIMES:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _(
                    "Only some invoices carry the client's name: "
                    "a person will see whether that can change."
                ),
                _(
                    "Only some of their invoices carry the client's name: "
                    "see whether that can change."
                ),
            ),
        )
    return RuleResult(
        code,
        Outcome.WARN,
        _say(
            voice,
            _("Do your invoices carry the client's name? A person will ask you."),
            _("Client's name on invoices not given: ask the applicant."),
        ),
    )


def rule_sector(answers: Answers, limits: Thresholds, voice: Voice = Voice.APPLICANT) -> RuleResult:
    code = "sector"
    categories = {trade.category for trade in answers.trades}
    excluded = [trade for trade in answers.trades if trade.category == Category.EXCLUDED]
    if answers.other_trade or not answers.trades:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _("Your trade is not in our list yet: a person will look at it."),
                _("Their trade is not in our list yet: look at it."),
            ),
        )
    if not excluded:
        if Category.EXCEPTION in categories:
            return RuleResult(
                code,
                Outcome.PASS,
                _("Caterers, event organisers and exceptional events are welcome."),
            )
        return RuleResult(
            code,
            Outcome.PASS,
            _say(
                voice,
                _("Your trade is in the scope of the directory."),
                _("Their trade is in the scope of the directory."),
            ),
        )
    hospitality = all(trade.slug in HOSPITALITY_TRADES for trade in excluded)
    if hospitality and answers.exceptional_event:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _(
                    "Restaurants and hotels are listed only for exceptional events (a wedding, "
                    "an inauguration, a convention): a person will check yours."
                ),
                _(
                    "Restaurants and hotels are listed only for exceptional events (a wedding, "
                    "an inauguration, a convention): check theirs."
                ),
            ),
        )
    if len(categories) > 1:
        return RuleResult(
            code,
            Outcome.WARN,
            _say(
                voice,
                _("One of your trades is outside our scope: a person will see which to list."),
                _("One of their trades is outside our scope: see which to list."),
            ),
        )
    if hospitality:
        return RuleResult(
            code,
            Outcome.FAIL,
            _("Classic restaurants and hotels are not listed, except for exceptional events."),
        )
    return RuleResult(
        code,
        Outcome.FAIL,
        _("Shops with many clients a day and small tickets are not listed."),
    )


RULES = (
    rule_volume,
    rule_amount_or_trust,
    rule_considered_purchase,
    rule_invoice_names_client,
    rule_sector,
)


def screen(
    answers: Answers, thresholds: Thresholds | None = None, voice: Voice = Voice.APPLICANT
) -> Screening:
    """Apply every rule; the verdict is the worst outcome. ``voice`` words
    the messages for the applicant (default) or for the vetting team."""
    limits = thresholds or Thresholds.from_settings()
    rules = tuple(rule(answers, limits, voice) for rule in RULES)
    outcomes = {rule.outcome for rule in rules}
    if Outcome.FAIL in outcomes:
        verdict = Verdict.INELIGIBLE
    elif Outcome.WARN in outcomes:
        verdict = Verdict.NEEDS_REVIEW
    else:
        verdict = Verdict.ELIGIBLE
    return Screening(verdict, rules)


# --- The questionnaire ------------------------------------------------------------
#
# Which question is asked of whom, as data: a question is asked only when
# its answer can change the screening of the trades chosen (seed 000). The
# amount does not matter for a trade of trust (``rule_amount_or_trust``
# passes it whatever the amount); the exceptional-event question only
# redeems restaurants and hotels (``rule_sector``). The property "an
# unasked answer never changes the verdict" is checked by property-based
# tests over every combination of answers.


@dataclass(frozen=True)
class Question:
    """One question of the questionnaire (application step 3).

    ``field`` names the Application field (and the ``Answers`` attribute)
    it fills; ``label`` asks the applicant, ``staff_label`` is the same
    question about the applicant, for the vetting team. Asked for every
    choice of trades, except: ``skip_for_trust`` (not asked when a chosen
    trade engages trust in a person) and ``only_for`` (asked only when a
    chosen trade's slug is in it).
    """

    field: str
    label: StrOrPromise
    staff_label: StrOrPromise
    skip_for_trust: bool = False
    only_for: frozenset[str] | None = None

    def is_asked(self, trades: Iterable[Trade]) -> bool:
        trades = tuple(trades)
        if self.skip_for_trust and any(trade.trust for trade in trades):
            return False
        if self.only_for is not None:
            return any(trade.slug in self.only_for for trade in trades)
        return True

    def text(self, voice: Voice) -> StrOrPromise:
        return self.staff_label if voice == Voice.STAFF else self.label


QUESTIONS = (
    Question(
        "new_clients_per_day",
        gettext_lazy("How many new clients do you have a day, on average?"),
        gettext_lazy("How many new clients do they have a day, on average?"),
    ),
    Question(
        "average_amount_eur",
        gettext_lazy("What is the average amount of one of your services or products (€)?"),
        gettext_lazy("Average amount of one of their services or products (€)"),
        skip_for_trust=True,
    ),
    Question(
        "decision_time",
        gettext_lazy("How long does a client take to choose a company like yours?"),
        gettext_lazy("How long does a client take to choose a company like theirs?"),
    ),
    Question(
        "invoices_name_client",
        gettext_lazy("Do your invoices carry the client's name?"),
        gettext_lazy("Do their invoices carry the client's name?"),
    ),
    Question(
        "exceptional_event",
        gettext_lazy(
            "As a restaurant or hotel, do you serve only exceptional events "
            "(weddings, inaugurations, conventions)?"
        ),
        gettext_lazy(
            "As a restaurant or hotel, do they serve only exceptional events "
            "(weddings, inaugurations, conventions)?"
        ),
        only_for=HOSPITALITY_TRADES,
    ),
)


def questions_for(trades: Iterable[Trade]) -> tuple[Question, ...]:
    """The questions asked of an applicant who chose ``trades`` (possibly
    none, or only a trade typed in "other"), in the questionnaire's order."""
    trades = tuple(trades)
    return tuple(question for question in QUESTIONS if question.is_asked(trades))


def _number(value: float) -> str:
    """In the active language's format: "1 000", "0,5" in French."""
    rounded = round(float(value), 2)
    return number_format(int(rounded) if rounded.is_integer() else rounded, force_grouping=True)
