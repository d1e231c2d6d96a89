"""API-key authentication: ``Authorization: Api-Key <key>`` (or
``X-Api-Key: <key>``), the key being ``<prefix>.<secret>`` as
djangorestframework-api-key issues it. Both headers with two different
keys are ambiguous: a 400 problem, neither key is tried."""

from __future__ import annotations

import functools
from datetime import timedelta

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from common.statements import MARKER, CompiledQuery
from partners.models import Partner, PartnerKey

KEYWORD = "Api-Key"
# last_used_at is a date for people, not a request log: written at most
# this often per key, so a busy key costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Longer than any key we issue (8 + 1 + 32): anything longer is refused
# before a query.
MAX_KEY_LENGTH = 100


class KeyRejected(exceptions.AuthenticationFailed):
    """A 401 that names why (``code``): the problem's type."""


class AmbiguousCredentials(exceptions.APIException):
    """Two different keys in one request: which one the partner meant
    cannot be known, and picking one would let a forgotten header decide
    which partner, scopes and quota a request uses."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "ambiguous_credentials"
    default_detail = _(
        "The Authorization and X-Api-Key headers hold two different keys: send one key, "
        "in one of them."
    )


class PartnerSuspended(exceptions.PermissionDenied):
    default_detail = _("This partner is suspended: its keys no longer work.")
    default_code = "partner_suspended"


class PartnerUser:
    """``request.user`` of an API request: the partner, not a person.
    Django's permission machinery sees an authenticated, non-staff user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, partner: Partner) -> None:
        self.partner = partner
        self.pk = None

    def __str__(self) -> str:
        return f"partner {self.partner.pk}"


def key_from_request(request: Request) -> str | None:
    """The key the request carries, "" for a malformed header, None for
    none. ``Authorization`` with another scheme is not ours to judge: the
    key is then read from ``X-Api-Key`` alone. Both headers may carry the
    same key; two different keys raise :class:`AmbiguousCredentials`."""
    from_authorization: str | None = None
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        keyword, _space, key = header.partition(" ")
        if keyword.lower() == KEYWORD.lower():
            from_authorization = key.strip()
    other = request.META.get("HTTP_X_API_KEY")
    from_header = other.strip() if other is not None else None
    if from_authorization is None:
        return from_header
    if from_header is not None and from_header != from_authorization:
        raise AmbiguousCredentials()
    return from_authorization


class PartnerKeyAuthentication(BaseAuthentication):
    """Finds the key by its prefix (one query, with its partner), checks the
    secret's hash, then refuses a revoked or expired key (401) and a
    suspended partner (403)."""

    def authenticate(self, request: Request) -> tuple[PartnerUser, PartnerKey] | None:
        raw = key_from_request(request)
        if raw is None:
            return None
        prefix, dot, _secret = raw.partition(".")
        if not dot or not prefix or len(raw) > MAX_KEY_LENGTH:
            raise KeyRejected(_("The API key is malformed."), code="invalid_key")
        key = key_with_partner(prefix)
        if key is None or not key.is_valid(raw):
            raise KeyRejected(_("The API key is invalid."), code="invalid_key")
        if key.revoked:
            raise KeyRejected(_("This API key was revoked."), code="revoked_key")
        if key.has_expired:
            raise KeyRejected(_("This API key has expired."), code="expired_key")
        if not key.partner.is_active:
            raise PartnerSuspended()
        _note_use(key)
        return PartnerUser(key.partner), key

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


# The partner's columns read with its key, in the model's field order
# (``created_at``, which no API request reads, stays deferred).
_PARTNER_COLUMNS = ("id", "name", "kind", "contact_email", "status")


def key_with_partner(prefix: str) -> PartnerKey | None:
    """The key whose prefix (unique) is ``prefix``, its partner attached,
    or None: one query, compiled once per process and database engine
    (:func:`_key_statement`) and run raw with each request's prefix. As a
    queryset (``select_related``) compiling it took 0.35 of the look-up's
    0.53 ms of CPU, on every API request."""
    statement = _key_statement(connection.vendor)
    for key in PartnerKey.objects.raw(statement.sql, statement.params_with(prefix)):
        key.partner = Partner.from_db(
            key._state.db,
            list(_PARTNER_COLUMNS),
            [getattr(key, f"partner_column_{name}") for name in _PARTNER_COLUMNS],
        )
        return key
    return None


@functools.lru_cache(maxsize=2)
def _key_statement(vendor: str) -> CompiledQuery:
    """The look-up, compiled with the prefix as its marker; the partner's
    columns come as ``partner_column_<name>`` (plain integers and strings:
    nothing to convert on any engine)."""
    rows = (
        PartnerKey.objects.filter(prefix=MARKER)
        .annotate(**{f"partner_column_{name}": F(f"partner__{name}") for name in _PARTNER_COLUMNS})
        .order_by()[:1]
    )
    return CompiledQuery.of(rows)


def _note_use(key: PartnerKey) -> None:
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional: of concurrent requests, one writes.
    stale = now - LAST_USED_RESOLUTION
    PartnerKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=key.pk
    ).update(last_used_at=now)
    key.last_used_at = now
