"""Reads of the loyalty app: for the apps above it (the re-screening's
measured volumes), the pro space and staff pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils.translation import gettext

from directory.models import Company, CompanyStatus
from directory.pro.facts import SessionAuditFigures

from .advice import Advice, returns_to_pass_average
from .models import (
    BaselineSource,
    LoyaltyScore,
    LoyaltySnapshot,
    ServiceSession,
    SessionAudit,
    SessionAuditStatus,
    SessionStrike,
    TradeBaseline,
)
from .score import Rules

SESSIONS_PER_PAGE = 50


def company_sessions_page(*, company: Company, page: str | int | None) -> Page[ServiceSession]:
    """The company's recorded sessions, newest performed first (then newest
    recorded), ``SESSIONS_PER_PAGE`` a page; a page number out of range or
    not a number gives the nearest page. Each session carries its invoice's
    number (``invoice``) and its audit if any. No client data: a session
    has none."""
    sessions = company.sessions.select_related("invoice", "audit").order_by("-performed_on", "-pk")
    return Paginator(sessions, SESSIONS_PER_PAGE).get_page(page)


def company_session_audits(*, company: Company) -> QuerySet[SessionAudit]:
    """The company's session audits, open ones first by due date, then the
    closed ones newest first; their session and scans loaded."""
    return (
        SessionAudit.objects.filter(session__company=company)
        .select_related("session")
        .prefetch_related("scans")
        .order_by(F("decided_at").desc(nulls_first=True), "due_at", "-pk")
    )


AUDITS_PER_PAGE = 20


def company_session_audits_page(
    *, audits: QuerySet[SessionAudit], page: str | int | None
) -> Page[SessionAudit]:
    """One page of ``audits`` (:func:`company_session_audits`),
    ``AUDITS_PER_PAGE`` a page; a page number out of range or not a number
    gives the nearest page. Every audit is on some page: none left out."""
    return Paginator(audits, AUDITS_PER_PAGE).get_page(page)


def session_audit_page_number(*, audits: QuerySet[SessionAudit], audit_id: int) -> int:
    """The page of ``audits`` that shows the audit ``audit_id`` (1 when it
    is not among them)."""
    ids = list(audits.values_list("pk", flat=True))
    return ids.index(audit_id) // AUDITS_PER_PAGE + 1 if audit_id in ids else 1


def session_audits_to_decide() -> QuerySet[SessionAudit]:
    """Audits whose invoice was sent, the longest waiting first."""
    return (
        SessionAudit.objects.filter(status=SessionAuditStatus.SUBMITTED)
        .select_related("session__company")
        .prefetch_related("scans")
        .order_by("due_at", "pk")
    )


def session_audit_figures(company: Company) -> SessionAuditFigures:
    """The pro space's figures (``PRO_SPACE_SOURCES``): the company's
    session audits waiting for its invoice and the earliest deadline, in
    one aggregate query."""
    waiting = SessionAudit.objects.filter(
        session__company=company, status=SessionAuditStatus.OPEN
    ).aggregate(count=Count("pk"), due=Min("due_at"))
    return SessionAuditFigures(audits_open=waiting["count"], next_audit_due=waiting["due"])


def session_audits_open_count() -> int:
    return SessionAudit.objects.filter(status=SessionAuditStatus.OPEN).count()


def _session_strikes(
    *, since: datetime, until: datetime | None = None, missed_only: bool = True
) -> QuerySet[SessionStrike]:
    """Session strikes recorded after ``since`` (up to ``until`` when given;
    missed audits only by default)."""
    strikes = SessionStrike.objects.filter(created_at__gt=since)
    if until is not None:
        strikes = strikes.filter(created_at__lte=until)
    if missed_only:
        strikes = strikes.filter(missed=True)
    return strikes


def session_strikes_since(
    *, company_id: int, since: datetime, until: datetime | None = None, missed_only: bool = True
) -> int:
    """The company's session strikes recorded after ``since`` (up to
    ``until`` when given; missed audits only by default)."""
    return (
        _session_strikes(since=since, until=until, missed_only=missed_only)
        .filter(company_id=company_id)
        .count()
    )


def missed_session_audits_by_company(
    *, company_ids: list[int], since: datetime, until: datetime
) -> dict[int, int]:
    """:func:`session_strikes_since` (missed audits) of each of
    ``company_ids``: ``{company id: count}``, companies without any left
    out. One aggregate query: what
    ``reviews.services.sanctions.missed_audits_by_company`` adds to its own
    counts."""
    rows = (
        _session_strikes(since=since, until=until)
        .filter(company_id__in=company_ids)
        .values("company_id")
        .annotate(n=Count("pk"))
        .values_list("company_id", "n")
    )
    return dict(rows)


def companies_with_session_strikes_since(*, since: datetime) -> list[int]:
    """Ids of the companies with a missed session audit recorded after
    ``since``: the nightly warnings pass of reviews looks at them too."""
    return list(
        SessionStrike.objects.filter(missed=True, created_at__gt=since)
        .values_list("company_id", flat=True)
        .distinct()
    )


def session_strikes_by_company() -> QuerySet[SessionStrike, dict[str, object]]:
    """Strikes per company, most first: ``{"company__trade_name", "total"}``."""
    return (
        SessionStrike.objects.values("company__trade_name")
        .annotate(total=Count("pk"))
        .order_by("-total", "company__trade_name")
    )


def new_clients_per_day_above(*, limit: float, since: date, until: date) -> dict[int, float]:
    """Listed companies whose new clients per day exceed ``limit``:
    ``{company id: new clients per day}``. A new client of the period is a
    client whose first completed session with the company falls between
    ``since`` and ``until`` (both included); they are divided by the days
    from ``since`` to ``until`` (90 for the 90 days before today). Two
    aggregate queries: the companies with more distinct clients in the
    period than the limit allows new ones, then, for those alone, the
    completed sessions of the period whose client has none before
    ``since``, counted by distinct client per company."""
    days = max((until - since).days, 1)
    window = ServiceSession.objects.counted().filter(
        performed_on__gte=since, performed_on__lte=until
    )
    # A new client of the period is one of its clients: only a company with
    # more distinct clients in the period than the limit can have more new
    # ones. Those few are found first, by one aggregate over the period's
    # sessions; the sessions before the period are then looked up for
    # their clients alone (by the completed sessions' index), not hashed
    # for every company. Whether a company is listed is asked of those
    # alone too (not of each session's company). 1.1 to 1.2 s against 5.4
    # to 5.9 s a night with 5,000,000 sessions (``make bench-nightly``'s
    # database, where no company is above the limit).
    candidates = list(
        window.values("company_id")
        .annotate(clients=Count("client_key", distinct=True))
        .filter(clients__gt=limit * days)
        .values_list("company_id", flat=True)
    )
    if not candidates:
        return {}
    earlier = ServiceSession.objects.counted().filter(
        company_id=OuterRef("company_id"),
        client_key=OuterRef("client_key"),
        performed_on__lt=since,
    )
    rows = (
        window.filter(company_id__in=candidates, company__status=CompanyStatus.LISTED)
        .filter(~Exists(earlier))
        .values("company_id")
        .annotate(new_clients=Count("client_key", distinct=True))
        .filter(new_clients__gt=limit * days)
        .values_list("company_id", "new_clients")
    )
    return {company_id: new_clients / days for company_id, new_clients in rows}


# --- The company page and the pro space (issue 13 § 3) ----------------------------------


@dataclass(frozen=True)
class PublicLoyalty:
    """What the public company page says of a scored company: the share of
    its new clients observed who came back within the return window, in
    whole percent, the baseline it is compared with (whole percent) and
    whether that baseline is the trade's own (else the platform's or the
    seed's, :class:`loyalty.score.BaselineSource`)."""

    percent: int
    baseline_percent: int
    new_clients: int
    returned: int
    trade_baseline: bool


def platform_return_rate() -> float | None:
    """The share of new clients who came back, pooled over every scored
    company, as last night measured it (the platform's baseline, § 5 of
    :mod:`loyalty.score`); None until it was measured (the seed's 30 % is
    not a measure). One query."""
    mean: float | None = (
        TradeBaseline.objects.filter(profession__isnull=True, source=BaselineSource.PLATFORM)
        .values_list("mean", flat=True)
        .first()
    )
    return mean


def _public_loyalty_rows() -> QuerySet[LoyaltyScore]:
    """Scores shown publicly (scored, with new clients observed), each with
    the source of its trade's baseline (a subquery)."""
    source = TradeBaseline.objects.filter(profession_id=OuterRef("company__primary_profession_id"))
    return LoyaltyScore.objects.filter(score__isnull=False, new_clients__gt=0).annotate(
        baseline_source=Subquery(source.values("source")[:1])
    )


PUBLIC_LOYALTY_FIELDS = ("new_clients", "returned", "baseline", "baseline_source")


def public_loyalty(company: Company) -> PublicLoyalty | None:
    """The public line of a *scored* company (qualified, with new clients
    observed), else None: nothing is shown for the others, never "0 %".
    No query when ``company.loyalty_score`` (kept by the nightly job) says
    it is not scored; else one query (the score and, in a subquery, the
    source of its trade's baseline)."""
    if company.loyalty_score is None:
        return None
    row = _public_loyalty_rows().filter(company_id=company.pk).values(*PUBLIC_LOYALTY_FIELDS)
    return public_loyalty_of(row.first())


def public_loyalty_subquery() -> Subquery:
    """The outer company's :func:`public_loyalty` figures as one JSON
    object (``PUBLIC_LOYALTY_FIELDS``; NULL unless shown), for a subquery
    in the company's own row (the API's company profile)."""
    return Subquery(
        _public_loyalty_rows()
        .filter(company_id=OuterRef("pk"))
        .values(row=JSONObject(**{name: name for name in PUBLIC_LOYALTY_FIELDS}))[:1]
    )


def public_loyalty_of(row: dict[str, Any] | None) -> PublicLoyalty | None:
    """The public line from a row of ``PUBLIC_LOYALTY_FIELDS`` (None: not
    shown)."""
    if row is None:
        return None
    new_clients, returned = row["new_clients"], row["returned"]
    return PublicLoyalty(
        percent=round(100 * returned / new_clients),
        baseline_percent=round(100 * float(row["baseline"])),
        new_clients=new_clients,
        returned=returned,
        trade_baseline=row["baseline_source"] == BaselineSource.TRADE,
    )


def completed_sessions(company: Company, *, on: date) -> int:
    """The company's counted sessions (completed, not excluded by an audit)
    performed on or before ``on``: what
    qualification counts (``loyalty.score`` § 4), live (the score itself
    is nightly). One COUNT."""
    return ServiceSession.objects.counted().filter(company=company, performed_on__lte=on).count()


@dataclass(frozen=True)
class HistoryMonth:
    """One monthly snapshot for the pro's chart: the month's first day, the
    score (None when not scored that month), its interval, the baseline."""

    month: date
    score: float | None
    score_low: float | None
    score_high: float | None
    baseline: float
    sessions: int
    new_clients: int
    returned: int


def loyalty_history(company: Company, *, months: int = 12) -> list[HistoryMonth]:
    """The company's last ``months`` monthly snapshots, oldest first (only
    the months the nightly job has seen: a company is snapshotted once it
    has a session). One query."""
    rows = (
        LoyaltySnapshot.objects.filter(company=company)
        .order_by("-month")
        .values_list(
            "month",
            "score",
            "score_low",
            "score_high",
            "baseline",
            "sessions",
            "new_clients",
            "returned",
        )[:months]
    )
    return [HistoryMonth(*row) for row in reversed(list(rows))]


@dataclass(frozen=True)
class WaitingClient:
    """A recent new client who has not come back yet: how the pro knows
    them (first name and initial of the invoice's client, else the
    session's reference), their first session, and the last day a session
    counts as their return."""

    label: str
    from_invoice: bool
    first_on: date
    return_until: date


def short_name(name: str) -> str:
    """First name and initial, "Sophie M.", never the full name ("" for no
    name); one word stays as it is, capitalised."""
    words = [word for word in name.replace(".", " ").split() if word]
    if not words:
        return ""
    if len(words) == 1:
        return words[0].capitalize()
    return f"{words[0].capitalize()} {words[-1][0].upper()}."


def clients_not_returned(
    company: Company, *, on: date, return_days: int, limit: int = 20
) -> list[WaitingClient]:
    """The company's new clients still within their return window who have
    not come back: clients whose first completed session falls in the
    ``return_days`` days up to ``on`` (``on − return_days + 1`` … ``on``:
    a return still counts for them) and who have no completed session on a
    later day up to ``on``. Most recent first, at most ``limit``. One
    query: the first session of each such client (the earliest, lowest id
    on a day) with its invoice, found by two NOT EXISTS on the completed
    sessions' index (company, client, date)."""
    since = on - timedelta(days=return_days - 1)
    completed = ServiceSession.objects.counted().filter(
        company_id=OuterRef("company_id"),
        client_key=OuterRef("client_key"),
    )
    earlier = completed.filter(
        Q(performed_on__lt=OuterRef("performed_on"))
        | Q(performed_on=OuterRef("performed_on"), pk__lt=OuterRef("pk"))
    )
    later = completed.filter(performed_on__gt=OuterRef("performed_on"), performed_on__lte=on)
    sessions = (
        ServiceSession.objects.counted()
        .filter(
            company=company,
            performed_on__gte=since,
            performed_on__lte=on,
        )
        .filter(~Exists(earlier), ~Exists(later))
        .select_related("invoice")
        .order_by("-performed_on", "-pk")[:limit]
    )
    waiting = []
    for session in sessions:
        invoice = session.invoice
        name = short_name(invoice.client_name) if invoice is not None else ""
        waiting.append(
            WaitingClient(
                label=name or session.reference,
                from_invoice=bool(name),
                first_on=session.performed_on,
                return_until=session.performed_on + timedelta(days=return_days),
            )
        )
    return waiting


@dataclass(frozen=True)
class Overview:
    """The pro's loyalty page: ``sessions`` completed so far (live) out of
    the ``minimum`` that qualifies, the nightly figures (``score``: None
    before the first night), the advice when scored, the history and the
    recent new clients who have not come back."""

    minimum: int
    sessions: int
    score: LoyaltyScore | None
    advice: Advice | None
    history: list[HistoryMonth]
    waiting: list[WaitingClient]

    @property
    def scored(self) -> bool:
        return self.score is not None and self.score.score is not None

    @property
    def trade_baseline(self) -> bool:
        """The baseline is the trade's own (else the platform's or the
        seed's: the trade has too few scored companies)."""
        source = getattr(self.score, "baseline_source", None)
        return bool(source == BaselineSource.TRADE)

    @property
    def progress(self) -> int:
        """Sessions counted towards the minimum (the bar stops there)."""
        return min(self.sessions, self.minimum)

    @property
    def reason_text(self) -> str:
        """Why there is no score yet, for the pro ("" when scored): too few
        sessions (counted live), none of the new clients six months old
        yet, or the minimum reached since the last night."""
        if self.scored:
            return ""
        if self.sessions < self.minimum:
            return LoyaltyScore(sessions=self.sessions, qualified=False).reason_text
        if self.score is not None and self.score.qualified:
            return self.score.reason_text
        return gettext(
            "You have reached %(minimum)s completed sessions: your score is computed tonight."
        ) % {"minimum": self.minimum}


def loyalty_overview(company: Company, *, on: date, rules: Rules) -> Overview:
    """Everything :class:`Overview` holds, in four queries (sessions count,
    score with its baseline's source as ``baseline_source``, history,
    waiting clients)."""
    source = TradeBaseline.objects.filter(profession_id=OuterRef("company__primary_profession_id"))
    row = (
        LoyaltyScore.objects.filter(company=company)
        .annotate(baseline_source=Subquery(source.values("source")[:1]))
        .first()
    )
    advice = None
    if row is not None and row.score is not None and 0.0 < row.baseline < 1.0:
        advice = returns_to_pass_average(
            new_clients=row.new_clients, returned=row.returned, baseline=row.baseline
        )
    return Overview(
        minimum=rules.min_sessions,
        sessions=completed_sessions(company, on=on),
        score=row,
        advice=advice,
        history=loyalty_history(company),
        waiting=clients_not_returned(company, on=on, return_days=rules.return_days),
    )


@dataclass(frozen=True)
class ClientRevenue:
    """One client's completed sessions at a company over a period: their
    key (``loyalty.identity.client_key``), how the pro knows them (the
    client name — and company, B2B — of their latest invoice whose client
    data is still held, else "" and ``reference``, the greatest session
    reference of the period), the revenue (euros incl. tax, sessions
    without an amount counting 0) and the number of sessions."""

    key: str
    name: str
    reference: str
    revenue: Decimal
    sessions: int


def revenue_by_client(company: Company, *, start: date, end: date) -> list[ClientRevenue]:
    """The company's clients with at least one counted session
    (``ServiceSessionQuerySet.counted``: completed, not excluded by an
    audit) performed from ``start`` to ``end`` (both included), biggest
    revenue first, then by key (ties in a stable order). Every registered
    invoice is a session (``reviews.services.invoices.invoice_create``), so
    this is the revenue of the invoices plus the sessions recorded without
    one. One query: a GROUP BY on the client key, the names read through
    each session's own invoice (latest first)."""
    latest_invoice = (
        ServiceSession.objects.counted()
        .filter(
            company=company,
            client_key=OuterRef("client_key"),
            invoice__isnull=False,
            invoice__client_data_erased_at__isnull=True,
        )
        .order_by("-performed_on", "-pk")
    )
    rows = (
        ServiceSession.objects.counted()
        .filter(company=company, performed_on__gte=start, performed_on__lte=end)
        .order_by()
        .values("client_key")
        .annotate(
            revenue=Coalesce(Sum("amount"), Value(Decimal("0.00")), output_field=DecimalField()),
            sessions=Count("pk"),
            reference=Max("reference"),
            client_name=Subquery(latest_invoice.values("invoice__client_name")[:1]),
            client_company=Subquery(latest_invoice.values("invoice__client_company")[:1]),
        )
        .order_by("-revenue", "client_key")
    )
    clients = []
    for row in rows:
        name = (row["client_name"] or "").strip()
        if name and row["client_company"]:
            name = f"{name} ({row['client_company']})"
        clients.append(
            ClientRevenue(
                key=row["client_key"],
                name=name,
                reference=row["reference"],
                revenue=Decimal(row["revenue"]).quantize(Decimal("0.01")),
                sessions=row["sessions"],
            )
        )
    return clients
