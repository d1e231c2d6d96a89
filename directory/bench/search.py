"""Search benchmark: fill a PostgreSQL database fast, run a fixed set of
realistic queries, report percentiles. Used by ``manage.py bench_search``."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from tqdm import tqdm

from directory.companies.models import Company, CompanyStatus
from directory.demo.generator import DemoGenerator
from directory.search import ranking
from directory.search.query import SearchQuery
from directory.search.service import search_companies

# Rows generated then copied per round trip.
COPY_BATCH = 20_000
COMPANY_COLUMNS = [
    "id",
    "siren",
    "legal_name",
    "trade_name",
    "slug",
    "description",
    "primary_profession_id",
    "address",
    "postal_code",
    "city",
    "place_id",
    "latitude",
    "longitude",
    "intervention_radius_km",
    "serves_consumers",
    "serves_businesses",
    "phone",
    "email",
    "website",
    "year_founded",
    "status",
    "logo",
    "search_name",
    "review_count",
    "rating_average",
    "trust_score",
    "created_at",
    "updated_at",
]

LINK_COLUMNS = [
    "company_id",
    "profession_id",
    "is_primary",
    "is_listed",
    "latitude",
    "longitude",
    "intervention_radius_km",
    "serves_consumers",
    "serves_businesses",
    "trust_score",
]


def fill_companies(target: int, show_progress: bool = True) -> int:
    """COPY demo companies number ``existing … target−1`` in, all listed.
    Returns how many were added."""
    existing = Company.objects.count()
    if existing >= target:
        return 0
    generator = DemoGenerator()
    generator.company(0)  # fails early without professions and places
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM directory_company")
        next_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
    connection.ensure_connection()
    raw = connection.connection  # psycopg: a transaction per batch
    progress = tqdm(
        total=target - existing,
        desc="Companies (COPY)",
        unit="co",
        disable=not show_progress,
        file=sys.stderr,
    )
    company_id = next_id
    for start in range(existing, target, COPY_BATCH):
        stop = min(start + COPY_BATCH, target)
        companies, links = [], []
        for index in range(start, stop):
            demo = generator.company(index)
            row = asdict(demo)
            row.update(
                id=company_id,
                primary_profession_id=demo.profession_ids[0],
                status=CompanyStatus.LISTED,
                logo="",
                search_name=Company.compute_search_name(demo.trade_name, demo.legal_name),
                review_count=0,
                rating_average=None,
                trust_score=ranking.NEUTRAL,
                created_at=now,
                updated_at=now,
            )
            companies.append(tuple(row[column] for column in COMPANY_COLUMNS))
            links.extend(
                (
                    company_id,
                    profession_id,
                    profession_id == demo.profession_ids[0],  # is_primary
                    True,  # is_listed
                    demo.latitude,
                    demo.longitude,
                    demo.intervention_radius_km,
                    demo.serves_consumers,
                    demo.serves_businesses,
                    ranking.NEUTRAL,  # trust_score
                )
                for profession_id in demo.profession_ids
            )
            company_id += 1
        with raw.transaction(), raw.cursor() as cursor:
            with cursor.copy(
                f"COPY directory_company ({', '.join(COMPANY_COLUMNS)}) FROM STDIN"
            ) as copy:
                for company in companies:
                    copy.write_row(company)
            with cursor.copy(
                f"COPY directory_companyprofession ({', '.join(LINK_COLUMNS)}) FROM STDIN"
            ) as copy:
                for link in links:
                    copy.write_row(link)
        progress.update(stop - start)
    progress.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('directory_company', 'id'), "
            "(SELECT MAX(id) FROM directory_company))"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('directory_companyprofession', 'id'), "
            "(SELECT MAX(id) FROM directory_companyprofession))"
        )
        # VACUUM sets the visibility map that index-only scans need; it
        # cannot run inside a transaction (tests), where ANALYZE must do.
        maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        cursor.execute(f"{maintenance} directory_company")
        cursor.execute(f"{maintenance} directory_companyprofession")
    return target - existing


@dataclass(frozen=True)
class BenchQuery:
    category: str
    text: str
    place: str = ""

    def as_search(self) -> SearchQuery:
        return SearchQuery(text=self.text, place=self.place)

    def url(self) -> str:
        params = {"q": self.text}
        if self.place:
            params["ou"] = self.place
        return "/recherche/?" + urlencode(params)


def bench_queries(generator: DemoGenerator) -> list[BenchQuery]:
    """The fixed set of 50 queries: what people type, with their mistakes."""
    trade_and_city = [
        ("électricien", "Lyon"),
        ("plombier", "Paris"),
        ("couvreur", "Nantes"),
        ("cuisiniste", "Bordeaux"),
        ("maçon", "Toulouse"),
        ("paysagiste", "Rennes"),
        ("pisciniste", "Montpellier"),
        ("architecte", "Lille"),
        ("notaire", "Strasbourg"),
        ("avocat", "Marseille"),
        ("expert-comptable", "Grenoble"),
        ("déménageur", "Nice"),
        ("garde d'enfants", "Lyon"),
        ("ménage à domicile", "Paris"),
        ("implantologie dentaire", "Dijon"),
        ("traiteur", "Reims"),
        ("wedding planner", "Aix-en-Provence"),
        ("soutien scolaire", "Tours"),
        ("menuisier", "Saint-Étienne"),
        ("peintre", "Angers"),
    ]
    trade_alone = [
        "électricien",
        "plombier",
        "chirurgien esthétique",
        "institut minceur",
        "photographe de mariage",
        "aide à domicile",
        "organisateur d'événements",
        "installateur de chauffage",
    ]
    synonyms = [
        ("nounou", "Lyon"),
        ("chauffagiste", "Paris"),
        ("implant dentaire", "Marseille"),
        ("plomberie", "Bordeaux"),
        ("électricité", "Toulouse"),
        ("nounou", ""),
        ("chauffagiste", ""),
    ]
    typos = [
        ("electricein", "Lyon"),
        ("plombié", "Paris"),
        ("plombeir", "Nantes"),
        ("couvruer", "Lille"),
        ("paysagist", "Rennes"),
        ("electricien", "saint etienne"),
        ("cuisinistes", "Bordeaux"),
    ]
    # Names of companies that exist in any database filled by fill_companies.
    names = [generator.company(index).trade_name for index in (7, 1_234, 56_789, 424_242)]
    surnames = [generator.surnames[index] for index in (99, 1_337)]
    name_queries = [*names, *surnames, "Atelier Martin", "Dupont et Associés"]
    return [
        *(BenchQuery("trade + city", t, p) for t, p in trade_and_city),
        *(BenchQuery("trade alone", t) for t in trade_alone),
        *(BenchQuery("company name", n) for n in name_queries),
        *(BenchQuery("synonym", t, p) for t, p in synonyms),
        *(BenchQuery("typo", t, p) for t, p in typos),
    ]


@dataclass
class Timings:
    service: list[float] = field(default_factory=list)
    page: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    results: list[int] = field(default_factory=list)


def _ms(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = function()
    return (time.perf_counter() - started) * 1000, value


def run_queries(queries: list[BenchQuery], repeat: int) -> dict[str, Timings]:
    """Each query ``repeat`` times: the service, the results page and the
    service's SQL replayed bare, in milliseconds by category. The page is
    built every time (``PAGE_CACHE_SECONDS`` 0 here): a page served again
    to the next visitor (``common.page_cache``) costs no search at all, and
    ``make bench-http`` measures both."""
    with override_settings(PAGE_CACHE_SECONDS=0):
        return _run_queries(queries, repeat)


def _run_queries(queries: list[BenchQuery], repeat: int) -> dict[str, Timings]:
    client = Client()
    timings: dict[str, Timings] = {}
    for query in tqdm(queries, desc="Queries", unit="q", file=sys.stderr):
        search = query.as_search()
        search_companies(search)  # warm caches: trade terms, places, plans
        client.get(query.url())
        with CaptureQueriesContext(connection) as captured:
            result = search_companies(search)
        # The floor: the SQL the service issued, replayed bare.
        statements = [q["sql"] for q in captured.captured_queries]
        bucket = timings.setdefault(query.category, Timings())
        bucket.results.append(result.count)
        url = query.url()
        for _ in range(repeat):
            bucket.service.append(_ms(partial(search_companies, search))[0])
            bucket.page.append(_ms(partial(client.get, url))[0])
            bucket.sql.append(_ms(partial(_replay, statements))[0])
    return timings


def _replay(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            if sql.upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                continue
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()


def percentile(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def table(timings: dict[str, Timings]) -> str:
    everything = Timings()
    for bucket in timings.values():
        everything.service += bucket.service
        everything.page += bucket.page
        everything.sql += bucket.sql
        everything.results += bucket.results
    rows = [*timings.items(), ("ALL", everything)]
    header = (
        f"{'queries':<14}{'n':>4}{'results':>9} | {'service p50':>11}{'p95':>8} | "
        f"{'page p50':>9}{'p95':>8} | {'SQL p50':>8}{'p95':>8} | {'page−SQL p95':>13}"
    )
    lines = [header, "-" * len(header)]
    for name, bucket in rows:
        lines.append(
            f"{name:<14}{len(bucket.results):>4}{int(statistics.median(bucket.results)):>9} | "
            f"{percentile(bucket.service, 50):>11.1f}{percentile(bucket.service, 95):>8.1f} | "
            f"{percentile(bucket.page, 50):>9.1f}{percentile(bucket.page, 95):>8.1f} | "
            f"{percentile(bucket.sql, 50):>8.1f}{percentile(bucket.sql, 95):>8.1f} | "
            f"{percentile(bucket.page, 95) - percentile(bucket.sql, 95):>13.1f}"
        )
    lines.append("(milliseconds; results = median number of matching companies)")
    return "\n".join(lines)
