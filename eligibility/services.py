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
from django.db import IntegrityError, transaction
from django.db.models import F, Field, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.company_numbers import validate_siren
from common.types import User
from directory.companies.services import company_search_keys_sync, company_trades_set
from directory.companies.signals import application_moved, application_started
from directory.models import Company, CompanyStatus, Membership, MembershipRole, Profession
from directory.places.resolve import match_postal_address
from loyalty.selectors import new_clients_per_day_above
from partners.models import EventType
from partners.webhooks import event_publish

from . import emails
from .models import (
    COMPANY_TRANSITIONS,
    TRANSITIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    CompanyEvent,
    CompanyScreening,
    EligibilityFlag,
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
    stale: list[int] = list(
        Company.objects.listed()
        .filter(Q(screening__isnull=True) | Q(updated_at__gt=F("screening__screened_at")))
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
    approved = {
        a.company_id: a
        for a in Application.objects.filter(
            company_id__in=company_ids, status=ApplicationStatus.APPROVED
        ).order_by("company_id", "-decided_at")
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
