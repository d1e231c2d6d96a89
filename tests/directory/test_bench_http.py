"""The HTTP benchmark's pieces (``directory.bench.http``), without gunicorn
or wrk: reading wrk's report, the targets, the table, the queries picked
from the data, the server's command line and environment, and the
command's refusals. The figures themselves are printed by ``make
bench-http``, not asserted."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from gunicorn.app.wsgiapp import WSGIApplication

from directory.bench import http as bench
from directory.bench.http import (
    COMPANY_TARGET,
    LINE_NAMES,
    SEARCH_TARGET,
    BenchError,
    Line,
    Picked,
    Result,
    api_key,
    bench_lines,
    gunicorn_args,
    gunicorn_command,
    parse_report,
    pick_queries,
    rate_limit_variables,
    server_environment,
    slips,
    table,
    typo_of,
    wrk_command,
    wrk_environment,
)
from directory.management.commands.bench_http import connection_counts
from directory.taxonomy.services import profession_counts_refresh
from partners.models import Partner, PartnerKey, PartnerKind
from tests.factories import CompanyFactory

ROOT = Path(settings.BASE_DIR)

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:8123/recherche/?q=plombier
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    51.02ms   12.20ms 180.31ms   80.00%
    Req/Sec    98.10     20.31   140.00     70.00%
  588 requests in 3.01s, 12.20MB read
Requests/sec:    195.35
Transfer/sec:      4.05MB
BENCH_JSON {"requests": 588, "duration_s": 3.010, "rps": 195.35, "p50_ms": 48.125, \
"p95_ms": 75.500, "p99_ms": 120.250, "errors": {"connect": 0, "read": 1, "write": 0, \
"timeout": 2, "status": 3}}
"""

SEARCH_LINE = Line("search-city", "search: trade + city", "/recherche/?q=x", target=SEARCH_TARGET)


def result(
    line: str = "search: trade + city",
    connections: int = 50,
    rps: float = 350.0,
    p99_ms: float = 400.0,
    errors: dict[str, int] | None = None,
    target=SEARCH_TARGET,
) -> Result:
    return Result(
        line=line,
        connections=connections,
        requests=int(rps * 30),
        duration_s=30.0,
        rps=rps,
        p50_ms=20.0,
        p95_ms=p99_ms / 2,
        p99_ms=p99_ms,
        errors=errors or {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0},
        target=target,
    )


# --- wrk's report --------------------------------------------------------------


def test_the_json_line_becomes_a_row():
    row = parse_report(WRK_OUTPUT, SEARCH_LINE, 10)
    assert row.line == "search: trade + city"
    assert row.connections == 10
    assert row.requests == 588
    assert row.duration_s == pytest.approx(3.01)
    assert row.rps == pytest.approx(195.35)
    assert (row.p50_ms, row.p95_ms, row.p99_ms) == pytest.approx((48.125, 75.5, 120.25))
    assert row.errors == {"connect": 0, "read": 1, "write": 0, "timeout": 2, "status": 3}
    assert row.error_count == 6
    assert row.target is SEARCH_TARGET


def test_the_last_report_counts():
    later = WRK_OUTPUT + WRK_OUTPUT.splitlines()[-1].replace('"requests": 588', '"requests": 9')
    assert parse_report(later, SEARCH_LINE, 10).requests == 9


@pytest.mark.parametrize(
    "output",
    [
        "",
        "Running 3s test @ http://127.0.0.1:8123/\nunable to connect to 127.0.0.1:8123",
        "BENCH_JSON ",
        "BENCH_JSON {not json}",
        'BENCH_JSON {"requests": 1}',
        "BENCH_JSON []",
        'BENCH_JSON {"requests": 1, "duration_s": 1, "rps": "fast", "p50_ms": 1, '
        '"p95_ms": 1, "p99_ms": 1, "errors": {}}',
        'BENCH_JSON {"requests": 1, "duration_s": 1, "rps": 1, "p50_ms": 1, '
        '"p95_ms": 1, "p99_ms": 1, "errors": [1, 2]}',
        "bench_json " + WRK_OUTPUT.splitlines()[-1].removeprefix("BENCH_JSON "),
    ],
)
def test_no_readable_report_is_a_clear_error(output):
    with pytest.raises(BenchError, match=r"search: trade \+ city: .*(no report|unreadable)"):
        parse_report(output, SEARCH_LINE, 10)


def test_the_lua_script_prints_what_the_parser_reads():
    script = bench.WRK_SCRIPT.read_text()
    assert "done = function(summary, latency, requests)" in script
    assert bench.REPORT_PREFIX.strip() in script
    for key in ("requests", "duration_s", "rps", "p50_ms", "p95_ms", "p99_ms", "errors"):
        assert f'"{key}"' in script
    for kind in ("connect", "read", "write", "timeout", "status"):
        assert f'"{kind}": %d' in script
        assert f"errors.{kind}" in script
    # Filled in the way Lua's string.format would, it parses.
    template = re.search(r"'(BENCH_JSON .*?)',", script.replace("'\n      .. '", ""))
    assert template is not None
    filled = template.group(1).replace("%d", "1").replace("%.3f", "1.5").replace("%.2f", "2.5")
    json.loads(filled.removeprefix("BENCH_JSON ").removesuffix("\\n"))


def test_wrk_runs_the_script_with_the_proxy_header_and_the_lines_headers():
    line = Line("api-search", "API search", "/api/v1/companies?q=a", (("Authorization", "K"),))
    command = wrk_command(8123, line, connections=50, duration=30, threads=2)
    assert command[0] == "wrk"
    assert command[command.index("--connections") + 1] == "50"
    assert command[command.index("--duration") + 1] == "30s"
    assert command[command.index("--script") + 1] == str(bench.WRK_SCRIPT)
    headers = [command[i + 1] for i, arg in enumerate(command) if arg == "--header"]
    assert headers == ["X-Forwarded-Proto: https", "Authorization: K"]
    assert command[-1] == "http://127.0.0.1:8123/api/v1/companies?q=a"
    # No more threads than connections.
    few = wrk_command(8123, line, connections=1, duration=3, threads=2)
    assert few[few.index("--threads") + 1] == "1"


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
@pytest.mark.parametrize("path", ["/recherche/?q=plombier&ou=Lyon", "/entreprises/a/?"])
def test_a_distinct_line_sends_every_request_to_a_url_of_its_own(path):
    """wrk itself, with the script, against a server that records paths."""
    seen: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # http.server's name
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        line = Line("search-city-new", "search: each URL new", path, distinct=True)
        port = server.server_address[1]
        first = bench.run_wrk(port, line, connections=4, duration=1, threads=2)
        second = bench.run_wrk(port, line, connections=4, duration=1, threads=2)
    finally:
        server.shutdown()
    assert first.requests > 10
    assert second.requests > 10
    assert len(seen) == len(set(seen)) >= first.requests + second.requests
    assert all(seen_path.startswith(path + "&bench=") for seen_path in seen)
    # A line that is not distinct sends its one URL.
    assert wrk_environment(Line("company", "company page", path)).get("BENCH_DISTINCT_RUN") is None


# --- Targets and the table ------------------------------------------------------


def test_a_search_line_meets_its_target_at_50_connections():
    assert SEARCH_TARGET.missed(result()) == []


@pytest.mark.parametrize(
    ("row", "missed"),
    [
        (result(rps=299.9), ["req/s"]),
        (result(p99_ms=500.1), ["p99"]),
        (result(errors={"timeout": 1}), ["errors"]),
        (result(errors={"status": 2, "read": 1}), ["errors"]),
        (result(rps=54, p99_ms=2500, errors={"connect": 3}), ["req/s", "p99", "errors"]),
    ],
)
def test_a_search_line_misses_on_any_of_its_three_figures(row, missed):
    assert SEARCH_TARGET.missed(row) == missed


def test_the_bounds_themselves_are_met():
    assert SEARCH_TARGET.missed(result(rps=300, p99_ms=500)) == []
    assert COMPANY_TARGET.missed(result(rps=400, target=COMPANY_TARGET)) == []


def test_the_company_page_is_held_to_its_rate_alone():
    slow_tail = result(rps=450, p99_ms=3000, errors={"timeout": 5}, target=COMPANY_TARGET)
    assert COMPANY_TARGET.missed(slow_tail) == []
    assert COMPANY_TARGET.missed(result(rps=176, target=COMPANY_TARGET)) == ["req/s"]


def test_targets_do_not_apply_at_other_connection_counts():
    assert SEARCH_TARGET.missed(result(connections=10, rps=1)) is None


def test_the_table_has_a_row_per_run_the_ceiling_first_and_the_verdicts():
    rows = [
        result("robots.txt (ceiling)", 10, rps=3077, target=None),
        result("robots.txt (ceiling)", 50, rps=3100, target=None),
        result(connections=10, rps=39, p99_ms=900),
        result(connections=50, rps=54, p99_ms=2500, errors={"timeout": 3, "status": 1}),
        result("company page", 50, rps=420, target=COMPANY_TARGET),
    ]
    report = table(rows).splitlines()
    assert report[0].split()[:7] == ["line", "conn.", "req/s", "|", "p50", "p95", "p99"]
    body = report[2:7]
    assert body[0].startswith("robots.txt (ceiling)")
    assert "3077.0" in body[0]
    assert "(≥ 300 req/s, p99 ≤ 500 ms, 0 errors at 50)" in body[2]
    assert body[3].split("|")[2].strip() == "4"
    assert "errors of search: trade + city at 50: timeout 3, status 1" in report
    assert body[0].endswith("|")  # no target, no trailing blank
    assert body[3].endswith("≥ 300 req/s, p99 ≤ 500 ms, 0 errors: MISSED (req/s, p99, errors)")
    assert body[4].endswith("≥ 400 req/s: met")
    assert "targets: SOME MISSED" in report


def test_the_table_says_when_every_target_is_met():
    report = table([result(), result("company page", rps=401, target=COMPANY_TARGET)])
    assert "targets: all met" in report


def test_the_table_says_when_no_target_was_measured():
    report = table([result(connections=10)])
    assert "targets: none measured (they apply at 50 connections)" in report


# --- Queries from the data ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plombier", "plomiber"),
        ("maçon", "maoçn"),
        ("peintre en bâtiment", "peintre en bâtiemnt"),
        ("ab", None),
        ("aa", None),
        ("", None),
        ("aaaa", None),
    ],
)
def test_a_typo_swaps_two_letters_near_the_middle(text, expected):
    assert typo_of(text) == expected


def test_slips_keep_the_first_letter_and_differ_from_the_word():
    found = slips("électricien")
    assert found
    assert all(slip.startswith("é") and slip != "électricien" for slip in found)
    assert all(sorted(slip) == sorted("électricien") for slip in found)
    assert len(set(found)) == len(found)


@pytest.fixture
def market(taxonomy, places):
    """Plumbers in Lyon (most), one in Paris; an electrician; counted."""
    plumbers = [
        CompanyFactory(trade_name=f"Plomberie {n}", primary_profession=taxonomy["plombier"])
        for n in range(3)
    ]
    CompanyFactory(
        trade_name="Plomberie Parisienne",
        primary_profession=taxonomy["plombier"],
        city="Paris",
        postal_code="75011",
        latitude=48.8590,
        longitude=2.3800,
    )
    CompanyFactory(trade_name="Lumière Martin", primary_profession=taxonomy["electricien"])
    profession_counts_refresh()
    return plumbers


def test_the_queries_are_the_most_listed_trade_in_its_most_frequent_city(market):
    picked = pick_queries()
    assert picked.trade == "plombier"
    assert picked.city == "Lyon"
    assert picked.typo in slips("plombier")
    assert picked.company_slug in {company.slug for company in market}


def test_the_bench_lines_answer_200_through_django(market):
    picked = pick_queries()
    with api_key() as secret:
        lines = bench_lines(picked, secret)
        assert [line.name for line in lines] == list(LINE_NAMES)
        client = Client(headers={"x-forwarded-proto": "https"})
        for line in lines:
            response = client.get(line.path, headers=dict(line.headers))
            assert response.status_code == 200, line
    paths = {line.name: line.path for line in lines}
    assert paths["search-city"] == "/recherche/?q=plombier&ou=Lyon"
    assert paths["search-trade"] == "/recherche/?q=plombier"
    assert paths["search-typo"] == f"/recherche/?q={picked.typo}&ou=Lyon"
    assert paths["company"] == f"/entreprises/{picked.company_slug}/"
    assert paths["api-search"] == "/api/v1/companies?q=plombier&place=Lyon"
    targets = {line.name: line.target for line in lines}
    assert targets == {
        "robots": None,
        "home": None,
        "search-city": SEARCH_TARGET,
        "search-trade": SEARCH_TARGET,
        "search-typo": SEARCH_TARGET,
        "search-city-new": None,
        "company": COMPANY_TARGET,
        "company-new": None,
        "api-search": None,
    }
    assert paths["search-city-new"] == paths["search-city"]
    assert {line.name for line in lines if line.distinct} == {"search-city-new", "company-new"}


def test_the_api_key_and_its_partner_are_deleted_after_the_run(db):
    with api_key() as secret:
        assert PartnerKey.objects.count() == 1
        assert "." in secret
    assert not PartnerKey.objects.exists()
    assert not Partner.objects.exists()


def test_an_existing_bench_partner_is_kept(db):
    partner = Partner.objects.create(
        name=bench.BENCH_PARTNER, kind=PartnerKind.OTHER, contact_email="b@example.org"
    )
    with pytest.raises(RuntimeError), api_key():
        raise RuntimeError("interrupted")
    assert not PartnerKey.objects.exists()
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_an_empty_database_says_to_run_bench_search(taxonomy, places):
    with pytest.raises(BenchError, match="make bench-search"):
        pick_queries()


def test_stale_trade_counts_say_to_run_bench_search(taxonomy, places):
    CompanyFactory(primary_profession=taxonomy["plombier"])  # counts not refreshed
    with pytest.raises(BenchError, match="make bench-search"):
        pick_queries()


# --- The server ----------------------------------------------------------------


def compose_web_command() -> list[str]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return shlex.split(services["web"]["command"])


def test_the_bench_serves_as_docker_compose_does_but_on_loopback():
    compose = compose_web_command()
    assert compose == ["gunicorn", *gunicorn_args("0.0.0.0:8000")]
    command = gunicorn_command(8123)
    assert command[:3] == [sys.executable, "-m", "gunicorn"]
    assert command[3:] == gunicorn_args("127.0.0.1:8123")
    # Only the address differs.
    assert compose[1:-1] == command[3:-1]


def test_the_image_serves_the_same_way():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd is not None
    assert json.loads(cmd.group(1)) == ["gunicorn", *gunicorn_args("0.0.0.0:8000")]


def test_gunicorn_conf_holds_the_serving_settings(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "argv", compose_web_command())
    config = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
    assert config.worker_class_str == "sync"
    assert config.workers == 3
    assert config.threads == 1
    assert config.timeout == 30
    assert config.max_requests == 20000
    assert config.max_requests_jitter == 2000
    assert config.preload_app is True
    assert config.accesslog == "-"
    assert config.bind == ["0.0.0.0:8000"]


def test_the_server_runs_production_settings_with_lifted_api_limits():
    base = {"REDIS_URL": "redis://127.0.0.1:6379/3", "SENTRY_DSN": "https://x@sentry.example/1"}
    environment = server_environment(base, "postgres://postgres@127.0.0.1:5432/x_bench")
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert environment["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/x_bench"
    assert environment["ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert environment["SENTRY_DSN"] == ""
    assert len(environment["SECRET_KEY"]) >= 50
    assert environment["LOYALTY_CLIENT_KEY"] != environment["SECRET_KEY"]
    assert "REDIS_URL" not in server_environment({}, "postgres://h/x_bench")
    assert environment["API_RATE_DIRECTORY_READ"] == bench.LIFTED_RATE


def test_every_api_rate_limit_is_lifted_by_the_variable_settings_read():
    variables = rate_limit_variables()
    assert len(variables) == len(settings.API_RATE_LIMITS)
    base = (ROOT / "config" / "settings" / "base.py").read_text()
    for name in variables:
        assert f'env.str("{name}"' in base, name


# --- The command -----------------------------------------------------------------


def test_a_missing_wrk_is_a_clear_message(monkeypatch, db):
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    with pytest.raises(CommandError) as raised:
        call_command("bench_http", duration=1)
    message = str(raised.value)
    assert "wrk is not installed" in message
    assert "apt-get install -y wrk" in message
    assert "make bench-http" in message


def test_the_command_refuses_a_database_not_meant_for_benchmarks(monkeypatch, db):
    monkeypatch.setattr(bench.shutil, "which", lambda name: "/usr/bin/wrk")
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_http", duration=1)


@pytest.mark.postgres
def test_the_command_refuses_an_empty_bench_database(monkeypatch, db):
    monkeypatch.setattr(bench.shutil, "which", lambda name: "/usr/bin/wrk")
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "plusquepro_bench")
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plusquepro_bench")
    with pytest.raises(CommandError, match="run `make bench-search` first"):
        call_command("bench_http", duration=1)


@pytest.mark.parametrize("value", ["", ",", "0", "10,0", "-5", "ten", "10;50", "1.5"])
def test_connection_counts_must_be_positive_whole_numbers(value):
    with pytest.raises(CommandError, match="--connections"):
        connection_counts(value)


def test_connection_counts_are_read_in_order():
    assert connection_counts("10,50") == [10, 50]
    assert connection_counts(" 50 , 10 ") == [50, 10]


@pytest.mark.parametrize(
    "options",
    [{"duration": 0}, {"threads": 0}, {"port": -1}, {"port": 70000}, {"connections": "0"}],
)
def test_invalid_options_are_refused_before_anything_runs(options, monkeypatch):
    monkeypatch.setattr(bench.shutil, "which", lambda name: "/usr/bin/wrk")
    with pytest.raises(CommandError):
        call_command("bench_http", **options)


def test_only_names_a_line(monkeypatch):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("bench_http", "--only", "nope")


def test_picked_queries_are_frozen():
    picked = Picked(trade="plombier", city="Lyon", typo="plombeir", company_slug="x")
    with pytest.raises(AttributeError):
        picked.trade = "maçon"  # type: ignore[misc]
