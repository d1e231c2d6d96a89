"""Webhooks of the partners (issue 14): events, their deliveries, the
endpoints and their secrets — the writes, for the apps that publish
events, the delivery task and the management API.

- :func:`event_publish` / :func:`events_publish`: an event of a company
  becomes a :class:`WebhookEvent` and one :class:`WebhookDelivery` per
  active endpoint that receives it — endpoints subscribed to the type,
  of partners the company connected (``scope=connected``), or, for a
  public type, of any partner (``scope=public``). An event nobody
  receives is not stored. The deliveries are queued when the transaction
  commits, in one attempt each (a broker outage never fails the caller:
  the minute sweeper sends what was left).
- :func:`delivery_attempt`: one attempt of one delivery, claimed by a
  conditional UPDATE (two workers never send it both), signed with the
  endpoint's active secrets; ``410`` disables the endpoint, a failure is
  retried on the Standard Webhooks schedule (about 3 days), and an
  endpoint failing for ``WEBHOOK_DISABLE_AFTER`` is disabled and its
  partner e-mailed.
- :func:`delivery_replay`: a delivery given back to the workers.

Imports: ``partners`` is below every feature app; the apps call
:func:`event_publish` with ids and public data only.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.broker import task_send_or_leave
from common.webhooks import signing
from common.webhooks.delivery import classify, deliver, next_attempt_delay

from .models import (
    PUBLIC_EVENT_TYPES,
    Connection,
    DeliveryStatus,
    DisabledReason,
    EndpointScope,
    EndpointStatus,
    EventType,
    Partner,
    PartnerStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSecret,
)

logger = logging.getLogger(__name__)

# A worker holding a delivery has this long to finish its attempt (the
# attempt itself ends within 30 s, common.webhooks.delivery); a delivery
# whose worker died is due again when the lease ends.
LEASE = timedelta(minutes=2)
# Companies looked up per query when an event concerns many of them.
COMPANY_CHUNK = 500
# Deliveries queued one by one when a transaction commits; beyond, the
# sweeper (every minute) sends them: one commit never sends thousands of
# broker messages.
QUEUE_ON_COMMIT_MAX = 200
ERROR_ENDPOINT_DISABLED = "endpoint_disabled"


# --- Events ---------------------------------------------------------------------------


def event_publish(
    type: str, *, company_id: int | None, payload: dict[str, Any], at: datetime | None = None
) -> WebhookEvent | None:
    """Publish one event about ``company_id`` (``payload``: ids and public
    data). Returns the stored event, or None when no endpoint receives it."""
    events = events_publish(type, [(company_id, payload)], at=at)
    return events[0] if events else None


@dataclass(frozen=True)
class _Receiver:
    id: int
    partner_id: int
    scope: str


def _receivers(type: str) -> list[_Receiver]:
    """The active endpoints of active partners subscribed to ``type``
    (a small table: filtered here, as SQLite has no JSON containment)."""
    rows = WebhookEndpoint.objects.filter(
        status=EndpointStatus.ACTIVE, partner__status=PartnerStatus.ACTIVE
    ).values_list("pk", "partner_id", "scope", "events")
    public = type in PUBLIC_EVENT_TYPES
    return [
        _Receiver(pk, partner_id, scope)
        for pk, partner_id, scope, events in rows
        if type in events and (scope == EndpointScope.CONNECTED or public)
    ]


def event_subscribed(type: str) -> bool:
    """Whether any active endpoint would receive an event of ``type``: a
    nightly job skips building events nobody receives."""
    return bool(_receivers(type))


def events_publish(
    type: str, items: Sequence[tuple[int | None, dict[str, Any]]], *, at: datetime | None = None
) -> list[WebhookEvent]:
    """Publish one event of ``type`` per ``(company_id, payload)``, in a
    few statements whatever their number (the nightly jobs). Returns the
    events stored: those with at least one receiving endpoint."""
    if type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {type!r}.")
    receivers = _receivers(type)
    if not receivers or not items:
        return []
    now = at or timezone.now()
    public = [r for r in receivers if r.scope == EndpointScope.PUBLIC]
    connected: dict[int, list[_Receiver]] = {}
    for receiver in receivers:
        if receiver.scope == EndpointScope.CONNECTED:
            connected.setdefault(receiver.partner_id, []).append(receiver)
    partners_of: dict[int, set[int]] = {}
    company_ids = sorted({company_id for company_id, _payload in items if company_id is not None})
    if connected:
        for start in range(0, len(company_ids), COMPANY_CHUNK):
            pairs = (
                Connection.objects.active()
                .filter(
                    partner_id__in=connected,
                    company_id__in=company_ids[start : start + COMPANY_CHUNK],
                )
                .values_list("company_id", "partner_id")
            )
            for company_id, partner_id in pairs:
                partners_of.setdefault(company_id, set()).add(partner_id)
    events: list[WebhookEvent] = []
    endpoints_of: list[list[int]] = []
    for company_id, payload in items:
        endpoint_ids = {r.id for r in public}
        for partner_id in partners_of.get(company_id or 0, ()):
            endpoint_ids.update(r.id for r in connected[partner_id])
        if not endpoint_ids:
            continue
        events.append(
            WebhookEvent(
                id=signing.message_id_generate(),
                type=type,
                occurred_at=now,
                company_id=company_id,
                payload=payload,
            )
        )
        endpoints_of.append(sorted(endpoint_ids))
    if not events:
        return []
    WebhookEvent.objects.bulk_create(events, batch_size=COMPANY_CHUNK)
    deliveries = WebhookDelivery.objects.bulk_create(
        (
            WebhookDelivery(
                event=event,
                endpoint_id=endpoint_id,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            for event, endpoint_ids in zip(events, endpoints_of, strict=True)
            for endpoint_id in endpoint_ids
        ),
        batch_size=COMPANY_CHUNK,
    )
    # PostgreSQL and SQLite return the ids of a bulk insert; a delivery
    # without one would be left to the sweeper.
    ids = [d.pk for d in deliveries[:QUEUE_ON_COMMIT_MAX] if d.pk is not None]
    transaction.on_commit(lambda: deliveries_queue(ids))
    return events


def deliveries_queue(delivery_ids: Iterable[int]) -> int:
    """Send each delivery to a worker, one attempt each; at the first
    broker failure the rest is left to the sweeper (which takes new
    deliveries after ``WEBHOOK_SWEEP_GRACE``). Returns how many were sent."""
    from .tasks import deliver_webhook  # the worker's side imports this module

    sent = 0
    for delivery_id in delivery_ids:
        if not task_send_or_leave(
            deliver_webhook, (delivery_id,), what=f"webhook delivery {delivery_id}"
        ):
            break
        sent += 1
    return sent


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body of every delivery of ``event``: ``type``, ``timestamp``
    (when it happened, ISO 8601 UTC) and ``data`` (its payload)."""
    occurred = event.occurred_at.astimezone(UTC)
    document = {
        "type": event.type,
        "timestamp": occurred.isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }
    return json.dumps(
        document, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


# --- Delivery -------------------------------------------------------------------------


def deliveries_due(now: datetime | None = None) -> Any:
    """Pending deliveries a worker should take now: retries whose time
    came (or whose worker's lease ended), and new ones that their own
    on-commit task did not take within ``WEBHOOK_SWEEP_GRACE``."""
    now = now or timezone.now()
    grace = now - settings.WEBHOOK_SWEEP_GRACE
    # A suspended partner's deliveries wait for its reinstatement, unswept.
    return WebhookDelivery.objects.filter(
        Q(attempts__gt=0, next_attempt_at__lte=now) | Q(attempts=0, next_attempt_at__lte=grace),
        status=DeliveryStatus.PENDING,
        endpoint__partner__status=PartnerStatus.ACTIVE,
    )


def secrets_active(endpoint: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    """The secrets that sign ``endpoint``'s deliveries now, newest first."""
    now = now or timezone.now()
    return list(
        endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-pk")
        .values_list("secret", flat=True)
    )


def delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> str:
    """Make one attempt of delivery ``delivery_id`` if it is pending, due,
    not held by another worker, its endpoint and partner active. Returns
    ``delivered``, ``retry``, ``failed`` (the schedule is over), ``gone``
    (410: the endpoint is disabled) or ``skipped`` (nothing done)."""
    now = now or timezone.now()
    if not WebhookDelivery.objects.filter(
        pk=delivery_id,
        endpoint__status=EndpointStatus.ACTIVE,
        endpoint__partner__status=PartnerStatus.ACTIVE,
    ).exists():
        return "skipped"
    # The claim filters on the delivery's own columns only: with a join,
    # Django writes "id IN (subquery)", which PostgreSQL does not evaluate
    # again after waiting for a concurrent claim's row lock, and both
    # workers would send (tests/partners/test_webhooks_race.py).
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE, last_attempt_at=now, updated_at=now
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    secrets = secrets_active(endpoint, now)
    if not secrets:  # cannot happen through the services; never send unsigned
        logger.error("webhook endpoint %s has no active secret", endpoint.pk)
        return _record(delivery, "failed", None, error_code="no_secret")
    body = event_body(delivery.event)
    headers = signing.headers_for(delivery.event_id, int(time.time()), body, secrets)
    result = deliver(endpoint.url, body, headers)
    outcome = classify(result)
    fields = {
        "status_code": result.status_code,
        "latency_ms": result.latency_ms,
        "error_code": result.error_code or "",
        "response_excerpt": result.response_excerpt[:200],
    }
    if outcome == "delivered":
        WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None
        )
        return _record(delivery, "delivered", None, **fields)
    if outcome == "gone":
        _record(delivery, "gone", None, **fields)
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.GONE)
        return "gone"
    delay = next_attempt_delay(delivery.attempts, retry_after=result.retry_after_seconds)
    finished = timezone.now()
    outcome_name = _record(
        delivery, "retry" if delay else "failed", finished + delay if delay else None, **fields
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    _disable_if_failing(endpoint, finished)
    return outcome_name


def _record(
    delivery: WebhookDelivery, outcome: str, next_at: datetime | None, **fields: Any
) -> str:
    """Write the attempt's result, if the delivery is still ours (the
    endpoint may have been disabled or deleted meanwhile)."""
    status = {
        "delivered": DeliveryStatus.DELIVERED,
        "gone": DeliveryStatus.GONE,
        "failed": DeliveryStatus.FAILED,
        "retry": DeliveryStatus.PENDING,
    }[outcome]
    WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
    ).update(status=status, next_attempt_at=next_at, updated_at=timezone.now(), **fields)
    return outcome


def _disable_if_failing(endpoint: WebhookEndpoint, now: datetime) -> None:
    cutoff = now - settings.WEBHOOK_DISABLE_AFTER
    if WebhookEndpoint.objects.filter(
        pk=endpoint.pk, status=EndpointStatus.ACTIVE, failing_since__lte=cutoff
    ).exists():
        with transaction.atomic():
            if endpoint_disable(endpoint=endpoint, reason=DisabledReason.FAILING):
                from .emails import send_endpoint_disabled

                send_endpoint_disabled(endpoint.pk)


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Disable ``endpoint`` (``reason``: a :class:`DisabledReason`) and stop
    its pending deliveries (``failed``, ``endpoint_disabled``). False if it
    already was disabled."""
    now = timezone.now()
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(
            pk=endpoint.pk, status=EndpointStatus.ACTIVE
        ).update(status=EndpointStatus.DISABLED, disabled_reason=reason, disabled_at=now)
        if changed:
            WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.FAILED,
                next_attempt_at=None,
                error_code=ERROR_ENDPOINT_DISABLED,
                updated_at=now,
            )
    if changed:
        logger.warning("webhook endpoint %s disabled (%s)", endpoint.pk, reason)
    return bool(changed)


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send ``delivery`` again, from its first attempt, as soon as the
    transaction commits (same event, same ``webhook-id``: the receiver
    may drop it as a duplicate). Raises ``ValidationError`` when its
    endpoint is disabled or it is still being attempted."""
    if not delivery.endpoint.is_active:
        raise ValidationError(
            _("This endpoint is disabled: create a new endpoint to receive events again."),
            code="endpoint_disabled",
        )
    now = timezone.now()
    reset = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(status=DeliveryStatus.PENDING)
        .update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            status_code=None,
            latency_ms=None,
            error_code="",
            response_excerpt="",
            updated_at=now,
        )
    )
    if not reset:
        raise ValidationError(
            _("This delivery is still being attempted: wait for its outcome."),
            code="delivery_pending",
        )
    delivery_id = delivery.pk
    transaction.on_commit(lambda: deliveries_queue([delivery_id]))
    delivery.refresh_from_db()
    return delivery


# --- Endpoints ------------------------------------------------------------------------


def _events_clean(events: Iterable[str], scope: str) -> list[str]:
    chosen = sorted(set(events))
    unknown = [name for name in chosen if name not in EventType.values]
    if unknown or not chosen:
        raise ValidationError(
            {
                "events": _("Choose one or more events among %(types)s.")
                % {"types": ", ".join(EventType.values)}
            }
        )
    if scope == EndpointScope.PUBLIC:
        private = [name for name in chosen if name not in PUBLIC_EVENT_TYPES]
        if private:
            raise ValidationError(
                {
                    "events": _(
                        "%(types)s is sent only for the companies that connected you: "
                        "choose the scope “connected”."
                    )
                    % {"types": ", ".join(private)}
                }
            )
    return chosen


@transaction.atomic
def endpoint_create(
    *,
    partner: Partner,
    url: str,
    events: Iterable[str],
    scope: str = EndpointScope.CONNECTED,
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of ``partner`` and its signing secret (``whsec_…``),
    to show once. Raises ``ValidationError`` for a URL we would never call
    (SSRF guard: :func:`common.webhooks.targets.endpoint_url_validator`),
    an unknown event or scope, or too many endpoints."""
    if scope not in EndpointScope.values:
        raise ValidationError(
            {"scope": _("Choose %(scopes)s.") % {"scopes": " or ".join(EndpointScope.values)}}
        )
    chosen = _events_clean(events, scope)
    Partner.objects.select_for_update().filter(pk=partner.pk).first()  # one creation at a time
    if WebhookEndpoint.objects.filter(partner=partner).count() >= settings.WEBHOOK_ENDPOINTS_MAX:
        raise ValidationError(
            _("A partner has at most %(max)d webhook endpoints: delete one first.")
            % {"max": settings.WEBHOOK_ENDPOINTS_MAX}
        )
    endpoint = WebhookEndpoint(
        partner=partner, url=url, events=chosen, scope=scope, description=description.strip()
    )
    endpoint.full_clean()
    endpoint.save()
    secret = signing.secret_generate()
    WebhookSecret.objects.create(endpoint=endpoint, secret=secret)
    return endpoint, secret


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete ``endpoint`` with its secrets and delivery log; its pending
    deliveries are never sent."""
    endpoint.delete()


@transaction.atomic
def endpoint_secret_rotate(
    *, endpoint: WebhookEndpoint, overlap: timedelta | None = None
) -> tuple[WebhookSecret, datetime]:
    """A new secret for ``endpoint``. The current one keeps signing for
    ``overlap`` (``WEBHOOK_SECRET_OVERLAP`` by default, at most); older
    ones keep the end of their own overlap, so that a rotation retried
    after a lost answer does not stop, at once, the secret the partner
    has deployed. At most ``WEBHOOK_SIGNING_SECRETS_MAX`` secrets sign
    (the oldest stop first). Returns the new secret and when the previous
    one stops signing."""
    now = timezone.now()
    overlap = settings.WEBHOOK_SECRET_OVERLAP if overlap is None else overlap
    WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    active = list(
        endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).order_by(
            "-created_at", "-pk"
        )
    )
    until = now + overlap
    if active:
        current, older = active[0], active[1:]
        current.expires_at = min(until, current.expires_at) if current.expires_at else until
        current.save(update_fields=["expires_at"])
        until = current.expires_at
        # The new secret, the current one and the newest older ones sign.
        beyond = older[max(settings.WEBHOOK_SIGNING_SECRETS_MAX - 2, 0) :]
        WebhookSecret.objects.filter(pk__in=[s.pk for s in beyond]).update(expires_at=now)
    secret = WebhookSecret.objects.create(
        endpoint=endpoint, secret=signing.secret_generate(), created_at=now
    )
    return secret, until


# --- Retention ------------------------------------------------------------------------


def webhooks_purge(*, now: datetime | None = None) -> int:
    """Delete the events older than ``WEBHOOK_LOG_RETENTION_DAYS`` whose
    deliveries are all finished, with their deliveries (the log a partner
    reads). Returns how many events were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    old = WebhookEvent.objects.filter(occurred_at__lt=cutoff).exclude(
        deliveries__status=DeliveryStatus.PENDING
    )
    _total, by_model = old.delete()
    return by_model.get(WebhookEvent._meta.label, 0)
