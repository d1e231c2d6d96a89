"""Writes about partners: keys and connections."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails
from .models import (
    CONNECTION_CODE_ALPHABET,
    CONNECTION_CODE_LENGTH,
    Connection,
    ConnectionCode,
    Partner,
    PartnerKey,
    connection_code_grouped,
)


def partner_key_create(
    *, partner: Partner, name: str, scopes: Iterable[str], expiry_date: datetime | None = None
) -> tuple[PartnerKey, str]:
    """A new key for ``partner`` and its secret, ``"<prefix>.<secret>"``:
    returned once, never stored (only its SHA-512 hash). Raises
    ``ValidationError`` for an unknown scope or a blank name."""
    key = PartnerKey(
        partner=partner, name=name, scopes=sorted(set(scopes)), expiry_date=expiry_date
    )
    secret = PartnerKey.objects.assign_key(key)
    key.full_clean(exclude=["id", "prefix", "hashed_key"])
    key.save()
    return key, secret


def partner_key_revoke(*, key: PartnerKey) -> bool:
    """Revoke ``key`` for good; False if it already was."""
    return bool(PartnerKey.objects.filter(pk=key.pk, revoked=False).update(revoked=True))


@transaction.atomic
def connection_create(
    *, partner: Partner, company_id: int, connected_by: AbstractBaseUser | None
) -> Connection:
    """The company connects ``partner`` (its consent). Raises
    ``ValidationError`` if it is already connected."""
    try:
        with transaction.atomic():
            return Connection.objects.create(
                partner=partner, company_id=company_id, connected_by=connected_by
            )
    except IntegrityError as error:
        raise ValidationError(_("This company has already connected this partner.")) from error


def connection_end(*, partner: Partner, company_id: int) -> bool:
    """The company disconnects ``partner``; False if it was not connected."""
    return bool(
        Connection.objects.active()
        .filter(partner=partner, company_id=company_id)
        .update(disconnected_at=timezone.now())
    )


# --- The partner portal (/partenaires/) ---------------------------------------


def partner_key_rotate(*, key: PartnerKey) -> tuple[PartnerKey, str]:
    """A successor of ``key`` with the same scopes, name and lifetime, and
    its secret (shown once). The old key keeps working for the overlap period
    (``PARTNER_KEY_ROTATION_OVERLAP_DAYS``), or until its own expiry if
    sooner, so the partner can deploy the new one. A key is rotated once:
    its successor is the one to rotate next. Raises ``ValidationError`` for
    a revoked or expired key, or one already rotated (also when two
    rotations of it race: one wins)."""
    if key.revoked or key.has_expired:
        raise ValidationError(_("A revoked or expired key cannot be rotated."))
    if key.rotated:
        raise ValidationError(_("This key was already renewed: renew its successor instead."))
    now = timezone.now()
    overlap_end = now + timedelta(days=settings.PARTNER_KEY_ROTATION_OVERLAP_DAYS)
    # The successor lives as long as its predecessor was meant to.
    expiry = None if key.expiry_date is None else now + (key.expiry_date - key.created)
    with transaction.atomic():
        new_key, secret = partner_key_create(
            partner=key.partner, name=key.name, scopes=key.scopes, expiry_date=expiry
        )
        # Conditional: of two rotations of one key, one names its successor;
        # the other's new key is rolled back with its transaction.
        if not PartnerKey.objects.filter(pk=key.pk, successor__isnull=True).update(
            successor=new_key
        ):
            raise ValidationError(_("This key was already renewed: renew its successor instead."))
        key.successor = new_key
        if key.expiry_date is None or key.expiry_date > overlap_end:
            PartnerKey.objects.filter(pk=key.pk).update(expiry_date=overlap_end)
            key.expiry_date = overlap_end
    return new_key, secret


def _new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "".join(choice(CONNECTION_CODE_ALPHABET) for _i in range(CONNECTION_CODE_LENGTH))


# The seed of the example code: any fixed one gives a stable example.
_EXAMPLE_SEED = 14


def connection_code_example() -> str:
    """A code as the generator makes them and people read them, for help
    texts and documentation (like ``6FHGJ-4WKXS``, not a real one: drawn
    with a fixed seed, never from ``secrets``)."""
    example = random.Random(_EXAMPLE_SEED)  # noqa: S311 - not a secret: shown to everyone
    return connection_code_grouped(_new_code(example.choice))


def connection_code_well_formed(raw: str) -> bool:
    """Whether what a person typed can be a code (its length and alphabet,
    once normalised): else it is not worth a query."""
    value = normalize_connection_code(raw)
    return len(value) == CONNECTION_CODE_LENGTH and set(value) <= set(CONNECTION_CODE_ALPHABET)


def connection_code_create(
    *, partner: Partner, created_by: AbstractBaseUser | None
) -> ConnectionCode:
    """A fresh one-time code for a company to connect ``partner``; it
    expires after ``PARTNER_CONNECTION_CODE_DAYS``."""
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return ConnectionCode.objects.create(
                    partner=partner,
                    code=_new_code(),
                    created_by=created_by,
                    created_at=now,
                    expires_at=now + timedelta(days=settings.PARTNER_CONNECTION_CODE_DAYS),
                )
        except IntegrityError:  # 50 random bits: a collision is rare, retried
            continue
    raise RuntimeError("no free connection code after 5 draws")


def connection_code_revoke(*, code: ConnectionCode) -> bool:
    """Withdraw an unused code; False if it was used or revoked already."""
    return bool(
        ConnectionCode.objects.filter(
            pk=code.pk, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    )


def normalize_connection_code(raw: str) -> str:
    """What a person typed, as stored: upper case, without spaces or
    dashes, the letters people confuse read as the digits they look like."""
    cleaned = "".join(raw.split()).replace("-", "").upper()
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


@transaction.atomic
def connection_code_redeem(
    *, code: str, company: Any, actor: AbstractBaseUser | None
) -> Connection:
    """``company`` connects the partner that issued ``code``: the code is
    spent (once), the connection made, the partner's contact e-mailed.
    Raises ``ValidationError`` with a message for the person for an
    unknown, used, revoked or expired code, a suspended partner, or a
    partner the company has connected already; nothing changes then."""
    value = normalize_connection_code(code)
    if not connection_code_well_formed(value):
        raise ValidationError(_("This code is unknown. Check it with the partner."))
    found = (
        ConnectionCode.objects.select_for_update()
        .select_related("partner")
        .filter(code=value)
        .first()
    )
    if found is None:
        raise ValidationError(_("This code is unknown. Check it with the partner."))
    if found.used_at is not None:
        raise ValidationError(_("This code has already been used. Ask the partner for a new one."))
    if found.revoked_at is not None:
        raise ValidationError(_("This code was withdrawn by the partner. Ask for a new one."))
    if found.expires_at <= timezone.now():
        raise ValidationError(_("This code has expired. Ask the partner for a new one."))
    if not found.partner.is_active:
        raise ValidationError(_("This partner is suspended: it cannot be connected now."))
    connection = connection_create(partner=found.partner, company_id=company.pk, connected_by=actor)
    found.used_at = timezone.now()
    found.used_by_company_id = company.pk
    found.save(update_fields=["used_at", "used_by_company"])
    emails.send_connection_changed(connection=connection, company=company, connected=True)
    return connection


@transaction.atomic
def connection_disconnect(*, connection: Connection, company: Any) -> bool:
    """The company withdraws its consent: the partner may no longer write
    for it, from the next request on; its contact is e-mailed. False if
    the connection had ended already."""
    ended = bool(
        Connection.objects.active().filter(pk=connection.pk).update(disconnected_at=timezone.now())
    )
    if ended:
        connection.refresh_from_db(fields=["disconnected_at"])
        emails.send_connection_changed(connection=connection, company=company, connected=False)
    return ended
