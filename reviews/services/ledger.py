"""The tamper-evident record of every review: one chain of
``ReviewLogEntry`` per review, where each entry carries the hash of the one
before it (issue 12, "A tamper-evident record").

What is chained, and where it is appended (inside the transaction of the
change, the review row locked so that two writers cannot fork a chain):

- ``status``: every move of ``Review.status`` (``transitions.review_move``);
- ``audit``: every move of its ``Audit.status`` (``transitions.audit_move``,
  ``transitions.audits_start``);
- ``decision``: every ``ModerationDecision`` (``moderation.review_moderate``);
- ``appeal``: an appeal opened, then decided (``appeals``);
- ``sanction``: a company sanction given or lifted (``sanctions``). A
  sanction is about the company, not one review: it is appended to the
  chain of *every* review the company has at that moment, so that each
  review's history says under which warning it stood.

Payloads hold codes, ids and ISO 8601 UTC dates; free texts (reasons,
notes) only as their SHA-256 digest, so that the record holds no personal
data and outlives the anonymisation of the rows it describes.

``hash = sha256(prev_hash + canonical(payload))`` in hex, where
``canonical`` is JSON with sorted keys, no spaces, UTF-8; the first entry's
``prev_hash`` is :data:`GENESIS`. The backfill migration
(0012_review_log_backfill) builds the existing chains with these same
functions: never change them, chains already written rely on them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from ..models import LedgerKind, Review, ReviewLogEntry

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def canonical(payload: dict[str, Any]) -> str:
    """The one text of ``payload`` that is hashed: JSON, sorted keys, no
    spaces, non-ASCII kept (hashed as UTF-8)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """SHA-256 (hex, 64 characters) of ``prev_hash`` followed by the
    canonical payload."""
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def digest(text: str) -> str:
    """SHA-256 (hex) of a free text, stored instead of the text."""
    return hashlib.sha256(text.strip().encode()).hexdigest()


def iso(at: datetime) -> str:
    """``at`` in UTC, ISO 8601 to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Entry:
    """One entry to append: ``payload`` of JSON values only (str, int,
    None), built by the helpers below."""

    review_id: int
    kind: str
    payload: dict[str, Any]
    actor_id: int | None
    at: datetime


def status_entry(
    *,
    review_id: int,
    event_id: int,
    from_status: str,
    to: str,
    actor_id: int | None,
    reason: str,
    at: datetime,
) -> Entry:
    """A move of the review's status (its ``ReviewEvent`` ``event_id``)."""
    payload = {
        "event": event_id,
        "from": from_status,
        "to": to,
        "actor": actor_id,
        "at": iso(at),
        "reason_sha256": digest(reason),
    }
    return Entry(review_id, LedgerKind.STATUS, payload, actor_id, at)


def audit_entry(
    *,
    review_id: int,
    audit_id: int,
    event_id: int,
    from_status: str,
    to: str,
    actor_id: int | None,
    reason: str,
    at: datetime,
) -> Entry:
    """A move of the review's audit (its ``AuditEvent`` ``event_id``)."""
    payload = {
        "audit": audit_id,
        "event": event_id,
        "from": from_status,
        "to": to,
        "actor": actor_id,
        "at": iso(at),
        "reason_sha256": digest(reason),
    }
    return Entry(review_id, LedgerKind.AUDIT, payload, actor_id, at)


def decision_entry(
    *,
    review_id: int,
    decision_id: int,
    decision: str,
    reason: str,
    note: str,
    actor_id: int | None,
    at: datetime,
) -> Entry:
    payload = {
        "decision_id": decision_id,
        "decision": decision,
        "reason": reason,
        "note_sha256": digest(note),
        "actor": actor_id,
        "at": iso(at),
    }
    return Entry(review_id, LedgerKind.DECISION, payload, actor_id, at)


def appeal_entry(
    *, review_id: int, appeal_id: int, by: str, status: str, actor_id: int | None, at: datetime
) -> Entry:
    payload = {"appeal": appeal_id, "by": by, "status": status, "actor": actor_id, "at": iso(at)}
    return Entry(review_id, LedgerKind.APPEAL, payload, actor_id, at)


def sanction_entry(
    *,
    review_id: int,
    sanction_id: int,
    action: str,
    kind: str,
    reason: str,
    actor_id: int | None,
    at: datetime,
) -> Entry:
    """``action``: "given", "changed" (a warning's count of missed audits)
    or "lifted"; ``kind``: ``SanctionKind`` (warning or freeze)."""
    payload = {
        "sanction": sanction_id,
        "kind": kind,
        "action": action,
        "reason_sha256": digest(reason),
        "actor": actor_id,
        "at": iso(at),
    }
    return Entry(review_id, LedgerKind.SANCTION, payload, actor_id, at)


def append(entries: Sequence[Entry]) -> list[ReviewLogEntry]:
    """Append ``entries`` (in their order) to the chains of their reviews,
    in three statements whatever their number: lock the reviews
    (``select_for_update``, by primary key: no deadlock between two
    batches), read the head of each chain, insert. Runs in the caller's
    transaction (or its own); ``(review, seq)`` is unique, so a writer that
    bypassed the lock fails rather than forks a chain."""
    if not entries:
        return []
    review_ids = sorted({entry.review_id for entry in entries})
    with transaction.atomic():
        list(
            Review.objects.select_for_update()
            .filter(pk__in=review_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        later = ReviewLogEntry.objects.filter(
            review_id=OuterRef("review_id"), seq__gt=OuterRef("seq")
        )
        heads = {
            review_id: (seq, hash_)
            for review_id, seq, hash_ in ReviewLogEntry.objects.filter(review_id__in=review_ids)
            .exclude(Exists(later))
            .values_list("review_id", "seq", "hash")
        }
        rows = []
        for entry in entries:
            seq, prev_hash = heads.get(entry.review_id, (0, GENESIS))
            row = ReviewLogEntry(
                review_id=entry.review_id,
                seq=seq + 1,
                kind=entry.kind,
                payload=entry.payload,
                actor_id=entry.actor_id,
                created_at=entry.at,
                prev_hash=prev_hash,
                hash=entry_hash(prev_hash, entry.payload),
            )
            heads[entry.review_id] = (row.seq, row.hash)
            rows.append(row)
        return ReviewLogEntry.objects.bulk_create(rows)


# --- Verification ----------------------------------------------------------


class BreakKind:
    """How a chain is broken (``Break.kind``)."""

    ALTERED = "altered"  # the payload (or the hash) was changed
    MISSING = "missing"  # an entry was deleted (a gap, a lost start or end)
    REORDERED = "reordered"  # entries swapped: it links to another of its chain
    LINK = "link"  # its prev_hash was edited

    LABELS = {
        ALTERED: _("altered entry"),
        MISSING: _("missing entry"),
        REORDERED: _("entries out of order"),
        LINK: _("link to the previous entry altered"),
    }


@dataclass(frozen=True)
class Break:
    """The first break of one review's chain: at entry ``seq`` (1-based),
    of kind ``kind`` (a :class:`BreakKind` value)."""

    review_id: int
    seq: int
    kind: str

    @property
    def label(self) -> str:
        return str(BreakKind.LABELS[self.kind])

    def __str__(self) -> str:
        return f"review {self.review_id}: entry {self.seq}: {self.kind}"


@dataclass(frozen=True)
class _Row:
    seq: int
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


def chain_check(review_id: int, status: str, rows: Sequence[_Row]) -> Break | None:
    """The first break of one chain, ``rows`` in ``seq`` order, or None.
    Besides the links, the last ``status`` entry must lead to the review's
    current ``status``: an entry deleted at the end is a break too."""
    known = {row.hash for row in rows}
    prev, expected, last_status = GENESIS, 1, ""
    for row in rows:
        if row.seq != expected:
            return Break(review_id, expected, BreakKind.MISSING)
        if row.prev_hash != prev:
            if entry_hash(row.prev_hash, row.payload) != row.hash:
                kind = BreakKind.LINK
            elif row.prev_hash in known:
                kind = BreakKind.REORDERED
            else:
                # A valid entry pointing at nothing of this chain: the entry
                # before it was deleted and the next ones renumbered.
                kind = BreakKind.MISSING
            return Break(review_id, row.seq, kind)
        if entry_hash(prev, row.payload) != row.hash:
            return Break(review_id, row.seq, BreakKind.ALTERED)
        if row.kind == LedgerKind.STATUS:
            last_status = row.payload.get("to", "")
        prev, expected = row.hash, expected + 1
    if last_status != status:
        return Break(review_id, expected, BreakKind.MISSING)
    return None


def chains_check(
    *, review_ids: Iterable[int] | None = None, chunk_size: int = 2000
) -> Iterator[tuple[int, Break | None]]:
    """Check the chain of every review (or of ``review_ids``): yields
    ``(review_id, first break or None)`` per review in primary-key order.
    Two streamed queries whatever the number of reviews (the reviews, and
    all the entries in (review, seq) order), read ``chunk_size`` rows at a
    time, merged as they come: memory holds one chain at a time."""
    reviews = Review.objects.order_by("pk")
    entries = ReviewLogEntry.objects.order_by("review_id", "seq")
    if review_ids is not None:
        ids = list(review_ids)
        reviews, entries = reviews.filter(pk__in=ids), entries.filter(review_id__in=ids)
    stream = entries.values_list("review_id", "seq", "kind", "payload", "prev_hash", "hash")
    rows = iter(stream.iterator(chunk_size=chunk_size))
    pending = next(rows, None)
    for review_id, status in reviews.values_list("pk", "status").iterator(chunk_size=chunk_size):
        chain: list[_Row] = []
        # Entries of reviews that no longer exist cannot be: the key cascades.
        while pending is not None and pending[0] <= review_id:
            if pending[0] == review_id:
                chain.append(_Row(*pending[1:]))
            pending = next(rows, None)
        yield review_id, chain_check(review_id, status, chain)


def review_chain_break(review: Review) -> Break | None:
    """The first break of one review's chain (the staff page), in one
    query."""
    rows = [
        _Row(*values)
        for values in review.log_entries.order_by("seq").values_list(
            "seq", "kind", "payload", "prev_hash", "hash"
        )
    ]
    return chain_check(review.pk, review.status, rows)


def log_break(found: Break) -> None:
    """Log a break: the review's id, the entry, the kind; nothing personal."""
    logger.error(
        "review log broken: review %s, entry %s, %s", found.review_id, found.seq, found.kind
    )


def chains_verify(
    *, review_ids: Iterable[int] | None = None, progress: Callable[[], None] | None = None
) -> list[Break]:
    """Check every chain (:func:`chains_check`), log each break
    (:func:`log_break`) and return them, in review order. ``progress`` is
    called once per review checked (the command's progress bar)."""
    found = []
    for _review_id, broken in chains_check(review_ids=review_ids):
        if broken is not None:
            log_break(broken)
            found.append(broken)
        if progress is not None:
            progress()
    return found
