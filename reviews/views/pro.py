"""The pro space: invoices (form, file import, invitation rule), the
company's reviews (reply, flag, appeal) and its document audits."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.file_imports import columns_doubtful
from common.ids import get_by_id_or_404, id_parse
from common.tabular.files import TableFileError
from common.types import AuthenticatedHttpRequest
from directory.models import Company
from directory.team.decorators import member_view
from directory.team.files import private_file_response

from .. import invoice_columns, invoice_exports, tasks
from ..forms import (
    AppealForm,
    FlagForm,
    InvoiceColumnsForm,
    InvoiceForm,
    InvoiceImportForm,
    ReplyForm,
    ReviewSettingsForm,
    ScanForm,
)
from ..models import (
    Appeal,
    Audit,
    AuditScan,
    AuditStatus,
    Invoice,
    InvoiceImport,
)
from ..selectors import (
    company_reviews,
    invoice_columns_for,
)
from ..services import appeals, audits, invitations, moderation
from ..services import invoices as invoice_services
from ..text_checks import held_message


def _form_errors(form) -> str:
    """A bound form's errors as one flash message."""
    return " ".join(error for errors in form.errors.values() for error in errors)


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def invoices(request: AuthenticatedHttpRequest, membership) -> HttpResponse:
    company = membership.company
    form = InvoiceForm(request.POST or None, request.FILES or None, company=company)
    settings_form = ReviewSettingsForm(instance=invoice_services.settings_for(company))
    if request.method == "POST" and form.is_valid():
        invoice = invoice_services.invoice_create(
            company=company, fields=form.cleaned_data, actor=request.user
        )
        registered = _("Invoice %(number)s registered.") % {"number": invoice.number}
        if invitations.invoice_too_old(invoice.issued_on):
            messages.warning(request, f"{registered} {invitations.too_old_message().capitalize()}.")
        else:
            messages.success(request, registered)
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
def invoice_settings(request: AuthenticatedHttpRequest, membership) -> HttpResponse:
    form = ReviewSettingsForm(
        request.POST, instance=invoice_services.settings_for(membership.company)
    )
    if form.is_valid():
        invoice_services.invitation_rule_save(
            company=membership.company,
            actor=request.user,
            policy=form.cleaned_data["policy"],
            min_amount=form.cleaned_data["min_amount"],
        )
        messages.success(request, _("Invitation rule saved."))
    else:
        messages.error(request, _form_errors(form))
    return redirect("reviews:invoices", company_id=membership.company_id)


def _import_key(company: Company) -> str:
    # Per company: a member of two companies previews each apart.
    return f"invoice_import:{company.pk}"


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def invoice_import(request: AuthenticatedHttpRequest, membership) -> HttpResponse:
    """Upload a CSV or .xlsx; choose the columns if their names are not
    recognised (the choice is remembered); preview (the first rows as they
    will be imported, errors with the file's line numbers, duplicates); then
    import everything at once or nothing."""
    company = membership.company
    key = _import_key(company)
    needs_amount = invoice_services.settings_for(company).needs_amount
    # The session holds the id of the preview's draft only; its rows wait
    # in the draft, which the purge deletes after the retention.
    draft = invoice_services.invoice_import_draft(
        company=company, draft_id=request.session.get(key)
    )
    form = InvoiceImportForm(request.POST or None, request.FILES or None)
    sheet = columns = report = columns_form = None
    if draft is not None:
        sheet, columns = invoice_services.invoice_import_draft_read(draft)
    if request.method == "POST":
        step = request.POST.get("step")
    else:  # a GET only shows: the columns again, for review
        step = "review" if request.GET.get("step") == "review" else None
    if step in ("confirm", "columns", "review") and draft is None:
        request.session.pop(key, None)
        messages.error(request, _("The preview expired: upload the file again."))
        return redirect("reviews:invoice-import", company_id=company.pk)
    if step == "confirm":
        report = invoice_services.invoices_check(company=company, sheet=sheet, columns=columns)
        if not report.errors and report.rows:  # every invoice a duplicate: nothing to run
            if not tasks.invoice_import_draft_start(draft=draft, report=report):
                request.session.pop(key, None)
                messages.error(request, _("The preview expired: upload the file again."))
                return redirect("reviews:invoice-import", company_id=company.pk)
            del request.session[key]
            return redirect("reviews:invoice-import-job", company_id=company.pk, job_id=draft.pk)
    elif step == "columns" and request.method == "POST":
        columns_form = InvoiceColumnsForm(
            request.POST, sheet=sheet, initial_columns=columns, needs_amount=needs_amount
        )
        if columns_form.is_valid():
            columns = columns_form.chosen
            invoice_services.invoice_column_mapping_save(
                company=company, sheet=sheet, columns=columns
            )
            invoice_services.invoice_import_draft_columns(draft=draft, sheet=sheet, columns=columns)
            columns_form = None
            report = invoice_services.invoices_check(company=company, sheet=sheet, columns=columns)
    elif step == "review":
        columns_form = InvoiceColumnsForm(
            sheet=sheet, initial_columns=columns, needs_amount=needs_amount
        )
    elif request.method == "POST" and form.is_valid():
        try:
            sheet = invoice_services.invoice_sheet_read(content=form.cleaned_data["file"].read())
        except TableFileError as error:
            form.add_error("file", error)
        else:
            columns = invoice_columns_for(company=company, header=sheet.header, width=sheet.width)
            report = invoice_services.invoices_check(company=company, sheet=sheet, columns=columns)
            # A new file replaces the previous preview.
            invoice_services.invoice_import_draft_discard(
                company=company, draft_id=request.session.get(key)
            )
            draft = invoice_services.invoice_import_draft_create(
                company=company, actor=request.user, sheet=sheet, columns=columns
            )
            request.session[key] = draft.pk
            if invoice_columns.missing(columns, needs_amount=needs_amount):
                columns_form = InvoiceColumnsForm(
                    sheet=sheet, initial_columns=columns, needs_amount=needs_amount
                )
    if columns_form is not None:
        return render(
            request,
            "reviews/pro/import_columns.html",
            {
                "membership": membership,
                "company": company,
                "columns_form": columns_form,
                "missing": [
                    invoice_columns.FIELDS[field]
                    for field in invoice_columns.missing(columns, needs_amount=needs_amount)
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
            "columns": sheet.columns_display(invoice_columns.SCHEME, columns) if report else [],
            "columns_doubtful": bool(report)
            and columns_doubtful(refused=report.refused, ready=len(report.rows)),
        },
    )


PREVIEW_ROWS = 10


TEMPLATE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@member_view
@require_safe
def invoice_template(request: AuthenticatedHttpRequest, membership, kind: str) -> HttpResponse:
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
@require_safe
def invoice_import_job(request: AuthenticatedHttpRequest, membership, job_id: int) -> HttpResponse:
    """Progress of a running import, as a page or (?format=json) for the
    page's script."""
    job = get_object_or_404(
        membership.company.invoice_imports.exclude(status=InvoiceImport.Status.DRAFT), pk=job_id
    )
    status = invoice_services.invoice_import_status(job)
    if request.GET.get("format") == "json":
        return JsonResponse(status)
    done = status["done"]
    return render(
        request,
        "reviews/pro/import_job.html",
        {"membership": membership, "company": membership.company, "job": job, "done": done},
    )


@require_safe
def invoice_scan(request: HttpRequest, company_id: int, invoice_id: int) -> HttpResponse:
    """The scan of an invoice: the company's members and staff only."""
    invoice = get_object_or_404(Invoice, pk=invoice_id, company_id=company_id)
    return private_file_response(
        request, invoice.scan, company_id=company_id, staff_permission="reviews.view_invoice"
    )


@require_safe
def audit_scan(request: HttpRequest, company_id: int, scan_id: int) -> HttpResponse:
    """One scan sent for a document audit: the company's members and the
    staff who decide audits (``reviews.view_invoice``) only."""
    scan = get_object_or_404(AuditScan, pk=scan_id, audit__review__company_id=company_id)
    return private_file_response(
        request, scan.file, company_id=company_id, staff_permission="reviews.view_invoice"
    )


@member_view
@require_safe
def pro_reviews(request: AuthenticatedHttpRequest, membership) -> HttpResponse:
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
def pro_reply(request: AuthenticatedHttpRequest, membership, review_id: int) -> HttpResponse:
    review = get_object_or_404(membership.company.reviews.published(), pk=review_id)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            reply = moderation.reply_save(
                review=review, author=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if reply.is_published:
                messages.success(request, _("Your reply is published."))
            else:
                messages.warning(request, held_message(reply.moderation_reason_labels))
    else:
        messages.error(request, _form_errors(form))
    return redirect("reviews:pro-reviews", company_id=membership.company_id)


@member_view
@require_POST
def pro_flag(request: AuthenticatedHttpRequest, membership, review_id: int) -> HttpResponse:
    review = get_object_or_404(membership.company.reviews.published(), pk=review_id)
    form = FlagForm(request.POST)
    if form.is_valid():
        moderation.flag_create(
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


AUDITS_PER_PAGE = 20


def _scan_form(audit: Audit, data=None, files=None) -> ScanForm:
    # One form per audit on the page, its ids suffixed with the audit's
    # (``scan-12``), so an error is shown on the audit it concerns.
    return ScanForm(data, files, auto_id=f"%s-{audit.pk}")


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def pro_audits(request: AuthenticatedHttpRequest, membership) -> HttpResponse:
    """The company's audits, those waiting for the pro first, the nearest
    deadline first, ``AUDITS_PER_PAGE`` a page: send the scan of each
    invoice asked for. A refused scan is shown again on its own audit, on
    the page that holds it."""
    company_audits = (
        Audit.objects.filter(review__company=membership.company)
        .select_related("review__invoice")
        .prefetch_related("scans")
        .order_by(F("decided_at").desc(nulls_first=True), "due_at", "-pk")
    )
    posted, posted_id = None, 0
    page_number = request.GET.get("page")
    if request.method == "POST":
        audit = get_by_id_or_404(
            company_audits.filter(status__in=(AuditStatus.OPEN, AuditStatus.SUBMITTED)),
            request.POST.get("audit"),
        )
        posted, posted_id = _scan_form(audit, request.POST, request.FILES), audit.pk
        if posted.is_valid():
            try:
                audits.audit_submit_scan(
                    audit=audit, upload=posted.cleaned_data["scan"], actor=request.user
                )
            except ValidationError as error:
                posted.add_error("scan" if hasattr(error, "error_dict") else None, error.messages)
            else:
                messages.success(request, _("Thank you: our team will compare the invoice."))
                url = reverse("reviews:pro-audits", args=[membership.company_id])
                return redirect(url + (f"?page={page_number}" if id_parse(page_number) else ""))
        ids = list(company_audits.values_list("pk", flat=True))
        page_number = ids.index(audit.pk) // AUDITS_PER_PAGE + 1
    page = Paginator(company_audits, AUDITS_PER_PAGE).get_page(page_number)
    rows = [
        (
            item,
            (posted if posted is not None and item.pk == posted_id else _scan_form(item))
            if item.status in (AuditStatus.OPEN, AuditStatus.SUBMITTED)
            else None,
        )
        for item in page.object_list
    ]
    return render(
        request,
        "reviews/pro/audits.html",
        {
            "membership": membership,
            "company": membership.company,
            "page": page,
            "rows": rows,
        },
    )


@member_view
@require_POST
def pro_appeal(request: AuthenticatedHttpRequest, membership, review_id: int) -> HttpResponse:
    review = get_object_or_404(membership.company.reviews.published(), pk=review_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            appeals.appeal_create(
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
