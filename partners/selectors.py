"""Reads about partners: keys, consent, webhook endpoints and their log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    PUBLIC_EVENT_TYPES,
    Connection,
    DeliveryStatus,
    EventType,
    Partner,
    PartnerKey,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
)
from .webhooks import event_body


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


# --- Webhooks (the portal's pages) ----------------------------------------------------

# Rows of a delivery log page in the portal.
DELIVERIES_PER_PAGE = 25


def webhook_endpoints(partner: Partner) -> list[WebhookEndpoint]:
    """The partner's endpoints, oldest first, each with the outcome of its
    newest delivery: ``last_status`` (a :class:`DeliveryStatus`, None
    when it has none yet) and its label ``last_status_label``,
    ``last_status_code``, ``last_created_at``. One query, whatever the
    logs' length (the ``(endpoint, -id)`` index)."""
    newest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-id")
    endpoints = list(
        partner.webhook_endpoints.annotate(
            last_status=Subquery(newest.values("status")[:1]),
            last_status_code=Subquery(newest.values("status_code")[:1]),
            last_created_at=Subquery(newest.values("created_at")[:1]),
        ).order_by("created_at", "pk")
    )
    labels = dict(DeliveryStatus.choices)
    for endpoint in endpoints:
        status = getattr(endpoint, "last_status", None)
        endpoint.last_status_label = labels.get(status) if status else None  # type: ignore[attr-defined]
    return endpoints


@dataclass(frozen=True)
class DeliveryPage:
    """One page of a delivery log, newest first. ``older`` / ``newer``:
    the ids to pass as ``before`` / ``after`` for the next pages, None
    when there is none that way."""

    deliveries: list[WebhookDelivery]
    older: int | None
    newer: int | None


def webhook_deliveries(
    endpoint: WebhookEndpoint,
    *,
    status: str = "",
    event_type: str = "",
    before: int | None = None,
    after: int | None = None,
    size: int = DELIVERIES_PER_PAGE,
) -> DeliveryPage:
    """A page of ``endpoint``'s delivery log, newest first, filtered by
    ``status`` (a :class:`DeliveryStatus`) and ``event_type`` (an
    :class:`EventType`), empty strings for all. Paged by id (the order
    deliveries are made in), as the API's cursor: the deliveries older
    than ``before``, or the ``size`` just newer than ``after``; a page
    costs the same wherever it is, and no COUNT is run."""
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if status:
        rows = rows.filter(status=status)
    if event_type:
        rows = rows.filter(event__type=event_type)
    if after is not None:
        found = list(rows.filter(id__gt=after).order_by("id")[: size + 1])
        has_newer = len(found) > size
        page = found[:size][::-1]
        has_older = rows.filter(id__lte=after).exists()
    else:
        if before is not None:
            rows_before = rows.filter(id__lt=before)
            has_newer = rows.filter(id__gte=before).exists()
        else:
            rows_before = rows
            has_newer = False
        found = list(rows_before.order_by("-id")[: size + 1])
        has_older = len(found) > size
        page = found[:size]
    return DeliveryPage(
        deliveries=page,
        older=page[-1].pk if page and has_older else None,
        newer=page[0].pk if page and has_newer else None,
    )


def webhook_delivery_body(delivery: WebhookDelivery) -> str:
    """The JSON body ``delivery``'s endpoint received (or will receive),
    indented for reading: the event's type, timestamp and public data
    (:func:`partners.webhooks.event_body`)."""
    document = json.loads(event_body(delivery.event))
    return json.dumps(document, indent=2, ensure_ascii=False)


def webhook_event_type_choices() -> list[tuple[str, str]]:
    """The event catalogue for a form: each type with its label and code,
    the ones sent only for the companies that connected the partner said
    so."""
    choices = []
    for value, label in EventType.choices:
        if value in PUBLIC_EVENT_TYPES:
            text = _("%(label)s (%(type)s)") % {"label": label, "type": value}
        else:
            text = _("%(label)s (%(type)s, connected companies only)") % {
                "label": label,
                "type": value,
            }
        choices.append((value, str(text)))
    return choices
