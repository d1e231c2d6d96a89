"""Applying to join (/rejoindre/) and vetting (/equipe/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.files import attachment_response
from common.permissions import staff_required
from common.referral import REFERRAL_PARAMETER, clean_referral_code
from common.types import AuthenticatedHttpRequest, User
from directory.models import Company, CompanyStatus, Membership
from directory.team.selectors import membership_for

from . import selectors, services
from .checklist import CheckItem, application_checklist, company_checklist, unmet_required
from .forms import (
    ActivityForm,
    AssignForm,
    CheckDecisionForm,
    CompanyDecisionForm,
    DecisionForm,
    EvidenceForm,
    IdentityForm,
    QuestionnaireForm,
    QueueFilterForm,
    SubmitForm,
)
from .invitations import invitation_in, invitation_initial, invitation_token_take
from .models import (
    IN_PROGRESS,
    Application,
    ApplicationStatus,
    CompanyChecksDue,
    EligibilityFlag,
    Evidence,
)
from .screening import Voice
from .selectors import company_status_history, company_status_recipients

if TYPE_CHECKING:
    from django.forms import ModelForm

STEPS = [
    (1, gettext_lazy("Identity"), IdentityForm),
    (2, gettext_lazy("Activity"), ActivityForm),
    (3, gettext_lazy("Questionnaire"), QuestionnaireForm),
    (4, gettext_lazy("Documents"), None),
    (5, gettext_lazy("Review and send"), None),
]
DOCUMENTS_STEP = 4
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
    # Documents may still come while the team vets the application.
    if step == DOCUMENTS_STEP and application.status == ApplicationStatus.SUBMITTED:
        return _documents(request, application)
    if not application.is_editable:
        return redirect("eligibility:follow")
    if step in (DOCUMENTS_STEP, len(STEPS)):
        if application.pk is None:  # nothing answered yet: nothing to review
            return redirect("eligibility:step", step=1)
        if step == DOCUMENTS_STEP:
            return _documents(request, application)
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
            "evidence_todo": [
                item for item in application_checklist(application) if item.missing_evidence
            ],
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
    checklist = application_checklist(application)
    return render(
        request,
        "eligibility/staff/detail.html",
        {
            "application": application,
            # Worded about the applicant ("their clients…"), in the vetter's language.
            "screening": services.application_screening(application, voice=Voice.STAFF),
            "recap": selectors.application_recap(application, trades, voice=Voice.STAFF),
            "checks": services.automatic_checks(application),
            "checklist": _decision_rows(checklist),
            "unmet": unmet_required(checklist),
            "in_progress": application.status in IN_PROGRESS,
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


# --- Vetting checks with evidence (issue 17) ------------------------------------------


def _evidence_rows(
    checklist: list[CheckItem], posted: EvidenceForm | None = None
) -> list[tuple[CheckItem, EvidenceForm | None]]:
    """Each check with the upload form of a document check (the posted
    one, with its errors, on its own check)."""
    rows: list[tuple[CheckItem, EvidenceForm | None]] = []
    for item in checklist:
        form = None
        if item.check.needs_document:
            if posted is not None and posted.prefix == item.check.code:
                form = posted
            else:
                form = EvidenceForm(prefix=item.check.code)
        rows.append((item, form))
    return rows


def _posted_evidence(
    request: AuthenticatedHttpRequest,
    checklist: list[CheckItem],
    *,
    application: Application | None = None,
    company: Company | None = None,
) -> tuple[bool, EvidenceForm | None]:
    """Handle a posted document: (saved, the bound form with its errors)."""
    code = request.POST.get("check", "")
    if code not in {item.check.code for item in checklist if item.check.needs_document}:
        messages.error(request, _("Choose the check this document is for."))
        return False, None
    form = EvidenceForm(request.POST, request.FILES, prefix=code)
    if not form.is_valid():
        return False, form
    try:
        services.evidence_add(
            check_code=code,
            upload=form.cleaned_data["file"],
            actor=request.user,
            application=application,
            company=company,
            issued_on=form.cleaned_data["issued_on"],
            expires_on=form.cleaned_data["expires_on"],
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            form.add_error(None, error)
        return False, form
    messages.success(request, _("Document received; the vetting team will check it."))
    return True, form


def _documents(request: AuthenticatedHttpRequest, application: Application) -> HttpResponse:
    """Step 4: a document for each check that needs one. A missing one is
    a to-do on the review page, not an error."""
    checklist = application_checklist(application)
    posted = None
    if request.method == "POST":
        saved, posted = _posted_evidence(request, checklist, application=application)
        if saved:
            return redirect("eligibility:step", step=DOCUMENTS_STEP)
    return render(
        request,
        "eligibility/documents.html",
        {
            "application": application,
            "rows": _evidence_rows(checklist, posted),
            "step": DOCUMENTS_STEP,
            "title": STEPS[DOCUMENTS_STEP - 1][1],
            "steps": STEPS,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pro_checks(request: AuthenticatedHttpRequest, company_id: int) -> HttpResponse:
    """The company's vetting checks in its pro space: state, until when,
    and the form to send a new document (an insurance renewed). Members
    only; anyone else gets a 404."""
    membership = membership_for(request.user, company_id)
    company = membership.company
    checklist = company_checklist(company)
    posted = None
    if request.method == "POST":
        saved, posted = _posted_evidence(request, checklist, company=company)
        if saved:
            return redirect("eligibility:pro-checks", company_id=company.pk)
    return render(
        request,
        "eligibility/pro_checks.html",
        {
            "membership": membership,
            "company": company,
            "rows": _evidence_rows(checklist, posted),
            "unmet": unmet_required(checklist),
            "due": CompanyChecksDue.objects.filter(company=company).first(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
def evidence_file(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """A document sent for a check: to the applicant who sent it with their
    application, to the members of the company it belongs to, and to the
    vetting team; anyone else gets the 404 a missing document gets."""
    evidence = get_object_or_404(Evidence.objects.select_related("application"), pk=evidence_id)
    user = request.user
    if not user.is_authenticated:
        raise Http404
    if not user.has_perm("eligibility.vet_application"):
        application = evidence.application
        company_id = evidence.company_id or (application.company_id if application else None)
        own_application = application is not None and application.applicant_id == user.pk
        member = (
            company_id is not None
            and Membership.objects.filter(company_id=company_id, user=user).exists()
        )
        if not (own_application or member):
            raise Http404
    return attachment_response(evidence.file)


def _decision_rows(checklist: list[CheckItem]) -> list[tuple[CheckItem, CheckDecisionForm]]:
    return [
        (item, CheckDecisionForm(prefix=item.check.code, evidence=item.evidence))
        for item in checklist
    ]


def _decide_check(
    request: AuthenticatedHttpRequest,
    code: str,
    checklist: list[CheckItem],
    *,
    application: Application | None = None,
    company: Company | None = None,
) -> None:
    item = next((item for item in checklist if item.check.code == code), None)
    if item is None:
        raise Http404
    form = CheckDecisionForm(request.POST, prefix=code, evidence=item.evidence)
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, f"{item.check.label} : " + " ".join(problems))
        return
    try:
        services.check_decide(
            check_code=code,
            state=form.cleaned_data["state"],
            actor=request.user,
            application=application,
            company=company,
            evidence=form.cleaned_data["evidence"],
            valid_until=form.cleaned_data["valid_until"],
            reference=form.cleaned_data["reference"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, f"{item.check.label} : " + " ".join(error.messages))
    else:
        messages.success(request, _("%(check)s: decision recorded.") % {"check": item.check.label})


@vetting_required
@require_POST
def check_decide(request: AuthenticatedHttpRequest, application_id: int, code: str) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.exclude(status=ApplicationStatus.DRAFT), pk=application_id
    )
    _decide_check(request, code, application_checklist(application), application=application)
    return redirect(f"{reverse('eligibility:detail', args=[application.pk])}#check-{code}")


@vetting_required
@require_http_methods(["GET", "HEAD", "POST"])
def company_checks(request: AuthenticatedHttpRequest, company_id: int) -> HttpResponse:
    """A listed company's checks for the vetting team: documents sent
    since it is listed (a renewed insurance), decisions, expiries."""
    company = get_object_or_404(
        Company.objects.exclude(status=CompanyStatus.PENDING), pk=company_id
    )
    if request.method == "POST":
        _decide_check(
            request, request.POST.get("check", ""), company_checklist(company), company=company
        )
        return redirect("eligibility:company-checks", company_id=company.pk)
    return render(
        request,
        "eligibility/staff/company_checks.html",
        {"company": company, "checklist": _decision_rows(company_checklist(company))},
    )
