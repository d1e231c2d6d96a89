"""Reviews: the pro's invoices (in the pro space) and the client's review
page reached from the invitation."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from common.signed_links import LinkError
from directory.files import private_file_response
from directory.models import Company
from directory.views.pro import member_view

from . import invoice_columns, invoice_exports, services, tasks
from .audits import audit_decide, audit_submit_scan
from .forms import (
    AppealForm,
    FlagForm,
    InvoiceColumnsForm,
    InvoiceForm,
    InvoiceImportForm,
    ModerationForm,
    ReplyForm,
    ReviewForm,
    ReviewRequestForm,
    ReviewSettingsForm,
    ScanForm,
    UpdateForm,
)
from .invoice_files import InvoiceFileError
from .models import (
    Appeal,
    Audit,
    AuditStatus,
    Invoice,
    RejectionReason,
    Review,
    ReviewFlag,
)
from .names import compare_names
from .selectors import (
    active_sanction,
    company_reviews,
    invitation_ratios,
    invoice_columns_for,
    moderation_backlog,
    strikes_by_company,
    transparency_stats,
)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _form_errors(form) -> str:
    """A bound form's errors as one flash message."""
    return " ".join(error for errors in form.errors.values() for error in errors)


@member_view
@require_http_methods(["GET", "POST"])
def invoices(request: HttpRequest, membership) -> HttpResponse:
    company = membership.company
    form = InvoiceForm(request.POST or None, request.FILES or None, company=company)
    settings_form = ReviewSettingsForm(instance=services.settings_for(company))
    if request.method == "POST" and form.is_valid():
        invoice = services.invoice_create(
            company=company, fields=form.cleaned_data, actor=request.user
        )
        messages.success(request, _("Invoice %(number)s registered.") % {"number": invoice.number})
        return redirect("reviews:invoices", company_id=company.pk)
    listing = company.invoices.select_related("invitation", "review")[:200]
    invited = company.invoices.filter(invitation__isnull=False).count()
    total = company.invoices.count()
    return render(
        request,
        "reviews/pro/invoices.html",
        {
            "membership": membership,
            "company": company,
            "form": form,
            "settings_form": settings_form,
            "import_form": InvoiceImportForm(),
            "invoices": listing,
            "invited": invited,
            "total": total,
        },
    )


@member_view
@require_http_methods(["POST"])
def invoice_settings(request: HttpRequest, membership) -> HttpResponse:
    form = ReviewSettingsForm(request.POST, instance=services.settings_for(membership.company))
    if form.is_valid():
        form.save()
        messages.success(request, _("Invitation rule saved."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("reviews:invoices", company_id=membership.company_id)


def _import_key(company: Company) -> str:
    # Per company: a member of two companies previews each apart.
    return f"invoice_import:{company.pk}"


@member_view
@require_http_methods(["GET", "POST"])
def invoice_import(request: HttpRequest, membership) -> HttpResponse:
    """Upload a CSV or .xlsx; choose the columns if their names are not
    recognised (the choice is remembered); preview (the first rows as they
    will be imported, errors with the file's line numbers, duplicates); then
    import everything at once or nothing."""
    company = membership.company
    key = _import_key(company)
    stored = request.session.get(key)
    form = InvoiceImportForm(request.POST or None, request.FILES or None)
    sheet = columns = report = columns_form = None
    if stored is not None:
        sheet, columns = services.InvoiceSheet.from_session(stored["sheet"]), stored["columns"]
    if request.method == "POST":
        step = request.POST.get("step")
    else:  # a GET only shows: the columns again, for review
        step = "review" if request.GET.get("step") == "review" else None
    if step in ("confirm", "columns", "review") and sheet is None:
        messages.error(request, _("The preview expired: upload the file again."))
        return redirect("reviews:invoice-import", company_id=company.pk)
    if step == "confirm":
        report = services.invoices_check(company=company, sheet=sheet, columns=columns)
        if not report.errors and report.rows:  # every invoice a duplicate: nothing to run
            job = tasks.invoice_import_start(
                company=company,
                actor=request.user,
                content=services.invoices_file_content(report),
                total=len(report.rows),
                skipped=report.duplicates,
            )
            del request.session[key]
            return redirect("reviews:invoice-import-job", company_id=company.pk, job_id=job.pk)
    elif step == "columns" and request.method == "POST":
        columns_form = InvoiceColumnsForm(request.POST, sheet=sheet, initial_columns=columns)
        if columns_form.is_valid():
            columns = columns_form.chosen
            services.invoice_column_mapping_save(company=company, sheet=sheet, columns=columns)
            request.session[key] = {"sheet": stored["sheet"], "columns": columns}
            columns_form = None
            report = services.invoices_check(company=company, sheet=sheet, columns=columns)
    elif step == "review":
        columns_form = InvoiceColumnsForm(sheet=sheet, initial_columns=columns)
    elif request.method == "POST" and form.is_valid():
        try:
            sheet = services.invoice_sheet_read(content=form.cleaned_data["file"].read())
        except InvoiceFileError as error:
            form.add_error("file", error)
        else:
            columns = invoice_columns_for(company=company, header=sheet.header, width=sheet.width)
            report = services.invoices_check(company=company, sheet=sheet, columns=columns)
            request.session[key] = {"sheet": sheet.to_session(), "columns": columns}
            if invoice_columns.missing(columns):
                columns_form = InvoiceColumnsForm(sheet=sheet, initial_columns=columns)
    if columns_form is not None:
        return render(
            request,
            "reviews/pro/import_columns.html",
            {
                "membership": membership,
                "company": company,
                "columns_form": columns_form,
                "missing": [
                    invoice_columns.FIELDS[field] for field in invoice_columns.missing(columns)
                ],
                "sheet": sheet,
            },
        )
    return render(
        request,
        "reviews/pro/import.html",
        {
            "membership": membership,
            "company": company,
            "form": InvoiceImportForm() if report else form,
            "report": report,
            "preview": report.rows[:PREVIEW_ROWS] if report else [],
            "columns": _columns_display(sheet, columns) if report else [],
        },
    )


PREVIEW_ROWS = 10


def _columns_display(sheet, columns: dict[str, int]) -> list[tuple[str, str]]:
    """(field, the file's column it comes from) for the preview."""
    return [
        (label, sheet.column_label(columns[key]) if key in columns else "")
        for key, label in invoice_columns.FIELDS.items()
    ]


TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@member_view
@require_GET
def invoice_template(request: HttpRequest, membership, kind: str) -> HttpResponse:
    """The French template of an invoice file, CSV or Excel."""
    if kind not in TEMPLATE_TYPES:
        raise Http404
    content = invoice_exports.template_csv() if kind == "csv" else invoice_exports.template_xlsx()
    response = HttpResponse(content, content_type=TEMPLATE_TYPES[kind])
    response["Content-Disposition"] = (
        f'attachment; filename="{invoice_exports.TEMPLATE_NAME}.{kind}"'
    )
    return response


@member_view
@require_GET
def invoice_import_job(request: HttpRequest, membership, job_id: int) -> HttpResponse:
    """Progress of a running import, as a page or (?format=json) for the
    page's script."""
    job = get_object_or_404(membership.company.invoice_imports, pk=job_id)
    done = services.invoice_import_progress(job)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": job.status,
                "done": done,
                "total": job.total,
                "label": job.get_status_display(),
            }
        )
    return render(
        request,
        "reviews/pro/import_job.html",
        {"membership": membership, "company": membership.company, "job": job, "done": done},
    )


@require_GET
def invoice_scan(request: HttpRequest, company_id: int, invoice_id: int) -> HttpResponse:
    """The scan of an invoice: the company's members and staff only."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company_id=company_id)
    return private_file_response(
        request, invoice.scan, company_id=company_id, staff_permission="reviews.view_invoice"
    )


@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except LinkError as error:
        return render(request, "reviews/write.html", {"error": error.message}, status=400)
    invoice = invitation.invoice
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_submit(
                invitation=invitation,
                fields=form.service_fields(),
                ip=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "reviews/thanks.html", {"review": review})
    return render(
        request,
        "reviews/write.html",
        {"form": form, "company": invoice.company, "invoice": invoice},
    )


@require_http_methods(["GET", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST stops the invitations of this invoice."""
    if request.method == "GET":
        return render(request, "reviews/opt_out.html", {"token": token})
    try:
        services.invitation_opt_out(token=token)
    except LinkError as error:
        return render(request, "reviews/opt_out.html", {"error": error.message}, status=400)
    return render(request, "reviews/opt_out.html", {"done": True})


@require_GET
def how(request: HttpRequest) -> HttpResponse:
    """ "Comment nous vérifions les avis": the method, and live figures."""
    stats = transparency_stats()
    return render(
        request,
        "reviews/how.html",
        {
            "stats": stats,
            "rejected": stats["rejected_by_reason"],
            "reasons": RejectionReason.choices,
            "invitation_days": settings.REVIEW_INVITATION_DAYS,
            "audit_rate": int(settings.REVIEW_AUDIT_RATE * 100),
        },
    )


# --- Moderation (staff) -----------------------------------------------------------------

moderation_required = permission_required("reviews.moderate_review", raise_exception=True)


@login_required
@moderation_required
@require_GET
def moderation_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/staff/queue.html", moderation_backlog())


@login_required
@moderation_required
@require_http_methods(["GET", "POST"])
def moderation_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(
        Review.objects.select_related("company", "invoice").prefetch_related(
            "decisions", "flags", "appeals"
        ),
        pk=review_id,
    )
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_moderate(
                review=review,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Decision recorded; the author is told."))
            return redirect("reviews:moderation")
    comparison = compare_names(
        review.author_name,
        review.invoice.client_name,
        invoice_company=review.invoice.client_company,
    )

    return render(
        request,
        "reviews/staff/detail.html",
        {
            "review": review,
            "form": form,
            "comparison": comparison,
            "reasons": RejectionReason.choices,
            "sanction": active_sanction(review.company),
        },
    )


@login_required
@moderation_required
@require_POST
def flag_dismiss(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(ReviewFlag, pk=flag_id)
    services.flag_dismiss(flag=flag, actor=request.user)
    messages.success(request, _("Flag closed; the review stays published."))
    return redirect("reviews:moderation")


# --- The company's reviews (pro space) ---------------------------------------------------


@member_view
@require_GET
def pro_reviews(request: HttpRequest, membership) -> HttpResponse:
    return render(
        request,
        "reviews/pro/reviews.html",
        {
            "membership": membership,
            "company": membership.company,
            "reviews": company_reviews(membership.company),
            "reply_form": ReplyForm(),
            "flag_form": FlagForm(),
        },
    )


@member_view
@require_POST
def pro_reply(request: HttpRequest, membership, review_id: int) -> HttpResponse:
    review = get_object_or_404(membership.company.reviews.published(), pk=review_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_save(review=review, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your reply is published."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("reviews:pro-reviews", company_id=membership.company_id)


@member_view
@require_POST
def pro_flag(request: HttpRequest, membership, review_id: int) -> HttpResponse:
    review = get_object_or_404(membership.company.reviews.published(), pk=review_id)
    form = FlagForm(request.POST)
    if form.is_valid():
        services.flag_create(
            review=review,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            reporter=request.user,
            by_company=True,
        )
        messages.success(
            request, _("Flag sent. The review stays visible while our team looks at it.")
        )
    else:
        messages.error(request, _("Choose a reason."))
    return redirect("reviews:pro-reviews", company_id=membership.company_id)


@ratelimit(group="review-flag", key="ip", rate="10/h", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def public_flag(request: HttpRequest, review_id: int) -> HttpResponse:
    """Any visitor can flag a published review; it stays visible."""
    review = get_object_or_404(Review.objects.published().select_related("company"), pk=review_id)
    form = FlagForm(request.POST or None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many flags from you in a short time. Try again later."))
        elif form.is_valid():
            services.flag_create(
                review=review,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                reporter=request.user if request.user.is_authenticated else None,
            )
            messages.success(
                request, _("Thank you. The review stays visible while our team looks at it.")
            )
            return redirect(f"{review.company.get_absolute_url()}#avis-{review.pk}")
    return render(request, "reviews/flag.html", {"review": review, "form": form})


# --- Audits --------------------------------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def pro_audits(request: HttpRequest, membership) -> HttpResponse:
    """The company's open audits: send the scan of each invoice asked for."""

    audits = Audit.objects.filter(review__company=membership.company).select_related(
        "review__invoice"
    )
    form = ScanForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        audit = get_object_or_404(
            audits.filter(status__in=(AuditStatus.OPEN, AuditStatus.SUBMITTED)),
            pk=request.POST.get("audit"),
        )
        if form.is_valid():
            try:
                audit_submit_scan(audit=audit, upload=form.cleaned_data["scan"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Thank you: our team will compare the invoice."))
                return redirect("reviews:pro-audits", company_id=membership.company_id)
        else:
            messages.error(request, _form_errors(form))
    return render(
        request,
        "reviews/pro/audits.html",
        {
            "membership": membership,
            "company": membership.company,
            "audits": audits.order_by("-opened_at")[:100],
            "form": form,
        },
    )


@login_required
@moderation_required
@require_http_methods(["GET", "POST"])
def staff_audits(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        audit = get_object_or_404(Audit, pk=request.POST.get("audit"))
        try:
            audit_decide(
                audit=audit,
                actor=request.user,
                passed=request.POST.get("passed") == "1",
                note=request.POST.get("note", "")[:2000],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Audit decided."))
        return redirect("reviews:staff-audits")
    submitted = Audit.objects.filter(status=AuditStatus.SUBMITTED).select_related(
        "review__invoice__company"
    )
    open_audits = Audit.objects.filter(status=AuditStatus.OPEN).count()
    return render(
        request,
        "reviews/staff/audits.html",
        {
            "submitted": submitted[:100],
            "open_count": open_audits,
            "strikes": strikes_by_company(),
            "ratios": invitation_ratios(),
        },
    )


# --- Authors, appeals, sanctions ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The author's private page: add a dated update, withdraw, appeal."""
    try:
        review = services.review_from_manage_token(token)
    except LinkError as error:
        return render(request, "reviews/manage.html", {"error": error.message}, status=400)
    action = request.POST.get("action")
    update_form = UpdateForm(request.POST if action == "update" else None)
    appeal_form = AppealForm(request.POST if action == "appeal" else None)
    if request.method == "POST":
        try:
            if action == "withdraw":
                services.review_withdraw(review=review)
                messages.success(request, _("Your review is withdrawn."))
            elif action == "update" and update_form.is_valid():
                services.review_add_update(review=review, text=update_form.cleaned_data["text"])
                messages.success(request, _("Your update is added."))
            elif action == "appeal" and appeal_form.is_valid():
                services.appeal_create(
                    review=review, by=Appeal.By.AUTHOR, text=appeal_form.cleaned_data["text"]
                )
                messages.success(request, _("Your appeal is sent; you will get an e-mail."))
            else:
                raise ValidationError(_("Check the form."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("reviews:manage", token=token)
    return render(
        request,
        "reviews/manage.html",
        {"review": review, "update_form": update_form, "appeal_form": appeal_form},
    )


@member_view
@require_POST
def pro_appeal(request: HttpRequest, membership, review_id: int) -> HttpResponse:
    review = get_object_or_404(membership.company.reviews.published(), pk=review_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_create(
                review=review,
                by=Appeal.By.COMPANY,
                text=form.cleaned_data["text"],
                appellant=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your appeal is sent. The review stays visible meanwhile."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("reviews:pro-reviews", company_id=membership.company_id)


@login_required
@moderation_required
@require_POST
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal, pk=appeal_id)
    try:
        services.appeal_decide(
            appeal=appeal,
            actor=request.user,
            upheld=request.POST.get("upheld") == "1",
            note=request.POST.get("note", "")[:2000],
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Appeal decided."))
    return redirect("reviews:moderation-detail", review_id=appeal.review_id)


@login_required
@moderation_required
@require_POST
def sanction(request: HttpRequest, company_id: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=company_id)
    try:
        if request.POST.get("lift"):
            current = get_object_or_404(company.review_sanctions.active())
            services.sanction_lift(sanction=current, actor=request.user)
            messages.success(request, _("Sanction lifted."))
        else:
            services.sanction_create(
                company=company, actor=request.user, reason=request.POST.get("reason", "")[:2000]
            )
            messages.success(request, _("Sanction recorded: warning shown, new reviews frozen."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    review_id = request.POST.get("review", "")
    if review_id.isdigit():
        return redirect("reviews:moderation-detail", review_id=int(review_id))
    return redirect("reviews:moderation")


@ratelimit(group="review-request", key="ip", rate="5/h", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def request_review(request: HttpRequest, slug: str) -> HttpResponse:
    """A client without an invitation starts from the company page."""

    company = get_object_or_404(Company.objects.listed(), slug=slug)
    form = ReviewRequestForm(request.POST or None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many requests from you in a short time. Try again later."))
        elif form.is_valid():
            services.review_request_create(company=company, fields=form.cleaned_data)
            return render(request, "reviews/request.html", {"company": company, "sent": True})
    return render(request, "reviews/request.html", {"company": company, "form": form})


@require_http_methods(["GET", "POST"])
def request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST proves the address and matches."""
    if request.method == "GET":
        return render(request, "reviews/request_confirm.html", {"token": token})
    try:
        review_request = services.review_request_confirm(token=token)
    except LinkError as error:
        return render(request, "reviews/request_confirm.html", {"error": error.message}, status=400)
    return render(request, "reviews/request_confirm.html", {"review_request": review_request})
