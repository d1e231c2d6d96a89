"""The fit of a platform sales prospect (issue 15: "the screening engine
of eligibility gives each a fit — probably eligible / to check / not
suited — from what is known").

What is known decides: once the prospect's application was sent, the
screening of its answers (its verdict: eligible, needs review,
ineligible); before, its trade alone through the screening engine
(``eligibility.selectors.trade_fit_details``: the sector and "amount or
trust" rules); with no trade, "to check". The trades' fits are computed
once per request (a few hundred trades) and passed around; never per
prospect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eligibility.models import ApplicationStatus
from eligibility.screening import Outcome, Verdict, Voice
from eligibility.selectors import TradeFit
from eligibility.services import application_screening

from .models import Prospect

GOOD, CHECK, POOR = "good", "check", "poor"
FIT_LABELS = {
    GOOD: gettext_lazy("Probably eligible"),
    CHECK: gettext_lazy("To check"),
    POOR: gettext_lazy("Not suited"),
}
FIT_CHOICES = list(FIT_LABELS.items())
_VERDICT_FITS = {Verdict.ELIGIBLE: GOOD, Verdict.NEEDS_REVIEW: CHECK, Verdict.INELIGIBLE: POOR}
_FIT_VERDICTS = {fit: verdict.value for verdict, fit in _VERDICT_FITS.items()}
# An application's answers are complete once it was sent.
_SENT = [status for status in ApplicationStatus.values if status != ApplicationStatus.DRAFT]


@dataclass(frozen=True)
class ProspectFit:
    level: str
    reasons: tuple[str, ...] = ()
    # Decided by the answers of the prospect's application, not its trade.
    from_application: bool = False

    @property
    def label(self) -> str:
        return str(FIT_LABELS[self.level])


def _sent(prospect: Prospect) -> bool:
    application = prospect.application if prospect.application_id else None
    return application is not None and application.status in _SENT and bool(application.verdict)


def prospect_fit(
    prospect: Prospect, trades: Mapping[int, TradeFit], *, explain: bool = False
) -> ProspectFit:
    """The fit of one platform prospect (``application`` joined when it
    has one). ``explain``: with the reasons of a sent application's
    screening, re-read for the staff (one prospect's page; the board
    shows the level only)."""
    if _sent(prospect):
        application = prospect.application
        assert application is not None  # noqa: S101 (checked by _sent)
        level = _VERDICT_FITS[Verdict(application.verdict)]
        reasons: tuple[str, ...] = ()
        if explain:
            screening = application_screening(application, voice=Voice.STAFF)
            reasons = tuple(
                rule.message for rule in screening.rules if rule.outcome != Outcome.PASS
            ) or (_("Every rule of the screening passes."),)
        return ProspectFit(level, reasons, from_application=True)
    if prospect.profession_id is None or prospect.profession_id not in trades:
        return ProspectFit(CHECK, (_("Trade not known yet: add it to see the fit."),))
    trade = trades[prospect.profession_id]
    return ProspectFit(trade.fit, trade.reasons)


def prospect_fits(
    prospects: Iterable[Prospect], trades: Mapping[int, TradeFit]
) -> dict[int, ProspectFit]:
    """The fit of each prospect, by id (no query: ``application`` joined)."""
    return {prospect.pk: prospect_fit(prospect, trades) for prospect in prospects}


def fit_filter(level: str, trades: Mapping[int, TradeFit]) -> Q:
    """The prospects whose fit is ``level``, as a condition (the board's
    filter): the verdict of a sent application, else the trade's fit."""
    sent = Q(application__status__in=_SENT) & ~Q(application__verdict="")
    not_sent = (
        Q(application__isnull=True)
        | Q(application__status=ApplicationStatus.DRAFT)
        | Q(application__verdict="")
    )
    by_trade = Q(profession_id__in=[pk for pk, trade in trades.items() if trade.fit == level])
    if level == CHECK:
        by_trade |= Q(profession__isnull=True)
    return (sent & Q(application__verdict=_FIT_VERDICTS[level])) | (not_sent & by_trade)
