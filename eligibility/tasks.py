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
