"""Demo session histories that make the loyalty score show what it does.

``make run`` calls :func:`seed_sessions` (``manage.py seed_demo_sessions``)
after the demo reviews, whose invoices already are completed sessions
(``reviews.demo.seed``). Listed companies of a few trades — recurring
(cleaning, childcare, tutoring, sports coaching) and one-off (electrician,
plumber, roofer), see :data:`TRADES` — get about 2½ years of sessions
recorded without an invoice each (a form, or a file import), so that the
score's window (first sessions 180 to 544 days ago) is full. Within each
trade, companies ordered by SIREN take the profiles of :data:`CYCLE` in
turn: new clients who come back more often than the trade's (``above``),
as often (``at``), less often (``below``), or a company still on its way
to 30 sessions (``on_the_way``: 4 to 29). The demo pro's company
(``DEMO_PRO_EMAIL``'s) is qualified, slightly above its trade, with a rate
that rose over the years: its monthly history chart has a curve.

Returns follow the definition of :mod:`loyalty.score`: a returning client
books again 1 to 180 days after the first session (recurring trades:
every one to three weeks for a while); a few clients come back only after
six months (no return), some book the same day twice (no return either),
and cancellations and no-shows are sprinkled (they never count). Among
the new clients the window observes today, exactly the profile's share
returns (rounded); an ``at`` company's share is the baseline its trade
will have (predicted with :func:`loyalty.score.compute` over the whole
demo), so it scores 50 within a few points.

The same seed gives the same sessions (each company draws from
``random.Random(f"{seed}:loyalty:{siren}")``; dates count back from
``now``). A company that already has demo sessions is skipped: a second
run adds nothing. Rows are written with ``bulk_create`` in batches.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from directory.models import Company, CompanyStatus

from .. import score
from ..identity import client_key
from ..models import ServiceSession, SessionSource, SessionStatus
from ..score import Rules, SessionFact

DEFAULT_SEED = 2026
# Share of the listed companies of the trades below that get a history.
DEFAULT_SHARE = 0.6
# The account README tells people to log in with (directory seed_demo).
DEMO_PRO_EMAIL = "pro@demo.plusquepro.test"
# References of the demo's sessions: DEMO-<siren>-S<number>.
REFERENCE_PREFIX = "DEMO-"
BATCH_SIZE = 1000
# Days of history of a qualified company: a little over 2½ years at most,
# so that the window of a year ago (first sessions 545 to 909 days ago)
# is observed too and the history chart has twelve points.
HISTORY_DAYS = (620, 910)
# Odds of returning relative to the trade's typical rate, per profile.
ODDS_FACTOR = {"above": 2.3, "at": 1.0, "below": 0.42, "showcase": 1.6}
CYCLE = ("above", "at", "below", "on_the_way", "below", "above", "at", "on_the_way")
ON_THE_WAY_SESSIONS = (4, 9, 12, 17, 22, 26, 29)
# A non-returning client comes back after their six months anyway.
LATE_RETURN = 0.08
# Two sessions the same day (not a return).
SAME_DAY = 0.03
CANCELLED = 0.06
NO_SHOW = 0.03
FIRST_NAMES = ("camille", "lea", "hugo", "ines", "jules", "manon", "nora", "paul", "yanis", "zoe")
SURNAMES = ("bernard", "petit", "robert", "richard", "durand", "leroy", "moreau", "simon")


@dataclass(frozen=True)
class Trade:
    """How a trade's clients behave: the typical share of new clients who
    come back within six months, new clients per year, the sessions a
    returning client adds and the days between them, a session's price in
    euros, and how the pro records sessions."""

    rate: float
    new_per_year: tuple[int, int]
    repeats: tuple[int, int]
    gap_days: tuple[int, int]
    amount: tuple[int, int]
    source: str


def _recurring(rate: float, new: tuple[int, int], amount: tuple[int, int]) -> Trade:
    return Trade(rate, new, (2, 10), (7, 21), amount, SessionSource.CSV)


def _one_off(rate: float, new: tuple[int, int], amount: tuple[int, int]) -> Trade:
    return Trade(rate, new, (1, 2), (20, 170), amount, SessionSource.FORM)


TRADES: dict[str, Trade] = {
    "menage-domicile": _recurring(0.30, (14, 28), (40, 110)),
    "garde-enfants": _recurring(0.38, (8, 18), (50, 160)),
    "assistante-maternelle": _recurring(0.40, (10, 20), (300, 700)),
    "soutien-scolaire": _recurring(0.35, (10, 24), (25, 60)),
    "coach-sportif": _recurring(0.33, (12, 26), (35, 80)),
    "electricien": _one_off(0.12, (22, 42), (120, 2500)),
    "plombier": _one_off(0.13, (22, 42), (90, 1800)),
    "couvreur": _one_off(0.08, (24, 40), (400, 9000)),
}
# The demo pro's company, whatever its trade.
DEFAULT_TRADE = TRADES["menage-domicile"]


def _rate(trade: Trade, factor: float) -> float:
    odds = trade.rate / (1.0 - trade.rate) * factor
    return odds / (1.0 + odds)


@dataclass
class _Client:
    key: str
    first: date
    # Days of completed sessions already recorded (the demo invoices).
    recorded: list[date] = field(default_factory=list)
    returned: bool = False


@dataclass
class _Plan:
    """One company's new sessions, built in memory."""

    company_id: int
    siren: str
    seed: int
    trade: Trade
    profile: str
    rng: random.Random
    # (client key, day, status)
    sessions: list[tuple[str, date, str]] = field(default_factory=list)
    clients: list[_Client] = field(default_factory=list)


def _key(company_id: int, siren: str, n: int, rng: random.Random) -> str:
    email = f"{rng.choice(FIRST_NAMES)}.{rng.choice(SURNAMES)}.{siren}.{n}@exemple.fr"
    return client_key(company_id=company_id, email=email)


def _returns(plan: _Plan, client: _Client, today: date, rules: Rules) -> None:
    """The sessions of a client who comes back: the first return within
    the return days, then more every few days (recurring trades)."""
    rng, trade = plan.rng, plan.trade
    day = client.first + timedelta(days=rng.randint(1, min(trade.gap_days[1], rules.return_days)))
    for _ in range(rng.randint(*trade.repeats)):
        if day > today:
            break
        plan.sessions.append((client.key, day, SessionStatus.COMPLETED))
        day += timedelta(days=rng.randint(*trade.gap_days))


def _extras(plan: _Plan, client: _Client, today: date, rules: Rules) -> None:
    """Sessions that never count as a return: a late one, the same day
    twice, a cancellation, a no-show."""
    rng = plan.rng
    if not client.returned and rng.random() < LATE_RETURN:
        late = client.first + timedelta(days=rng.randint(rules.return_days + 1, 400))
        if late <= today:
            plan.sessions.append((client.key, late, SessionStatus.COMPLETED))
    if rng.random() < SAME_DAY:
        plan.sessions.append((client.key, client.first, SessionStatus.COMPLETED))
    for status, chance in ((SessionStatus.CANCELLED, CANCELLED), (SessionStatus.NO_SHOW, NO_SHOW)):
        if rng.random() < chance:
            day = client.first + timedelta(days=rng.randint(1, rules.return_days))
            if day <= today:
                plan.sessions.append((client.key, day, status))


def _qualified_plan(
    plan: _Plan, recorded: Mapping[str, list[date]], today: date, rules: Rules
) -> None:
    """New clients over the history, and the choice of who returns."""
    rng, trade = plan.rng, plan.trade
    showcase = plan.profile == "showcase"
    span = HISTORY_DAYS[1] if showcase else rng.randint(*HISTORY_DAYS)
    per_year = trade.new_per_year[1] if showcase else rng.randint(*trade.new_per_year)
    count = round(per_year * span / 365)
    for n in range(count):
        first = today - timedelta(days=rng.randint(0, span))
        client = _Client(key=_key(plan.company_id, plan.siren, n, rng), first=first)
        plan.clients.append(client)
        plan.sessions.append((client.key, first, SessionStatus.COMPLETED))
    for key, days in recorded.items():
        plan.clients.append(_Client(key=key, first=min(days), recorded=sorted(days)))
    _choose_returns(plan, _rate(trade, ODDS_FACTOR[plan.profile]), today, rules)


def _observed(client: _Client, today: date, rules: Rules) -> bool:
    first_from, first_until = rules.window(today)
    return first_from <= client.first <= first_until


def _choose_returns(plan: _Plan, rate: float, today: date, rules: Rules) -> None:
    """Who comes back: exactly ``rate`` of the clients observed today
    (rounded), each other client with that chance (the demo pro's chance
    rising from half its rate at the start of its history to its rate at
    the start of today's window). Clients already returned in the
    recorded sessions count as such."""
    rng = plan.rng
    span_start = min((c.first for c in plan.clients), default=today)
    window_start = rules.window(today)[0]

    def chance(client: _Client) -> float:
        if plan.profile != "showcase" or client.first >= window_start:
            return rate
        progress = (client.first - span_start).days / max((window_start - span_start).days, 1)
        return rate * (0.5 + 0.5 * progress)

    for client in plan.clients:
        client.returned = any(
            client.first < day <= client.first + timedelta(days=rules.return_days)
            for day in client.recorded
        )
    observed = [c for c in plan.clients if _observed(c, today, rules)]
    wanted = round(sum(chance(c) for c in observed))
    open_ = [c for c in observed if not c.returned]
    for client in rng.sample(open_, max(0, min(len(open_), wanted - (len(observed) - len(open_))))):
        client.returned = True
    for client in plan.clients:
        if client in observed:
            continue
        if not client.returned and rng.random() < chance(client):
            client.returned = True
    for client in plan.clients:
        if client.returned and not any(
            client.first < day <= client.first + timedelta(days=rules.return_days)
            for day in client.recorded
        ):
            _returns(plan, client, today, rules)
        _extras(plan, client, today, rules)


def _on_the_way_plan(plan: _Plan, recorded_sessions: int, today: date) -> None:
    """A company still short of 30 completed sessions: a few recent
    clients, some of them regulars."""
    rng, trade = plan.rng, plan.trade
    wanted = rng.choice(ON_THE_WAY_SESSIONS) - recorded_sessions
    n = 0
    start = rng.randint(60, 400)
    while wanted > 0:
        first = today - timedelta(days=rng.randint(0, start))
        key = _key(plan.company_id, plan.siren, n, rng)
        n += 1
        day = first
        for _ in range(min(wanted, 1 + rng.randint(0, trade.repeats[1] // 2))):
            if day > today:
                break
            plan.sessions.append((key, day, SessionStatus.COMPLETED))
            wanted -= 1
            day += timedelta(days=rng.randint(*trade.gap_days))
        if rng.random() < CANCELLED:
            plan.sessions.append((key, first, SessionStatus.CANCELLED))


def _profiles(
    companies: Iterable[tuple[int, str, str | None]], showcase: int | None
) -> dict[int, str]:
    """Each company's profile: the demo pro's company is the showcase,
    the others of a trade take :data:`CYCLE` in turn (by SIREN)."""
    seen: dict[str | None, int] = {}
    profiles = {}
    for company_id, _siren, slug in companies:
        if company_id == showcase:
            profiles[company_id] = "showcase"
            continue
        turn = seen.get(slug, 0)
        seen[slug] = turn + 1
        profiles[company_id] = CYCLE[turn % len(CYCLE)]
    return profiles


def _predicted_baselines(
    plans: list[_Plan], today: date, rules: Rules
) -> tuple[dict[int, int], dict[int | None, float]]:
    """Every company's primary trade and the baselines the nightly
    computation will find once the plans are written (reference
    functions over the recorded and planned completed sessions)."""
    history: dict[int, list[SessionFact]] = {}
    recorded = ServiceSession.objects.filter(
        status=SessionStatus.COMPLETED, performed_on__lte=today
    ).values_list("company_id", "client_key", "performed_on")
    for company_id, key, day in recorded.iterator(chunk_size=BATCH_SIZE):
        history.setdefault(company_id, []).append(SessionFact(key, day))
    for plan in plans:
        history.setdefault(plan.company_id, []).extend(
            SessionFact(key, day, status) for key, day, status in plan.sessions
        )
    trades = dict(Company.objects.values_list("pk", "primary_profession_id"))
    computation = score.compute(history, trades, on=today, rules=rules)
    means = {trade: baseline.mean for trade, baseline in computation.baselines.items()}
    return trades, means


def _at_the_average(plans: list[_Plan], today: date, rules: Rules) -> None:
    """Re-draw the returns of the ``at`` companies at the baseline their
    trade will have (twice: the first pass moves the baselines a little)."""
    at = [plan for plan in plans if plan.profile == "at"]
    for _ in range(2):
        trades, means = _predicted_baselines(plans, today, rules)
        for plan in at:
            mean = means.get(trades[plan.company_id], means[None])
            plan.sessions = [
                (c.key, c.first, SessionStatus.COMPLETED) for c in plan.clients if not c.recorded
            ]
            plan.rng = random.Random(f"{plan.seed}:loyalty:{plan.siren}:at")
            _choose_returns(plan, mean, today, rules)


def _rows(plan: _Plan, now: datetime, created_by_id: int | None) -> list[ServiceSession]:
    rng = random.Random(f"{plan.seed}:loyalty:{plan.siren}:rows")
    rows = []
    zone = timezone.get_current_timezone()
    for n, (key, day, status) in enumerate(sorted(plan.sessions, key=lambda s: (s[1], s[0])), 1):
        # Recorded the evening of the session, or up to three days later.
        recorded = datetime.combine(day, time(18), tzinfo=zone) + timedelta(
            hours=rng.uniform(0, 72)
        )
        low, high = plan.trade.amount
        rows.append(
            ServiceSession(
                company_id=plan.company_id,
                client_key=key,
                performed_on=day,
                amount=Decimal(rng.randint(low, high)),
                status=status,
                source=plan.trade.source,
                reference=f"{REFERENCE_PREFIX}{plan.siren}-S{n:04d}",
                created_by_id=created_by_id,
                created_at=min(recorded, now),
            )
        )
    return rows


@transaction.atomic
def seed_sessions(
    *,
    seed: int = DEFAULT_SEED,
    share: float = DEFAULT_SHARE,
    companies: int | None = None,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> int:
    """Session histories for a ``share`` of the listed companies of
    :data:`TRADES` (at most ``companies`` of them) and the demo pro's
    company: see the module. Returns the sessions created; companies with
    demo sessions already are skipped, so a second run creates none."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = rules or Rules.from_settings()
    owner = (
        get_user_model()
        .objects.filter(username=DEMO_PRO_EMAIL)
        .values_list("pk", "memberships__company_id")
        .first()
    )
    owner_id, showcase = owner if owner else (None, None)
    seeded = set(
        ServiceSession.objects.filter(reference__startswith=REFERENCE_PREFIX)
        .exclude(source=SessionSource.INVOICE)
        .values_list("company_id", flat=True)
        .distinct()
    )
    candidates: list[tuple[int, str, str | None]] = []
    for company_id, siren, slug in (
        Company.objects.filter(status=CompanyStatus.LISTED)
        .order_by("siren")
        .values_list("pk", "siren", "primary_profession__slug")
    ):
        if company_id != showcase:
            if slug not in TRADES:
                continue
            if companies is not None and len(candidates) >= companies:
                continue
            if random.Random(f"{seed}:loyalty:{siren}").random() >= share:
                continue
        candidates.append((company_id, siren, slug))
    profiles = _profiles(candidates, showcase)
    todo = [c for c in candidates if c[0] not in seeded]
    recorded: dict[int, dict[str, list[date]]] = {}
    for company_id, key, day in ServiceSession.objects.filter(
        company_id__in=[c[0] for c in todo], status=SessionStatus.COMPLETED
    ).values_list("company_id", "client_key", "performed_on"):
        recorded.setdefault(company_id, {}).setdefault(key, []).append(day)
    plans = []
    for company_id, siren, slug in todo:
        plan = _Plan(
            company_id=company_id,
            siren=siren,
            seed=seed,
            trade=TRADES.get(slug or "", DEFAULT_TRADE),
            profile=profiles[company_id],
            rng=random.Random(f"{seed}:loyalty:{siren}:plan"),
        )
        mine = recorded.get(company_id, {})
        if plan.profile == "on_the_way":
            _on_the_way_plan(plan, sum(len(days) for days in mine.values()), today)
        else:
            _qualified_plan(plan, mine, today, rules)
        plans.append(plan)
    _at_the_average(plans, today, rules)
    rows = [
        row
        for plan in plans
        for row in _rows(plan, now, owner_id if plan.company_id == showcase else None)
    ]
    ServiceSession.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)
