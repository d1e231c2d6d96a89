"""Recording completed sessions: one by one (the form, an invoice, the API)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.models import full_clean_known
from common.text import identifier_text
from common.types import User
from directory.models import Company

from ..identity import NoClientIdentity, client_key
from ..models import ServiceSession, SessionSource, SessionStatus


class Invoice(Protocol):
    """What a session reads of an invoice (``reviews.models.Invoice``, a
    feature above this app: it calls us, we never import it)."""

    pk: Any
    company: Company
    company_id: Any
    number: str
    issued_on: date
    amount: Decimal | None
    client_name: str
    client_email: str
    client_phone: str
    created_by: Any
    created_by_id: Any
    created_at: datetime


def session_record(
    *,
    company: Company,
    performed_on: date,
    source: str,
    reference: str,
    email: str = "",
    phone: str = "",
    name: str = "",
    amount: Decimal | None = None,
    status: str = SessionStatus.COMPLETED,
    invoice: Invoice | None = None,
    actor: User | None = None,
) -> tuple[ServiceSession, bool]:
    """Record a session once: ``(session, created)``. The client is kept
    as a key only (``loyalty.identity.client_key`` of ``email``, else
    ``phone``, else ``name``). A second call with the same company,
    ``source`` and ``reference`` (a re-import, a retried API call) returns
    the session already recorded, unchanged, with ``created`` False.
    Raises ``ValidationError`` when the client cannot be told (no e-mail,
    phone or name), for a blank reference or invalid fields. The reference
    is kept in one written form (``common.text.identifier_text``): two
    that read the same are one session."""
    reference = identifier_text(reference)
    if not reference:
        raise ValidationError({"reference": _("Give the session a reference.")})
    existing = _recorded(company, source, reference)
    if existing is not None:
        return existing, False
    return _session_insert(
        company=company,
        performed_on=performed_on,
        source=source,
        reference=reference,
        email=email,
        phone=phone,
        name=name,
        amount=amount,
        status=status,
        invoice=invoice,
        actor=actor,
    )


def _recorded(company: Company, source: str, reference: str) -> ServiceSession | None:
    """The session recorded under ``reference`` (in its written form)."""
    return ServiceSession.objects.filter(
        company=company, source=source, reference=reference
    ).first()


def _session_insert(
    *,
    company: Company,
    performed_on: date,
    source: str,
    reference: str,
    email: str,
    phone: str,
    name: str,
    amount: Decimal | None,
    status: str,
    invoice: Invoice | None,
    actor: User | None,
) -> tuple[ServiceSession, bool]:
    """:func:`session_record` once the reference (written form, not
    blank) is known not to be recorded."""
    try:
        key = client_key(company_id=company.pk, email=email, phone=phone, name=name)
    except NoClientIdentity as error:
        raise ValidationError(
            _("Give the client's e-mail, phone number or name."), code="no_client"
        ) from error
    session = ServiceSession(
        company=company,
        client_key=key,
        performed_on=performed_on,
        amount=amount,
        status=status,
        source=source,
        invoice_id=invoice.pk if invoice is not None else None,
        reference=reference,
        created_by=actor,
    )
    # The company, the invoice and the actor are rows the caller holds.
    full_clean_known(
        session,
        known=["company", "invoice", "created_by"],
        exclude=["client_key"],
        validate_constraints=False,
    )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        # The same reference recorded meanwhile by a concurrent call.
        existing = _recorded(company, source, reference)
        if existing is None:
            raise
        return existing, False
    return session, True


def session_for_invoice(*, invoice: Invoice) -> ServiceSession:
    """Every registered invoice is a completed session on its date (issue
    13), recorded in the transaction that registers it, whatever the path
    (form, file import, API): the invoice's number is the reference."""
    session, _created = session_record(
        company=invoice.company,
        performed_on=invoice.issued_on,
        source=SessionSource.INVOICE,
        reference=invoice.number,
        email=invoice.client_email,
        phone=invoice.client_phone,
        name=invoice.client_name,
        amount=invoice.amount,
        invoice=invoice,
        actor=invoice.created_by,
    )
    return session


# How far back a session may be dated: the score observes the last 18
# months or so; older sessions only count towards the minimum of sessions,
# and a date decades back is a typing slip.
SESSION_MAX_AGE_YEARS = 10


def oldest_session_day(today: date) -> date:
    """The earliest date a session may have: 1 January,
    :data:`SESSION_MAX_AGE_YEARS` years before ``today``'s year."""
    return date(today.year - SESSION_MAX_AGE_YEARS, 1, 1)


# "S-" and 8 characters of a base-32 alphabet without 0/O and 1/I/L:
# 32**8 (about 10**12) values, so a company never meets a collision in
# practice; one is retried all the same.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "S-"


def session_reference_new(*, company: Company, source: str = SessionSource.FORM) -> str:
    """A reference no session of ``company`` and ``source`` has yet:
    ``"S-"`` and 8 characters easy to read aloud (``"S-7KQ2M9XA"``)."""
    while True:
        reference = REFERENCE_PREFIX + "".join(
            secrets.choice(REFERENCE_ALPHABET) for _position in range(8)
        )
        if not ServiceSession.objects.filter(
            company=company, source=source, reference=reference
        ).exists():
            return reference


def session_date_check(performed_on: date) -> None:
    """Raises ``ValidationError`` (``performed_on``) for a date in the
    future or before :func:`oldest_session_day`."""
    today = timezone.localdate()
    if performed_on > today:
        raise ValidationError({"performed_on": _("The date is in the future.")})
    if performed_on < oldest_session_day(today):
        raise ValidationError(
            {
                "performed_on": _("A session cannot be dated more than %(years)s years back.")
                % {"years": SESSION_MAX_AGE_YEARS}
            }
        )


@transaction.atomic
def session_create(
    *,
    company: Company,
    actor: User,
    performed_on: date,
    status: str,
    reference: str = "",
    email: str = "",
    phone: str = "",
    name: str = "",
    amount: Decimal | None = None,
) -> ServiceSession:
    """A session the pro records on the form, without an invoice (recurring
    work: childcare, cleaning, coaching). A blank ``reference`` gets a new
    one (:func:`session_reference_new`), unless the same client already
    has a session of that date and status recorded by the form or a file
    (the form sent twice): then ``ValidationError`` (``{"reference": …}``,
    naming that session), since two sessions of one client on one day need
    their own references. Also raises ``ValidationError`` when the
    reference is already recorded by the form, for a date in the future or
    before :func:`oldest_session_day`, or no client identity."""
    session_date_check(performed_on)
    reference = identifier_text(reference)
    if not reference:
        try:
            key = client_key(company_id=company.pk, email=email, phone=phone, name=name)
        except NoClientIdentity:
            key = ""
        same = (
            ServiceSession.objects.filter(
                company=company,
                client_key=key,
                performed_on=performed_on,
                status=status,
                source__in=[SessionSource.FORM, SessionSource.CSV],
            )
            .values_list("reference", flat=True)
            .first()
        )
        if key and same is not None:
            raise ValidationError(
                {
                    "reference": _(
                        "This session is already recorded (reference %(reference)s): same "
                        "client, same day. If the client really had two sessions that day, "
                        "give this one its own reference."
                    )
                    % {"reference": same}
                }
            )
    reference = reference or session_reference_new(company=company)
    if ServiceSession.objects.filter(
        company=company, source=SessionSource.FORM, reference=reference
    ).exists():
        raise ValidationError(
            {"reference": _("A session with this reference is already recorded.")}
        )
    session, _created = session_record(
        company=company,
        performed_on=performed_on,
        source=SessionSource.FORM,
        reference=reference,
        email=email,
        phone=phone,
        name=name,
        amount=amount,
        status=status,
        actor=actor,
    )
    return session


def session_from_partner(
    *,
    company: Company,
    performed_on: date,
    status: str,
    reference: str,
    email: str = "",
    phone: str = "",
    name: str = "",
    amount: Decimal | None = None,
) -> tuple[ServiceSession, bool]:
    """A session a connected partner sends (the API, source ``api``), under
    its own ``reference``: ``(session, created)``. The same reference again
    (a retried call) returns the session already recorded, unchanged
    (:func:`session_record`). Raises ``ValidationError`` for a blank
    reference, a date in the future or too far back, or no client
    identity. One look-up and one INSERT (in its own savepoint): no
    transaction of its own, the caller's (a batch item's) is enough."""
    # In its written form, as session_record keeps it: a retry spelled
    # "S–1" finds "S-1" even when its date is now out of range.
    reference = identifier_text(reference)
    existing = _recorded(company, SessionSource.API, reference) if reference else None
    if existing is not None:
        return existing, False
    session_date_check(performed_on)
    if not reference:
        raise ValidationError({"reference": _("Give the session a reference.")})
    return _session_insert(
        company=company,
        performed_on=performed_on,
        source=SessionSource.API,
        reference=reference,
        email=email,
        phone=phone,
        name=name,
        amount=amount,
        status=status,
        invoice=None,
        actor=None,
    )


def sessions_for_invoices(invoices: Iterable[Invoice], *, batch_size: int = 1000) -> int:
    """:func:`session_for_invoice` in bulk, for invoices written in bulk
    (the demo's ``bulk_create``, which no service sees): one completed
    session per invoice on its date, recorded when the invoice was
    (``created_at``), in batches of ``batch_size``. An invoice whose
    session exists (same company and number) is left as it is; one that
    names no client (its client data erased) gets none. Returns the
    sessions offered for insertion."""
    offered = 0
    batch: list[ServiceSession] = []
    for invoice in invoices:
        try:
            key = client_key(
                company_id=invoice.company_id,
                email=invoice.client_email,
                phone=invoice.client_phone,
                name=invoice.client_name,
            )
        except NoClientIdentity:
            continue
        batch.append(
            ServiceSession(
                company_id=invoice.company_id,
                client_key=key,
                performed_on=invoice.issued_on,
                amount=invoice.amount,
                status=SessionStatus.COMPLETED,
                source=SessionSource.INVOICE,
                invoice_id=invoice.pk,
                reference=invoice.number,
                created_by_id=invoice.created_by_id,
                created_at=invoice.created_at,
            )
        )
        if len(batch) == batch_size:
            ServiceSession.objects.bulk_create(batch, ignore_conflicts=True)
            offered += len(batch)
            batch = []
    ServiceSession.objects.bulk_create(batch, ignore_conflicts=True)
    return offered + len(batch)
