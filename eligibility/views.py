"""Applying to join (/rejoindre/) and vetting (/equipe/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.permissions import staff_required
from common.referral import REFERRAL_PARAMETER, clean_referral_code
from common.types import AuthenticatedHttpRequest, User
from directory.models import Company, CompanyStatus

from . import selectors, services
from .forms import (
    ActivityForm,
    AssignForm,
    CompanyDecisionForm,
    DecisionForm,
    IdentityForm,
    QuestionnaireForm,
    QueueFilterForm,
    SubmitForm,
)
from .invitations import invitation_in, invitation_initial, invitation_token_take
from .models import IN_PROGRESS, Application, ApplicationStatus, EligibilityFlag
from .screening import Voice
from .selectors import company_status_history, company_status_recipients

if TYPE_CHECKING:
    from django.forms import ModelForm

STEPS = [
    (1, gettext_lazy("Identity"), IdentityForm),
    (2, gettext_lazy("Activity"), ActivityForm),
    (3, gettext_lazy("Questionnaire"), QuestionnaireForm),
    (4, gettext_lazy("Review and send"), None),
]
QUEUE_PAGE_SIZE = 30

# Log-in, then the vetting permission (the "vetting" staff group has it), or 403.
vetting_required = staff_required("eligibility.vet_application")


REFERRAL_SESSION_KEY = "application_referral_code"


def _current_application(user: User) -> Application | None:
    return user.applications.exclude(status=ApplicationStatus.REJECTED).order_by("-pk").first()


# --- Applicants ------------------------------------------------------------------------


@require_safe
def apply(request: HttpRequest) -> HttpResponse:
    """Who can join, and the way in (log in first, then four steps)."""
    # A referral link (/rejoindre/?parrain=<code>): the code waits in the
    # session for the log-in, then goes with the application it starts.
    if code := clean_referral_code(request.GET.get(REFERRAL_PARAMETER, "")):
        request.session[REFERRAL_SESSION_KEY] = code
    application = _current_application(request.user) if request.user.is_authenticated else None
    if application is not None and not application.is_editable:
        return redirect("eligibility:follow")
    return render(
        request,
        "eligibility/apply.html",
        {
            "application": application,
            "steps": STEPS,
            "invited": invitation_in(request.session) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply_step(request: AuthenticatedHttpRequest, step: int) -> HttpResponse:
    if step not in range(1, len(STEPS) + 1):
        raise Http404
    # A first visit reads only: the draft is created by the first step saved.
    application = _current_application(request.user) or Application(applicant=request.user)
    if not application.is_editable:
        return redirect("eligibility:follow")
    if step == len(STEPS):
        if application.pk is None:  # nothing answered yet: nothing to review
            return redirect("eligibility:step", step=1)
        return _review(request, application)
    _number, title, form_class = STEPS[step - 1]
    # An invitation's values, offered where nothing is answered yet.
    offered = invitation_initial(invitation_in(request.session), application, step)
    form = cast("type[ModelForm[Application]]", form_class)(
        request.POST or None, instance=application, initial=offered
    )
    if request.method == "POST" and form.is_valid():
        if step == 1 and (
            conflict := services.siren_conflict(form.cleaned_data["siren"], exclude=application)
        ):
            form.add_error("siren", conflict)
        else:
            if not form.instance.referral_code:
                form.instance.referral_code = clean_referral_code(
                    request.session.get(REFERRAL_SESSION_KEY, "")
                )
            form.save()
            services.application_step_saved(application=application)
            services.application_invitation_accept(
                application=application, invitation=invitation_token_take(request.session)
            )
            if isinstance(form, IdentityForm) and (notice := form.notice()):
                messages.info(request, notice)
            if "later" in request.POST:
                messages.success(request, _("Saved. Come back to this page to carry on."))
                return redirect("eligibility:apply")
            return redirect("eligibility:step", step=step + 1)
    return render(
        request,
        "eligibility/step.html",
        {"application": application, "form": form, "step": step, "title": title, "steps": STEPS},
    )


def _review(request: AuthenticatedHttpRequest, application: Application) -> HttpResponse:
    # Screened in memory for display; the submission screens again and keeps it.
    prefetch_related_objects([application], "professions")
    trades = services.trades_of(application.professions.all())
    result = services.application_screening(application)
    form = SubmitForm(request.POST or None, verdict=result.verdict, status=application.status)
    missing = services.application_missing(application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                application=application,
                actor=request.user,
                message=form.cleaned_data["message"],
                language=translation.get_language() or "",
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your application is sent to the vetting team."))
            return redirect("eligibility:follow")
    return render(
        request,
        "eligibility/review.html",
        {
            "application": application,
            "screening": result,
            "form": form,
            "missing": missing,
            "recap": selectors.application_recap(application, trades),
            "reply": selectors.expected_reply_time(),
            "step": len(STEPS),
            "steps": STEPS,
        },
    )


@login_required
@require_safe
def follow(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The applicant's own application: status, questions, history."""
    application = (
        _current_application(request.user) or request.user.applications.order_by("-pk").first()
    )
    if application is None:
        return redirect("eligibility:apply")
    return render(
        request,
        "eligibility/follow.html",
        {
            "application": application,
            "events": application.events.select_related("actor"),
            "reply": selectors.expected_reply_time()
            if application.status == ApplicationStatus.SUBMITTED
            else None,
        },
    )


# --- Vetting ---------------------------------------------------------------------------


@vetting_required
@require_safe
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    applications = (
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("assignee")
        .prefetch_related("professions")
    )
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status")
    applications = (
        applications.filter(status=status)
        if status
        else applications.filter(status__in=IN_PROGRESS)
    )
    if filters.get("verdict"):
        applications = applications.filter(verdict=filters["verdict"])
    if filters.get("profession"):
        applications = applications.filter(professions=filters["profession"])
    if filters.get("mine"):
        applications = applications.filter(assignee=request.user)
    if filters.get("q"):
        applications = applications.lookup(filters["q"].strip())
    page = Paginator(applications.order_by("submitted_at", "pk"), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    flags = EligibilityFlag.objects.filter(resolved_at__isnull=True).select_related("company")
    return render(
        request,
        "eligibility/staff/queue.html",
        {"form": form, "page": page, "flags": flags[:50]},
    )


@vetting_required
@require_safe
def detail(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.exclude(status=ApplicationStatus.DRAFT)
        .select_related("applicant", "assignee", "company")
        .prefetch_related("professions"),
        pk=application_id,
    )
    trades = services.trades_of(application.professions.all())
    return render(
        request,
        "eligibility/staff/detail.html",
        {
            "application": application,
            # Worded about the applicant ("their clients…"), in the vetter's language.
            "screening": services.application_screening(application, voice=Voice.STAFF),
            "recap": selectors.application_recap(application, trades, voice=Voice.STAFF),
            "checks": services.automatic_checks(application),
            "events": application.events.select_related("actor"),
            "decision_form": DecisionForm(),
            "assign_form": AssignForm(initial={"assignee": application.assignee}),
        },
    )


@vetting_required
@require_POST
def decide(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=application_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(problems) or _("Choose a decision."))
        return redirect("eligibility:detail", application_id=application.pk)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "approve":
            company = services.application_approve(
                application=application, actor=request.user, note=note
            )
            messages.success(request, _("%(company)s is listed.") % {"company": company.trade_name})
        elif action == "reject":
            services.application_reject(
                application=application,
                actor=request.user,
                reason=note,
                refusal_reason=form.cleaned_data["refusal_reason"],
            )
            messages.success(request, _("The application is rejected; the applicant is told why."))
        else:
            services.application_request_information(
                application=application, actor=request.user, question=note
            )
            messages.success(request, _("The question is sent to the applicant."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("eligibility:detail", application_id=application.pk)


@vetting_required
@require_POST
def assign(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=application_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        services.application_assign(
            application=application, actor=request.user, assignee=form.cleaned_data["assignee"]
        )
        messages.success(request, _("Assignment saved."))
    else:
        messages.error(request, _("Choose a member of the vetting team."))
    return redirect("eligibility:detail", application_id=application.pk)


@vetting_required
@require_http_methods(["GET", "HEAD", "POST"])
def companies(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find a company, suspend or reinstate it with a reason."""
    text = request.GET.get("q", "").strip()[:100]
    found = Company.objects.none()
    if text:
        found = Company.objects.lookup(text).order_by("trade_name")[:30]
        found = found.prefetch_related("events__actor")
    return render(
        request,
        "eligibility/staff/companies.html",
        {"q": text, "companies": found, "form": CompanyDecisionForm()},
    )


@vetting_required
@require_http_methods(["GET", "HEAD", "POST"])
def company_status(request: AuthenticatedHttpRequest, company_id: int, status: str) -> HttpResponse:
    """Suspend or reinstate a company: a confirmation page that shows the
    company, who will be told, and asks the reason (required); the
    decision is taken only on its POST. An invalid form changes nothing."""
    company = get_object_or_404(Company, pk=company_id)
    if status not in (CompanyStatus.SUSPENDED, CompanyStatus.LISTED):
        raise Http404
    # Bound on every POST, even an empty one: a missing reason is an error.
    form = CompanyDecisionForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            told = services.company_set_status(
                company=company,
                status=status,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _company_status_message(company, status, told))
            return redirect("eligibility:company-history", company_id=company.pk)
    return render(
        request,
        "eligibility/staff/company_status.html",
        {
            "company": company,
            "status": status,
            "allowed": company.status != status
            and company.status in (CompanyStatus.SUSPENDED, CompanyStatus.LISTED),
            "form": form,
            "recipients": company_status_recipients(company),
        },
        status=400 if request.method == "POST" else 200,
    )


def _company_status_message(company: Company, status: str, told: list[str]) -> str:
    if status == CompanyStatus.SUSPENDED:
        done = _("%(company)s is suspended.") % {"company": company.trade_name}
    else:
        done = _("%(company)s is listed again.") % {"company": company.trade_name}
    if not told:
        return done + " " + _("Nobody could be told: the company has no member and no e-mail.")
    return (
        done
        + " "
        + _("An e-mail with the reason went to %(addresses)s.") % {"addresses": ", ".join(told)}
    )


@vetting_required
@require_safe
def company_history(request: AuthenticatedHttpRequest, company_id: int) -> HttpResponse:
    """A company's status history, oldest first, with who and why."""
    company = get_object_or_404(Company, pk=company_id)
    return render(
        request,
        "eligibility/staff/company_history.html",
        {"company": company, "events": company_status_history(company)},
    )


@vetting_required
@require_POST
def flag_resolve(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(EligibilityFlag, pk=flag_id)
    services.flag_resolve(flag=flag, actor=request.user)
    messages.success(request, _("Flag closed."))
    return redirect("eligibility:queue")
