"""Redis down is a degraded site, not a broken one (issue 10, §2).

The fault is real: the cache points at a Redis that refuses connections
(port 1) or at a socket that accepts and never answers, so redis-py's
own code raises ``ConnectionError`` / ``TimeoutError``; nothing is
mocked. The backend is the one ``REDIS_URL`` selects in production
(``tests/config/test_settings.py`` checks that choice).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from uuid import uuid4

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

import common.cache
from common.cache import CLEAR_BATCH
from directory.models import QuoteRequest
from reviews.models import ReviewRequest
from tests.conftest import PASSWORD
from tests.directory.test_quote_requests import form_data

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def failsafe_cache(location: str) -> dict:
    """The settings' caches with the default one on Redis at ``location``;
    the process's own memory (``CACHES["process"]``, ``CACHES["pages"]``)
    as deployed."""
    return {
        "default": {
            "BACKEND": "common.cache.FailSafeRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "pqp",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
        "process": settings.CACHES["process"],
        "pages": settings.CACHES["pages"],
    }


@pytest.fixture
def redis_down():
    """Every cache call of the test meets a Redis that refuses connections."""
    common.cache._skip_until.clear()
    with override_settings(CACHES=failsafe_cache(UNREACHABLE_REDIS)):
        yield
    common.cache._skip_until.clear()


@pytest.fixture
def silent_redis():
    """A TCP server that accepts connections and never answers: the
    outage where the client waits for its timeouts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@pytest.fixture
def anonymous():
    # A 500 is an answer here, not an exception raised into the test.
    return Client(raise_request_exception=False)


def test_the_fault_is_real_django_s_own_backend_raises(redis_down):
    plain = failsafe_cache(UNREACHABLE_REDIS)
    plain["default"]["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
    with override_settings(CACHES=plain), pytest.raises(RedisConnectionError):
        cache.get("anything")


def test_cache_reads_fail_open_and_writes_land_in_the_process(redis_down):
    assert cache.get("missing", "default") == "default"
    cache.set("key", "value", timeout=60)
    assert cache.get("key") == "value"  # this process's fallback
    assert cache.add("key", "other") is False
    assert cache.get_many(["key", "missing"]) == {"key": "value"}
    cache.set("n", 1)
    assert cache.incr("n", 2) == 3
    with pytest.raises(ValueError, match="not found"):
        cache.incr("never-set")  # the same contract as every Django cache
    cache.delete("key")
    assert cache.has_key("key") is False


def test_a_dead_server_is_not_asked_again_for_a_few_seconds(silent_redis):
    common.cache._skip_until.clear()
    with override_settings(CACHES=failsafe_cache(silent_redis)):
        started = time.perf_counter()
        assert cache.get("a") is None  # waits for the socket timeout once
        first = time.perf_counter() - started
        started = time.perf_counter()
        for n in range(50):
            cache.get(f"key-{n}")
        then = time.perf_counter() - started
    common.cache._skip_until.clear()
    assert 0.4 < first < 1.5
    assert then < 0.1  # 50 calls, none of them waited for Redis


def test_the_outage_is_logged_once_not_per_call(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        for n in range(20):
            cache.get(f"key-{n}")
    assert len([r for r in caplog.records if r.name == "common.cache"]) == 1


PUBLIC_PAGES = [
    ("directory:home", []),
    ("directory:search", []),
    ("directory:professions", []),
    ("directory:trust", []),
    ("reviews:how", []),
    ("account_login", []),
    ("account_signup", []),
    ("account_reset_password", []),
]


@pytest.mark.parametrize(("name", "args"), PUBLIC_PAGES)
def test_public_pages_answer(redis_down, anonymous, cast, name, args):
    assert anonymous.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"q": "électricien", "ou": "Lyon"},
        {"q": "plombier"},
        {"q": "electricein lyon"},
        {"q": "Alpha"},
    ],
)
def test_search_with_a_term_works_uncached(redis_down, anonymous, cast, query):
    response = anonymous.get(reverse("directory:search"), query)
    assert response.status_code == 200
    if query["q"] in ("électricien", "Alpha"):
        assert "Alpha Électricité" in response.content.decode()


def test_company_pages_and_sitemaps_answer(redis_down, anonymous, cast):
    assert anonymous.get(cast.company_a.get_absolute_url()).status_code == 200
    assert (
        anonymous.get(reverse("directory:quote-request", args=["alpha-electricite"])).status_code
        == 200
    )
    assert anonymous.get(reverse("reviews:request", args=["alpha-electricite"])).status_code == 200
    assert anonymous.get("/sitemap.xml").status_code == 200


def test_log_in_works_and_its_limit_counts_locally(redis_down, anonymous, cast):
    url = reverse("account_login")
    response = anonymous.post(url, {"login": "consumer@example.fr", "password": PASSWORD})
    assert response.status_code == 302
    assert anonymous.get(reverse("directory:account")).status_code == 200
    # The lock-out still holds, counted by this process.
    other = Client(raise_request_exception=False)
    for _ in range(5):
        assert other.post(url, {"login": "owner-a@example.fr", "password": "x"}).status_code in (
            200,
            429,
        )
    response = other.post(url, {"login": "owner-a@example.fr", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert other.get(reverse("directory:account")).status_code == 302


def test_sign_up_and_password_reset_work(redis_down, anonymous, db):
    response = anonymous.post(
        reverse("account_signup"),
        {"email": "nouveau@example.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    response = anonymous.post(reverse("account_reset_password"), {"email": "nouveau@example.fr"})
    assert response.status_code == 302


def test_quote_form_posts_and_its_limit_counts_locally(redis_down, anonymous, cast, settings):
    settings.QUOTE_RATE_PER_IP = "2/h"
    url = reverse("directory:quote-request", args=[cast.company_a.slug])
    for n in range(2):
        response = anonymous.post(
            url, form_data(need=f"Tableau électrique à refaire n°{n} à Lyon.")
        )
        assert response.status_code == 302
    response = anonymous.post(url, form_data(need="Tableau électrique à refaire n°3 à Lyon."))
    assert response.status_code == 200
    assert "Trop de demandes" in response.content.decode()
    assert QuoteRequest.objects.count() == 2


def test_review_request_and_flag_post(redis_down, anonymous, cast):
    url = reverse("reviews:request", args=[cast.company_a.slug])
    data = {"invoice_number": "F-77", "name": "Sophie Martin", "email": "sophie@example.org"}
    assert anonymous.post(url, data).status_code == 200
    assert ReviewRequest.objects.count() == 1


def test_healthz_names_the_cache_while_the_site_runs(redis_down, anonymous, cast):
    response = anonymous.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["cache"]["ms"],
    }
    assert anonymous.get(reverse("directory:home")).status_code == 200


def test_healthz_answers_within_its_bound_when_redis_hangs(anonymous, silent_redis, settings, db):
    """A server that accepts and never answers, as cache and as broker:
    the probe still answers 503 within HEALTHZ_TIMEOUT_SECONDS."""
    settings.HEALTHZ_TIMEOUT_SECONDS = 0.5
    settings.CELERY_BROKER_URL = silent_redis
    common.cache._skip_until.clear()
    answers = []
    with override_settings(CACHES=failsafe_cache(silent_redis)):
        started = time.perf_counter()
        # In a thread, so that a probe that hangs fails the test instead.
        probe = threading.Thread(target=lambda: answers.append(anonymous.get("/healthz")))
        probe.daemon = True
        probe.start()
        probe.join(timeout=5)
        elapsed = time.perf_counter() - started
    assert answers, "/healthz did not answer within 5 s"
    response = answers[0]
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["cache"]["ok"] is False
    assert checks["broker"]["ok"] is False
    assert elapsed < 1.0


def test_healthz_names_a_refusing_broker_quickly(anonymous, settings, db):
    """Connection refused: no retry back-off (it used to take 2 s)."""
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS
    started = time.perf_counter()
    response = anonymous.get("/healthz")
    elapsed = time.perf_counter() - started
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    assert elapsed < 1.0


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")
def test_clearing_the_cache_leaves_the_broker_and_other_prefixes_alone():
    """The cache shares its Redis database with the Celery broker: clear()
    deletes the cache's own keys (its KEY_PREFIX), never a queued task nor
    another cache's keys (FLUSHDB would)."""
    from django.core.cache import caches

    from common.cache import FailSafeRedisCache

    ours = caches.create_connection("default")
    assert isinstance(ours, FailSafeRedisCache)
    client = ours._cache.get_client(write=True)
    queue, foreign = f"celery-queue-{uuid4()}", f"other-app:{uuid4()}"
    client.rpush(queue, "a queued task")
    client.set(foreign, "kept")
    try:
        for n in range(CLEAR_BATCH + 5):  # more than one round trip
            ours.set(f"key-{n}", n)
        ours.clear()
        assert ours.get("key-0") is None
        assert ours.get(f"key-{CLEAR_BATCH + 4}") is None
        assert client.lrange(queue, 0, -1) == [b"a queued task"]
        assert client.get(foreign) == b"kept"
    finally:
        client.delete(queue, foreign)


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")
def test_a_window_counter_counts_in_redis_with_its_lifetime():
    """``count`` (the API's rate limits): created at 0 with its time to
    live, one more per call, readable as any cached integer, in one
    round trip; a counter that expired starts again at 1."""
    from django.core.cache import caches

    from common.cache import FailSafeRedisCache, window_count

    ours = caches.create_connection("default")
    assert isinstance(ours, FailSafeRedisCache)
    key = f"window-{uuid4()}"
    client = ours._cache.get_client(write=True)
    redis_key = ours.make_and_validate_key(key)
    try:
        assert [window_count(ours, key, timeout=30) for _ in range(3)] == [1, 2, 3]
        assert ours.get(key) == 3
        assert 0 < client.ttl(redis_key) <= 30
        # The lifetime is set once, by the call that created the counter.
        client.expire(redis_key, 5)
        window_count(ours, key, timeout=30)
        assert client.ttl(redis_key) <= 5
        client.delete(redis_key)
        assert window_count(ours, key, timeout=30) == 1
    finally:
        client.delete(redis_key)


def test_a_window_counter_counts_in_the_process_while_redis_is_down(redis_down):
    from django.core.cache import caches

    from common.cache import window_count

    counts = [window_count(caches["default"], "window", timeout=30) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert cache.get("window") == 3  # this process's fallback


def test_a_window_counter_counts_in_local_memory():
    from django.core.cache.backends.locmem import LocMemCache

    from common.cache import window_count

    memory = LocMemCache(f"window-{uuid4()}", {})
    assert [window_count(memory, "n", timeout=30) for _ in range(2)] == [1, 2]
