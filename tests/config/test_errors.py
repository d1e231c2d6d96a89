"""Database down, error pages, error reports and condensed logs (issue
10, §2)."""

from __future__ import annotations

import logging
import time

import pytest
import sentry_sdk
from django.db import InterfaceError, OperationalError, connections
from django.test import Client
from django.urls import reverse

from common.error_reporting import sentry_options
from common.log_condense import CondenseRepeats

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.fixture(params=[OperationalError, InterfaceError])
def database_down(request, monkeypatch):
    """Every query fails as it does when PostgreSQL is unreachable:
    Django's wrapper raises its OperationalError (or InterfaceError when
    the connection died under it)."""

    def refuse(self, *args, **kwargs):
        raise request.param("connection to server at 127.0.0.1, port 5432 failed")

    monkeypatch.setattr(type(connections["default"]), "_cursor", refuse)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/recherche/?q=plombier&ou=Lyon",
        "/entreprises/alpha-electricite/",
        "/entreprises/alpha-electricite/devis/",
        "/en/entreprises/alpha-electricite/",
        "/metiers/",
        "/comment-nous-verifions-les-avis/",
        "/sitemap.xml",
    ],
)
def test_every_page_that_reads_the_database_is_a_503_maintenance_page(
    anonymous, database_down, path
):
    response = anonymous.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Site en maintenance" in html
    assert "Down for maintenance" in html
    assert "prévenue" not in html


def test_a_logged_in_visitor_gets_the_maintenance_page_too(anonymous, cast, monkeypatch):
    anonymous.force_login(cast.consumer)

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(type(connections["default"]), "_cursor", refuse)
    for path in ("/mon-compte/", "/compte/login/", "/entreprises/alpha-electricite/devis/"):
        assert anonymous.get(path).status_code == 503


@pytest.mark.parametrize("path", ["/compte/login/", "/mon-compte/"])
def test_pages_that_need_no_database_still_answer(anonymous, database_down, path):
    assert anonymous.get(path).status_code in (200, 302)


def test_a_post_with_the_database_down_is_a_503(anonymous, database_down):
    response = anonymous.post(
        reverse("account_login"), {"login": "consumer@example.fr", "password": "x"}
    )
    assert response.status_code == 503


def test_healthz_names_the_database(anonymous, database_down):
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
    assert response.json()["checks"]["cache"]["ok"] is True


def test_the_500_page_promises_no_alert_when_nothing_reports(settings):
    from config.errors import server_error

    settings.ERROR_REPORTING = False
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        response = server_error(None)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Une erreur est survenue" in html
    assert "prévenue" not in html
    assert "signalée" not in html
    assert "reported" not in html


def test_the_500_page_says_reported_when_reporting_is_on(settings):
    from config.errors import server_error

    settings.ERROR_REPORTING = True
    try:
        raise ZeroDivisionError
    except ZeroDivisionError:
        response = server_error(None)
    assert response.status_code == 500
    assert "L'erreur nous a été signalée" in response.content.decode()


def test_an_uncaught_error_is_the_500_page(anonymous, monkeypatch):
    import directory.search.views as search_views

    def crash(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(search_views, "render", crash)
    response = anonymous.get("/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


# --- Sentry ------------------------------------------------------------------


class Captured(sentry_sdk.transport.Transport):
    events: list[dict] = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                Captured.events.append(item.payload.json)


@pytest.fixture
def sentry():
    Captured.events = []
    options = sentry_options(dsn="https://key@sentry.invalid/1", environment="test", release="")
    sentry_sdk.init(**options, transport=Captured)
    yield Captured.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # back to no reporting


# Built at run time: the events carry source lines, which must not match.
EMAIL = "claire.client" + "@example.fr"
IP = ".".join(["203", "0", "113", "7"])


def test_an_error_reaches_sentry_without_personal_data(sentry, anonymous, cast, monkeypatch):
    import directory.search.views as search_views

    def crash(request, *args, **kwargs):
        secret = EMAIL  # a local variable holding personal data
        raise ValueError(f"nothing for {secret} from {IP}")

    monkeypatch.setattr(search_views, "render", crash)
    anonymous.login(username=cast.consumer.username, password="correct horse battery staple")
    response = anonymous.get(
        f"/recherche/?q=plombier&email={EMAIL}",
        HTTP_X_FORWARDED_FOR=IP,
        HTTP_USER_AGENT="Claire's phone",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    assert len(sentry) == 1
    event = sentry[0]
    text = repr(event)
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    for personal in (
        EMAIL,
        IP,
        "consumer@example.fr",
        "Claire's phone",
        "sessionid",
        "127.0.0.1",
    ):
        assert personal not in text
    assert "user" not in event
    assert sentry_sdk.get_client().should_send_default_pii() is False
    assert set(event.get("request", {})) <= {"method"}
    assert all(
        "vars" not in f for v in event["exception"]["values"] for f in v["stacktrace"]["frames"]
    )


def test_a_database_outage_is_reported_too(sentry, anonymous, database_down):
    assert anonymous.get("/").status_code == 503
    sentry_sdk.flush()
    assert sentry, "the 503 hides the outage from visitors, not from the team"


def test_without_a_dsn_nothing_is_initialised():
    from common.error_reporting import init_error_reporting

    assert init_error_reporting(dsn="") is False


# --- Condensed logs --------------------------------------------------------------


def record(message="Internal Server Error: %s", args=("/",), level=logging.ERROR, exc=None):
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except Exception as error:
            exc_info = (type(error), error, error.__traceback__)
    return logging.LogRecord("django.request", level, __file__, 1, message, args, exc_info)


def fail_in_redis():
    from redis.exceptions import ConnectionError as RedisConnectionError

    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def redis_record():
    try:
        fail_in_redis()
    except Exception as error:
        exc_info = (type(error), error, error.__traceback__)
    return logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        ("/recherche/",),
        exc_info,
    )


def test_an_outage_writes_one_line_per_kind_per_minute(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    condense = CondenseRepeats(window=60)
    passed = []
    for _ in range(50):  # a 50 s outage, 380 failing requests a second
        for _ in range(380):
            rec = redis_record()
            if condense.filter(rec):
                passed.append(rec)
        clock[0] += 1
    assert len(passed) == 1
    assert passed[0].exc_info is not None  # the first, in full
    clock[0] += 20  # a minute after the first
    later = redis_record()
    assert condense.filter(later)
    assert later.exc_info is None  # one line
    message = later.getMessage()
    assert "ConnectionError" in message
    assert f"and {50 * 380 - 1} similar in the last 60 s" in message


def test_different_kinds_are_each_shown(monkeypatch):
    monkeypatch.setattr(time, "monotonic", lambda: 5.0)
    condense = CondenseRepeats(window=60)
    assert condense.filter(redis_record())
    assert condense.filter(record(exc=ZeroDivisionError("x")))
    assert condense.filter(record(message="Slow query: %s", args=("x",), level=logging.WARNING))
    assert not condense.filter(redis_record())
    assert not condense.filter(record(message="Slow query: %s", args=("y",), level=logging.WARNING))


def test_info_records_are_never_held_back():
    condense = CondenseRepeats(window=60)
    assert all(condense.filter(record(level=logging.INFO)) for _ in range(100))


def test_the_console_handler_condenses(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert "condense" in handler["filters"]
    assert settings.LOGGING["filters"]["condense"]["()"] == "common.log_condense.CondenseRepeats"
