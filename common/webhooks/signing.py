"""Signing per the Standard Webhooks specification (symmetric scheme, ``v1``).

From ``spec/standard-webhooks.md`` (standard-webhooks/standard-webhooks):

- a secret is 24 to 64 random bytes, shown base64-encoded behind ``whsec_``;
- the signed content is ``{webhook-id}.{webhook-timestamp}.{body}``, the
  timestamp in integer seconds since the epoch; neither the id nor the
  timestamp may contain a ``.``;
- the signature is ``v1,`` + base64(HMAC-SHA256(secret bytes, content));
- ``webhook-signature`` is a space-separated list: during a secret
  rotation we sign with every active secret and the receiver accepts the
  message when any one signature matches its secret.

:func:`verify` is the receiver's side, for our own tests and the partner
guide; partners should prefer the reference library (``standardwebhooks``
on PyPI), which accepts exactly what :func:`headers_for` produces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets as random_source
import time
from collections.abc import Mapping, Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's marker, not a secret)
# The specification's bounds for a symmetric secret, in bytes.
SECRET_MIN_BYTES = 24
SECRET_MAX_BYTES = 64
# What we generate: 256 bits, the size of the HMAC-SHA256 output.
SECRET_GENERATED_BYTES = 32
SIGNATURE_VERSION = "v1"
# The reference libraries' tolerance on webhook-timestamp (replay window).
DEFAULT_TOLERANCE_SECONDS = 5 * 60

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"

MESSAGE_ID_PREFIX = "msg_"
# Crockford's base32, as in ULIDs: no I, L, O, U; sorts like the time.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# An id is signed as the first field of "id.timestamp.body": no dot, no
# space, nothing a header could not carry.
_MESSAGE_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")


class SecretInvalid(ValueError):
    """A signing secret that is not ``whsec_`` + base64 of 24 to 64 bytes."""


class SignatureInvalid(Exception):
    """A message whose signature headers do not prove it came from us, now.

    ``reason`` is a stable word for logs and tests: ``missing-headers``,
    ``bad-timestamp``, ``too-old``, ``too-new`` or ``no-match``.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def secret_generate() -> str:
    """A new endpoint secret: ``whsec_`` + base64 of 32 random bytes."""
    raw = random_source.token_bytes(SECRET_GENERATED_BYTES)
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """The key bytes of ``secret`` (``whsec_`` + base64, the prefix optional
    as in the reference libraries). Raises :class:`SecretInvalid` when it is
    not base64 or not 24 to 64 bytes long."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        # Unpadded secrets are accepted, as by the reference library.
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SecretInvalid("The webhook secret is not base64 after its whsec_ prefix.") from error
    if not SECRET_MIN_BYTES <= len(raw) <= SECRET_MAX_BYTES:
        raise SecretInvalid(
            f"A webhook secret holds {SECRET_MIN_BYTES} to {SECRET_MAX_BYTES} bytes, "
            f"not {len(raw)}."
        )
    return raw


def message_id_generate() -> str:
    """A new ``webhook-id``: ``msg_`` + a ULID (48 bits of milliseconds, 80
    random bits, Crockford base32), unique and sorted by creation time.

    The id stays the same across the retries of one message: receivers
    use it to drop duplicates."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return MESSAGE_ID_PREFIX + "".join(reversed(chars))


def _signed_content(message_id: str, timestamp: int, body: bytes) -> bytes:
    if not _MESSAGE_ID_RE.fullmatch(message_id):
        raise ValueError("A webhook id is 1 to 128 letters, digits, '_' or '-'.")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("A webhook timestamp is a whole number of seconds since the epoch.")
    return f"{message_id}.{timestamp}.".encode("ascii") + body


def _digest(key: bytes, content: bytes) -> bytes:
    return hmac.new(key, content, hashlib.sha256).digest()


def sign(message_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """The ``v1,<base64>`` signature of one message with one secret."""
    digest = _digest(secret_bytes(secret), _signed_content(message_id, timestamp, body))
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers_for(
    message_id: str, timestamp: int, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery attempt.

    ``secrets`` are the endpoint's active secrets, newest first: during a
    rotation the message carries one signature per secret, so the receiver
    may switch secrets at any moment. ``timestamp`` is the attempt's time
    (a retry is signed anew with its own time), ``body`` the exact bytes
    sent.
    """
    if not secrets:
        raise SecretInvalid("A webhook is signed with at least one secret.")
    unique = list(dict.fromkeys(secrets))
    signatures = " ".join(sign(message_id, timestamp, body, secret) for secret in unique)
    return {
        HEADER_ID: message_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signatures,
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: int | None = None,
) -> None:
    """Check that ``body`` with ``headers`` was signed with ``secret`` less
    than ``tolerance`` seconds from ``now`` (default: the clock).

    Header names are matched in any case. Returns nothing; raises
    :class:`SignatureInvalid` with the reason otherwise. Signatures are
    compared in constant time; signatures of other versions (``v1a``…) or
    malformed ones are skipped, as the specification asks.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get(HEADER_ID, "")
    raw_timestamp = lowered.get(HEADER_TIMESTAMP, "")
    signatures = lowered.get(HEADER_SIGNATURE, "")
    if not (message_id and raw_timestamp and signatures):
        raise SignatureInvalid(
            "missing-headers",
            "The webhook-id, webhook-timestamp and webhook-signature headers are required.",
        )
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit():
        raise SignatureInvalid(
            "bad-timestamp", "webhook-timestamp is not a whole number of seconds."
        )
    timestamp = int(raw_timestamp)
    current = int(time.time()) if now is None else now
    if timestamp < current - tolerance:
        raise SignatureInvalid(
            "too-old", "The webhook timestamp is too old: a replay or a slow queue."
        )
    if timestamp > current + tolerance:
        raise SignatureInvalid(
            "too-new", "The webhook timestamp is in the future: check the clocks."
        )
    try:
        content = _signed_content(message_id, timestamp, body)
    except ValueError as error:
        raise SignatureInvalid("missing-headers", str(error)) from error
    expected = _digest(secret_bytes(secret), content)
    for candidate in signatures.split(" "):
        version, _, encoded = candidate.partition(",")
        if version != SIGNATURE_VERSION:
            continue
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, given):
            return
    raise SignatureInvalid("no-match", "No webhook signature matches this secret.")
