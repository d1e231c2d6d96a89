"""Signed links: the one way the platform puts a row in an e-mailed URL.

Invitations, confirmations and private review links all carry the same
thing: a row's id and its random nonce, signed with a salt of their own
(Django's ``signing``, keyed by ``SECRET_KEY``). Changing the row's nonce
revokes every link to it; a max age makes a link expire. A link names a
row, it never grants anything by itself: callers still check who uses it.

Errors: every unusable link raises :class:`LinkError` (or a subclass)
whose ``message`` is what to show the person who clicked.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from django.core import signing
from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


class LinkError(Exception):
    """A link that cannot be used; ``message`` is for the person who clicked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LinkInvalid(LinkError):
    """Not signed by us for this purpose, or tampered with."""


class LinkExpired(LinkError):
    """Signed by us, but older than its max age."""


class LinkRevoked(LinkError):
    """Signed by us, but its row is gone or its nonce was changed."""


def make_token(salt: str, pk: int, nonce: str) -> str:
    """The token of ``(pk, nonce)`` for links of one kind (``salt``)."""
    return signing.dumps({"i": pk, "n": nonce}, salt=salt)


def read_token(token: str, salt: str, max_age: timedelta | None = None) -> tuple[object, object]:
    """(id, nonce) of a valid token. Raises ``signing.SignatureExpired`` or
    ``signing.BadSignature``; prefer :func:`row_from_token`, which also
    checks the row."""
    data = signing.loads(token, salt=salt, max_age=max_age)
    if not isinstance(data, dict):
        raise signing.BadSignature("unexpected payload")
    return data.get("i"), data.get("n")


def row_from_token(
    queryset: models.QuerySet[ModelT],
    token: str,
    *,
    salt: str,
    invalid: str,
    expired: str | None = None,
    revoked: str | None = None,
    max_age: timedelta | None = None,
    nonce_field: str = "nonce",
) -> ModelT:
    """The row of ``queryset`` a link names, with its nonce unchanged.

    ``invalid``, ``expired`` and ``revoked`` are the messages of the
    :class:`LinkInvalid`, :class:`LinkExpired` and :class:`LinkRevoked`
    raised (``expired`` and ``revoked`` default to ``invalid``). The
    queryset may lock (``select_for_update``) or join what the caller needs.
    """
    try:
        pk, nonce = read_token(token, salt, max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired(expired or invalid) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid(invalid) from exc
    row = queryset.filter(pk=pk, **{nonce_field: nonce}).first()
    if row is None:
        raise LinkRevoked(revoked or invalid)
    return row
