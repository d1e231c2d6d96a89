"""Writes of the eligibility app: applications through their state
machine, vetting decisions, company suspensions, nightly re-screening."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import DateField, DateTimeField, Exists, F, Field, OuterRef, Q, Value
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.company_numbers import siren_in, validate_siren
from common.text import normalize
from common.types import User
from directory.companies.services import company_search_keys_sync, company_trades_set
from directory.companies.signals import application_moved, application_started
from directory.models import Company, CompanyStatus, Membership, MembershipRole, Profession
from directory.places.departments import department_for_postal_code
from directory.places.resolve import match_postal_address
from loyalty.selectors import new_clients_per_day_above
from partners.models import EventType
from partners.webhooks import event_publish

from . import emails
from .checklist import (
    CheckItem,
    application_checklist,
    companies_checklists,
    company_checklist,
    unmet_required,
)
from .models import (
    CHECK_DECISIONS,
    COMPANY_TRANSITIONS,
    IN_PROGRESS,
    TRANSITIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    CheckDecision,
    CheckReminder,
    CheckState,
    CompanyChecksDue,
    CompanyEvent,
    CompanyScreening,
    EligibilityFlag,
    Evidence,
    RefusalReason,
)
from .screening import (
    QUESTIONS,
    Answers,
    Category,
    DecisionTime,
    InvoiceNames,
    Screening,
    Thresholds,
    Trade,
    Voice,
    questions_for,
    screen,
)

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)

# Nightly re-screening handles companies in batches of this size, and at
# most this many per run: a bounded job, re-run the next night for the rest.
RESCREEN_BATCH = 500
RESCREEN_MAX_PER_RUN = 20_000
# New clients per day are measured over this many days, rolling (issue 13
# § 3: a busy month or a quiet week alone does not decide).
VOLUME_WINDOW_DAYS = 90


# --- Screening -------------------------------------------------------------------


def trades_of(professions: Iterable[Profession]) -> tuple[Trade, ...]:
    return tuple(
        Trade(p.slug, trust=p.is_trust_profession, category=Category(p.eligibility_category))
        for p in professions
    )


def answers_of(
    application: Application, professions: Iterable[Profession] | None = None
) -> Answers:
    """The screening's view of an application. Answers to questions not
    asked of its trades (``screening.questions_for``) are left out: given
    for other trades, they no longer count."""
    professions = application.professions.all() if professions is None else professions
    trades = trades_of(professions)
    asked = {question.field for question in questions_for(trades)}
    volume = application.new_clients_per_day if "new_clients_per_day" in asked else None
    amount = application.average_amount_eur if "average_amount_eur" in asked else None
    decision = application.decision_time if "decision_time" in asked else ""
    invoices = application.invoices_name_client if "invoices_name_client" in asked else ""
    return Answers(
        new_clients_per_day=float(volume) if volume is not None else None,
        average_amount_eur=amount,
        decision_time=DecisionTime(decision) if decision else None,
        invoices_name_client=InvoiceNames(invoices) if invoices else None,
        exceptional_event=application.exceptional_event if "exceptional_event" in asked else None,
        trades=trades,
        other_trade=application.other_profession,
    )


def application_screening(application: Application, voice: Voice = Voice.APPLICANT) -> Screening:
    """The screening of the answers as they stand, computed, not stored,
    worded for ``voice`` in the active language."""
    return screen(answers_of(application), voice=voice)


def application_screen(*, application: Application) -> Screening:
    """Screen the answers as they stand and keep the result on the row."""
    result = application_screening(application)
    application.screening = result.as_dict()
    application.verdict = result.verdict.value
    application.save(update_fields=["screening", "verdict", "updated_at"])
    return result


@transaction.atomic
def application_step_saved(*, application: Application) -> Screening:
    """After a step of the application is saved: forget the answers to
    questions no longer asked (the trades changed: a restaurant that
    became a joinery was asked about exceptional events), then screen."""
    asked = {question.field for question in questions_for(trades_of(application.professions.all()))}
    forgotten = [question.field for question in QUESTIONS if question.field not in asked]
    cleared = {
        name: None if cast("Field[Any, Any]", Application._meta.get_field(name)).null else ""
        for name in forgotten
        if getattr(application, name) not in (None, "")
    }
    if cleared:
        for name, value in cleared.items():
            setattr(application, name, value)
        application.save(update_fields=[*cleared, "updated_at"])
    return application_screen(application=application)


# --- The state machine ----------------------------------------------------------------


def _move(application: Application, to: str, *, actor: User, role: str, note: str = "") -> None:
    """The one way an application changes status: allowed, and recorded."""
    TRANSITIONS.check(application.status, to, by=role)
    if to == ApplicationStatus.APPROVED:
        _approval_guard(application)
    ApplicationEvent.objects.create(
        application=application,
        kind=ApplicationEvent.Kind.TRANSITION,
        actor=actor,
        from_status=application.status,
        to_status=to,
        note=note,
    )
    application.status = to
    transaction.on_commit(
        partial(
            application_moved.send,
            sender=Application,
            application_id=application.pk,
            to_status=to,
            siren=application.siren,
            legal_name=application.legal_name,
            email=application.applicant.email,
            phone=application.phone,
            postal_code=application.postal_code,
            city=application.city,
            reason=note,
            referral_code=application.referral_code,
            refusal_reason=application.refusal_reason if to == ApplicationStatus.REJECTED else "",
        ),
        robust=True,
    )
    if to in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        application.decided_at = timezone.now()
    if to == ApplicationStatus.SUBMITTED and application.submitted_at is None:
        application.submitted_at = timezone.now()
    application.save()


def _approval_guard(application: Application) -> None:
    """An application is approved only once every required check
    (``eligibility.checks``) is passed and still valid, or found not
    applicable. Raises ``ValidationError`` naming the others."""
    unmet = unmet_required(application_checklist(application))
    if unmet:
        raise ValidationError(
            _("Every required check must be passed before approval. Still to settle: %(checks)s.")
            % {"checks": "; ".join(f"{item.check.label} ({item.state.label})" for item in unmet)},
            code="checks_unmet",
        )


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


REQUIRED_ANSWERS = (
    "legal_name",
    "siren",
    "postal_code",
    "city",
    "services_description",
)


def application_missing(application: Application) -> list[str]:
    """Labels of the answers still missing before submission: the
    identity and activity fields, and every question asked of the
    application's trades (``screening.questions_for``)."""
    missing = [
        str(cast("Field[Any, Any]", Application._meta.get_field(name)).verbose_name)
        for name in REQUIRED_ANSWERS
        if getattr(application, name) in (None, "")
    ]
    missing += [
        str(question.label)
        for question in questions_for(trades_of(application.professions.all()))
        if getattr(application, question.field) in (None, "")
    ]
    if not application.professions.exists() and not application.other_profession:
        missing.append(_("your trades"))
    if not (application.serves_consumers or application.serves_businesses):
        missing.append(_("your clients (households, companies)"))
    return missing


def siren_conflict(siren: str, *, exclude: Application | None = None) -> str:
    """Why this SIREN cannot apply, or an empty string."""
    if Company.objects.filter(siren=siren).exclude(status=CompanyStatus.PENDING).exists():
        return _(
            "A company with this SIREN is already in the directory. To manage it, ask its "
            "owner to invite you from their pro space."
        )
    others = Application.objects.in_progress().filter(siren=siren)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        return _(
            "An application for this SIREN is already being vetted. If it is your company, "
            "ask the person who applied to invite you once it is listed."
        )
    return ""


def automatic_checks(application: Application) -> list[tuple[bool, str]]:
    """(ok, what) pairs a vetter reads before deciding."""
    checks = []
    try:
        validate_siren(application.siren)
    except ValidationError:
        checks.append((False, _("The SIREN number is not valid.")))
    else:
        checks.append((True, _("The SIREN number is valid (checksum).")))
    conflict = siren_conflict(application.siren, exclude=application)
    checks.append((not conflict, conflict or _("No other company or application has this SIREN.")))
    homonyms = Company.objects.filter(
        trade_name__iexact=application.legal_name, city__iexact=application.city
    ).exclude(siren=application.siren)
    if homonyms.exists():
        checks.append(
            (
                False,
                _("A listed company has the same name in the same city: check it is not the same."),
            )
        )
    else:
        checks.append((True, _("No other company with this name in this city.")))
    if application.year_founded:
        age = timezone.localdate().year - application.year_founded
        founded = ngettext(
            "Company founded in %(year)s (%(age)s year ago).",
            "Company founded in %(year)s (%(age)s years ago).",
            age,
        ) % {"year": application.year_founded, "age": age}
        checks.append((age >= 1, founded))
    signs = reopened_company_signs(application)
    checks += [(False, sign) for sign in signs]
    if not signs:
        checks.append(
            (True, _("No refused or suspended company with this SIREN or this manager nearby."))
        )
    checks += evidence_aids(application)
    return checks


@transaction.atomic
def application_submit(
    *, application: Application, actor: User, message: str = "", language: str = ""
) -> Application:
    """The applicant sends the application (or answers a question) to the
    vetting team. An application screened *ineligible* goes only with a
    message asking a person to look at it.

    ``language`` is the one the applicant's pages were in (``fr``, ``en``):
    kept on the application, it is the language of every e-mail they get
    about it. The first submission queues the "application received"
    e-mail, in the same transaction. Raises ``ValidationError`` when an
    answer is missing, the SIREN is taken, or a required message is empty.
    """
    application = _locked(application)
    missing = application_missing(application)
    if missing:
        raise ValidationError(
            _("Some answers are missing: %(fields)s.") % {"fields": "; ".join(missing)}
        )
    conflict = siren_conflict(application.siren, exclude=application)
    if conflict:
        raise ValidationError(conflict)
    result = application_screen(application=application)
    message = message.strip()
    if result.verdict == "ineligible" and not message:
        raise ValidationError(
            _("Your answers do not fit our rules: tell the vetting team why they should look.")
        )
    if application.status == ApplicationStatus.NEEDS_INFORMATION and not message:
        raise ValidationError(_("Answer the vetting team's question."))
    if message:
        _message(application, actor, message)
    first_time = application.submitted_at is None
    if language in LANGUAGE_CODES:
        application.language = language
    try:
        with transaction.atomic():
            _move(application, ApplicationStatus.SUBMITTED, actor=actor, role="applicant")
    except IntegrityError as exc:  # the constraint won a race with another applicant
        raise ValidationError(siren_conflict(application.siren, exclude=application)) from exc
    if first_time:
        emails.send_application_received(application.pk)
    return application


def application_invitation_accept(*, application: Application, invitation: str) -> None:
    """The applicant saved a step of ``application`` after opening an
    invitation (``eligibility.invitations``): whoever sent it hears of it
    (``application_started``, after commit) and ties the application to
    what they know. ``invitation`` is opaque here."""
    if not invitation:
        return
    transaction.on_commit(
        partial(
            application_started.send,
            sender=Application,
            application_id=application.pk,
            invitation=invitation,
        ),
        robust=True,
    )


def _message(application: Application, actor: User, body: str) -> None:
    ApplicationEvent.objects.create(
        application=application, kind=ApplicationEvent.Kind.MESSAGE, actor=actor, note=body
    )


@transaction.atomic
def application_request_information(
    *, application: Application, actor: User, question: str
) -> None:
    if not question.strip():
        raise ValidationError(_("Write the question for the applicant."))
    application = _locked(application)
    _move(
        application,
        ApplicationStatus.NEEDS_INFORMATION,
        actor=actor,
        role="staff",
        note=question.strip(),
    )
    emails.send_application_email(application.pk, "information")


@transaction.atomic
def application_reject(
    *,
    application: Application,
    actor: User,
    reason: str,
    refusal_reason: str = RefusalReason.OTHER,
) -> None:
    """Refuse an application: ``reason`` is the text sent to the
    applicant (required), ``refusal_reason`` its code
    (``RefusalReason``), kept on the application and told to the sales
    pipeline. Raises ``ValidationError`` without a text or with an
    unknown code; nothing is then written."""
    if not reason.strip():
        raise ValidationError(_("A rejection needs a reason; it is sent to the applicant."))
    if refusal_reason not in RefusalReason.values:
        raise ValidationError(_("Choose the reason of the refusal."))
    application = _locked(application)
    application.refusal_reason = refusal_reason
    _move(application, ApplicationStatus.REJECTED, actor=actor, role="staff", note=reason.strip())
    _application_decided_publish(application)
    emails.send_application_email(application.pk, "rejected")


@transaction.atomic
def application_approve(*, application: Application, actor: User, note: str = "") -> Company:
    """List the company: create it (or activate a pending one with this
    SIREN), make the applicant its owner, tell them the way in."""
    application = _locked(application)
    _move(application, ApplicationStatus.APPROVED, actor=actor, role="staff", note=note)
    professions = list(application.professions.order_by("pk"))
    if not professions:
        raise ValidationError(_("Choose at least one trade from the list before approving."))
    place = match_postal_address(application.postal_code, application.city).place
    if place is None:
        raise ValidationError(_("The city of the application is not in our gazetteer."))
    # A new company is born pending; both it and a pending one with this
    # SIREN are then listed by the approval (recorded with the application).
    existing = Company.objects.select_for_update().filter(siren=application.siren).first()
    company = existing or Company(siren=application.siren, slug=_unique_slug(application))
    company.legal_name = application.legal_name
    company.trade_name = company.trade_name or application.legal_name
    company.description = company.description or application.services_description
    company.primary_profession = professions[0]
    company.address = application.address
    company.postal_code = application.postal_code
    company.city, company.place = place.name, place
    company.latitude, company.longitude = place.latitude, place.longitude
    company.serves_consumers = application.serves_consumers
    company.serves_businesses = application.serves_businesses
    company.phone = company.phone or application.phone
    company.year_founded = company.year_founded or application.year_founded
    company.full_clean(exclude=["logo"])
    company.save()
    _company_move(company, CompanyStatus.LISTED, actor=actor, reason=note, application=application)
    company_trades_set(company=company, professions=professions[1:])
    Membership.objects.update_or_create(
        company=company, user=application.applicant, defaults={"role": MembershipRole.OWNER}
    )
    application.company = company
    application.save(update_fields=["company", "updated_at"])
    _application_decided_publish(application)
    CompanyChecksDue.objects.update_or_create(
        company=company, defaults={"due_on": timezone.localdate()}
    )
    CompanyScreening.objects.update_or_create(
        company=company,
        defaults={
            "screened_at": timezone.now(),
            "verdict": application.verdict,
            "screening": application.screening,
        },
    )
    emails.send_application_email(application.pk, "approved")
    return company


def _application_decided_publish(application: Application) -> None:
    """The partners' webhook: the decision, never its reason (private)."""
    event_publish(
        EventType.APPLICATION_DECIDED,
        company_id=application.company_id,
        payload={
            "application": {"id": application.pk, "decision": application.status},
            "company": {"id": application.company_id} if application.company_id else None,
        },
    )


def _unique_slug(application: Application) -> str:
    name, city = slugify(application.legal_name)[:150], slugify(application.city)[:40]
    return f"{name}-{city}-{application.siren}"


@transaction.atomic
def application_assign(*, application: Application, actor: User, assignee: User | None) -> None:
    application = _locked(application)
    application.assignee = assignee
    application.save(update_fields=["assignee", "updated_at"])
    ApplicationEvent.objects.create(
        application=application,
        kind=ApplicationEvent.Kind.ASSIGNMENT,
        actor=actor,
        note=assignee.email if assignee else "",
    )


# --- Companies -----------------------------------------------------------------------


def _company_move(
    company: Company,
    to: str,
    *,
    actor: User,
    reason: str,
    application: Application | None = None,
) -> CompanyEvent:
    """The one way a company changes status: allowed by
    ``COMPANY_TRANSITIONS`` (an approval with its application, the other
    moves without), and recorded. The caller holds the company's row lock.
    Raises ``TransitionError`` for any other move."""
    by = "vetting" if application is not None else "staff"
    COMPANY_TRANSITIONS.check(company.status, to, by=by)
    event = CompanyEvent.objects.create(
        company=company,
        actor=actor,
        from_status=company.status,
        to_status=to,
        reason=reason,
        application=application,
    )
    company.status = to
    company.save(update_fields=["status", "updated_at"])
    company_search_keys_sync(company_ids=[company.pk])
    _company_moved_publish(company, to)
    return event


# The company moves partners hear of (webhooks): listed, again or first.
_COMPANY_EVENTS: dict[str, str] = {
    CompanyStatus.LISTED: EventType.COMPANY_LISTED,
    CompanyStatus.SUSPENDED: EventType.COMPANY_SUSPENDED,
}


def _company_moved_publish(company: Company, to: str) -> None:
    if to in _COMPANY_EVENTS:
        event_publish(
            _COMPANY_EVENTS[to],
            company_id=company.pk,
            payload={"company": {"id": company.pk, "slug": company.slug, "status": to}},
        )


@transaction.atomic
def company_set_status(*, company: Company, status: str, actor: User, reason: str) -> list[str]:
    """Suspend or reinstate a company, with a recorded reason, and tell
    the company by e-mail (its active members, else its contact address;
    :func:`eligibility.emails.send_company_status_email`) in the same
    transaction. A suspended company leaves search and its page at once;
    its data is kept. Listing a pending company is an application's
    approval, not this. Returns the addresses told (empty: nobody could
    be). Raises ``ValidationError`` without a reason or for a move the
    state machine refuses; nothing is then written."""
    if not reason.strip():
        raise ValidationError(_("Give the reason of this decision."))
    company = Company.objects.select_for_update().get(pk=company.pk)
    event = _company_move(company, status, actor=actor, reason=reason.strip())
    return emails.send_company_status_email(event)


# --- Ongoing eligibility ------------------------------------------------------------


@dataclass(frozen=True)
class RescreenReport:
    screened: int
    flagged: int


def measured_volumes_above(
    limit: float, *, days: int = VOLUME_WINDOW_DAYS, today: date | None = None
) -> dict[int, float]:
    """Listed companies whose new clients per day, measured over the
    ``days`` calendar days (Europe/Paris, ``TIME_ZONE``) before ``today``
    (default: today) on their completed sessions (every registered
    invoice is one), exceed ``limit``: ``{company id: new clients per
    day}``, one aggregate query (``loyalty.selectors.new_clients_per_day_above``:
    a client is new on the day of their first completed session with the
    company). The window is counted in local dates, not as ``days`` × 24 h
    of UTC time, so that it stays ``days`` long across a change of
    daylight saving time."""
    until = today or timezone.localdate()
    return new_clients_per_day_above(limit=limit, since=until - timedelta(days=days), until=until)


def companies_rescreen(*, now: datetime | None = None) -> RescreenReport:
    """Re-screen listed companies whose facts changed since their last
    screening, and flag (never suspend) those that no longer fit, or whose
    measured volume is above the threshold. Idempotent, bounded."""
    now = now or timezone.now()
    # Only companies listed through an approved application have answers
    # to screen again: those listed before vetting existed are never read
    # (they were, 20,000 a night, to be skipped one by one: 8 of the 10 s
    # of the step at a million companies, ``make bench-nightly``).
    approved = Application.objects.filter(
        company_id=OuterRef("pk"), status=ApplicationStatus.APPROVED
    )
    stale: list[int] = list(
        Company.objects.listed()
        .filter(Q(screening__isnull=True) | Q(updated_at__gt=F("screening__screened_at")))
        .filter(Exists(approved))
        .order_by("pk")
        .values_list("pk", flat=True)[:RESCREEN_MAX_PER_RUN]
    )
    screened = flagged = 0
    for start in range(0, len(stale), RESCREEN_BATCH):
        batch = stale[start : start + RESCREEN_BATCH]
        with transaction.atomic():
            screened_now, flagged_now = _rescreen_batch(batch, now)
        screened += screened_now
        flagged += flagged_now
    flagged += _flag_measured_volume(now)
    return RescreenReport(screened=screened, flagged=flagged)


def _rescreen_batch(company_ids: list[int], now: datetime) -> tuple[int, int]:
    companies = Company.objects.filter(pk__in=company_ids).prefetch_related("professions")
    # The latest approval of each company (a later one overwrites).
    approved = {
        a.company_id: a
        for a in Application.objects.filter(
            company_id__in=company_ids, status=ApplicationStatus.APPROVED
        ).order_by("company_id", "decided_at", "pk")
    }
    screenings, flags = [], []
    for company in companies:
        application = approved.get(company.pk)
        if application is None:
            continue  # listed before vetting existed (demo data): nothing to re-check
        result = screen(answers_of(application, professions=list(company.professions.all())))
        screenings.append(
            CompanyScreening(
                company=company,
                screened_at=now,
                verdict=result.verdict.value,
                screening=result.as_dict(),
            )
        )
        if result.verdict != "eligible":
            flags.append(
                EligibilityFlag(
                    company=company,
                    rule="screening",
                    evidence={"verdict": result.verdict.value, "rules": result.failing()},
                )
            )
    CompanyScreening.objects.bulk_create(
        screenings,
        update_conflicts=True,
        unique_fields=["company"],
        update_fields=["screened_at", "verdict", "screening"],
    )
    EligibilityFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return len(screenings), len(flags)


def _flag_measured_volume(now: datetime) -> int:
    limit = Thresholds.from_settings().max_new_clients_per_day
    today = timezone.localdate(now)
    since = today - timedelta(days=VOLUME_WINDOW_DAYS)
    flags = [
        EligibilityFlag(
            company_id=company_id,
            rule="new_clients_per_day",
            evidence={
                "measured_per_day": volume,
                "limit": limit,
                "since": since.isoformat(),
            },
        )
        for company_id, volume in measured_volumes_above(limit, today=today).items()
    ]
    EligibilityFlag.objects.bulk_create(flags, ignore_conflicts=True)
    return len(flags)


def flag_resolve(*, flag: EligibilityFlag, actor: User) -> None:
    EligibilityFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )


# --- Vetting checks with evidence (issue 17) ------------------------------------------

# Applicants add documents while their application can still change or
# waits for a decision.
EVIDENCE_OPEN = (ApplicationStatus.DRAFT, *IN_PROGRESS)
# The flag of a document a listed company sent for a check, until the team
# decides that check: "evidence_sent:rc_pro".
EVIDENCE_SENT_RULE = "evidence_sent:"


def _subject_checklist(application: Application | None, company: Company | None) -> list[CheckItem]:
    if (application is None) == (company is None):
        raise ValueError("Give an application or a company, not both.")
    if application is not None:
        return application_checklist(application)
    return company_checklist(cast(Company, company))


def _applicable(checklist: list[CheckItem], check_code: str) -> CheckItem:
    item = next((item for item in checklist if item.check.code == check_code), None)
    if item is None:
        raise ValidationError(_("This check does not apply to this company's trades."))
    return item


@transaction.atomic
def evidence_add(
    *,
    check_code: str,
    upload: Any,
    actor: User,
    application: Application | None = None,
    company: Company | None = None,
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> Evidence:
    """Keep a document sent for a check of ``application`` (by its
    applicant, while it is a draft or waits for a decision) or of a listed
    ``company`` (by a member; the caller checks the membership). The file
    is checked by its content (``common.validators.validate_document``:
    PDF, JPEG or PNG, 10 MB at most) and stored privately. A check whose
    pass ends with the document asks its expiry date (today or later); a
    check with a maximum age (the registration extract: less than three
    months, ``checks.json`` ``max_age_days``) asks its date of issue.
    A company's document opens the flag ``evidence_sent:<code>`` of the
    vetting team's queue (one open per check), which the next decision on
    that check closes. Raises ``ValidationError`` and writes nothing
    otherwise."""
    if application is not None and application.status not in EVIDENCE_OPEN:
        raise ValidationError(_("This application is decided: documents can no longer be added."))
    item = _applicable(_subject_checklist(application, company), check_code)
    check = item.check
    if not check.needs_document:
        raise ValidationError(_("This check needs no document."))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if check.document_expires:
        if expires_on is None:
            errors["expires_on"] = [_("Give the date this document stops being valid.")]
        elif expires_on < today:
            errors["expires_on"] = [_("This document has expired: send the current one.")]
    if check.max_age_days:
        if issued_on is None:
            errors["issued_on"] = [_("Give the date this document was issued.")]
        elif issued_on > today:
            errors["issued_on"] = [_("The date of issue cannot be in the future.")]
        elif (today - issued_on).days > check.max_age_days:
            errors["issued_on"] = [
                _("This document is more than %(days)s days old: send a recent one.")
                % {"days": check.max_age_days}
            ]
    evidence = Evidence(
        check_code=check_code,
        application=application,
        company=company,
        file=upload,
        issued_on=issued_on if check.max_age_days else None,
        expires_on=expires_on if check.document_expires else None,
        uploaded_by=actor,
    )
    try:
        evidence.full_clean(exclude=["application", "company", "uploaded_by"])
    except ValidationError as error:
        for name, messages_ in error.message_dict.items():
            errors.setdefault(name, []).extend(messages_)
    if errors:
        raise ValidationError(errors)
    evidence.save()
    if company is not None:
        # A listed company's new document (a renewed insurance): the vetting
        # team's queue lists it until a decision on the check closes it.
        EligibilityFlag.objects.bulk_create(
            [
                EligibilityFlag(
                    company=company,
                    rule=f"{EVIDENCE_SENT_RULE}{check_code}",
                    evidence={"check": check_code, "sent_on": today.isoformat()},
                )
            ],
            ignore_conflicts=True,
        )
    return evidence


@transaction.atomic
def check_decide(
    *,
    check_code: str,
    state: str,
    actor: User,
    application: Application | None = None,
    company: Company | None = None,
    evidence: Evidence | None = None,
    valid_until: date | None = None,
    reference: str = "",
    note: str = "",
) -> CheckDecision:
    """Record a vetter's decision on one check of an application waiting
    for a decision, or of a listed or suspended company: ``state`` passed,
    failed (with a ``note``: why) or not applicable (with a note too).

    A pass of a document check names one of the subject's documents for
    it (``evidence``); it holds until ``valid_until``, by default what the
    catalogue says (``Check.valid_until``: the document's expiry date, or
    ``valid_days`` from today), never a date already past. A pass of the
    registration check needs the SIREN the vetter read on the extract
    (``reference``), equal to the company's. Write-once: a new decision
    supersedes, never edits. Raises ``ValidationError`` and writes nothing
    otherwise."""
    if state not in CHECK_DECISIONS:
        raise ValidationError(_("Choose passed, failed or not applicable."))
    if application is not None:
        application = _locked(application)
        if application.status not in IN_PROGRESS:
            raise ValidationError(_("Checks are decided while the application waits for vetting."))
        siren = application.siren
    else:
        company = Company.objects.select_for_update().get(pk=cast(Company, company).pk)
        if company.status == CompanyStatus.PENDING:
            raise ValidationError(_("A pending company is vetted through its application."))
        siren = company.siren
    item = _applicable(_subject_checklist(application, company), check_code)
    check, note, reference = item.check, note.strip(), reference.strip()
    today = timezone.localdate()
    if state in (CheckState.FAILED, CheckState.NOT_APPLICABLE) and not note:
        raise ValidationError({"note": [_("Say why in the note.")]})
    if evidence is not None and evidence.pk not in {e.pk for e in item.evidence}:
        raise ValidationError({"evidence": [_("This document was not sent for this check.")]})
    if state == CheckState.PASSED:
        if check.needs_document and evidence is None:
            raise ValidationError({"evidence": [_("Choose the document this pass is based on.")]})
        if check.code == "registration":
            read = siren_in(reference)
            if not read:
                raise ValidationError(
                    {"reference": [_("Type the SIREN read on the extract (9 digits, valid).")]}
                )
            if read != siren:
                raise ValidationError(
                    {
                        "reference": [
                            _(
                                "The SIREN on the extract (%(read)s) is not the company's "
                                "(%(siren)s)."
                            )
                            % {"read": read, "siren": siren}
                        ]
                    }
                )
            reference = read
        if valid_until is None:
            valid_until = check.valid_until(
                decided_on=today,
                document_expires_on=evidence.expires_on if evidence is not None else None,
            )
        if check.document_expires and valid_until is None:
            raise ValidationError({"valid_until": [_("Give the date this document expires.")]})
        if valid_until is not None and valid_until < today:
            raise ValidationError(
                {"valid_until": [_("This document has expired: it cannot pass.")]}
            )
    else:
        valid_until = None
    if company is not None:
        EligibilityFlag.objects.filter(
            company=company, rule=f"{EVIDENCE_SENT_RULE}{check_code}", resolved_at__isnull=True
        ).update(resolved_at=timezone.now(), resolved_by=actor)
    return CheckDecision.objects.create(
        check_code=check_code,
        application=application,
        company=company,
        state=state,
        evidence=evidence,
        valid_until=valid_until,
        reference=reference[:40],
        note=note,
        actor=actor,
    )


def _manager_key(name: str) -> str:
    """A manager's name whatever its order and accents: "DUPONT Jean" and
    "Jean Dupont" are one."""
    return " ".join(sorted(normalize(name).split()))


def reopened_company_signs(application: Application) -> list[str]:
    """Why this application may be a refused or suspended company back
    under a new name: the same SIREN refused or suspended, or the same
    manager (name in any order, accents aside) in the same département as
    a refused application or a suspended company. Worded for the vetter."""
    signs = []
    if application.siren:
        if Company.objects.filter(siren=application.siren, status=CompanyStatus.SUSPENDED).exists():
            signs.append(_("A suspended company has this SIREN."))
        if (
            Application.objects.filter(siren=application.siren, status=ApplicationStatus.REJECTED)
            .exclude(pk=application.pk)
            .exists()
        ):
            signs.append(_("An application with this SIREN was refused."))
    key = _manager_key(application.manager_name)
    department = department_for_postal_code(application.postal_code)
    if not key or department is None:
        return signs
    nearby = (
        Application.objects.filter(postal_code__startswith=application.postal_code[:2])
        .exclude(pk=application.pk)
        .exclude(manager_name="")
        .filter(
            Q(status=ApplicationStatus.REJECTED)
            | Q(
                status=ApplicationStatus.APPROVED,
                company__status=CompanyStatus.SUSPENDED,
            )
        )
        .only("legal_name", "manager_name", "postal_code", "status", "siren")
    )
    for other in nearby:
        if (
            _manager_key(other.manager_name) == key
            and department_for_postal_code(other.postal_code) == department
        ):
            if other.status == ApplicationStatus.REJECTED:
                signs.append(
                    _(
                        "Same manager in the same département as a refused application: "
                        "%(name)s (SIREN %(siren)s)."
                    )
                    % {"name": other.legal_name, "siren": other.siren}
                )
            else:
                signs.append(
                    _(
                        "Same manager in the same département as a suspended company: "
                        "%(name)s (SIREN %(siren)s)."
                    )
                    % {"name": other.legal_name, "siren": other.siren}
                )
    return signs


def evidence_aids(application: Application) -> list[tuple[bool, str]]:
    """(ok, what) pairs about the documents, for the vetter: an insurance
    or certificate whose expiry date is past, a registration extract
    older than the catalogue allows, a Kbis number typed that differs
    from the SIREN."""
    aids: list[tuple[bool, str]] = []
    today = timezone.localdate()
    for item in application_checklist(application, today):
        latest = item.latest_evidence
        if latest is not None and latest.expires_on is not None and latest.expires_on < today:
            aids.append(
                (
                    False,
                    _("%(check)s: the latest document expired on %(date)s.")
                    % {"check": item.check.label, "date": latest.expires_on.strftime("%d/%m/%Y")},
                )
            )
        max_age = item.check.max_age_days
        if latest is not None and latest.issued_on is not None and max_age:
            age = (today - latest.issued_on).days
            if age > max_age:
                aids.append(
                    (
                        False,
                        _("%(check)s: the extract is %(days)s days old (%(max)s at most).")
                        % {"check": item.check.label, "days": age, "max": max_age},
                    )
                )
    return aids


# --- Watching the checks over time (the night's "vetting-checks" step) ----------------

# Companies handled per transaction by the nightly watch: four queries
# build the checklists of a batch (checklist.companies_checklists).
WATCH_BATCH = 500
# A pass that ended more than this many days ago was flagged then (or the
# night was missed for longer than anyone would let it): not looked at again.
EXPIRED_LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class WatchReport:
    due_added: int  # listed companies given their grace period
    reminders: int  # e-mails about a pass about to end
    expired_flags: int  # required checks whose pass ended
    overdue_flags: int  # companies past their due date with a required check unmet


def checks_watch(*, today: date | None = None) -> WatchReport:
    """The night's watch over the vetting checks (issue 17 "Watched over
    time"), idempotent:

    - each listed company without a due date (listed before the checks
      existed) gets one, ``VETTING_CHECKS_GRACE_DAYS`` from today;
    - each pass ending in ``VETTING_REMINDER_DAYS`` days or fewer (30,
      then 7), unless the company has sent a document for it since the
      decision, is told once per threshold to the company by e-mail, with
      the link to send the new document, and to its connected partners
      (webhook ``check.expiring``);
    - a required check whose pass ended is an eligibility flag
      (``check_expired:<code>``), and the public page reads it as expired;
    - a company past its due date with a required check neither passed nor
      not applicable is a flag (``checks_missing``).

    A flag is for a person to decide: nothing is suspended here."""
    today = today or timezone.localdate()
    due_added = _checks_due_add(today)
    reminders = _reminders_send(today)
    expired = _expired_flag(today)
    overdue = _overdue_flag(today)
    return WatchReport(
        due_added=due_added, reminders=reminders, expired_flags=expired, overdue_flags=overdue
    )


def _checks_due_add(today: date) -> int:
    """A due date ``VETTING_CHECKS_GRACE_DAYS`` from ``today`` for each
    listed company without one, in one ``INSERT … SELECT`` (PostgreSQL and
    SQLite alike): the first night after the checks came reads a million
    listed companies, and their ids never go through Python (a list of
    them, written by batches, took 90 s at that size, ``make
    bench-nightly``). Returns the rows added."""
    due_on = today + timedelta(days=settings.VETTING_CHECKS_GRACE_DAYS)
    missing = (
        Company.objects.listed()
        .filter(checks_due__isnull=True)
        .order_by()
        .annotate(
            due=Value(due_on, output_field=DateField()),
            added=Value(timezone.now(), output_field=DateTimeField()),
        )
        .values_list("pk", "due", "added")
    )
    # Most nights add none: counted first by a plain aggregate, which
    # PostgreSQL runs in parallel, unlike the SELECT of an INSERT or one
    # with a LIMIT: 1.2 s against 2.0 to 2.6 s to find none among a
    # million listed companies (``make bench-nightly``'s database).
    if not missing.count():
        return 0
    select, params = missing.query.sql_with_params()
    table = connection.ops.quote_name(CompanyChecksDue._meta.db_table)
    with connection.cursor() as cursor:
        # Identifiers come from the models, values are parameters.
        cursor.execute(
            f"INSERT INTO {table} (company_id, due_on, created_at) {select} "
            "ON CONFLICT (company_id) DO NOTHING",
            params,
        )
        return int(cursor.rowcount)


def _listed_company_ids_with_passes(valid_from: date, valid_to: date) -> list[int]:
    """Listed companies with a pass ending between the two dates
    (inclusive), on their own or on the application that listed them."""
    rows = CheckDecision.objects.filter(
        state=CheckState.PASSED, valid_until__gte=valid_from, valid_until__lte=valid_to
    ).filter(
        Q(company__status=CompanyStatus.LISTED)
        | Q(
            application__status=ApplicationStatus.APPROVED,
            application__company__status=CompanyStatus.LISTED,
        )
    )
    ids = set()
    for company_id, application_company_id in rows.values_list(
        "company_id", "application__company_id"
    ):
        ids.add(company_id or application_company_id)
    return sorted(pk for pk in ids if pk)


def _reminders_send(today: date) -> int:
    thresholds = sorted(settings.VETTING_REMINDER_DAYS)
    horizon = today + timedelta(days=max(thresholds))
    ids = _listed_company_ids_with_passes(today, horizon)
    sent = 0
    for start in range(0, len(ids), WATCH_BATCH):
        batch = ids[start : start + WATCH_BATCH]
        with transaction.atomic():
            companies = Company.objects.filter(pk__in=batch)
            checklists = companies_checklists(companies, today)
            due: list[tuple[int, CheckDecision, int]] = []
            for company_id, checklist in checklists.items():
                for item in checklist:
                    decision = item.decision
                    if item.state != CheckState.PASSED or decision is None:
                        continue
                    if decision.valid_until is None or item.renewal_sent is not None:
                        # No end, or the new document is sent: nothing to ask.
                        continue
                    left = (decision.valid_until - today).days
                    threshold = next((days for days in thresholds if left <= days), None)
                    if threshold is not None:
                        due.append((company_id, decision, threshold))
            done = set(
                CheckReminder.objects.filter(
                    decision__in=[decision for _c, decision, _t in due]
                ).values_list("decision_id", "days_before")
            )
            for company_id, decision, threshold in due:
                # A smaller threshold already told (a night missed): the larger is moot.
                if any((decision.pk, days) in done for days in thresholds if days <= threshold):
                    continue
                CheckReminder.objects.create(decision=decision, days_before=threshold)
                emails.send_check_expiring(decision.pk, company_id)
                _check_expiring_publish(company_id, decision)
                sent += 1
    return sent


def _check_expiring_publish(company_id: int, decision: CheckDecision) -> None:
    """The partners' webhook: which check ends when, never the document."""
    event_publish(
        EventType.CHECK_EXPIRING,
        company_id=company_id,
        payload={
            "company": {"id": company_id},
            "check": {
                "code": decision.check_code,
                "valid_until": decision.valid_until.isoformat() if decision.valid_until else None,
            },
        },
    )


def _expired_flag(today: date) -> int:
    ids = _listed_company_ids_with_passes(
        today - timedelta(days=EXPIRED_LOOKBACK_DAYS), today - timedelta(days=1)
    )
    flagged = 0
    for start in range(0, len(ids), WATCH_BATCH):
        batch = ids[start : start + WATCH_BATCH]
        checklists = companies_checklists(Company.objects.filter(pk__in=batch), today)
        flags = []
        for company_id, checklist in checklists.items():
            for item in checklist:
                decision = item.decision
                if not item.required or item.state != CheckState.EXPIRED or decision is None:
                    continue
                flags.append(
                    EligibilityFlag(
                        company_id=company_id,
                        rule=f"check_expired:{item.check.code}",
                        evidence={
                            "check": item.check.code,
                            "valid_until": str(decision.valid_until),
                        },
                    )
                )
        flagged += _flags_new(flags, since={f.company_id: f.evidence["valid_until"] for f in flags})
    return flagged


def _flags_new(flags: list[EligibilityFlag], *, since: dict[int, str]) -> int:
    """Create the flags no person has already seen for the same fact: none
    open, none raised (then resolved) on or after ``since[company]``."""
    if not flags:
        return 0
    seen = {
        (flag.company_id, flag.rule)
        for flag in EligibilityFlag.objects.filter(
            company_id__in={f.company_id for f in flags}, rule__in={f.rule for f in flags}
        ).only("company_id", "rule", "created_at", "resolved_at")
        if flag.resolved_at is None
        or timezone.localdate(flag.created_at).isoformat() >= since[flag.company_id]
    }
    new = [flag for flag in flags if (flag.company_id, flag.rule) not in seen]
    EligibilityFlag.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _overdue_flag(today: date) -> int:
    ids = list(
        CompanyChecksDue.objects.filter(due_on__lt=today, company__status=CompanyStatus.LISTED)
        .order_by("company_id")
        .values_list("company_id", flat=True)
    )
    due_on = dict(
        CompanyChecksDue.objects.filter(company_id__in=ids).values_list("company_id", "due_on")
    )
    flagged = 0
    for start in range(0, len(ids), WATCH_BATCH):
        batch = ids[start : start + WATCH_BATCH]
        checklists = companies_checklists(Company.objects.filter(pk__in=batch), today)
        flags = []
        for company_id, checklist in checklists.items():
            unmet = [
                item.check.code
                for item in unmet_required(checklist)
                if item.state != CheckState.EXPIRED  # flagged as expired on its own
            ]
            if unmet:
                flags.append(
                    EligibilityFlag(
                        company_id=company_id,
                        rule="checks_missing",
                        evidence={"checks": unmet, "due_on": due_on[company_id].isoformat()},
                    )
                )
        flagged += _flags_new(flags, since={f.company_id: f.evidence["due_on"] for f in flags})
    return flagged
