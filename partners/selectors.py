"""Reads about partners: keys and consent."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Connection, Partner, PartnerKey, Scope


def connection_active(partner: Partner, company_id: int) -> bool:
    """Whether ``company_id`` has connected ``partner`` and not
    disconnected it since: the consent every write for a company needs
    (``invoices:write``, ``sessions:write``). One indexed query."""
    return Connection.objects.active().filter(partner=partner, company_id=company_id).exists()


# What each scope lets a partner do, told to the company that connects it.
COMPANY_SCOPE_LABELS = {
    Scope.INVOICES_WRITE: _("send your invoices"),
    Scope.SESSIONS_WRITE: _("record your completed sessions"),
    Scope.REVIEWS_READ: _("read your published reviews"),
    Scope.DIRECTORY_READ: _("read your public profile"),
    Scope.WEBHOOKS_MANAGE: _("be notified when your reviews or your profile change"),
}
# The scopes that act for a company, and so need its consent.
WRITE_SCOPES = (Scope.INVOICES_WRITE, Scope.SESSIONS_WRITE)


def partners_of(user: Any) -> QuerySet[Partner]:
    """The partners ``user`` is a member of."""
    if not getattr(user, "is_authenticated", False):
        return Partner.objects.none()
    return Partner.objects.filter(members=user).order_by("name")


def usable_keys(partner: Partner) -> QuerySet[PartnerKey]:
    now = timezone.now()
    return partner.keys.filter(revoked=False).filter(
        Q(expiry_date__isnull=True) | Q(expiry_date__gt=now)
    )


def partner_scopes(partner: Partner) -> list[str]:
    """The scopes of the partner's usable keys, in the order of ``Scope``."""
    held: set[str] = set()
    for scopes in usable_keys(partner).values_list("scopes", flat=True):
        held.update(scopes or [])
    return [scope for scope in Scope.values if scope in held]


def scope_labels_for_company(scopes: list[str]) -> list[str]:
    """What ``scopes`` let a partner do, in plain words for a company:
    what needs its consent (the writes) first."""
    return [str(label) for scope, label in COMPANY_SCOPE_LABELS.items() if scope in scopes]


def partner_home(partner: Partner) -> dict[str, Any]:
    """The figures of the portal's home page."""
    keys = list(partner.keys.all())
    usable = {key.pk for key in usable_keys(partner)}
    return {
        "connected_count": partner.connections.active().count(),
        "keys_count": len(keys),
        "usable_keys_count": len(usable),
        "active_codes_count": partner.connection_codes.usable().count(),
    }


def connected_companies(partner: Partner) -> QuerySet[Connection]:
    """The partner's active connections, newest first, with their company
    (never the person who connected: a pro's data stays with the company)."""
    return partner.connections.active().select_related("company").order_by("-connected_at")


def company_connections(company_id: int) -> QuerySet[Connection]:
    """The partners a company has connected, newest first."""
    return (
        Connection.objects.active()
        .filter(company_id=company_id)
        .select_related("partner")
        .order_by("-connected_at")
    )
