"""Leases for long jobs: a job row is claimed by one worker for a limited
time, renewed by a heartbeat while it progresses, and a sweeper finishes
(fails or re-queues) the jobs whose lease ran out because their worker died.

A job model inherits ``LeasedJob`` and keeps its own status; the functions
here only move the lease, each in one conditional UPDATE, so two workers
never hold the same job (the habit of healthchecks' periodic jobs). The
file imports use it (``common.file_imports``: invoices, sessions), and the
periodic jobs with one row per run (``common.jobs``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

Job = TypeVar("Job", bound="LeasedJob")


class LeasedJob(models.Model):
    """The lease columns of a job row.

    ``started_at``: when the current attempt was claimed; ``leased_until``:
    the holder's lease, pushed forward by each heartbeat (null while nobody
    holds the job); ``lease_owner``: who holds it (the Celery task id: a
    message redelivered after its worker died carries the same id);
    ``attempts``: how many times the job was claimed (a job whose every
    attempt kills its worker is failed, not retried forever)."""

    started_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True


def lease_claim(
    model: type[LeasedJob],
    *,
    pk: int,
    owner: str,
    duration: timedelta,
    claimable: Q,
    max_attempts: int,
    **values: Any,
) -> bool:
    """Take job ``pk`` for ``owner`` during ``duration`` if it matches
    ``claimable`` (its model's "ready to run" statuses), or if ``owner``
    already held it (the same message redelivered after its worker died),
    or if its lease expired; ``values`` are written with the claim (the
    running status). One conditional UPDATE: True for exactly one caller.
    A job already claimed ``max_attempts`` times is not claimed."""
    now = timezone.now()
    taken = Q(lease_owner=owner) | Q(leased_until__lt=now)
    updated = (
        model._default_manager.filter(pk=pk, attempts__lt=max_attempts)
        .filter(claimable | (Q(leased_until__isnull=False) & taken))
        .update(
            started_at=now,
            leased_until=now + duration,
            lease_owner=owner,
            attempts=F("attempts") + 1,
            **values,
        )
    )
    return updated == 1


def lease_renew(model: type[LeasedJob], *, pk: int, owner: str, duration: timedelta) -> bool:
    """The heartbeat: push ``owner``'s lease on job ``pk`` to now +
    ``duration``; False if the job is no longer its own (swept).

    A job that works inside one long transaction (an all-or-nothing
    file import) would hide its heartbeat until it commits, so the
    heartbeat is then written through a connection of its own. SQLite
    allows one writer at a time: there, inside a transaction, no heartbeat
    is written and the lease taken at the claim must cover the run (the
    embedded default runs jobs in-process, without a sweeper)."""
    until = timezone.now() + duration
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        return (
            model._default_manager.filter(pk=pk, lease_owner=owner).update(leased_until=until) == 1
        )
    if connection.vendor == "sqlite":
        return True
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        sql, params = _update_sql(model, side, until, pk, owner)
        with side.cursor() as cursor:
            cursor.execute(sql, params)
            return bool(cursor.rowcount == 1)
    except DatabaseError:
        # A missed heartbeat only shortens the lease; the job goes on.
        logger.warning("lease heartbeat of %s %s failed", model._meta.label, pk)
        return True
    finally:
        side.close()


def _update_sql(
    model: type[LeasedJob], side: Any, until: Any, pk: int, owner: str
) -> tuple[str, list[Any]]:
    quote = side.ops.quote_name
    meta = model._meta
    # Identifiers come from the model, quoted; values are parameters.
    table, key, until_, owner_ = (
        quote(name) for name in (meta.db_table, meta.pk.column, "leased_until", "lease_owner")
    )
    sql = f"UPDATE {table} SET {until_} = %s WHERE {key} = %s AND {owner_} = %s"  # noqa: S608
    field = meta.get_field("leased_until")
    return sql, [field.get_db_prep_value(until, side), pk, owner]


def leases_expired(queryset: models.QuerySet[Job]) -> models.QuerySet[Job]:
    """The jobs of ``queryset`` whose holder stopped renewing its lease."""
    return queryset.filter(leased_until__lt=timezone.now())


def lease_release(**values: Any) -> dict[str, Any]:
    """The columns that end a lease, to write with a job's final status."""
    return {"leased_until": None, "lease_owner": "", **values}
