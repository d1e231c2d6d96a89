"""Sanctions (the policy a visitor reads:
``templates/reviews/includes/sanctions_policy.html``):

- a **warning**, automatic: a company that missed ``REVIEW_STRIKES_WARNING``
  document audits (no invoice within 15 days) within
  ``REVIEW_STRIKES_WINDOW_DAYS`` gets a public warning on its page and its
  search card, lifted by the nightly job once fewer strikes remain in the
  window (:func:`strikes_warn`);
- a **freeze**, by staff who found fake reviews: a public warning and no new
  reviews until lifted (:func:`sanction_create`, :func:`sanction_lift`);
- an **exclusion** is the company's suspension from the directory, decided
  by the vetting team (``eligibility.services.company_set_status``).

Each sanction given, changed or lifted is chained in the record of every
review the company has at that moment (``ledger``); the rule's own moves
have no actor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.page_cache import pages_written
from common.types import User
from directory.models import Company
from loyalty import selectors as loyalty_selectors

from ..models import AuditStatus, Review, Sanction, SanctionKind, Strike
from . import ledger


def company_is_frozen(company: Company) -> bool:
    """A sanction for fake reviews freezes new reviews; a warning does not."""
    return company.review_sanctions.active().freezes().exists()


def _chain(sanction: Sanction, *, action: str, actor_id: int | None, at: datetime) -> None:
    review_ids = Review.objects.filter(company_id=sanction.company_id).order_by("pk")
    ledger.append(
        [
            ledger.sanction_entry(
                review_id=review_id,
                sanction_id=sanction.pk,
                action=action,
                kind=sanction.kind,
                reason=sanction.reason,
                actor_id=actor_id,
                at=at,
            )
            for review_id in review_ids.values_list("pk", flat=True)
        ]
    )


@transaction.atomic
def sanction_create(*, company: Company, actor: User, reason: str) -> Sanction:
    """Fake reviews found: a public warning on the company page and no new
    reviews until staff lift it."""
    if not reason.strip():
        raise ValidationError(_("The warning needs a reason; it is public."))
    if company_is_frozen(company):
        raise ValidationError(_("This company is already sanctioned."))
    sanction = Sanction.objects.create(
        company=company, kind=SanctionKind.FREEZE, reason=reason.strip(), decided_by=actor
    )
    _chain(sanction, action="given", actor_id=actor.pk, at=sanction.created_at)
    return sanction


@transaction.atomic
def sanction_lift(*, sanction: Sanction, actor: User) -> None:
    now = timezone.now()
    if Sanction.objects.active().filter(pk=sanction.pk).update(lifted_at=now, lifted_by=actor):
        _chain(sanction, action="lifted", actor_id=actor.pk, at=now)
        pages_written()  # the public warning goes: an UPDATE sends no signal


# Companies looked at by one statement of :func:`strikes_warn_many`: an
# IN list of at most this many ids (SQLite's bound on parameters is 999 in
# old builds).
WARN_BATCH = 500


def missed_audits(company_id: int, *, now: datetime) -> int:
    """How many document audits the company missed (strikes of missed
    audits) decided within the last ``REVIEW_STRIKES_WINDOW_DAYS`` up to
    ``now``. A failed audit (the scan does not match the client) is a strike
    too, but not a missed invoice: it does not count here. Missed audits
    of sessions recorded without an invoice (``loyalty``) count alike."""
    return missed_audits_by_company([company_id], now=now).get(company_id, 0)


def missed_audits_by_company(company_ids: list[int], *, now: datetime) -> dict[int, int]:
    """:func:`missed_audits` of each of ``company_ids`` (at most a few
    hundred): ``{company id: count}``, companies without any left out. Two
    aggregate queries, whatever the number of companies."""
    since = now - timedelta(days=settings.REVIEW_STRIKES_WINDOW_DAYS)
    counts = dict(
        Strike.objects.filter(
            company_id__in=company_ids,
            audit__status=AuditStatus.MISSED,
            audit__decided_at__gt=since,
            audit__decided_at__lte=now,
        )
        .values("company_id")
        .annotate(n=Count("pk"))
        .values_list("company_id", "n")
    )
    sessions = loyalty_selectors.missed_session_audits_by_company(
        company_ids=company_ids, since=since, until=now
    )
    for company_id, n in sessions.items():
        counts[company_id] = counts.get(company_id, 0) + n
    return counts


def strikes_warn(*, company_id: int, now: datetime | None = None) -> Sanction | None:
    """Keep the company's automatic warning in step with its missed audits:
    from ``REVIEW_STRIKES_WARNING`` of them within the window, an active
    warning saying how many (created, or its count raised); below, the
    active warning is lifted (by nobody: the rule). Returns the active
    warning, or None. The caller holds the transaction."""
    return strikes_warn_many(company_ids=[company_id], now=now).get(company_id)


def strikes_warn_many(
    *, company_ids: Iterable[int], now: datetime | None = None
) -> dict[int, Sanction]:
    """:func:`strikes_warn` for each of ``company_ids``: the missed audits
    and the active warnings read by batches of ``WARN_BATCH`` companies
    (three queries each), then a write only for a company whose warning
    is given, changed or lifted (each chained in its reviews' record).
    Returns ``{company id: active warning}``. The caller holds the
    transaction."""
    now = now or timezone.now()
    ids = sorted(set(company_ids))
    warned: dict[int, Sanction] = {}
    lifted = False
    for start in range(0, len(ids), WARN_BATCH):
        batch = ids[start : start + WARN_BATCH]
        counts = missed_audits_by_company(batch, now=now)
        active: dict[int, Sanction] = {}
        # The newest active warning of a company, as ``.first()`` gave it.
        for sanction in Sanction.objects.active().warnings().filter(company_id__in=batch):
            active.setdefault(sanction.company_id, sanction)
        for company_id in batch:
            warning = _warning_in_step(
                company_id, counts.get(company_id, 0), active.get(company_id), now=now
            )
            if warning is None:
                lifted = lifted or company_id in active
            else:
                warned[company_id] = warning
    if lifted:
        pages_written()  # the public warning goes: an UPDATE sends no signal
    return warned


def _warning_in_step(
    company_id: int, count: int, active: Sanction | None, *, now: datetime
) -> Sanction | None:
    """Give, change or lift the company's warning for ``count`` missed
    audits (see :func:`strikes_warn`); returns the active warning."""
    if count < settings.REVIEW_STRIKES_WARNING:
        if active is not None:
            Sanction.objects.filter(pk=active.pk).update(lifted_at=now)
            _chain(active, action="lifted", actor_id=None, at=now)
        return None
    reason = ngettext(
        "This company did not send the invoice asked for in %(count)d document audit.",
        "This company did not send the invoices asked for in %(count)d document audits.",
        count,
    ) % {"count": count}
    if active is None:
        warning = Sanction.objects.create(
            company_id=company_id,
            kind=SanctionKind.WARNING,
            strike_count=count,
            reason=reason,
            decided_by=None,
        )
        _chain(warning, action="given", actor_id=None, at=warning.created_at)
        return warning
    if active.strike_count != count:
        active.strike_count, active.reason = count, reason
        active.save(update_fields=["strike_count", "reason"])
        _chain(active, action="changed", actor_id=None, at=now)
    return active


def warnings_refresh(*, now: datetime | None = None) -> int:
    """The nightly pass: lift the warnings whose strikes left the window,
    give one to a company that reached the threshold through missed session
    audits. Returns how many warnings are active."""
    now = now or timezone.now()
    ids = set(Sanction.objects.active().warnings().values_list("company_id", flat=True))
    # A missed session audit (loyalty) may be what brings a company to the
    # threshold: those companies are looked at too.
    since = now - timedelta(days=settings.REVIEW_STRIKES_WINDOW_DAYS)
    ids.update(loyalty_selectors.companies_with_session_strikes_since(since=since))
    return len(strikes_warn_many(company_ids=ids, now=now))
