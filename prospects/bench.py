"""Prospect-score benchmark: fill a PostgreSQL database with prospects,
their interactions and stage events by COPY, then time the nightly score
(``prospects.scoring.prospects_score``) against a bare aggregate scan of
the same interactions. Used by ``manage.py bench_prospects`` (``make
bench-prospects``); never imported by production code.

Data (:func:`fill_prospects`): the platform's sales pipeline (a fifth of
the prospects) and ``pipelines`` companies' own pipelines, of unequal
sizes (log-normal), so that some have 50 won and 50 lost prospects (the
learned model runs) and the others keep the rules. Stages as in a living
pipeline (suspects never contacted, cold, warm, hot; a third closed, won
or lost), two years of history; interactions spread over each prospect's
life (calls, e-mails, meetings, notes by a person, the system notes of
quote requests), more for the prospects that went further; stage events
from creation to the current stage, with the system's moves the score
reads (a quote request asking for a call, an application). The same seed
gives the same rows.

Targets (issue 15, on a 2-core machine, 200,000 prospects and 2,000,000
interactions): the nightly score ≤ 20 s, peak RSS of the process ≤ 300 MB.
"""

from __future__ import annotations

import io
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from tqdm import tqdm

from directory.models import Company, CompanyProfession, Profession
from loyalty.bench import Timing, peak_rss_mb, peak_rss_reset, table, timed

from .models import (
    Interaction,
    LostReason,
    Origin,
    Pipeline,
    Prospect,
    ProspectEvent,
    Referrer,
    Stage,
)
from .scoring import ScoreReport, prospects_score

DEFAULT_SEED = 2026
# Share of the prospects in the platform's sales pipeline.
PLATFORM_SHARE = 0.2
# Spread of the company pipelines' sizes (sigma of the log-normal).
VOLUME_SIGMA = 1.0
# Days of history: prospects created over this many days before now.
HISTORY_DAYS = 730
# Stages and their shares (open ones first; a third closed).
STAGE_SHARES = (
    (Stage.SUSPECT, 0.18),
    (Stage.COLD, 0.20),
    (Stage.WARM, 0.17),
    (Stage.HOT, 0.10),
    (Stage.CLIENT, 0.16),
    (Stage.LOST, 0.19),
)
# Interactions weight by stage: a suspect is never contacted (a few notes),
# a prospect that went further had more exchanges.
STAGE_WEIGHT: dict[str, float] = {
    Stage.SUSPECT: 0.15,
    Stage.COLD: 0.8,
    Stage.WARM: 1.3,
    Stage.HOT: 1.8,
    Stage.CLIENT: 1.6,
    Stage.LOST: 0.9,
}
# The stages crossed to reach each one (events written in this order).
PATH: dict[str, tuple[str, ...]] = {
    Stage.SUSPECT: (Stage.SUSPECT,),
    Stage.COLD: (Stage.SUSPECT, Stage.COLD),
    Stage.WARM: (Stage.SUSPECT, Stage.COLD, Stage.WARM),
    Stage.HOT: (Stage.SUSPECT, Stage.COLD, Stage.WARM, Stage.HOT),
    Stage.CLIENT: (Stage.SUSPECT, Stage.COLD, Stage.WARM, Stage.HOT, Stage.CLIENT),
    Stage.LOST: (Stage.SUSPECT, Stage.COLD, Stage.LOST),
}
LOST_REASONS = tuple(LostReason.values)
# Rows sent to COPY per round trip.
COPY_BATCH = 50_000
# Prospects of the next night: a day later, this many get a new interaction.
NEXT_NIGHT_CONTACTS = 3000
BENCH_USER = "bench-prospects"
NEXT_NIGHT_OUTCOME = "bench: next night"

PROSPECT_COLUMNS = (
    "id",
    "pipeline",
    "company_id",
    "name",
    "organisation",
    "siren",
    "profession_id",
    "town",
    "postal_code",
    "email",
    "email_key",
    "phone",
    "name_key",
    "town_key",
    "stage",
    "stage_since",
    "lost_reason",
    "lost_note",
    "owner_id",
    "source",
    "referrer_id",
    "budget",
    "next_follow_up",
    "last_interaction_at",
    "score",
    "score_reasons",
    "score_model",
    "scored_at",
    "created_at",
    "updated_at",
    "anonymised_at",
    "application_link_nonce",
)
INTERACTION_COLUMNS = (
    "prospect_id",
    "kind",
    "happened_at",
    "outcome",
    "author_id",
    "next_follow_up",
    "created_at",
    "origin",
    "origin_ref",
)
EVENT_COLUMNS = (
    "prospect_id",
    "kind",
    "lost_reason",
    "merged_from",
    "actor_id",
    "from_status",
    "to_status",
    "reason",
    "created_at",
    "origin",
    "origin_ref",
)
NULL = "\\N"


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def volumes(pipelines: int, total: int, rng: random.Random) -> list[int]:
    """Prospects per company pipeline: log-normal draws scaled to add up
    to exactly ``total``."""
    weights = [rng.lognormvariate(0.0, VOLUME_SIGMA) for _ in range(pipelines)]
    scale = total / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for index in range(total - sum(counts)):
        counts[index % pipelines] += 1
    return counts


@dataclass
class _Prospect:
    id: int
    company_id: int | None
    stage: str
    created: datetime
    since: datetime
    source: str
    weight: float


class _Copier:
    """Buffers COPY text lines for one table and sends them by batches,
    each batch committed; advances ``progress`` by the rows sent."""

    def __init__(self, table: str, columns: tuple[str, ...], progress: tqdm[Any]) -> None:
        self.sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.progress = progress
        self.buffer = io.StringIO()
        self.pending = 0

    def write(self, line: str) -> None:
        self.buffer.write(line)
        self.pending += 1
        if self.pending >= COPY_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
            copy.write(self.buffer.getvalue())
        raw.commit()
        self.progress.update(self.pending)
        self.buffer, self.pending = io.StringIO(), 0


def _progress(total: int, desc: str, show: bool) -> tqdm[Any]:
    return tqdm(
        total=total, desc=desc, unit="row", unit_scale=True, disable=not show, file=sys.stderr
    )


def filled(prospects: int, interactions: int) -> bool:
    """Whether the tables already hold exactly this benchmark's rows."""
    return (
        Prospect.objects.count() == prospects
        and Interaction.objects.exclude(outcome=NEXT_NIGHT_OUTCOME).count() == interactions
    )


def fill_prospects(
    prospects: int,
    interactions: int,
    *,
    pipelines: int,
    now: datetime,
    seed: int = DEFAULT_SEED,
    show_progress: bool = True,
) -> int:
    """COPY ``prospects`` prospects (the platform's and ``pipelines``
    companies'), ``interactions`` interactions and their stage events,
    unless the tables already hold exactly that (:func:`filled`); the
    pipeline's tables are emptied first (TRUNCATE … CASCADE: a benchmark
    database only). Needs at least ``pipelines`` companies and the
    professions. Returns the prospects written (0 when kept)."""
    if filled(prospects, interactions):
        return 0
    rng = random.Random(f"{seed}:bench-prospects")
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    companies = list(Company.objects.order_by("pk").values_list("pk", flat=True)[:pipelines])
    if len(companies) < pipelines:
        raise ValueError(f"{pipelines} companies needed, {len(companies)} found")
    trades: dict[int, list[int]] = defaultdict(list)
    for company_id, profession_id in CompanyProfession.objects.filter(
        company_id__in=companies
    ).values_list("company_id", "profession_id"):
        trades[company_id].append(profession_id)
    professions = list(Profession.objects.order_by("pk").values_list("pk", flat=True))
    tables = [m._meta.db_table for m in (Interaction, ProspectEvent, Prospect, Referrer)]
    connection.ensure_connection()
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    # One referrer per pipeline (the platform's first).
    owners: list[int | None] = [None, *companies]
    referrer_of: dict[int | None, int] = {}
    for index, company_id in enumerate(owners, start=1):
        Referrer.objects.create(
            pipeline=Pipeline.PLATFORM if company_id is None else Pipeline.COMPANY,
            company_id=company_id,
            name=f"Prescripteur {index}",
            code=f"BENCH{index:05d}",
        )
        referrer_of[company_id] = index
    platform = round(prospects * PLATFORM_SHARE)
    sizes = [platform, *volumes(pipelines, prospects - platform, rng)]
    stages = [stage for stage, _ in STAGE_SHARES]
    shares = [share for _, share in STAGE_SHARES]

    # Prospects, their rows written as they are drawn.
    progress = _progress(prospects, "Prospects (COPY)", show_progress)
    copier = _Copier(Prospect._meta.db_table, PROSPECT_COLUMNS, progress)
    drawn: list[_Prospect] = []
    next_id = 1
    for company_id, size in zip(owners, sizes, strict=True):
        # Each pipeline wins more or less often.
        bias = rng.uniform(0.6, 1.4)
        weights = [share * (bias if stage == Stage.CLIENT else 1) for stage, share in STAGE_SHARES]
        for _ in range(size):
            stage = (
                rng.choices(stages, weights)[0] if company_id else rng.choices(stages, shares)[0]
            )
            created = now - timedelta(seconds=rng.randint(3600, HISTORY_DAYS * 86400))
            since = (
                created
                if stage == Stage.SUSPECT
                else created + (now - created) * rng.uniform(0.2, 1.0)
            )
            if company_id is None:
                source = rng.choice(("manual", "import", "import", "application"))
                trade = rng.choice(professions) if rng.random() < 0.9 else None
            else:
                source = rng.choice(("manual", "quote_request", "quote_request", "import"))
                own = trades.get(company_id)
                trade = rng.choice(own) if own and rng.random() < 0.7 else rng.choice(professions)
            referrer = referrer_of[company_id] if rng.random() < 0.05 else None
            budget = f"{math.exp(rng.gauss(7.8, 1.2)):.2f}" if rng.random() < 0.6 else NULL
            follow_up = (
                (now + timedelta(days=rng.randint(-20, 30))).date().isoformat()
                if stage in (Stage.COLD, Stage.WARM, Stage.HOT) and rng.random() < 0.7
                else NULL
            )
            pk = next_id
            next_id += 1
            name = f"Prospect {pk}"
            fields = (
                str(pk),
                Pipeline.PLATFORM.value if company_id is None else Pipeline.COMPANY.value,
                NULL if company_id is None else str(company_id),
                name,
                "",
                "",
                NULL if trade is None else str(trade),
                "Lyon",
                "69001",
                "",
                "",
                "",
                name.lower(),
                "lyon",
                stage,
                _ts(since),
                rng.choice(LOST_REASONS) if stage == Stage.LOST else "",
                "",
                str(user.pk),
                source,
                NULL if referrer is None else str(referrer),
                budget,
                follow_up,
                NULL,
                NULL,
                "[]",
                "",
                NULL,
                _ts(created),
                _ts(since),
                NULL,
                "",
            )
            copier.write("\t".join(fields) + "\n")
            drawn.append(
                _Prospect(
                    pk,
                    company_id,
                    stage,
                    created,
                    since,
                    source,
                    STAGE_WEIGHT[stage] * rng.lognormvariate(0.0, 0.7),
                )
            )
    copier.flush()
    progress.close()

    # Interactions: ``interactions`` in all, shared by weight.
    scale = interactions / sum(p.weight for p in drawn)
    counts = [int(p.weight * scale) for p in drawn]
    for index in range(interactions - sum(counts)):
        counts[index % len(counts)] += 1
    progress = _progress(interactions, "Interactions (COPY)", show_progress)
    copier = _Copier(Interaction._meta.db_table, INTERACTION_COLUMNS, progress)
    author = str(user.pk)
    for prospect, count in zip(drawn, counts, strict=True):
        closed = prospect.stage in (Stage.CLIENT, Stage.LOST)
        end = prospect.since if closed else now
        span = max(1, int((end - prospect.created).total_seconds()))
        for number in range(count):
            # Later stages were contacted more recently.
            offset = span * (rng.random() ** (0.5 if prospect.stage == Stage.HOT else 1.0))
            at = prospect.created + timedelta(seconds=int(offset))
            draw = rng.random()
            origin = ref = ""
            if prospect.stage == Stage.SUSPECT or draw < 0.12:
                kind, outcome, by = "note", "Note", author
            elif prospect.source == "quote_request" and number == 0:
                kind, outcome, by = "note", "", NULL
                origin, ref = Origin.QUOTE_REQUEST, str(prospect.id)
            elif draw < 0.50:
                kind, outcome, by = "call", "Appel", author
            elif draw < 0.88:
                kind, outcome, by = "email", "E-mail", author
            else:
                kind, outcome, by = "meeting", "Rendez-vous", author
            copier.write(
                f"{prospect.id}\t{kind}\t{_ts(at)}\t{outcome}\t{by}\t{NULL}\t{_ts(at)}\t"
                f"{origin}\t{ref}\n"
            )
    copier.flush()
    progress.close()

    # Stage events: creation, each move to the current stage, and the
    # system's moves the score reads.
    progress = _progress(len(drawn), "Stage events (COPY, per prospect)", show_progress)
    copier = _Copier(ProspectEvent._meta.db_table, EVENT_COLUMNS, progress)
    copier.progress = tqdm(disable=True)
    for done, prospect in enumerate(drawn, start=1):
        path = PATH[prospect.stage]
        steps = len(path)
        previous = ""
        for index, step in enumerate(path):
            at = prospect.created + (prospect.since - prospect.created) * (
                index / max(1, steps - 1)
            )
            actor, origin, ref, lost = author, "", "", ""
            if step == Stage.HOT and prospect.source == "quote_request" and rng.random() < 0.4:
                actor, origin, ref = NULL, Origin.QUOTE_REQUEST, str(prospect.id)
            elif prospect.source == "application" and step == Stage.WARM:
                actor, origin, ref = NULL, Origin.APPLICATION, "submitted"
            if step == Stage.LOST:
                lost = rng.choice(LOST_REASONS)
            copier.write(
                f"{prospect.id}\ttransition\t{lost}\t{NULL}\t{actor}\t{previous}\t{step}\t"
                f"\t{_ts(at)}\t{origin}\t{ref}\n"
            )
            previous = step
        if done % COPY_BATCH == 0:
            progress.update(COPY_BATCH)
    copier.flush()
    progress.update(len(drawn) % COPY_BATCH)
    progress.close()
    with connection.cursor() as cursor:
        for model in (Prospect, Interaction, ProspectEvent, Referrer):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    return prospects


def tables_vacuum() -> None:
    """VACUUM ANALYZE the tables the score reads and writes, as autovacuum
    keeps them in a database that has lived."""
    with connection.cursor() as cursor:  # Django's connection is in autocommit
        for model in (Prospect, Interaction, ProspectEvent, Referrer, CompanyProfession):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


BARE_SCAN_SQL = """
SELECT p.id, p.stage, a.contacts, a.last_at
FROM {prospects} p
LEFT JOIN (
    SELECT prospect_id, count(*) AS contacts, max(happened_at) AS last_at
    FROM {interactions} GROUP BY prospect_id
) a ON a.prospect_id = p.id
"""


def bare_scan() -> int:
    """The floor: one aggregate scan of every interaction per prospect,
    joined to the prospects, rows fetched. Returns the prospects read."""
    sql = BARE_SCAN_SQL.format(
        prospects=Prospect._meta.db_table, interactions=Interaction._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute(sql)
        rows = 0
        while batch := cursor.fetchmany(10_000):
            rows += len(batch)
        cursor.execute("RESET jit")
    return rows


def scores_forget() -> None:
    """Back to before any night: no prospect scored."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Prospect._meta.db_table} SET score = NULL, score_reasons = '[]', "  # noqa: S608
            "score_model = '', scored_at = NULL WHERE score IS NOT NULL"
        )
    tables_vacuum()


def next_day_contacts(*, now: datetime, seed: int = DEFAULT_SEED) -> Iterator[int]:
    """The prospects contacted during the next day (``NEXT_NIGHT_CONTACTS``
    open ones, the same each run)."""
    rng = random.Random(f"{seed}:bench-prospects:next")
    open_ids = list(
        Prospect.objects.filter(stage__in=(Stage.COLD, Stage.WARM, Stage.HOT))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    yield from rng.sample(open_ids, min(NEXT_NIGHT_CONTACTS, len(open_ids)))


def next_day_apply(*, now: datetime) -> None:
    """Record the next day's contacts (one call each, during that day)."""
    user = get_user_model().objects.get(username=BENCH_USER)
    at = now + timedelta(hours=12)
    Interaction.objects.bulk_create(
        Interaction(
            prospect_id=pk,
            kind=Interaction.Kind.CALL,
            happened_at=at,
            outcome=NEXT_NIGHT_OUTCOME,
            author=user,
        )
        for pk in next_day_contacts(now=now)
    )


def next_day_undo() -> None:
    Interaction.objects.filter(outcome=NEXT_NIGHT_OUTCOME).delete()


def _report(report: ScoreReport) -> str:
    return (
        f"{report.scored:,} scored, {report.changed:,} written, "
        f"{report.learned_pipelines:,} pipelines learned"
    )


def measure(*, repeat: int, now: datetime) -> tuple[list[Timing], float]:
    """Time, in this order: the bare scan (``repeat`` runs); the score of a
    first night (nothing scored yet: every open prospect written); of the
    next night (a day later, ``NEXT_NIGHT_CONTACTS`` prospects contacted
    that day, the recency buckets moved) — ``repeat`` runs, each from the
    first night's scores; of the same night again (nothing to write).
    Returns the timings and the peak RSS in MB over the measurements."""
    next_day_undo()
    peak_rss_reset()
    floor = timed("bare scan", lambda: f"{bare_scan():,} prospects", repeat)
    scores_forget()
    first = timed("first night", lambda: _report(prospects_score(now=now)), 1)
    later = now + timedelta(days=1)
    nights = []
    for run in range(repeat):
        if run:
            next_day_undo()
            prospects_score(now=now)  # back to the first night's scores
        next_day_apply(now=now)
        nights.append(timed("next night", lambda: _report(prospects_score(now=later)), 1))
    night = Timing("next night", [t.seconds[0] for t in nights], nights[-1].detail)
    again = timed("same night again", lambda: _report(prospects_score(now=later)), repeat)
    peak = peak_rss_mb()
    next_day_undo()
    return [floor, first, night, again], peak


def prepare(
    *, prospects: int, interactions: int, pipelines: int, show: Callable[[str], None]
) -> None:
    """Fill (or keep) the data and say so; :func:`report` measures."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    written = fill_prospects(prospects, interactions, pipelines=pipelines, now=now)
    tables_vacuum()
    show(
        f"{prospects:,} prospects in {pipelines + 1:,} pipelines, {interactions:,} interactions "
        f"({written:,} prospects written; ready in {time.perf_counter() - started:.0f} s)."
    )


def report(*, repeat: int, show: Callable[[str], None]) -> None:
    """Measure the filled database (:func:`measure`) and print the table."""
    timings, peak = measure(repeat=repeat, now=datetime.now(UTC).replace(microsecond=0))
    show(table(timings, peak_mb=peak))
