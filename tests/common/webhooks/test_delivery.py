"""Deliveries to a real HTTP server on 127.0.0.1 (the SSRF guard turned
off for it, as in development), and the retry schedule."""

from __future__ import annotations

import contextlib
import email.utils
import random
import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from common.webhooks import delivery, signing
from common.webhooks.delivery import DeliveryResult, classify, deliver, next_attempt_delay

BODY = b'{"type":"review.published","data":{"id":42}}'


class Handler(socketserver.BaseRequestHandler):
    """Reads one request, records it, answers as its path says."""

    def handle(self):
        sock = self.request
        sock.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            body += sock.recv(65536)
        path = lines[0].split(" ")[1]
        self.server.received.append({"request_line": lines[0], "headers": headers, "body": body})
        # The client stops reading huge answers, as it should.
        with contextlib.suppress(OSError):
            self.answer(sock, path)

    def answer(self, sock, path):
        if path == "/ok":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nthanks")
        elif path == "/accepted":
            sock.sendall(b"HTTP/1.0 204 No Content\r\n\r\n")
        elif path == "/gone":
            sock.sendall(b"HTTP/1.1 410 Gone\r\nContent-Length: 4\r\n\r\ngone")
        elif path == "/error":
            sock.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\n"
                b"Set-Cookie: secret=1\r\nContent-Length: 14\r\n\r\nbusy\x00\x1b[31m now"
            )
        elif path == "/redirect":
            sock.sendall(b"HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n")
        elif path == "/slow":
            time.sleep(2)
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        elif path == "/drip":
            sock.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(50):  # a header byte every 0.1 s, for 5 s
                sock.sendall(b"X")
                time.sleep(0.1)
        elif path == "/huge":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n")
            block = ("é" * 512).encode()  # two bytes a character
            for _ in range(10485760 // len(block)):
                sock.sendall(block)
        elif path == "/kept-open":
            sock.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
            time.sleep(3)
        elif path == "/chunked":
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            )
            time.sleep(3)
        elif path == "/garbage":
            sock.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        elif path == "/silent":
            time.sleep(3)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler=Handler, tls_context=None, host="127.0.0.1"):
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, 0), handler)
        self.received = []
        self.tls_context = tls_context

    def get_request(self):
        sock, address = super().get_request()
        if self.tls_context is not None:
            sock = self.tls_context.wrap_socket(sock, server_side=True)
        return sock, address


@pytest.fixture
def server():
    instance = Server()
    thread = threading.Thread(target=instance.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield instance
    instance.shutdown()
    instance.server_close()


def url(server, path, host="127.0.0.1", scheme="http"):
    return f"{scheme}://{host}:{server.server_address[1]}{path}"


def local(target_url, headers=None, **options):
    options = {"allow_http": True, "allow_private": True, **options}
    return deliver(target_url, BODY, headers or {}, **options)


def test_a_signed_delivery_arrives_and_verifies_with_the_reference_library(server):
    secret = signing.secret_generate()
    message_id = signing.message_id_generate()
    headers = signing.headers_for(message_id, int(time.time()), BODY, [secret])
    result = local(url(server, "/ok"), headers)
    assert result == DeliveryResult(200, result.latency_ms, None, "thanks", None)
    assert classify(result) == "delivered"
    assert 0 <= result.latency_ms < 2000
    [request] = server.received
    assert request["request_line"] == "POST /ok HTTP/1.1"
    assert request["body"] == BODY
    assert request["headers"]["webhook-id"] == message_id
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["user-agent"].startswith("PlusQuePro-Webhooks/")
    assert request["headers"]["host"] == f"127.0.0.1:{server.server_address[1]}"
    assert Webhook(secret).verify(request["body"], request["headers"])["data"] == {"id": 42}


def test_the_connection_goes_to_the_checked_address_and_the_name_is_looked_up_once(server):
    answers = iter([["127.0.0.1"], ["10.255.255.1"]])  # a DNS rebinding attempt
    calls = []

    def resolver(host, port):
        calls.append((host, port))
        return next(answers)

    result = local(url(server, "/ok", host="hooks.partner.fr"), resolver=resolver)
    assert classify(result) == "delivered"
    assert calls == [("hooks.partner.fr", server.server_address[1])]
    [request] = server.received
    assert request["headers"]["host"] == f"hooks.partner.fr:{server.server_address[1]}"


def test_an_ipv6_literal_is_reached_with_its_brackets_in_the_host_header():
    instance = Server(host="::1")
    threading.Thread(target=instance.serve_forever, args=(0.05,), daemon=True).start()
    try:
        port = instance.server_address[1]
        result = local(f"http://[::1]:{port}/ok")
        assert result.status_code == 200
        assert instance.received[0]["headers"]["host"] == f"[::1]:{port}"
    finally:
        instance.shutdown()
        instance.server_close()


def test_the_next_checked_address_is_tried_when_the_first_refuses(server):
    # The server listens on 127.0.0.1 only: 127.0.0.2 refuses the connection.
    result = local(
        url(server, "/ok", host="hooks.partner.fr"),
        resolver=lambda host, port: ["127.0.0.2", "127.0.0.1"],
    )
    assert result.status_code == 200
    assert len(server.received) == 1


def test_a_private_address_is_refused_before_any_connection(server):
    result = deliver(url(server, "/ok"), BODY, {}, allow_http=True, allow_private=False)
    assert result.status_code is None
    assert result.error_code == "webhook_url_private"
    assert classify(result) == "retry"
    assert server.received == []


def test_a_name_resolving_to_a_private_address_is_refused_at_delivery(server):
    result = deliver(
        url(server, "/ok", host="hooks.partner.fr"),
        BODY,
        {},
        allow_http=True,
        allow_private=False,
        resolver=lambda host, port: ["127.0.0.1"],
    )
    assert result.error_code == "webhook_url_private"
    assert server.received == []


def test_plain_http_is_refused_unless_allowed(server):
    result = deliver(url(server, "/ok"), BODY, {}, allow_http=False, allow_private=True)
    assert result.error_code == "webhook_url_scheme"
    assert server.received == []


def test_the_settings_decide_by_default(server, settings):
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    assert deliver(url(server, "/ok"), BODY, {}).error_code == "webhook_url_private"
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert deliver(url(server, "/ok"), BODY, {}).status_code == 200


def test_410_means_the_endpoint_is_gone(server):
    result = local(url(server, "/gone"))
    assert (result.status_code, result.response_excerpt) == (410, "gone")
    assert classify(result) == "gone"


def test_a_server_error_is_retried_after_its_retry_after(server):
    result = local(url(server, "/error"))
    assert result.status_code == 503
    assert result.retry_after_seconds == 120
    assert classify(result) == "retry"
    # The body's control characters are dropped; no header reaches the log.
    assert result.response_excerpt == "busy[31m now"


def test_a_redirect_is_a_failure_and_is_not_followed(server):
    result = local(url(server, "/redirect"))
    assert result.status_code == 302
    assert classify(result) == "retry"
    assert len(server.received) == 1


def test_204_without_a_body_is_delivered(server):
    result = local(url(server, "/accepted"))
    assert (result.status_code, result.response_excerpt) == (204, "")
    assert classify(result) == "delivered"


def test_a_slow_server_times_out(server):
    started = time.monotonic()
    result = local(url(server, "/slow"), timeout=(1, 0.5))
    assert time.monotonic() - started < 1.8  # the server answers after 2 s
    assert (result.status_code, result.error_code) == (None, "timeout")
    assert classify(result) == "retry"


def test_a_server_dripping_bytes_is_cut_at_the_total_timeout(server):
    started = time.monotonic()
    result = local(url(server, "/drip"), timeout=(1, 1), total_timeout=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 < elapsed < 2.5  # the server drips for 5 s
    assert (result.status_code, result.error_code) == (None, "timeout")


def test_a_huge_answer_is_read_only_up_to_the_limit(server):
    started = time.monotonic()
    result = local(url(server, "/huge"))
    assert time.monotonic() - started < 5
    assert result.status_code == 200
    assert result.response_excerpt == "é" * 200
    assert classify(result) == "delivered"


def test_the_answer_is_never_read_beyond_the_limit():
    ours, theirs = socket.socketpair()
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n" + b"x" * 4_000_000

    def send():
        with theirs, contextlib.suppress(OSError):
            theirs.sendall(answer)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    with ours:
        raw, timed_out = delivery._receive(ours, 5, time.monotonic() + 5)
    assert len(raw) == delivery.RESPONSE_READ_LIMIT
    assert not timed_out
    sender.join(5)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120),
        ("0", 0),
        ("9999999", 86400),
        ("soon", None),
        ("-5", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0),  # already past
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header, seconds):
    assert delivery._retry_after(header) == seconds


def test_retry_after_as_a_future_date():
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    assert 590 <= delivery._retry_after(when) <= 600


def test_a_complete_answer_costs_no_wait_when_the_server_keeps_the_connection(server):
    started = time.monotonic()
    kept = local(url(server, "/kept-open"))
    chunked = local(url(server, "/chunked"))
    assert time.monotonic() - started < 2.5  # each server keeps the connection 3 s
    assert (kept.status_code, kept.response_excerpt) == (201, "ok")
    assert (chunked.status_code, chunked.response_excerpt) == (200, "hello world")


def test_an_answer_that_is_not_http_is_a_bad_response(server):
    result = local(url(server, "/garbage"))
    assert (result.status_code, result.error_code) == (None, "bad_response")
    assert classify(result) == "retry"


def test_no_answer_at_all_is_a_timeout(server):
    result = local(url(server, "/silent"), timeout=(1, 0.5))
    assert (result.status_code, result.error_code) == (None, "timeout")


def test_a_closed_port_is_a_connection_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = local(f"http://127.0.0.1:{port}/")
    assert (result.status_code, result.error_code) == (None, "connect_failed")
    assert classify(result) == "retry"


def test_an_unknown_host_is_a_dns_failure():
    def resolver(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    result = local("https://nowhere.partner.fr/", resolver=resolver)
    assert (result.status_code, result.error_code) == (None, "webhook_url_dns")


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Evil": "a\r\nInjected: 1"},
        {"X-Evil": "a\nInjected: 1"},
        {"X-Price": "5 €"},
        {"Bad Name": "x"},
        {"Host": "other.fr"},
        {"content-length": "1"},
    ],
)
def test_headers_that_cannot_be_sent_are_our_bug_and_raise(server, headers):
    with pytest.raises(ValueError, match="header"):
        local(url(server, "/ok"), headers)
    assert server.received == []


# --- HTTPS: the pinned address, with the certificate checked on the name ----


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command makes the test certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.partner.fr",
            "-addext", "subjectAltName=DNS:hooks.partner.fr",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return key, cert


@pytest.fixture
def tls_server(certificate):
    key, cert = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    instance = Server(tls_context=context)
    thread = threading.Thread(target=instance.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield instance
    instance.shutdown()
    instance.server_close()


def trusting(certificate):
    context = ssl.create_default_context()
    context.load_verify_locations(certificate[1])
    return context


def test_https_to_the_pinned_address_checks_the_certificate_on_the_name(tls_server, certificate):
    result = local(
        url(tls_server, "/ok", host="hooks.partner.fr", scheme="https"),
        resolver=lambda host, port: ["127.0.0.1"],
        ssl_context=trusting(certificate),
    )
    assert (result.status_code, result.response_excerpt) == (200, "thanks")
    [request] = tls_server.received
    assert request["headers"]["host"] == f"hooks.partner.fr:{tls_server.server_address[1]}"


def test_https_refuses_a_certificate_for_another_name(tls_server, certificate):
    result = local(
        url(tls_server, "/ok", host="other.partner.fr", scheme="https"),
        resolver=lambda host, port: ["127.0.0.1"],
        ssl_context=trusting(certificate),
    )
    assert (result.status_code, result.error_code) == (None, "tls_failed")
    assert tls_server.received == []


def test_https_refuses_an_untrusted_certificate(tls_server):
    result = local(
        url(tls_server, "/ok", host="hooks.partner.fr", scheme="https"),
        resolver=lambda host, port: ["127.0.0.1"],
    )
    assert (result.status_code, result.error_code) == (None, "tls_failed")
    assert tls_server.received == []


# --- The retry schedule -----------------------------------------------------


def test_the_schedule_is_the_specifications_and_spans_about_three_days():
    schedule = delivery.retry_schedule()
    assert schedule[0] == timedelta(0)
    assert list(schedule) == sorted(schedule)
    total = sum(schedule, timedelta())
    assert total == timedelta(hours=75, minutes=35, seconds=5)
    assert timedelta(days=3) <= total <= timedelta(days=3.5)


def test_each_failed_attempt_waits_the_next_delay_with_jitter_then_the_schedule_ends():
    rng = random.Random(14)
    schedule = delivery.retry_schedule()
    delays = []
    for attempt in range(1, len(schedule)):
        delay = next_attempt_delay(attempt, rng=rng)
        assert schedule[attempt] * 0.9 <= delay <= schedule[attempt] * 1.1
        delays.append(delay)
    assert len(set(delays)) == len(delays)
    assert next_attempt_delay(len(schedule), rng=rng) is None
    assert next_attempt_delay(len(schedule) + 5, rng=rng) is None
    assert timedelta(days=2.8) < sum(delays, timedelta()) < timedelta(days=3.5)


def test_jitter_varies_the_delay():
    delays = {next_attempt_delay(3) for _ in range(20)}
    assert len(delays) > 1


def test_a_longer_retry_after_is_honoured_up_to_a_day():
    assert next_attempt_delay(1, retry_after=600) == timedelta(seconds=600)
    assert next_attempt_delay(1, retry_after=10 * 86400) == timedelta(hours=24)
    short = next_attempt_delay(5, retry_after=1, rng=random.Random(1))
    assert short > timedelta(hours=4)


def test_attempts_are_counted_from_one():
    with pytest.raises(ValueError, match="from 1"):
        next_attempt_delay(0)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (201, "delivered"),
        (299, "delivered"),
        (410, "gone"),
        (301, "retry"),
        (304, "retry"),
        (400, "retry"),
        (404, "retry"),
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (100, "retry"),
        (None, "retry"),
    ],
)
def test_classify(status, outcome):
    assert classify(DeliveryResult(status, 10, None if status else "timeout")) == outcome
