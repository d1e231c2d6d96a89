"""One webhook delivery attempt, its outcome, and when to try again.

:func:`deliver` POSTs a signed body to an endpoint and returns a
:class:`DeliveryResult` for the delivery log; it never raises for anything
the endpoint or the network does. Against SSRF and DNS rebinding it
resolves the host once, checks every address (:mod:`.targets`) and then
connects to those checked addresses only, while the ``Host`` header, TLS
SNI and certificate verification keep the endpoint's name. Redirects are
not followed (a ``3xx`` is a failure: the partner updates the URL), at
most :data:`RESPONSE_READ_LIMIT` bytes of the answer are read, and the
whole attempt ends after ``total_timeout`` seconds, however slowly the
server drips its bytes. (Name resolution is the system's, bounded by its
own timeouts — resolv.conf, 5 s × 2 tries by default — before that clock
starts mattering; the calling task's time limit is the last bound.)

:func:`classify` says what the attempt means (``delivered``, ``retry``
or ``gone``: 410 disables the endpoint) and :func:`next_attempt_delay`
when to retry, on the Standard Webhooks example schedule. The delivery
task of the partners app is then::

    headers = signing.headers_for(message_id, int(time.time()), body, secrets)
    result = deliver(endpoint.url, body, headers)
    outcome = classify(result)          # record result in the delivery log
    if outcome == "retry":
        delay = next_attempt_delay(attempts_made, retry_after=result.retry_after_seconds)
        # None: the schedule is over, the message has failed
"""

from __future__ import annotations

import email.utils
import http.client
import io
import random
import re
import socket
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError

from .targets import IPAddress, Resolver, Target, endpoint_url_validate, system_resolve

# (connect, read) in seconds. The specification recommends giving the
# receiver 15 to 30 s to answer ("Request timeouts").
DEFAULT_TIMEOUT = (3.0, 15.0)
# The whole attempt (resolution, connection, TLS, request, answer).
DEFAULT_TOTAL_TIMEOUT = 30.0
# How much of the answer is read: enough for the status, headers and the
# log's excerpt; the rest is never downloaded.
RESPONSE_READ_LIMIT = 64 * 1024
EXCERPT_CHARACTERS = 200
# At most this many of the checked addresses are tried, in the resolver's order.
MAX_ADDRESSES_TRIED = 3
USER_AGENT = "PlusQuePro-Webhooks/1.0"

# The Standard Webhooks specification's example retry schedule
# ("Deliverability and reliability", spec/standard-webhooks.md): the delay
# before each attempt, the first one immediate. 10 attempts over
# 75 h 35 min 5 s (about 3.15 days); each delay varies by ±JITTER so that
# failures caused by our own load do not recur in step.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE)
JITTER = 0.1
# A Retry-After longer than this is read as this (a receiver cannot park
# a message for a week).
RETRY_AFTER_MAX = timedelta(hours=24)

Outcome = Literal["delivered", "retry", "gone"]

# Stable codes for the delivery log, besides the endpoint URL's own
# validation codes (``webhook_url_*``, :mod:`.targets`).
ERROR_CONNECT = "connect_failed"
ERROR_TLS = "tls_failed"
ERROR_TIMEOUT = "timeout"
ERROR_PROTOCOL = "bad_response"

_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Header values: printable ASCII and tab only (no line break: header injection).
_UNSAFE_VALUE_RE = re.compile(r"[^\t\x20-\x7e]")
_EXCERPT_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class DeliveryResult:
    """What one attempt gave, for the delivery log.

    ``latency_ms`` is the whole attempt, from name resolution to the end
    of the answer read.

    ``status_code`` is None when no HTTP answer came; ``error_code`` then
    says why (a ``webhook_url_*`` validation code, ``connect_failed``,
    ``tls_failed``, ``timeout`` or ``bad_response``). ``response_excerpt``
    is the start of the answer's body (never its headers), control
    characters removed. ``retry_after_seconds`` is the answer's
    ``Retry-After``, if any.
    """

    status_code: int | None
    latency_ms: int
    error_code: str | None = None
    response_excerpt: str = ""
    retry_after_seconds: int | None = None


class _Timeout(Exception):
    """The attempt's deadline passed."""


def deliver(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    resolver: Resolver = system_resolve,
    allow_http: bool | None = None,
    allow_private: bool | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> DeliveryResult:
    """POST ``body`` with ``headers`` (the signature headers) to ``url``.

    ``allow_http`` and ``allow_private`` default to the settings
    ``WEBHOOK_ALLOW_HTTP`` and ``WEBHOOK_ALLOW_PRIVATE_TARGETS``;
    ``ssl_context`` to the system's trusted certificates with host name
    verification. ``Content-Type: application/json`` and our
    ``User-Agent`` are added unless given. Raises ``ValueError`` only for
    a header that cannot be sent (our bug, not the endpoint's).
    """
    started = time.monotonic()
    deadline = started + total_timeout
    request_headers = _request_headers(headers, len(body))

    def result(
        status: int | None, error: str | None, excerpt: str = "", retry_after: int | None = None
    ) -> DeliveryResult:
        latency = round((time.monotonic() - started) * 1000)
        return DeliveryResult(status, latency, error, excerpt, retry_after)

    try:
        target = endpoint_url_validate(
            url,
            allow_http=settings.WEBHOOK_ALLOW_HTTP if allow_http is None else allow_http,
            allow_private=(
                settings.WEBHOOK_ALLOW_PRIVATE_TARGETS if allow_private is None else allow_private
            ),
            resolver=resolver,
        )
    except ValidationError as error:
        return result(None, error.code or "webhook_url_invalid")
    request = _request_bytes(target, request_headers, body)
    connect_timeout, read_timeout = timeout
    try:
        sock = _connect(target.addresses, target.port, connect_timeout, deadline)
    except _Timeout:
        return result(None, ERROR_TIMEOUT)
    except OSError:
        return result(None, ERROR_CONNECT)
    try:
        if target.scheme == "https":
            try:
                sock = _tls_wrap(sock, target.host, ssl_context, deadline)
            except (ssl.SSLError, ssl.CertificateError):
                return result(None, ERROR_TLS)
        _send(sock, request, read_timeout, deadline)
        raw, timed_out = _receive(sock, read_timeout, deadline)
    except _Timeout:
        return result(None, ERROR_TIMEOUT)
    except OSError:
        return result(None, ERROR_CONNECT)
    finally:
        sock.close()
    try:
        if b"\r\n\r\n" not in raw:  # the headers never ended: no answer
            raise http.client.IncompleteRead(raw)
        status, excerpt, retry_after = _parse(raw)
    except (http.client.HTTPException, ValueError):
        return result(None, ERROR_TIMEOUT if timed_out else ERROR_PROTOCOL)
    return result(status, None, excerpt, retry_after)


def classify(result: DeliveryResult) -> Outcome:
    """``delivered`` for a 2xx answer; ``gone`` for 410 (the receiver asks
    to stop: disable the endpoint); ``retry`` for anything else — 3xx,
    4xx, 5xx, timeouts, refused or unreachable endpoints (specification,
    "Delivery success and failure")."""
    status = result.status_code
    if status is not None and 200 <= status < 300:
        return "delivered"
    if status == 410:
        return "gone"
    return "retry"


def retry_schedule() -> tuple[timedelta, ...]:
    """The delay before each attempt, without jitter; the first is 0."""
    return RETRY_SCHEDULE


def next_attempt_delay(
    attempt: int, *, retry_after: int | None = None, rng: random.Random | None = None
) -> timedelta | None:
    """How long to wait after failed attempt number ``attempt`` (1 for the
    first), or None when it was the last one: the message has failed.

    The schedule's delay, ±10 % jitter; a longer ``Retry-After`` from the
    receiver (seconds) is honoured up to :data:`RETRY_AFTER_MAX`."""
    if attempt < 1:
        raise ValueError("Attempts are counted from 1.")
    if attempt >= MAX_ATTEMPTS:
        return None
    factor = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    delay = RETRY_SCHEDULE[attempt] * factor
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), RETRY_AFTER_MAX))
    return delay


def _request_headers(headers: Mapping[str, str], length: int) -> dict[str, str]:
    given = {name.lower() for name in headers}
    merged = {
        **({} if "content-type" in given else {"Content-Type": "application/json"}),
        **({} if "user-agent" in given else {"User-Agent": USER_AGENT}),
        **headers,
    }
    for name, value in merged.items():
        if not _TOKEN_RE.fullmatch(name) or _UNSAFE_VALUE_RE.search(value):
            raise ValueError(f"The header {name!r} cannot be sent as given.")
        if name.lower() in {"host", "content-length", "connection", "transfer-encoding"}:
            raise ValueError(f"The header {name!r} is set by the delivery itself.")
    merged["Content-Length"] = str(length)
    merged["Connection"] = "close"
    return merged


def _request_bytes(target: Target, headers: Mapping[str, str], body: bytes) -> bytes:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default_port = 443 if target.scheme == "https" else 80
    host_header = host if target.port == default_port else f"{host}:{target.port}"
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {host_header}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def _remaining(deadline: float, limit: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Timeout
    return min(limit, remaining)


def _connect(
    addresses: Sequence[IPAddress], port: int, connect_timeout: float, deadline: float
) -> socket.socket:
    """A TCP connection to the first of ``addresses`` that answers: the
    addresses that were checked, never a new look-up of the name."""
    last_error: OSError = OSError("no address")
    for address in addresses[:MAX_ADDRESSES_TRIED]:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_remaining(deadline, connect_timeout))
            sock.connect((str(address), port))
        except TimeoutError as error:
            sock.close()
            last_error = error
            if time.monotonic() >= deadline:
                raise _Timeout from error
        except BaseException as error:
            sock.close()
            if not isinstance(error, OSError):
                raise
            last_error = error
        else:
            return sock
    raise last_error


def _tls_wrap(
    sock: socket.socket, host: str, context: ssl.SSLContext | None, deadline: float
) -> ssl.SSLSocket:
    # CPython bounds the whole handshake by the socket's timeout.
    context = context or ssl.create_default_context()
    try:
        sock.settimeout(_remaining(deadline, deadline))
        return context.wrap_socket(sock, server_hostname=host)
    except TimeoutError as error:
        raise _Timeout from error


def _send(sock: socket.socket, data: bytes, read_timeout: float, deadline: float) -> None:
    view = memoryview(data)
    while view:
        sock.settimeout(_remaining(deadline, read_timeout))
        try:
            sent = sock.send(view[:65536])
        except TimeoutError as error:
            raise _Timeout from error
        view = view[sent:]


def _receive(sock: socket.socket, read_timeout: float, deadline: float) -> tuple[bytes, bool]:
    """The answer's first bytes: until it is complete, the connection is
    closed or :data:`RESPONSE_READ_LIMIT` is reached. True with them when
    the deadline or the read timeout cut them short."""
    buffer = bytearray()
    while len(buffer) < RESPONSE_READ_LIMIT and not _complete(buffer):
        try:
            sock.settimeout(_remaining(deadline, read_timeout))
            chunk = sock.recv(RESPONSE_READ_LIMIT - len(buffer))
        except (_Timeout, TimeoutError):
            return bytes(buffer), True
        except OSError:
            # Reset after answering (we stopped reading a huge body, the
            # server closed hard): what came is the answer.
            if b"\r\n\r\n" in buffer:
                break
            raise
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer), False


def _complete(buffer: bytearray) -> bool:
    """Whether ``buffer`` holds a whole answer (by its length or its last
    chunk), so that a server keeping the connection open costs no wait."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return False
    head = bytes(buffer[:head_end]).lower()
    body_length = len(buffer) - head_end - 4
    match = re.search(rb"\r\ncontent-length:[ \t]*(\d{1,12})[ \t]*(?:\r\n|$)", head)
    if b"\r\ntransfer-encoding:" in head:
        return buffer.endswith(b"0\r\n\r\n")
    if match:
        return body_length >= int(match.group(1))
    return head[9:12] in (b"204", b"304")


class _Captured:
    """The bytes read, as the socket ``http.client`` parses an answer from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self._data)


def _parse(raw: bytes) -> tuple[int, str, int | None]:
    """(status, body excerpt, Retry-After seconds) of the answer's bytes,
    parsed by ``http.client``; its exceptions for anything else."""
    response = http.client.HTTPResponse(_Captured(raw), method="POST")  # type: ignore[arg-type]
    response.begin()
    try:
        body = response.read(EXCERPT_CHARACTERS * 4)
    except http.client.IncompleteRead as error:
        body = error.partial
    excerpt = body.decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS]
    excerpt = _EXCERPT_CONTROLS_RE.sub("", excerpt)
    return response.status, excerpt, _retry_after(response.getheader("Retry-After"))


def _retry_after(value: str | None) -> int | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return min(int(value), int(RETRY_AFTER_MAX.total_seconds()))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = int((when - datetime.now(UTC)).total_seconds())
    return max(0, min(seconds, int(RETRY_AFTER_MAX.total_seconds())))
