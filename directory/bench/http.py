"""HTTP benchmark: the site served as it is deployed, under a bounded
load. Used by ``manage.py bench_http`` (``make bench-http``); never
imported by production code.

gunicorn runs with ``gunicorn.conf.py`` (the same ``-c`` as
docker-compose's ``web``: worker class and count, timeout, recycling)
and production settings (DEBUG off, persistent database connections,
``REDIS_URL`` passed through when set: the cache and the rate-limit
counters), on loopback, against the search benchmark's database (filled
by ``make bench-search``, never here). Requests carry
``X-Forwarded-Proto: https``, as from the TLS proxy in front of it (plain
HTTP is redirected in production). The partner API's rate limits are
lifted for the server (still counted, never reached) and a key is made
for the run, then deleted.

Lines: ``robots.txt`` first (no database, no template: the server's own
ceiling), the home page, the search page (a trade and a city that have
results, the trade alone, a typo of the trade with the city), a company
page (the search's first result) and the API's search. The search and
company lines load one URL, so after its first request each worker
serves the page it kept for visitors (``common.page_cache``), as it would
for a popular search; the "each URL new" lines load the trade + city
search and the company page with a parameter of their own on every
request, so that every page is built: what a long tail of searches costs. Each is loaded
by ``wrk`` (Debian's package) for ``duration`` seconds at each number of
connections, with ``wrk_report.lua``, whose ``done()`` prints one JSON
line: requests a second, latency p50/p95/p99 and errors.

Targets (issue 16, on a 2-core machine, 1,000,000 companies), at 50
connections: every search page ≥ 300 req/s with p99 ≤ 500 ms and no
error; the company page ≥ 400 req/s.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from directory.companies.models import Company
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from directory.taxonomy.models import Profession
from partners.models import Partner, PartnerKey, PartnerKind, Scope
from partners.services import partner_key_create

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
REPORT_PREFIX = "BENCH_JSON "
# A response slower than this is a timeout error (wrk's --timeout).
WRK_TIMEOUT_S = 2

LOOPBACK = "127.0.0.1"
WSGI_APP = "config.wsgi:application"
GUNICORN_CONF = "gunicorn.conf.py"
SERVER_SETTINGS = "config.settings.production"
# What the TLS proxy in front of gunicorn tells it (SECURE_PROXY_SSL_HEADER).
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
HEALTH_TIMEOUT_S = 60
STOP_TIMEOUT_S = 40
# GETs of each line before it is measured: every worker's caches warm.
WARM_REQUESTS = 12

BENCH_PARTNER = "Bench partner (bench_http)"
# Far above what the bench sends: the limit is still counted (one INCR in
# the cache per request, as in production), never reached.
LIFTED_RATE = "100000000/minute"

INSTALL_WRK = "apt-get install -y wrk"


class BenchError(Exception):
    """The benchmark cannot run or went wrong; the message says why."""


# --- Lines and targets ---------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a line must reach at ``connections`` connections."""

    min_rps: float
    max_p99_ms: float | None = None
    max_errors: int | None = None
    connections: int = 50

    def describe(self) -> str:
        parts = [f"≥ {self.min_rps:.0f} req/s"]
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:.0f} ms")
        if self.max_errors is not None:
            parts.append(f"{self.max_errors} errors")
        return ", ".join(parts)

    def missed(self, result: Result) -> list[str] | None:
        """What ``result`` misses (empty: met), or None when the target
        does not apply to it (another number of connections)."""
        if result.connections != self.connections:
            return None
        missed = []
        if result.rps < self.min_rps:
            missed.append("req/s")
        if self.max_p99_ms is not None and result.p99_ms > self.max_p99_ms:
            missed.append("p99")
        if self.max_errors is not None and result.error_count > self.max_errors:
            missed.append("errors")
        return missed


SEARCH_TARGET = Target(min_rps=300, max_p99_ms=500, max_errors=0)
COMPANY_TARGET = Target(min_rps=400)


@dataclass(frozen=True)
class Line:
    """One URL under load: ``name`` for ``--only``, ``label`` in the table."""

    name: str
    label: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    target: Target | None = None
    # Each request a URL of its own (``&bench=<run>-<thread>-<n>`` added by
    # wrk_report.lua): no page kept for visitors is ever served again
    # (common.page_cache), what a long tail of searches costs.
    distinct: bool = False


LINE_NAMES = (
    "robots",
    "home",
    "search-city",
    "search-trade",
    "search-typo",
    "search-city-new",
    "company",
    "company-new",
    "api-search",
)


@dataclass(frozen=True)
class Picked:
    """Real queries of the database: a trade and a city with results, a
    typo of the trade, and a company the search found."""

    trade: str
    city: str
    typo: str
    company_slug: str


def slips(text: str) -> list[str]:
    """Typing slips in ``text``: two different neighbouring letters of
    its longest word swapped, the first letter kept, nearest the middle
    first ("plombier" → "plomiber", "plobmier", "plombeir"…)."""
    words = text.split()
    if not words:
        return []
    word = max(words, key=len)
    middle = len(word) // 2
    found = []
    for index in sorted(range(1, len(word) - 1), key=lambda i: (abs(i - middle), i)):
        first, second = word[index], word[index + 1]
        if first.isalpha() and second.isalpha() and first != second:
            slip = word[:index] + second + first + word[index + 2 :]
            found.append(text.replace(word, slip, 1))
    return found


def typo_of(text: str) -> str | None:
    """The first of :func:`slips`, or None when ``text`` has none."""
    return next(iter(slips(text)), None)


def _search(text: str, place: str = "") -> list[Company]:
    """The first page of a search, or [] when it finds nothing."""
    result = search_companies(SearchQuery(text=text, place=place))
    return list(result.page.object_list) if result.page and result.count else []


def pick_queries(trades: int = 10, cities: int = 3) -> Picked:
    """Queries people make that find something in this database: among
    the ``trades`` trades with the most listed companies, the first with
    one of its ``cities`` most frequent cities that the search answers;
    a typo of it (one that still finds something if there is one) and
    the first company found. Raises ``BenchError`` when nothing fits."""
    popular = list(Profession.objects.popular()[:trades])
    listed = Company.objects.listed()
    for profession in popular:
        trade = profession.name_fr.lower()
        towns = (
            listed.filter(primary_profession=profession)
            .values("city")
            .annotate(n=Count("id"))
            .order_by("-n", "city")
            .values_list("city", flat=True)[:cities]
        )
        for city in towns:
            found = _search(trade, city)
            if not found:
                continue
            typo = _typo_with_results(trade, city, [p.name_fr.lower() for p in popular])
            return Picked(trade=trade, city=city, typo=typo, company_slug=found[0].slug)
    raise BenchError(
        "No trade and city of this database find anything: it is empty or its trade "
        "counts are stale. Run `make bench-search` first."
    )


def _typo_with_results(trade: str, city: str, others: list[str]) -> str:
    """The first slip of ``trade`` that is no other trade's name and still
    finds something with ``city``; failing that, its first slip (or the
    trade with its last letter doubled, for a name that has none)."""
    candidates = [slip for slip in slips(trade) if slip not in others]
    for slip in candidates:
        if _search(slip, city):
            return slip
    return next(iter(candidates), trade + trade[-1])


def bench_lines(picked: Picked, api_secret: str) -> list[Line]:
    """Every line, in the table's order: the ceiling first."""
    with translation.override(settings.LANGUAGE_CODE):
        search = reverse("directory:search")
        company = reverse("directory:company", args=[picked.company_slug])
        api = reverse("api:companies")

    def search_path(text: str, place: str = "") -> str:
        params = {"q": text, **({"ou": place} if place else {})}
        return f"{search}?{urlencode(params)}"

    api_query = urlencode({"q": picked.trade, "place": picked.city})
    return [
        Line("robots", "robots.txt (ceiling)", "/robots.txt"),
        Line("home", "home", "/"),
        Line(
            "search-city",
            "search: trade + city",
            search_path(picked.trade, picked.city),
            target=SEARCH_TARGET,
        ),
        Line(
            "search-trade", "search: trade alone", search_path(picked.trade), target=SEARCH_TARGET
        ),
        Line(
            "search-typo",
            "search: typo + city",
            search_path(picked.typo, picked.city),
            target=SEARCH_TARGET,
        ),
        Line(
            "search-city-new",
            "search: each URL new",
            search_path(picked.trade, picked.city),
            distinct=True,
        ),
        Line("company", "company page", company, target=COMPANY_TARGET),
        Line("company-new", "company: each URL new", f"{company}?", distinct=True),
        Line(
            "api-search",
            "API search",
            f"{api}?{api_query}",
            headers=(("Authorization", f"Api-Key {api_secret}"),),
        ),
    ]


@contextmanager
def api_key() -> Iterator[str]:
    """A ``directory:read`` key of the bench's partner for the length of
    the block, deleted after it (with the partner, if it was made here)."""
    partner, created = Partner.objects.get_or_create(
        name=BENCH_PARTNER,
        defaults={"kind": PartnerKind.OTHER, "contact_email": "bench@example.org"},
    )
    key, secret = partner_key_create(partner=partner, name="bench", scopes=[Scope.DIRECTORY_READ])
    try:
        yield secret
    finally:
        PartnerKey.objects.filter(pk=key.pk).delete()
        if created:
            Partner.objects.filter(pk=partner.pk).delete()


# --- The server ----------------------------------------------------------------


def gunicorn_args(bind: str) -> list[str]:
    """gunicorn's arguments, as docker-compose's ``web`` gives them: the
    settings are all in ``gunicorn.conf.py``, only the address differs."""
    return [WSGI_APP, "-c", GUNICORN_CONF, "--bind", bind]


def gunicorn_command(port: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", *gunicorn_args(f"{LOOPBACK}:{port}")]


def rate_limit_variables() -> dict[str, str]:
    """The environment variables of ``API_RATE_LIMITS`` (config/settings/
    base.py: ``API_RATE_DIRECTORY_READ`` for ``directory:read``…), lifted."""
    return {
        "API_RATE_" + re.sub(r"\W", "_", scope).upper(): LIFTED_RATE
        for scope in settings.API_RATE_LIMITS
    }


def server_environment(base: Mapping[str, str], database_url: str) -> dict[str, str]:
    """gunicorn's environment: ``base`` (``REDIS_URL`` and the rest pass
    through) with production settings, throw-away secrets, loopback
    hosts, the benchmark's database, no error reporting and the API's
    rate limits lifted."""
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": SERVER_SETTINGS,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOYALTY_CLIENT_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "DATABASE_URL": database_url,
        "SENTRY_DSN": "",
        **rate_limit_variables(),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def collect_static(environment: Mapping[str, str]) -> None:
    """Production settings serve hashed static files from STATIC_ROOT
    (its manifest): collect them as a deployment does."""
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=dict(environment),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BenchError(f"collectstatic failed:\n{done.stderr[-2000:]}")


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def get(port: int, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """One GET on loopback, redirects not followed: (status, body)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        connection.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Until ``/healthz`` answers 200; raises ``BenchError`` if gunicorn
    exits first or does not answer within ``HEALTH_TIMEOUT_S``."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with status {process.returncode}:\n{_log_tail(log)}")
        try:
            status, body = get(port, "/healthz")
        except OSError as error:
            last = str(error)
        else:
            if status == 200:
                return
            last = f"{status} {body[:300]!r}"
        time.sleep(0.25)
    raise BenchError(f"/healthz did not answer 200 in {HEALTH_TIMEOUT_S} s ({last}).")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to its whole
    process group (master and workers) if it lingers."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def served(port: int, environment: Mapping[str, str], log: Path) -> Iterator[None]:
    """gunicorn on ``LOOPBACK:port`` for the length of the block, healthy
    when it starts, stopped when it ends however it ends (Ctrl-C too: it
    runs in its own session, so the terminal's signal reaches only us)."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  # our argv: this Python, gunicorn
            gunicorn_command(port),
            cwd=settings.BASE_DIR,
            env=dict(environment),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_healthy(process, port, log)
            yield
        finally:
            stop(process)


def warm(port: int, line: Line, requests: int = WARM_REQUESTS) -> None:
    """GET the line's URL ``requests`` times; each must answer 200."""
    for _ in range(requests):
        status, body = get(port, line.path, dict(line.headers))
        if status != 200:
            raise BenchError(
                f"{line.label}: GET {line.path} answered {status}, not 200: {body[:300]!r}"
            )


# --- The load ------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    line: str
    connections: int
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)
    target: Target | None = None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def wrk_missing_message() -> str | None:
    """Why the load cannot be sent (wrk not on PATH), or None."""
    if shutil.which("wrk"):
        return None
    return (
        f"wrk is not installed: `{INSTALL_WRK}` (Debian's package; `make bench-http` "
        "installs it when missing)."
    )


def wrk_command(
    port: int, line: Line, *, connections: int, duration: int, threads: int
) -> list[str]:
    command = [
        "wrk",
        "--threads",
        str(min(threads, connections)),
        "--connections",
        str(connections),
        "--duration",
        f"{duration}s",
        "--timeout",
        f"{WRK_TIMEOUT_S}s",
        "--script",
        str(WRK_SCRIPT),
    ]
    for name, value in {**PROXY_HEADERS, **dict(line.headers)}.items():
        command += ["--header", f"{name}: {value}"]
    return [*command, f"http://{LOOPBACK}:{port}{line.path}"]


def parse_report(output: str, line: Line, connections: int) -> Result:
    """The result in wrk's output (the last ``BENCH_JSON`` line)."""
    reports = [row for row in output.splitlines() if row.startswith(REPORT_PREFIX)]
    if not reports:
        raise BenchError(f"{line.label}: wrk printed no report:\n{output[-1000:]}")
    try:
        data = json.loads(reports[-1].removeprefix(REPORT_PREFIX))
        return Result(
            line=line.label,
            connections=connections,
            requests=int(data["requests"]),
            duration_s=float(data["duration_s"]),
            rps=float(data["rps"]),
            p50_ms=float(data["p50_ms"]),
            p95_ms=float(data["p95_ms"]),
            p99_ms=float(data["p99_ms"]),
            errors={kind: int(count) for kind, count in data["errors"].items()},
            target=line.target,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BenchError(f"{line.label}: unreadable wrk report {reports[-1]!r}: {error}") from None


def wrk_environment(line: Line) -> dict[str, str]:
    """wrk's environment: a distinct line's script adds a parameter of its
    own to each request, with a token of the run so that no two runs (10
    then 50 connections) send the same URL."""
    if not line.distinct:
        return dict(os.environ)
    return {**os.environ, "BENCH_DISTINCT_RUN": secrets.token_hex(4)}


def run_wrk(port: int, line: Line, *, connections: int, duration: int, threads: int) -> Result:
    command = wrk_command(port, line, connections=connections, duration=duration, threads=threads)
    done = subprocess.run(  # noqa: S603  # our argv: wrk, our script, loopback
        command, capture_output=True, text=True, timeout=duration + 60, env=wrk_environment(line)
    )
    if done.returncode:
        raise BenchError(f"{line.label}: wrk exited with {done.returncode}: {done.stderr[-1000:]}")
    return parse_report(done.stdout, line, connections)


# --- The table -----------------------------------------------------------------


def _error_kinds(result: Result) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in result.errors.items() if n)


def table(results: list[Result]) -> str:
    """One row per line and number of connections, then the errors by
    kind where there were some and the targets met or missed."""
    header = (
        f"{'line':<22}{'conn.':>6}{'req/s':>9} | {'p50':>7}{'p95':>8}{'p99':>8} | "
        f"{'errors':>6} | target"
    )
    lines = [header, "-" * len(header)]
    verdicts: list[bool] = []
    for result in results:
        mark = ""
        if result.target is not None:
            missed = result.target.missed(result)
            if missed is None:
                mark = f"({result.target.describe()} at {result.target.connections})"
            else:
                verdicts.append(not missed)
                verdict = "met" if not missed else f"MISSED ({', '.join(missed)})"
                mark = f"{result.target.describe()}: {verdict}"
        lines.append(
            f"{result.line:<22}{result.connections:>6}{result.rps:>9.1f} | "
            f"{result.p50_ms:>7.1f}{result.p95_ms:>8.1f}{result.p99_ms:>8.1f} | "
            f"{result.error_count:>6} | {mark}".rstrip()
        )
    lines += [
        f"errors of {result.line} at {result.connections}: {_error_kinds(result)}"
        for result in results
        if result.error_count
    ]
    if not verdicts:
        summary = "targets: none measured (they apply at 50 connections)"
    else:
        summary = f"targets: {'all met' if all(verdicts) else 'SOME MISSED'}"
    lines.append(summary)
    lines.append(
        f"(milliseconds; errors = failed connects, reads, writes, responses slower than "
        f"{WRK_TIMEOUT_S} s and statuses ≥ 400)"
    )
    return "\n".join(lines)
