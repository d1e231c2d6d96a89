"""Document audits of sessions recorded without an invoice (issue 13:
"the same random document audit as reviews"; the pattern of
``reviews.services.audits``).

Each night a random share (``LOYALTY_AUDIT_RATE``) of the completed
sessions recorded the day before without an invoice (form, file, API) is
audited: the company has ``AUDIT_DAYS`` days to send the invoice that
covers the session; staff compare it. A failed audit (the invoice does not
cover the session) or a missed one (nothing sent in time) **excludes the
session**: ``ServiceSession.excluded_at`` is set and the score no longer
counts it (``ServiceSessionQuerySet.counted``); and a
:class:`~loyalty.models.SessionStrike` is recorded against the company."""

from __future__ import annotations

import hmac
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.types import User

from .. import emails
from ..identity import NoClientIdentity, client_key
from ..models import (
    ServiceSession,
    ServiceSessionQuerySet,
    SessionAudit,
    SessionAuditEvent,
    SessionAuditScan,
    SessionAuditStatus,
    SessionStrike,
)

# The same delay as the audits of reviews (reviews.services.audits.AUDIT_DAYS).
AUDIT_DAYS = 15
# Bound of one night's work; the rest waits for the next night.
MAX_AUDITS_PER_RUN = 5000


@dataclass(frozen=True)
class SessionAuditReport:
    opened: int
    missed: int


def session_audit_move(
    *,
    audit: SessionAudit,
    to: str,
    by: str,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
    also: Iterable[str] = (),
) -> SessionAuditEvent:
    """Move ``audit`` to ``to`` and record who, from, to and why (a
    write-once :class:`SessionAuditEvent`). A decision (passed, failed,
    missed) stamps ``decided_at`` and ``decided_by``. Raises
    ``TransitionError`` for a move ``by`` (system, company, staff) may not
    make (``SESSION_AUDIT_TRANSITIONS``). The caller holds the row locked."""
    at = at or timezone.now()
    from_status = audit.status_move(to=to, by=by, actor=actor, at=at, also=also)
    return SessionAuditEvent.objects.create(
        audit=audit,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        created_at=at,
    )


def auditable_sessions() -> ServiceSessionQuerySet:
    """Sessions a document audit may be opened on: completed, still
    counted, recorded without an invoice, not audited yet."""
    return ServiceSession.objects.counted().filter(invoice__isnull=True, audit__isnull=True)


def _company_seed(seed: int | str, company_id: int) -> str:
    # One draw per company from its own seed: a company's sample does not
    # depend on what other companies recorded that day.
    return f"{seed}:{company_id}"


@transaction.atomic
def session_audits_open(*, now: datetime | None = None, seed: int | str | None = None) -> int:
    """Open audits on a random sample of the sessions recorded without an
    invoice in the day before ``now`` (completed, still counted), drawn
    **per company**: ``LOYALTY_AUDIT_RATE`` of each company's sessions of
    the day, rounded up, at most ``LOYALTY_AUDITS_PER_COMPANY_MAX``; and
    e-mail each company's members once, listing its new audits
    (``emails.send_session_audits_request``).

    Each company's sample is drawn among all its sessions of the day,
    audited or not, from a seed made of the night's seed (default: the
    date) and the company's id, then those already audited are left out:
    a rerun of the same night draws the same samples and opens nothing
    more. Companies are taken in id order and the night stops after
    ``MAX_AUDITS_PER_RUN`` audits. Returns how many were opened."""
    now = now or timezone.now()
    night_seed = seed if seed is not None else now.date().isoformat()
    fresh: dict[int, list[int]] = defaultdict(list)
    rows = (
        ServiceSession.objects.counted()
        .filter(invoice__isnull=True, created_at__gte=now - timedelta(days=1), created_at__lte=now)
        .order_by("company_id", "pk")
        .values_list("company_id", "pk")
    )
    for company_id, pk in rows.iterator(chunk_size=2000):
        fresh[company_id].append(pk)
    per_company = settings.LOYALTY_AUDITS_PER_COMPANY_MAX
    opened = 0
    for company_id, pks in sorted(fresh.items()):
        if opened >= MAX_AUDITS_PER_RUN:
            break
        # A sample, not a secret: reproducible on purpose.
        rng = random.Random(_company_seed(night_seed, company_id))  # noqa: S311
        k = min(math.ceil(len(pks) * settings.LOYALTY_AUDIT_RATE), per_company, len(pks))
        drawn = rng.sample(pks, k=k)
        sample = sorted(auditable_sessions().filter(pk__in=drawn).values_list("pk", flat=True))
        sample = sample[: MAX_AUDITS_PER_RUN - opened]
        if not sample:
            continue
        for pk in sample:
            audit = SessionAudit(
                session_id=pk, opened_at=now, due_at=now + timedelta(days=AUDIT_DAYS)
            )
            session_audit_move(
                audit=audit,
                to=SessionAuditStatus.OPEN,
                by="system",
                actor=None,
                reason=_("Random sample of the sessions recorded without an invoice."),
                at=now,
            )
        emails.send_session_audits_request(company_id=company_id, session_ids=sample)
        opened += len(sample)
    return opened


def _exclude(audit: SessionAudit, *, missed: bool, at: datetime) -> None:
    """The session no longer counts, and the company gets a strike."""
    session = ServiceSession.objects.select_for_update().get(pk=audit.session_id)
    if session.excluded_at is None:
        session.excluded_at = at
        session.save(update_fields=["excluded_at"])
    SessionStrike.objects.get_or_create(
        audit=audit, defaults={"company_id": session.company_id, "missed": missed, "created_at": at}
    )


def session_audits_close_overdue(*, now: datetime | None = None) -> int:
    """Audits still open after ``due_at``: missed, the session excluded and
    a strike recorded. Returns how many."""
    now = now or timezone.now()
    overdue = list(
        SessionAudit.objects.filter(status=SessionAuditStatus.OPEN, due_at__lt=now).values_list(
            "pk", flat=True
        )[:MAX_AUDITS_PER_RUN]
    )
    closed = 0
    for pk in overdue:
        with transaction.atomic():
            # Locked: a second run waits, then finds it no longer open.
            audit = (
                SessionAudit.objects.select_for_update()
                .filter(pk=pk, status=SessionAuditStatus.OPEN)
                .first()
            )
            if audit is None:
                continue
            audit.note = _("Invoice not sent within 15 days.")
            session_audit_move(
                audit=audit,
                to=SessionAuditStatus.MISSED,
                by="system",
                actor=None,
                reason=audit.note,
                at=now,
                also=["note"],
            )
            _exclude(audit, missed=True, at=now)
            closed += 1
    return closed


def session_audits_run(
    *, now: datetime | None = None, seed: int | str | None = None
) -> SessionAuditReport:
    """The nightly job: open the day's audits, close the overdue ones."""
    opened = session_audits_open(now=now, seed=seed)
    missed = session_audits_close_overdue(now=now)
    return SessionAuditReport(opened=opened, missed=missed)


def invoice_client_matches(
    *, session: ServiceSession, email: str = "", phone: str = "", name: str = ""
) -> bool | None:
    """Whether the client written on the invoice is the session's client:
    the key (``loyalty.identity.client_key``) of the e-mail, of the phone
    and of the name, each alone, compared with the session's. Each alone,
    because the session's key was made from whichever the pro had when
    recording it (the e-mail first), and the invoice may carry another.
    None when nothing usable is given."""
    keys = set()
    for identity in ({"email": email}, {"phone": phone}, {"name": name}):
        try:
            keys.add(client_key(company_id=session.company_id, **identity))
        except NoClientIdentity:
            continue
    if not keys:
        return None
    return any(hmac.compare_digest(key, session.client_key) for key in keys)


@transaction.atomic
def session_audit_submit_scan(
    *,
    audit: SessionAudit,
    upload: UploadedFile,
    actor: User | None,
    client_email: str = "",
    client_phone: str = "",
    client_name: str = "",
) -> SessionAuditScan:
    """The company (``actor``, a member) sends the scan of the invoice that
    covers the session, with the client as written on the invoice (e-mail,
    phone or name; the pro space's form asks for one at least). Whether
    that client has the session's key is kept (``client_matches``, for
    staff), never what was typed. Each scan is kept in its own file, a
    second one added to the first (its client answer replaces the first's).
    Raises ``ValidationError`` for a closed audit or a file that is not a
    PDF, JPEG or PNG document (``common.validators.validate_document``)."""
    audit = SessionAudit.objects.select_for_update().select_related("session").get(pk=audit.pk)
    if audit.status not in (SessionAuditStatus.OPEN, SessionAuditStatus.SUBMITTED):
        raise ValidationError(_("This audit is closed."))
    scan = SessionAuditScan(audit=audit, file=upload, sent_by=actor)
    scan.full_clean(exclude=["audit"])
    scan.save()
    matches = invoice_client_matches(
        session=audit.session, email=client_email, phone=client_phone, name=client_name
    )
    also = []
    if matches is not None:
        audit.client_matches = matches
        also.append("client_matches")
    again = audit.status == SessionAuditStatus.SUBMITTED
    session_audit_move(
        audit=audit,
        to=SessionAuditStatus.SUBMITTED,
        by="company",
        actor=actor,
        reason=(
            _("Another scan of the invoice was sent.")
            if again
            else _("The scan of the invoice was sent.")
        ),
        also=also,
    )
    return scan


@transaction.atomic
def session_audit_decide(*, audit: SessionAudit, actor: User, passed: bool, note: str = "") -> None:
    """Staff compared the scan with the session (date, client, amount):
    ``passed`` closes the audit; a failure (``note`` required: what does
    not match) excludes the session and records a strike. Raises
    ``ValidationError`` for an audit not waiting for a decision, or a
    failure without a note."""
    audit = SessionAudit.objects.select_for_update().get(pk=audit.pk)
    if audit.status != SessionAuditStatus.SUBMITTED:
        raise ValidationError(_("Only an audit whose invoice was sent can be decided."))
    note = note.strip()
    if passed:
        audit.note = note
        session_audit_move(
            audit=audit,
            to=SessionAuditStatus.PASSED,
            by="staff",
            actor=actor,
            reason=note or _("The invoice covers the session."),
            also=["note"],
        )
        return
    if not note:
        raise ValidationError(_("Say what does not match."))
    audit.note = note
    now = timezone.now()
    session_audit_move(
        audit=audit,
        to=SessionAuditStatus.FAILED,
        by="staff",
        actor=actor,
        reason=note,
        at=now,
        also=["note"],
    )
    _exclude(audit, missed=False, at=now)
