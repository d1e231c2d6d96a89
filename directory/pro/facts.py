"""What the pro space shows, as plain values, and the rule that picks the
one next step that matters.

The pro space lives in ``directory`` but shows what the apps above it know
(reviews: invoices, invitations, audits; loyalty: the audits of sessions;
eligibility: applications and
status decisions). ``directory`` may not import them (pyproject.toml,
import-linter layers), so the types are defined here and the apps fill them
through the functions named in ``settings.PRO_SPACE_SOURCES`` (see
``directory.pro.selectors``) — the same inversion as the personal data
export's ``PERSONAL_DATA_SECTIONS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone


@dataclass(frozen=True)
class ReviewFigures:
    """A company's verified-review activity (filled by ``reviews``).

    Counts are whole numbers; ``rating_average`` is on the 1–5 scale, None
    without a published review; ``next_audit_due`` is the earliest deadline
    of the document audits waiting for the pro, None without one."""

    invoices_this_month: int = 0
    invoices_total: int = 0
    invitations_sent: int = 0
    invitations_opened: int = 0
    invitations_answered: int = 0
    reviews_published: int = 0
    rating_average: float | None = None
    audits_open: int = 0
    next_audit_due: datetime | None = None


@dataclass(frozen=True)
class SessionAuditFigures:
    """A company's document audits of sessions waiting for the pro's
    invoice (filled by ``loyalty``): how many, and the earliest deadline
    among them (None without one)."""

    audits_open: int = 0
    next_audit_due: datetime | None = None


@dataclass(frozen=True)
class ApplicationState:
    """A user's latest application to be listed (filled by ``eligibility``).

    ``status`` is the application's status code (draft, submitted,
    needs_information, approved, rejected), ``label`` its translated name,
    ``url`` where the applicant follows or continues it."""

    status: str
    label: str
    url: str
    submitted_at: datetime | None = None
    legal_name: str = ""


@dataclass(frozen=True)
class Suspension:
    """Why and since when a company is suspended: the reason of its latest
    move to "suspended" (filled by ``eligibility``)."""

    reason: str
    since: datetime


@dataclass(frozen=True)
class CheckFigures:
    """A listed company's vetting checks (filled by ``eligibility``; zeros
    for a company that is not listed, whose checks are its application's).

    ``unsettled``: required checks neither passed (and still valid) nor
    found not applicable — to do, failed or expired; ``expired``: those
    among them whose pass ended; ``settle_by``: the date by which they must
    be passed (the grace given to companies listed before the checks
    existed), None without one. ``ending``: passes that end within 30 days
    (the first reminder, ``settings.VETTING_REMINDER_DAYS``), ``ends_on``
    the earliest of their ends."""

    unsettled: int = 0
    expired: int = 0
    settle_by: date | None = None
    ending: int = 0
    ends_on: date | None = None


@dataclass(frozen=True)
class Facts:
    """What the next-step rule looks at (all counts >= 0)."""

    suspended: bool = False
    profile_gaps: int = 0
    new_quotes: int = 0
    figures: ReviewFigures = ReviewFigures()
    session_audits: SessionAuditFigures = SessionAuditFigures()
    checks: CheckFigures = CheckFigures()


@dataclass(frozen=True)
class NextStep:
    """The one step the dashboard puts first: ``kind`` names it (the
    template words it and links it), ``count`` and ``days`` fill its text
    (``days`` is whole days left, rounded down: 0 within the last 24 hours).
    For ``audit``, ``count`` is every audit waiting for the pro and
    ``session_audits`` those of sessions among them."""

    kind: str
    count: int = 0
    days: int | None = None
    session_audits: int = 0
    expired: int = 0


def days_left(due: datetime, now: datetime) -> int:
    """Whole days from ``now`` to ``due``, rounded down so that the pro is
    never told they have more time than they do (a deadline in 30 hours is
    "1 day", in 5 hours "today" = 0), never below 0."""
    return max(0, math.floor((due - now).total_seconds() / 86400))


# A vetting document that ends within this many days (the second reminder,
# settings.VETTING_REMINDER_DAYS) comes before new quote requests.
CHECK_URGENT_DAYS = 7


def _days_to(day: date | None, now: datetime) -> int | None:
    """Whole days from ``now``'s local date to ``day`` (0 today or past)."""
    return None if day is None else max(0, (day - timezone.localdate(now)).days)


def next_step(facts: Facts, now: datetime) -> NextStep:
    """The one next step that matters, first match wins:

    1. ``suspended``: contest the suspension (nothing else is visible).
    2. ``audit``: a document audit (of a review or of a session) waits for
       an invoice — missing its deadline is a strike (PRODUCT.md, document
       audits); ``days`` to the earliest deadline of either kind.
    3. ``checks``: a required vetting check is unsettled (expired, failed,
       or never passed by a company listed before the checks existed):
       past its date the team reviews the listing (issue 17); ``count``
       unsettled, ``expired`` among them, ``days`` to ``settle_by``.
       ``checks_ending`` when a vetting document ends within
       ``CHECK_URGENT_DAYS``: ``count`` ending, ``days`` to the first end.
    4. ``quotes``: new quote requests — a client is waiting.
    5. ``checks_ending`` when a document ends within 30 days.
    6. ``profile`` then ``first_invoice``: a new pro completes its profile,
       then registers its first invoice (the start of verified reviews).
    7. ``month_invoices``: no invoice registered this month.
    8. ``profile`` again while gaps remain, else ``reviews``: all is done,
       read and answer the reviews.
    """
    figures = facts.figures
    if facts.suspended:
        return NextStep("suspended")
    sessions = facts.session_audits
    if figures.audits_open or sessions.audits_open:
        dues = [due for due in (figures.next_audit_due, sessions.next_audit_due) if due]
        days = days_left(min(dues), now) if dues else None
        return NextStep(
            "audit",
            count=figures.audits_open + sessions.audits_open,
            days=days,
            session_audits=sessions.audits_open,
        )
    checks = facts.checks
    if checks.unsettled:
        return NextStep(
            "checks",
            count=checks.unsettled,
            days=_days_to(checks.settle_by, now),
            expired=checks.expired,
        )
    ending = NextStep("checks_ending", count=checks.ending, days=_days_to(checks.ends_on, now))
    if checks.ending and ending.days is not None and ending.days <= CHECK_URGENT_DAYS:
        return ending
    if facts.new_quotes:
        return NextStep("quotes", count=facts.new_quotes)
    if checks.ending:
        return ending
    if not figures.invoices_total:
        if facts.profile_gaps:
            return NextStep("profile", count=facts.profile_gaps)
        return NextStep("first_invoice")
    if not figures.invoices_this_month:
        return NextStep("month_invoices")
    if facts.profile_gaps:
        return NextStep("profile", count=facts.profile_gaps)
    return NextStep("reviews", count=figures.reviews_published)
