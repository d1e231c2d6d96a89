"""``Idempotency-Key`` on the API's POSTs (IETF
draft-ietf-httpapi-idempotency-key-header): a partner that retries a
request with the same key gets the first response again instead of a
second invoice.

- The key is optional: without it a request is processed as it comes
  (sessions stay idempotent by their ``reference`` all the same). With it,
  1 to 255 printable ASCII characters, as a structured-field string
  (``"…"``, as the draft writes it) or bare; one key, one header: a bare
  key with a comma is the header sent twice (``400``).
- The request's fingerprint is the SHA-256 of its method, path and
  canonical JSON body (keys sorted, no spaces): the same key with another
  fingerprint is a ``422`` problem (``idempotency_key_reused``).
- The key is claimed (a committed row without a status) before the view
  runs; a second request with the key while the first runs gets a ``409``
  problem (``idempotency_key_in_progress``).
- The view's writes and the stored response commit in one transaction:
  either both are there or neither, so a crash mid-request leaves nothing
  to replay and nothing written, and the claim lapses after
  ``IN_PROGRESS_LEASE``.
- Only a success (2xx) is stored and replayed for ``TTL`` (24 h), with the
  same status, body and ``Location``, plus ``Idempotent-Replayed: true``.
  An error releases the key: the partner fixes the cause (a missing
  consent, a wrong field) and retries with the same key.
- Expired records are purged nightly (``partners.tasks``).

Business-free: a view opts in with :func:`idempotent` on its handler."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from partners.models import IdempotencyRecord, Partner

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
TTL = timedelta(hours=24)
# A claim older than this without a response belongs to a request that
# died: its transaction (its writes and its response) never committed, so
# the key may be claimed again.
IN_PROGRESS_LEASE = timedelta(minutes=5)
MAX_KEY_LENGTH = 255
# The response headers a replay repeats (the rest are the request's own:
# rate limit, language).
REPLAYED_HEADERS = ("Location",)
_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("The Idempotency-Key header must hold 1 to 255 printable ASCII characters.")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used with another request: use a new key "
        "for a new request."
    )


class IdempotencyKeyInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = _("A request with this Idempotency-Key is in progress: retry in a moment.")


# A structured-field string (RFC 8941 § 3.3.3): quotes around, a quote or
# a backslash inside escaped.
_SF_STRING = re.compile(r'^"((?:[^"\\]|\\["\\])*)"$')


class IdempotencyKeyRepeated(IdempotencyKeyInvalid):
    default_detail = _(
        "Send one Idempotency-Key header holding one key: this request holds several "
        "(the header sent twice, or a key with a comma, which reads as several)."
    )


def key_from_request(request: Request) -> str | None:
    """The request's key, None without the header; raises
    :class:`IdempotencyKeyInvalid` unless the header holds 1 to 255
    printable ASCII characters, not only spaces. Spaces around the key
    are not part of it (HTTP drops them), so every value of the schema's
    ``IDEMPOTENCY_KEY_PATTERN`` is accepted as it is. A structured-field
    string (``"…"``, as the draft writes it) is the key without its
    quotes.

    The header sent twice reaches us as one value, joined by ", " (WSGI,
    RFC 9110 § 5.3): two keys, of which neither may be picked silently,
    so a bare key holding a comma, or a list of quoted keys, raises
    :class:`IdempotencyKeyRepeated` (a comma inside a quoted key is
    part of it)."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    if len(raw) > MAX_KEY_LENGTH or not _PRINTABLE.match(raw) or not raw.strip():
        raise IdempotencyKeyInvalid()
    key = raw.strip()
    if len(key) > 2 and key[0] == key[-1] == '"':
        if _SF_STRING.match(key) is None and "," in key:
            raise IdempotencyKeyRepeated()  # '"a", "b"': two keys
        return key[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if "," in key:
        raise IdempotencyKeyRepeated()
    return key


def canonical_body(data: Any) -> str:
    """The body as canonical JSON: keys sorted, no spaces, ASCII only
    (a lone surrogate stays escaped)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def request_fingerprint(method: str, path: str, data: Any) -> str:
    text = f"{method.upper()}\n{path}\n{canonical_body(data)}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _claim(partner: Partner, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """``(record, True)`` when this request claimed the key, ``(record,
    False)`` when it holds a response to replay. Raises
    :class:`IdempotencyKeyReused` or :class:`IdempotencyKeyInProgress`."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    partner=partner,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + TTL,
                )
            return record, True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(partner=partner, key=key).first()
            if existing is None:
                continue  # released or purged meanwhile: claim again
            lapsed = existing.in_progress and existing.created_at <= now - IN_PROGRESS_LEASE
            if existing.expires_at <= now or lapsed:
                # Conditional: of two requests finding it stale, one deletes.
                IdempotencyRecord.objects.filter(
                    pk=existing.pk, created_at=existing.created_at
                ).delete()
                continue
            if existing.fingerprint != fingerprint:
                raise IdempotencyKeyReused() from None
            if existing.in_progress:
                raise IdempotencyKeyInProgress() from None
            return existing, False
    raise IdempotencyKeyInProgress()


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def _store(record: IdempotencyRecord, response: Response) -> None:
    # The body as the JSON renderer writes it (dates, decimals as strings),
    # so the replay renders the same bytes.
    body = json.dumps(response.data, cls=JSONEncoder)
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status_code=response.status_code, response_body=body, response_headers=headers
    )


def _replay(record: IdempotencyRecord) -> Response:
    return Response(
        json.loads(record.response_body),
        status=record.status_code,
        headers={**record.response_headers, REPLAY_HEADER: "true"},
    )


Handler = Callable[..., Response]


def idempotent(handler: Handler) -> Handler:
    """Decorate the ``post`` of a ``partners.api.writes.PartnerWriteView``:
    with an ``Idempotency-Key``, the first successful response is stored
    and replayed (see the module). Runs after authentication, scopes, rate
    limits and the partner's right to write there (the company's consent:
    the view's ``initial``), so a request refused today claims nothing and
    replays nothing, whatever was stored before."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not getattr(view, "write_access_checked", False):
            raise ImproperlyConfigured(
                f"{type(view).__name__}: @idempotent needs a PartnerWriteView, whose "
                "check_write_access runs before any replay"
            )
        key = key_from_request(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        partner = request.auth.partner
        fingerprint = request_fingerprint(request.method or "POST", request.path, request.data)
        record, claimed = _claim(partner, key, fingerprint)
        if not claimed:
            return _replay(record)
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    _store(record, response)
        except BaseException:
            _release(record)
            raise
        if not status.is_success(response.status_code):
            _release(record)
        return response

    return wrapper


def idempotency_records_purge(now: Any = None) -> int:
    """Delete the records past their ``expires_at``; how many."""
    now = now or timezone.now()
    deleted, _by_model = IdempotencyRecord.objects.filter(expires_at__lte=now).delete()
    return deleted
