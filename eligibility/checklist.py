"""Reads of the vetting checks (issue 17): the checklist of an application
or of a company, each check with its evidence, its latest decision and
its state, and what the public sees of them. Writes are in
``eligibility.services`` (``evidence_add``, ``check_decide``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from directory.models import Company, CompanyProfession, Profession

from .checks import Check, TradeChecks, checks_for
from .models import (
    Application,
    ApplicationStatus,
    CheckDecision,
    CheckState,
    Evidence,
)

# States that let an approval through: a pass still valid, or a check the
# vetter found does not apply to this company.
SATISFIED = (CheckState.PASSED, CheckState.NOT_APPLICABLE)
# The first reminder's distance (settings.VETTING_REMINDER_DAYS): from then
# on the pro space shows the pass as ending soon.
ENDS_SOON_DAYS = 30


@dataclass
class CheckItem:
    """One check of a checklist: ``decisions`` oldest first (the last one
    is the state), ``evidence`` newest first."""

    check: Check
    required: bool
    state: CheckState = CheckState.TODO
    decisions: list[CheckDecision] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    # Days until a valid pass ends (0: ends today); None without an end.
    days_left: int | None = None

    @property
    def ends_soon(self) -> bool:
        """A pass that ends within 30 days: time to send the new document."""
        return self.days_left is not None and self.days_left <= ENDS_SOON_DAYS

    @property
    def decision(self) -> CheckDecision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def satisfied(self) -> bool:
        return self.state in SATISFIED

    @property
    def latest_evidence(self) -> Evidence | None:
        return self.evidence[0] if self.evidence else None

    @property
    def renewal_sent(self) -> Evidence | None:
        """The newest document when it was sent after the latest decision
        (a renewed insurance the team has not checked yet), else None."""
        latest, decision = self.latest_evidence, self.decision
        if latest is None or decision is None or latest.uploaded_at <= decision.created_at:
            return None
        return latest

    @property
    def awaits_a_document(self) -> bool:
        """Whether a document from the company would move this check: it
        takes one, and none sent since the latest decision (or, never
        decided, none at all) waits for the team."""
        if not self.check.needs_document:
            return False
        if self.decision is None:
            return not self.evidence
        return self.renewal_sent is None

    @property
    def missing_evidence(self) -> bool:
        """A document check with nothing sent yet: a to-do for the company."""
        return self.check.needs_document and not self.evidence


def state_of(decision: CheckDecision | None, today: date) -> CheckState:
    """A check's state from its latest decision on ``today``: to do
    without one, expired for a pass whose ``valid_until`` is before today."""
    if decision is None:
        return CheckState.TODO
    if (
        decision.state == CheckState.PASSED
        and decision.valid_until is not None
        and decision.valid_until < today
    ):
        return CheckState.EXPIRED
    return CheckState(decision.state)


def _build(
    trades: Iterable[TradeChecks],
    decisions: Iterable[CheckDecision],
    evidence: Iterable[Evidence],
    today: date,
) -> list[CheckItem]:
    items = {a.check.code: CheckItem(a.check, a.required) for a in checks_for(trades)}
    for decision in sorted(decisions, key=lambda d: (d.created_at, d.pk)):
        if decision.check_code in items:
            items[decision.check_code].decisions.append(decision)
    for document in sorted(evidence, key=lambda e: (e.uploaded_at, e.pk), reverse=True):
        if document.check_code in items:
            items[document.check_code].evidence.append(document)
    for item in items.values():
        item.state = state_of(item.decision, today)
        latest = item.decision
        if item.state == CheckState.PASSED and latest and latest.valid_until:
            item.days_left = (latest.valid_until - today).days
    return list(items.values())


def application_checklist(application: Application, today: date | None = None) -> list[CheckItem]:
    """The checks of an application's trades, in the catalogue's order
    (three queries)."""
    return _build(
        application.professions.all(),
        CheckDecision.objects.filter(application=application).select_related("actor"),
        Evidence.objects.filter(application=application),
        today or timezone.localdate(),
    )


def _of_company(company_ids: Iterable[int]) -> Q:
    """A company's own rows and those of the application that listed it."""
    ids = list(company_ids)
    return Q(company_id__in=ids) | Q(
        application__company_id__in=ids, application__status=ApplicationStatus.APPROVED
    )


def company_checklist(company: Company, today: date | None = None) -> list[CheckItem]:
    """The checks of a company's trades: its approved application's
    decisions and documents, then those made since it is listed."""
    return companies_checklists([company], today)[company.pk]


def companies_checklists(
    companies: Iterable[Company], today: date | None = None
) -> dict[int, list[CheckItem]]:
    """:func:`company_checklist` of many companies in four queries:
    ``{company id: checklist}``."""
    companies = list(companies)
    ids = [company.pk for company in companies]
    today = today or timezone.localdate()
    trades: dict[int, list[Profession]] = defaultdict(list)
    for row in CompanyProfession.objects.filter(company_id__in=ids).select_related("profession"):
        trades[row.company_id].append(row.profession)
    decisions: dict[int, list[CheckDecision]] = defaultdict(list)
    for decision in (
        CheckDecision.objects.filter(_of_company(ids))
        .select_related("actor", "application")
        .order_by("created_at", "pk")
    ):
        owner = decision.company_id or decision.application.company_id
        decisions[owner or 0].append(decision)
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for document in Evidence.objects.filter(_of_company(ids)).select_related("application"):
        owner = document.company_id or document.application.company_id
        evidence[owner or 0].append(document)
    return {pk: _build(trades[pk], decisions[pk], evidence[pk], today) for pk in ids}


def unmet_required(checklist: list[CheckItem]) -> list[CheckItem]:
    """The required checks neither passed (and still valid) nor found not
    applicable: what stops an approval."""
    return [item for item in checklist if item.required and not item.satisfied]


@dataclass(frozen=True)
class PublicCheck:
    """What the public page says of a check: its name, when it was
    verified, until when (or that it expired). Never the documents."""

    label: str
    verified_on: date
    valid_until: date | None
    expired: bool
    # The French label is a feminine noun ("vérifiée" or "vérifié").
    feminine: bool


def public_checks(company: Company, today: date | None = None) -> list[PublicCheck]:
    """The company's passed checks (and expired ones), for its public page:
    one query, reading the trades the page prefetched
    (``company.professions``) and the decisions, never the documents."""
    today = today or timezone.localdate()
    decisions = CheckDecision.objects.filter(_of_company([company.pk])).only(
        "check_code", "state", "valid_until", "created_at"
    )
    shown = []
    for item in _build(company.professions.all(), decisions, [], today):
        decision = item.decision
        if decision is None or item.state not in (CheckState.PASSED, CheckState.EXPIRED):
            continue
        shown.append(
            PublicCheck(
                label=item.check.public_label,
                verified_on=timezone.localdate(decision.created_at),
                valid_until=decision.valid_until,
                expired=item.state == CheckState.EXPIRED,
                feminine=item.check.public_feminine,
            )
        )
    return shown
