"""Partner API benchmark: add published reviews to the search benchmark's
companies by COPY, then time the API's read endpoints through the WSGI
stack (``django.test.Client``, a real key in ``Authorization``) beside the
bare SQL each request issued. Used by ``manage.py bench_api`` (``make
bench-api``); never imported by production code.

Reviews (:func:`fill_reviews`) follow the demo's spread
(``reviews.demo.seed``): about half the companies have some, a long tail
of one to 22, plus a few companies with hundreds to thousands (a chain, a
well-known pro); each has its invoice, published within the last 18
months, a third with the company's published reply (their ``updated_at``
moves to the reply), one in fifty with an author's update. The same seed
gives the same rows; kept for the next run.

Targets (issue 14, on a 2-core machine, 1,000,000 companies and
2,000,000 published reviews): ``GET companies`` p95 ≤ 30 ms, ``GET
companies/{slug}`` p95 ≤ 15 ms, the feed's page 1,000 within 10 % of its
page 1, and for every endpoint API − SQL p95 ≤ 15 ms.
"""

from __future__ import annotations

import io
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg import sql
from tqdm import tqdm

from directory.bench.search import BenchQuery, bench_queries, percentile
from directory.companies.models import CompanyStatus
from directory.demo.generator import DemoGenerator
from directory.models import Company
from partners.models import Partner, PartnerKey, PartnerKind, Scope
from partners.services import partner_key_create

from .demo.seed import FIRST_NAMES, RATINGS, REVIEWS_PER_COMPANY, SURNAMES, TEXTS, TITLES
from .models import Invoice, Reply, Review, ReviewUpdate
from .services.stats import company_review_stats_refresh

DEFAULT_SEED = 2026
# Share of companies with at least one review (as the demo's).
SHARE_REVIEWED = 0.55
# One company in 10,000 is much reviewed: 300 to 3,000 reviews.
BIG_SHARE = 0.0001
BIG_REVIEWS = (300, 3000)
# Published within this many days before now, the reply 1 to 10 days
# after the review, the author's update 10 to 90 days after.
PUBLISHED_DAYS = 540
REPLIED = 1 / 3
UPDATED = 1 / 50
# Rows sent to COPY per transaction.
COPY_BATCH = 50_000
INVOICE_PREFIX = "BENCH-"
REPLY_TEXT = "Merci pour votre retour, c'était un plaisir de travailler avec vous."
UPDATE_TEXT = "Trois mois après : tout tient parfaitement, toujours aussi satisfait."

INVOICE_COLUMNS = (
    "id",
    "company_id",
    "number",
    "issued_on",
    "amount",
    "client_name",
    "client_company",
    "client_email",
    "client_email_canonical",
    "client_phone",
    "scan",
    "source",
    "created_at",
)
# What the fraud signals (``reviews.services.audits.fraud_signals``) read,
# as the review form records it: every review has the hashes of its
# author's address and browser. Addresses are the author's own but for
# one review in 200, sent from one of a few hundred shared ones (an office,
# a shop's tablet); browsers are a few hundred common ones. Texts are the
# author's own words (the demo's sentence and a detail of the job), but
# one in 1,000 copies another's word for word.
SHARED_IP_SHARE = 1 / 200
SHARED_IPS = 300
USER_AGENTS = 400
COPIED_TEXT_SHARE = 1 / 1000
DETAILS = (
    "la salle de bains",
    "la cuisine",
    "le tableau électrique",
    "la toiture",
    "le jardin",
    "les volets",
    "la chaudière",
    "le parquet",
    "la façade",
    "les fenêtres",
)

REVIEW_COLUMNS = (
    "id",
    "company_id",
    "invoice_id",
    "rating",
    "rating_reliability",
    "rating_quality",
    "rating_value",
    "rating_communication",
    "title",
    "text",
    "experience_date",
    "author_name",
    "author_email",
    "author_domain",
    "declared_at",
    "name_match",
    "name_score",
    "status",
    "moderation_reasons",
    "ip_hash",
    "user_agent_hash",
    "fraud_score",
    "manage_nonce",
    "created_at",
    "published_at",
    "status_changed_at",
    "status_note",
    "updated_at",
)
REPLY_COLUMNS = ("review_id", "text", "created_at", "moderation_reasons", "status")
UPDATE_COLUMNS = ("review_id", "text", "created_at", "moderation_reasons", "status")


def review_volumes(company_ids: list[int], target: int, rng: random.Random) -> Iterator[int]:
    """Reviews per company of ``company_ids`` (in order), adding up to
    exactly ``target``: the demo's long tail, a few much-reviewed
    companies; a second pass over the companies if the first falls short."""
    sizes = [size for size, _weight in REVIEWS_PER_COMPANY]
    weights = [weight for _size, weight in REVIEWS_PER_COMPANY]
    left = target
    counts = [0] * len(company_ids)
    while left:
        for index in range(len(company_ids)):
            if not left:
                break
            if rng.random() < BIG_SHARE:
                n = rng.randint(*BIG_REVIEWS)
            elif rng.random() < SHARE_REVIEWED:
                n = rng.choices(sizes, weights)[0]
            else:
                continue
            n = min(n, left)
            counts[index] += n
            left -= n
    yield from counts


def _stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


@dataclass
class _Buffers:
    invoices: io.StringIO = field(default_factory=io.StringIO)
    reviews: io.StringIO = field(default_factory=io.StringIO)
    replies: io.StringIO = field(default_factory=io.StringIO)
    updates: io.StringIO = field(default_factory=io.StringIO)
    rows: int = 0


def _review_rows(
    buffers: _Buffers,
    *,
    review_id: int,
    invoice_id: int,
    company_id: int,
    now: datetime,
    rng: random.Random,
) -> None:
    """Write one review, its invoice and perhaps its reply and update as
    COPY text lines. Timestamps carry microseconds: the feed's order has
    (almost) no ties, as in real life."""
    rating = rng.choice(RATINGS)
    criteria = [max(1, min(5, rating + rng.choice((-1, 0, 0, 0, 1)))) for _ in range(4)]
    text = rng.choice(TEXTS[rating])
    if rng.random() >= COPIED_TEXT_SHARE:
        text += f" Pour {rng.choice(DETAILS)}, chantier n° {review_id}."
    shared = rng.random() < SHARED_IP_SHARE
    ip_hash = f"{rng.randrange(SHARED_IPS) if shared else rng.getrandbits(255) + 2**255:064x}"
    user_agent_hash = f"{rng.randrange(USER_AGENTS):064x}"
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    email = f"client{review_id}@example.org"
    published = now - timedelta(seconds=rng.uniform(3600, PUBLISHED_DAYS * 86400))
    submitted = published - timedelta(seconds=rng.uniform(60, 3600))
    experienced = (submitted - timedelta(days=rng.randint(3, 60))).date()
    updated = published
    if rng.random() < REPLIED:
        replied = min(published + timedelta(seconds=rng.uniform(86400, 10 * 86400)), now)
        buffers.replies.write(f"{review_id}\t{REPLY_TEXT}\t{_stamp(replied)}\t[]\tpublished\n")
        updated = replied
    if rng.random() < UPDATED:
        added = min(published + timedelta(seconds=rng.uniform(10 * 86400, 90 * 86400)), now)
        buffers.updates.write(f"{review_id}\t{UPDATE_TEXT}\t{_stamp(added)}\t[]\tpublished\n")
        updated = max(updated, added)
    buffers.invoices.write(
        f"{invoice_id}\t{company_id}\t{INVOICE_PREFIX}{invoice_id}\t{experienced.isoformat()}\t"
        f"{rng.randint(80, 3000)}.00\t{first} {surname}\t\t{email}\t{email}\t\t\tform\t"
        f"{_stamp(submitted - timedelta(days=2))}\n"
    )
    buffers.reviews.write(
        f"{review_id}\t{company_id}\t{invoice_id}\t{rating}\t"
        + "\t".join(map(str, criteria))
        + f"\t{TITLES[rating]}\t{text}\t{experienced.isoformat()}\t"
        f"{first} {surname}\t{email}\t\t{_stamp(submitted)}\tmatch\t1.0\tpublished\t[]\t"
        f"{ip_hash}\t{user_agent_hash}\t0\t"
        f"{rng.getrandbits(128):032x}\t{_stamp(submitted)}\t{_stamp(published)}\t"
        f"{_stamp(published)}\t\t{_stamp(updated)}\n"
    )
    buffers.rows += 1


def fill_reviews(target: int, *, seed: int = DEFAULT_SEED, show_progress: bool = True) -> int:
    """COPY ``target`` published reviews (with their invoices, replies and
    updates) spread over every company, unless the database already holds
    exactly ``target`` published reviews; other reviews and invoices are
    removed first (TRUNCATE … CASCADE: a benchmark database only). Then
    recount the companies' figures (``company_review_stats_refresh``).
    Returns the reviews written (0 when kept)."""
    if Review.objects.published().count() == target:
        return 0
    rng = random.Random(f"{seed}:bench-api")
    company_ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    connection.ensure_connection()
    raw = connection.connection
    tables = [model._meta.db_table for model in (Invoice, Review, Reply, ReviewUpdate)]
    with raw.transaction(), raw.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    now = timezone.now()
    progress = tqdm(
        total=target,
        desc="Reviews (COPY)",
        unit="row",
        unit_scale=True,
        disable=not show_progress,
        file=sys.stderr,
    )
    buffers = _Buffers()

    def flush() -> None:
        nonlocal buffers
        with raw.transaction(), raw.cursor() as cursor:
            for table, columns, buffer in (
                (tables[0], INVOICE_COLUMNS, buffers.invoices),
                (tables[1], REVIEW_COLUMNS, buffers.reviews),
                (tables[2], REPLY_COLUMNS, buffers.replies),
                (tables[3], UPDATE_COLUMNS, buffers.updates),
            ):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
        progress.update(buffers.rows)
        buffers = _Buffers()

    next_id = 1
    for company_id, count in zip(
        company_ids, review_volumes(company_ids, target, rng), strict=True
    ):
        for _ in range(count):
            _review_rows(
                buffers,
                review_id=next_id,
                invoice_id=next_id,
                company_id=company_id,
                now=now,
                rng=rng,
            )
            next_id += 1
        if buffers.rows >= COPY_BATCH:
            flush()
    if buffers.rows:
        flush()
    progress.close()
    with raw.transaction(), raw.cursor() as cursor:
        for table in tables:
            cursor.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM {}))"
                ).format(sql.Identifier(table)),
                [table],
            )
    tables_vacuum()
    started = time.perf_counter()
    company_review_stats_refresh()
    print(f"Company figures recounted in {time.perf_counter() - started:.0f} s.", file=sys.stderr)
    tables_vacuum()
    return target


def tables_vacuum() -> None:
    """VACUUM ANALYZE what the API reads, as autovacuum keeps a database
    that has lived (statistics, visibility map)."""
    tables = [model._meta.db_table for model in (Invoice, Review, Reply, ReviewUpdate, Company)] + [
        "directory_companyprofession"
    ]
    with connection.cursor() as cursor:  # Django's connection is in autocommit
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- Timing ----------------------------------------------------------------

BENCH_PARTNER = "Bench partner (bench_api)"
# Far above what the bench sends: the limit is still counted (one INCR in
# the cache per request, as in production), never reached.
LIFTED_RATE = "100000000/minute"


@contextmanager
def bench_key() -> Iterator[str]:
    """A key (``directory:read``, ``reviews:read``) of the bench's partner
    for the length of the block, deleted after it: its secret is shown
    once. Each run has its own, so that two runs never share one."""
    partner, _created = Partner.objects.get_or_create(
        name=BENCH_PARTNER,
        defaults={"kind": PartnerKind.OTHER, "contact_email": "bench@example.org"},
    )
    key, secret = partner_key_create(
        partner=partner, name="bench", scopes=[Scope.DIRECTORY_READ, Scope.REVIEWS_READ]
    )
    try:
        yield secret
    finally:
        PartnerKey.objects.filter(pk=key.pk).delete()


def lifted_rate_limits() -> dict[str, str]:
    return dict.fromkeys(settings.API_RATE_LIMITS, LIFTED_RATE)


@dataclass
class Timings:
    api: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    # CPU time of this process during each request: the Python side alone,
    # far less moved than wall times by the load of a shared machine.
    cpu: list[float] = field(default_factory=list)


def _ms(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def _ms_cpu(function: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU (this process) milliseconds of ``function()``."""
    started, cpu = time.perf_counter(), time.process_time()
    function()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def _replay(statements: list[str]) -> None:
    """The floor: the statements a request issued, through psycopg bare
    (no Django cursor wrapper), rows fetched."""
    with connection.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)  # type: ignore[arg-type]  # literal, captured SQL
            if cursor.description:
                cursor.fetchall()


SKIPPED = ("SAVEPOINT", "RELEASE", "ROLLBACK")


class Bench:
    """Times API requests (``client.get``) and, beside each, a replay of
    the SQL the same request issued."""

    def __init__(self, secret: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
        self.rows: dict[str, Timings] = {}

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:300]!r}")
        return response

    def measure(self, row: str, url: str, repeat: int) -> Any:
        """Warm ``url`` up, capture its SQL, then ``repeat`` timed runs of
        the request and of its SQL, alternating. Returns the last response."""
        return self.measure_together({row: url}, repeat)[row]

    def measure_together(self, urls: dict[str, str], repeat: int) -> dict[str, Any]:
        """:meth:`measure` of several rows, their runs interleaved: rows
        compared with each other see the same load of a shared machine."""
        statements: dict[str, list[str]] = {}
        responses: dict[str, Any] = {}
        for row, url in urls.items():
            self.get(url)  # warm caches: trade terms, places, plans, last_used_at
            with CaptureQueriesContext(connection) as captured:
                responses[row] = self.get(url)
            statements[row] = [
                query["sql"]
                for query in captured.captured_queries
                if not query["sql"].upper().startswith(SKIPPED)
            ]
            self.rows.setdefault(row, Timings()).queries.append(len(statements[row]))
        for _ in range(repeat):
            for row, url in urls.items():
                timings = self.rows[row]
                wall, cpu = _ms_cpu(lambda: self.get(url))  # noqa: B023  # called at once
                timings.api.append(wall)
                timings.cpu.append(cpu)
                timings.sql.append(_ms(lambda: _replay(statements[row])))  # noqa: B023
        return responses


def search_url(query: BenchQuery) -> str:
    params = {"q": query.text}
    if query.place:
        params["place"] = query.place
    return "/api/v1/companies?" + urlencode(params)


def detail_slugs(count: int, *, seed: int = DEFAULT_SEED) -> list[str]:
    """``count`` listed companies: a third much reviewed (100 or more), a
    third with a few reviews, a third with none, drawn over the table."""
    third = max(count // 3, 1)
    listed = Company.objects.filter(status=CompanyStatus.LISTED)
    slugs = list(
        listed.filter(review_count__gte=100).order_by("pk").values_list("slug", flat=True)[:third]
    )
    top = listed.order_by("-pk").values_list("pk", flat=True).first() or 0
    drawn = random.Random(f"{seed}:bench-api:detail").sample(
        range(1, top + 1), min(top, 50 * count)
    )
    sample = listed.filter(pk__in=drawn).order_by("pk").values_list("slug", "review_count")
    slugs += [slug for slug, reviews in sample if 0 < reviews < 100][:third]
    slugs += [slug for slug, reviews in sample if reviews == 0][:third]
    return slugs


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@dataclass(frozen=True)
class Plan:
    search_repeat: int = 5
    detail_companies: int = 30
    detail_repeat: int = 10
    feed_repeat: int = 100
    feed_pages: int = 1000


def run(secret: str, plan: Plan, queries: list[BenchQuery] | None = None) -> dict[str, Timings]:
    """Every measurement, in the table's order: the searches of
    ``queries`` (default: bench-search's 50), the profiles and their
    reviews, the feed's first page and its page ``plan.feed_pages``."""
    bench = Bench(secret)
    if queries is None:
        queries = bench_queries(DemoGenerator())
    for query in tqdm(queries, desc="Searches", unit="q", file=sys.stderr):
        bench.measure(f"companies: {query.category}", search_url(query), plan.search_repeat)
    for slug in tqdm(detail_slugs(plan.detail_companies), desc="Profiles", file=sys.stderr):
        bench.measure("companies/{slug}", f"/api/v1/companies/{slug}", plan.detail_repeat)
        bench.measure("companies/{slug}/reviews", f"/api/v1/companies/{slug}/reviews", 2)
    since = (timezone.now() - timedelta(days=PUBLISHED_DAYS + 30)).isoformat()
    first = "/api/v1/reviews?" + urlencode({"updated_since": since})
    url = first
    for _ in tqdm(
        range(plan.feed_pages - 1), desc="Following the cursor", mininterval=5, file=sys.stderr
    ):
        url = _path(bench.get(url).json()["next"])
    # Timed in turns: page 1, page N, page 1…
    bench.measure_together(
        {"reviews feed: page 1": first, f"reviews feed: page {plan.feed_pages:,}": url},
        plan.feed_repeat,
    )
    return bench.rows


# (row prefix, p95 target in ms)
TARGETS = {"companies (all searches)": 30.0, "companies/{slug}": 15.0}
API_SQL_TARGET = 15.0
FEED_TOLERANCE = 0.10


def _pct(values: list[float], pct: int) -> float:
    return percentile(values, pct) if values else math.nan


def _merged(rows: dict[str, Timings], prefix: str) -> Timings:
    merged = Timings()
    for name, timings in rows.items():
        if name.startswith(prefix):
            merged.api += timings.api
            merged.sql += timings.sql
            merged.queries += timings.queries
            merged.cpu += timings.cpu
    return merged


def table(rows: dict[str, Timings]) -> str:
    """The printed table: p50/p95 of each endpoint through the API and of
    its bare SQL, their p95 difference, then each target met or missed."""
    everything = {**rows}
    searches = _merged(rows, "companies: ")
    ordered = [(name, t) for name, t in everything.items() if name.startswith("companies: ")]
    ordered.append(("companies (all searches)", searches))
    ordered += [(name, t) for name, t in everything.items() if not name.startswith("companies: ")]
    header = (
        f"{'endpoint':<30}{'runs':>6}{'queries':>8} | {'API p50':>8}{'p95':>7} | "
        f"{'SQL p50':>8}{'p95':>7} | {'API−SQL p95':>12} | {'CPU p50':>8}{'p95':>7} | target"
    )
    lines = [header, "-" * len(header)]
    verdicts = []
    for name, t in ordered:
        api95, sql95 = percentile(t.api, 95), percentile(t.sql, 95)
        target = TARGETS.get(name)
        mark = ""
        if target is not None:
            mark = f"p95 ≤ {target:.0f} ms: {'ok' if api95 <= target else 'MISSED'}"
            verdicts.append(api95 <= target)
        gap_ok = api95 - sql95 <= API_SQL_TARGET
        if not name.startswith("companies: "):
            verdicts.append(gap_ok)
        lines.append(
            f"{name:<30}{len(t.api):>6}{statistics.median(t.queries):>8.0f} | "
            f"{percentile(t.api, 50):>8.1f}{api95:>7.1f} | "
            f"{percentile(t.sql, 50):>8.1f}{sql95:>7.1f} | "
            f"{api95 - sql95:>10.1f}{'' if gap_ok else ' !':<2} | "
            f"{_pct(t.cpu, 50):>8.1f}{_pct(t.cpu, 95):>7.1f} | {mark}"
        )
    feed = [(name, t) for name, t in rows.items() if name.startswith("reviews feed")]
    if len(feed) == 2:
        (_name, first), (deep_name, deep) = feed
        ratio50 = percentile(deep.api, 50) / percentile(first.api, 50)
        ratio95 = percentile(deep.api, 95) / percentile(first.api, 95)
        ok = ratio50 <= 1 + FEED_TOLERANCE
        verdicts.append(ok)
        page = deep_name.removeprefix("reviews feed: ")
        lines.append(
            f"feed {page} / page 1: p50 × {ratio50:.2f}, p95 × {ratio95:.2f} "
            f"(target p50 within {FEED_TOLERANCE:.0%}: {'ok' if ok else 'MISSED'})"
        )
    lines.append(
        f"API − SQL p95 ≤ {API_SQL_TARGET:.0f} ms on every line ('!' where missed); "
        f"targets: {'all met' if all(verdicts) else 'SOME MISSED'}"
    )
    lines.append(
        "(milliseconds; queries = median statements per request, the key's look-up "
        "included; SQL = those statements replayed bare through psycopg; CPU = this "
        "process's CPU time per request, the Python side, far less moved by the load)"
    )
    return "\n".join(lines)
