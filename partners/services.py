"""Writes about partners: keys and connections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Connection, Partner, PartnerKey


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
