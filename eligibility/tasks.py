"""The nightly step of eligibility: services do the work.
E-mail tasks live in ``emails`` (queued by the services)."""

from __future__ import annotations

from common.nightly import StepResult

from . import services


def nightly_rescreen() -> StepResult:
    """The night's step "eligibility" (``common.nightly``): the listed
    companies whose facts changed since their last screening, screened
    again (a screening row each) and flagged when they no longer fit."""
    report = services.companies_rescreen()
    return StepResult(
        read=report.screened,
        changed=report.screened + report.flagged,
        detail={"flagged": report.flagged},
    )


def nightly_checks() -> StepResult:
    """The night's step "vetting-checks" (``common.nightly``), after the
    re-screening: grace periods given, reminders of passes about to end,
    flags for ended passes and overdue checks
    (``services.checks_watch``)."""
    report = services.checks_watch()
    return StepResult(
        read=report.due_added + report.reminders + report.expired_flags + report.overdue_flags,
        changed=report.due_added + report.reminders + report.expired_flags + report.overdue_flags,
        detail={
            "due_added": report.due_added,
            "reminders": report.reminders,
            "expired_flags": report.expired_flags,
            "overdue_flags": report.overdue_flags,
        },
    )
