"""Reads of the eligibility app: the recap of an application's answers, the
reply time promised to applicants, and the status history of listed
companies."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from common.company_numbers import format_siren
from common.formats import format_amount, format_phone
from common.text import normalize
from directory.companies.selectors import company_recipients
from directory.models import Company, Profession

from .models import (
    EXCEPTIONAL_EVENT_CHOICES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    CompanyEvent,
)
from .screening import Answers, Category, Outcome, Trade, Voice, questions_for, screen

# At most this many recent first replies make the median (one query, bounded).
REPLY_SAMPLE_MAX = 500


@dataclass(frozen=True)
class ReplyTime:
    """How long an applicant should expect to wait for the vetting team's
    first reply. ``days``: whole days, at least 1. ``measured``: how many
    recent first replies it is the median of; 0 when too few were measured
    and ``settings.ELIGIBILITY_REPLY_DAYS`` is said instead."""

    days: int
    measured: int


def expected_reply_time(*, now: datetime | None = None) -> ReplyTime:
    """The median delay between an application's first submission and the
    vetting team's first reply to it (a decision or a question), over the
    applications first sent in the last ``ELIGIBILITY_REPLY_WINDOW_DAYS``
    and answered, rounded up to whole days. With fewer than
    ``ELIGIBILITY_REPLY_MIN_SAMPLES`` such replies, the figure of
    ``ELIGIBILITY_REPLY_DAYS``. One query."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.ELIGIBILITY_REPLY_WINDOW_DAYS)
    first_reply = Min(
        "events__created_at",
        filter=Q(
            events__kind=ApplicationEvent.Kind.TRANSITION,
            events__from_status=ApplicationStatus.SUBMITTED,
        ),
    )
    pairs = list(
        Application.objects.filter(submitted_at__gte=since, submitted_at__lte=now)
        .annotate(first_reply=first_reply)
        .filter(first_reply__isnull=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", "first_reply")[:REPLY_SAMPLE_MAX]
    )
    if len(pairs) < settings.ELIGIBILITY_REPLY_MIN_SAMPLES:
        return ReplyTime(days=settings.ELIGIBILITY_REPLY_DAYS, measured=0)
    median = statistics.median(
        max(0.0, (replied - submitted).total_seconds()) for submitted, replied in pairs
    )
    return ReplyTime(days=max(1, math.ceil(median / 86_400)), measured=len(pairs))


@dataclass(frozen=True)
class RecapRow:
    label: str
    value: str
    # Several lines (the services description).
    long: bool = False


@dataclass(frozen=True)
class RecapSection:
    """The answers of one step, and the step that edits them."""

    step: int
    title: str
    rows: tuple[RecapRow, ...]


def application_recap(
    application: Application, trades: tuple[Trade, ...], *, voice: Voice = Voice.APPLICANT
) -> list[RecapSection]:
    """Every answer of ``application``, by step, formatted the way they are
    read ("06 99 05 60 90", "8 000,00 €"), in the active language. The
    questionnaire lists the questions asked of ``trades`` only, worded for
    ``voice``; an unanswered one reads "—". The application's trades must
    be prefetched by the caller (``professions``)."""
    unanswered = "—"
    place = " ".join(part for part in (application.postal_code, application.city) if part)
    address = ", ".join(part for part in (application.address, place) if part)
    identity = (
        RecapRow(_("Legal name"), application.legal_name or unanswered),
        RecapRow("SIREN", format_siren(application.siren) if application.siren else unanswered),
        RecapRow(_("Legal representative"), application.manager_name or unanswered),
        RecapRow(_("Address"), address or unanswered),
        RecapRow(_("Phone"), format_phone(application.phone) or unanswered),
        RecapRow(_("Year founded"), str(application.year_founded or unanswered)),
    )
    clients = [
        label
        for served, label in (
            (application.serves_consumers, _("households (B2C)")),
            (application.serves_businesses, _("companies (B2B)")),
        )
        if served
    ]
    names = sorted((profession.name for profession in application.professions.all()), key=normalize)
    activity = [
        RecapRow(_("Trades"), ", ".join(names) or unanswered),
    ]
    if application.other_profession:
        activity.append(RecapRow(_("Other trade"), application.other_profession))
    activity += [
        RecapRow(_("Clients"), capfirst(", ".join(clients)) or unanswered),
        RecapRow(_("Services"), application.services_description or unanswered, long=True),
    ]
    questionnaire = tuple(
        RecapRow(str(question.text(voice)), _answer(application, question.field) or unanswered)
        for question in questions_for(trades)
    )
    return [
        RecapSection(1, _("Identity"), identity),
        RecapSection(2, _("Activity"), tuple(activity)),
        RecapSection(3, _("Questionnaire"), questionnaire),
    ]


def _answer(application: Application, name: str) -> str:
    """One questionnaire answer as read; "" when not answered."""
    if name == "new_clients_per_day":
        volume = application.new_clients_per_day
        return "" if volume is None else _number(volume)
    if name == "average_amount_eur":
        return format_amount(application.average_amount_eur)
    if name == "decision_time":
        return application.get_decision_time_display() if application.decision_time else ""
    if name == "invoices_name_client":
        invoices = application.invoices_name_client
        return application.get_invoices_name_client_display() if invoices else ""
    if name == "exceptional_event":
        labels = dict(EXCEPTIONAL_EVENT_CHOICES)
        event = application.exceptional_event
        return "" if event is None else str(labels[str(event)])
    raise ValueError(f"No recap for the question {name!r}.")


def _number(value: Decimal) -> str:
    """ "2", "0,5": no trailing zeros, in the active language's format."""
    normalized = value.normalize()
    if normalized == normalized.to_integral():
        return number_format(int(normalized), force_grouping=True)
    return number_format(normalized, force_grouping=True)


def company_status_history(company: Company) -> QuerySet[CompanyEvent]:
    """Every move of a company's status, oldest first, with its actor
    (one query)."""
    return company.events.select_related("actor", "application").order_by("created_at", "pk")


def company_status_recipients(company: Company) -> list[str]:
    """Who hears of a suspension or a reinstatement: every member of the
    company whose account is active, else the company's contact e-mail,
    else nobody (an empty list): the rule of
    ``directory.companies.selectors.company_recipients``."""
    return company_recipients(company)[1]


@dataclass(frozen=True)
class TradeFit:
    """A trade's fit for a company known by its trade alone: ``fit`` is
    ``"good"``, ``"check"`` or ``"poor"``; ``reasons``, the messages of the
    rules that decided it, worded for the staff in the active language."""

    fit: str
    reasons: tuple[str, ...]


# The rules a trade decides alone; the others need answers only an
# application gives.
TRADE_RULES = ("sector", "amount_or_trust")


def trade_fit_details() -> dict[int, TradeFit]:
    """The fit of every trade for a company known by its trade alone (a
    sales prospect, issue 15), keyed by profession id, with its reasons.

    The screening engine (``screening.screen``) on answers that hold only
    the trade, read through the two rules the trade decides: the sector
    and "amount or trust". Both pass: good (a trade of trust in the scope);
    one fails: poor (a classic restaurant, high-volume retail); otherwise
    check (the amount, unknown yet, decides). Reasons: a failing rule's
    message for poor, every rule's otherwise. One query, a few hundred
    rows; read once per request or job, never per prospect."""
    fits = {}
    for pk, slug, trust, category in Profession.objects.values_list(
        "pk", "slug", "is_trust_profession", "eligibility_category"
    ):
        result = screen(
            Answers(trades=(Trade(slug, trust=trust, category=Category(category)),)),
            voice=Voice.STAFF,
        )
        rules = [rule for rule in result.rules if rule.code in TRADE_RULES]
        outcomes = {rule.outcome for rule in rules}
        if Outcome.FAIL in outcomes:
            fit = "poor"
            rules = [rule for rule in rules if rule.outcome == Outcome.FAIL]
        elif outcomes == {Outcome.PASS}:
            fit = "good"
        else:
            fit = "check"
        fits[pk] = TradeFit(fit, tuple(rule.message for rule in rules))
    return fits


def trade_fits() -> dict[int, str]:
    """Each trade's fit alone (:func:`trade_fit_details`), keyed by
    profession id: ``"good"``, ``"check"`` or ``"poor"``. Read by
    ``prospects.scoring``."""
    return {pk: details.fit for pk, details in trade_fit_details().items()}
