"""The pro space's sessions (prestations): record one, import a file, send
the invoice an audit asks for; and the staff queue of session audits.
Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from common.file_imports import columns_doubtful
from common.ids import get_by_id_or_404, id_parse
from common.permissions import staff_required
from common.spreadsheets import csv_bytes
from common.tabular.files import TableFileError
from common.tabular.sheet import Sheet
from common.types import AuthenticatedHttpRequest
from directory.team.decorators import member_view as _member_view
from directory.team.files import private_file_response
from directory.team.models import Membership

from .. import selectors, session_columns, tasks
from ..forms import SessionColumnsForm, SessionForm, SessionImportForm, SessionScanForm
from ..models import SessionAudit, SessionAuditScan, SessionAuditStatus, SessionImport
from ..services import audits, imports, sessions

PREVIEW_ROWS = 10

_View = Callable[..., HttpResponse]
# ``directory.team.decorators.member_view`` (log-in, then the user's
# membership of ``company_id`` or 404), typed for ``mypy --strict``.
member_view: Callable[[_View], _View] = _member_view


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def session_list(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The form to record a session and the company's sessions, newest first."""
    company = membership.company
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = sessions.session_create(
                company=company,
                actor=request.user,
                performed_on=data["performed_on"],
                status=data["status"],
                reference=data["reference"],
                email=data["client_email"],
                phone=data["client_phone"],
                name=data["client_name"],
                amount=data["amount"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Session %(reference)s recorded.") % {"reference": session.reference},
            )
            return redirect("loyalty:sessions", company_id=company.pk)
    return render(
        request,
        "loyalty/sessions.html",
        {
            "membership": membership,
            "company": company,
            "form": form,
            "page": selectors.company_sessions_page(company=company, page=request.GET.get("page")),
        },
    )


def _import_key(company_id: int) -> str:
    # Per company: a member of two companies previews each apart.
    return f"session_import:{company_id}"


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def session_import(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """Upload a CSV or .xlsx; choose the columns if their names are not
    recognised; preview (the first rows, every error with its line,
    duplicates); then the worker imports everything at once or nothing
    (:func:`session_import_job` shows its progress). The file's rows wait
    in a draft job between the steps (the session holds its id only) and
    the confirmation queues that job."""
    company = membership.company
    key = _import_key(company.pk)
    # The session holds the id of the preview's draft only; its rows wait
    # in the draft, which the purge deletes after the retention.
    draft = imports.session_import_draft(company=company, draft_id=request.session.get(key))
    sheet: Sheet | None = None
    columns: dict[str, int] = {}
    if draft is not None:
        sheet, columns = imports.session_import_draft_read(draft)
    form = SessionImportForm(request.POST or None, request.FILES or None)
    columns_form = None
    report = None
    step = request.POST.get("step") if request.method == "POST" else request.GET.get("step")
    if step in ("confirm", "columns", "review") and draft is None:
        return _preview_expired(request, key, company.pk)
    if step == "confirm" and request.method == "POST" and draft is not None and sheet is not None:
        # Checked again (sessions imported meanwhile are skipped); a file
        # with errors is previewed again and never queued.
        report = imports.sessions_check(company=company, sheet=sheet, columns=columns)
        if not report.errors:
            if not report.rows:  # every session already imported: nothing to run
                imports.session_import_draft_discard(company=company, draft_id=draft.pk)
                del request.session[key]
                messages.success(request, _import_done(0, len(report.duplicates)))
                return redirect("loyalty:sessions", company_id=company.pk)
            if not tasks.session_import_draft_start(draft=draft, total=len(report.rows)):
                return _preview_expired(request, key, company.pk)
            del request.session[key]
            return redirect("loyalty:session-import-job", company_id=company.pk, job_id=draft.pk)
    elif step == "columns" and request.method == "POST" and draft is not None and sheet is not None:
        columns_form = SessionColumnsForm(request.POST, sheet=sheet, initial_columns=columns)
        if columns_form.is_valid():
            columns = columns_form.chosen
            imports.session_column_mapping_save(company=company, sheet=sheet, columns=columns)
            imports.session_import_draft_columns(draft=draft, sheet=sheet, columns=columns)
            columns_form = None
            report = imports.sessions_check(company=company, sheet=sheet, columns=columns)
    elif step == "review" and sheet is not None:
        columns_form = SessionColumnsForm(sheet=sheet, initial_columns=columns)
    elif request.method == "POST" and form.is_valid():
        try:
            sheet = imports.session_sheet_read(content=form.cleaned_data["file"].read())
        except TableFileError as error:
            form.add_error("file", error)
        else:
            columns = imports.session_columns_for(company=company, sheet=sheet)
            # A new file replaces the previous preview.
            imports.session_import_draft_discard(company=company, draft_id=request.session.get(key))
            draft = imports.session_import_draft_create(
                company=company, actor=request.user, sheet=sheet, columns=columns
            )
            request.session[key] = draft.pk
            if session_columns.SCHEME.missing(columns) or not any(
                field in columns for field in session_columns.IDENTITY
            ):
                columns_form = SessionColumnsForm(sheet=sheet, initial_columns=columns)
            else:
                report = imports.sessions_check(company=company, sheet=sheet, columns=columns)
    context = {"membership": membership, "company": company}
    if columns_form is not None and sheet is not None:
        return render(
            request,
            "loyalty/import_columns.html",
            {**context, "columns_form": columns_form, "sheet": sheet},
        )
    return render(
        request,
        "loyalty/import.html",
        {
            **context,
            "form": SessionImportForm() if report else form,
            "report": report,
            "preview": report.rows[:PREVIEW_ROWS] if report else [],
            "columns": (
                sheet.columns_display(session_columns.SCHEME, columns) if report and sheet else []
            ),
            "max_rows": imports.MAX_ROWS,
            "columns_doubtful": report is not None
            and columns_doubtful(refused=report.refused, ready=len(report.rows)),
        },
    )


def _preview_expired(request: HttpRequest, key: str, company_id: int) -> HttpResponse:
    """The preview's draft is gone (purged after the retention, or already
    confirmed): say so and start again, never a 500."""
    request.session.pop(key, None)
    messages.error(request, _("The preview expired: upload the file again."))
    return redirect("loyalty:session-import", company_id=company_id)


def _import_done(created: int, skipped: int) -> str:
    done = ngettext("%(count)s session imported.", "%(count)s sessions imported.", created) % {
        "count": number_format(created, force_grouping=True)
    }
    if skipped:
        done += " " + ngettext(
            "%(count)s already imported, skipped.", "%(count)s already imported, skipped.", skipped
        ) % {"count": number_format(skipped, force_grouping=True)}
    return done


@member_view
@require_safe
def session_import_job(
    request: AuthenticatedHttpRequest, membership: Membership, job_id: int
) -> HttpResponse:
    """A session import run by the worker: its progress, as a page or
    (?format=json) for the page's script, then its outcome. The company's
    members only: another company's job is a 404."""
    job = get_object_or_404(
        membership.company.session_imports.exclude(status=SessionImport.Status.DRAFT), pk=job_id
    )
    status = imports.session_import_status(job)
    if request.GET.get("format") == "json":
        return JsonResponse(status)
    done = status["done"]
    return render(
        request,
        "loyalty/import_job.html",
        {
            "membership": membership,
            "company": membership.company,
            "job": job,
            "done": done,
            "outcome": _import_done(job.created_count, len(job.skipped)),
        },
    )


TEMPLATE_NAME = "modele-prestations"


@member_view
@require_safe
def session_template(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The French CSV template of a sessions file, with one example row."""
    header = [session_columns.ALIASES[field][0] for field in session_columns.FIELDS]
    example = {
        "reference": "S-2026-001",
        "date": "03/04/2026",
        "client_name": "Marie Dupont",
        "client_email": "marie.dupont@example.org",
        "client_phone": "06 12 34 56 78",
        "amount": "45,00",
        "status": "réalisée",
    }
    content = csv_bytes([header, [example[field] for field in session_columns.FIELDS]])
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}.csv"'
    return response


def _scan_form(audit_id: int, data: Any = None, files: Any = None) -> SessionScanForm:
    # One form per audit on the page, its ids suffixed with the audit's
    # (``scan-12``), so an error is shown on the audit it concerns.
    return SessionScanForm(data, files, auto_id=f"%s-{audit_id}")


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def session_audit_list(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The company's session audits, those waiting for the pro first, the
    nearest deadline first, ``AUDITS_PER_PAGE`` a page: send the invoice of
    each one open. A refused scan is shown again on its own audit, on the
    page that holds it, with what the pro typed."""
    company = membership.company
    company_audits = selectors.company_session_audits(company=company)
    posted: SessionScanForm | None = None
    posted_id = 0
    page_number: str | int | None = request.GET.get("page")
    if request.method == "POST":
        audit = get_by_id_or_404(
            company_audits.filter(
                status__in=(SessionAuditStatus.OPEN, SessionAuditStatus.SUBMITTED)
            ),
            request.POST.get("audit"),
        )
        posted, posted_id = _scan_form(audit.pk, request.POST, request.FILES), audit.pk
        if posted.is_valid():
            data = posted.cleaned_data
            try:
                audits.session_audit_submit_scan(
                    audit=audit,
                    upload=data["scan"],
                    actor=request.user,
                    client_email=data["client_email"],
                    client_phone=data["client_phone"],
                    client_name=data["client_name"],
                )
            except ValidationError as error:
                # A file refused by its checks is the scan's error; a
                # closed audit, the form's.
                posted.add_error("scan" if hasattr(error, "error_dict") else None, error.messages)
            else:
                messages.success(request, _("Thank you: our team will compare the invoice."))
                return redirect(
                    f"{reverse('loyalty:session-audits', args=[company.pk])}"
                    + (f"?page={page_number}" if id_parse(page_number) else "")
                )
        page_number = selectors.session_audit_page_number(audits=company_audits, audit_id=audit.pk)
    page = selectors.company_session_audits_page(audits=company_audits, page=page_number)
    rows = [
        (
            item,
            (posted if posted is not None and item.pk == posted_id else _scan_form(item.pk))
            if item.status in (SessionAuditStatus.OPEN, SessionAuditStatus.SUBMITTED)
            else None,
        )
        for item in page.object_list
    ]
    return render(
        request,
        "loyalty/audits.html",
        {"membership": membership, "company": company, "page": page, "rows": rows},
    )


STAFF_PERMISSION = "loyalty.decide_sessionaudit"


@require_safe
def session_audit_scan(request: HttpRequest, company_id: int, scan_id: int) -> HttpResponseBase:
    """One scan sent for a session audit: the company's members and the
    staff who decide session audits only; anyone else a 404."""
    scan = get_object_or_404(SessionAuditScan, pk=scan_id, audit__session__company_id=company_id)
    return private_file_response(
        request, scan.file, company_id=company_id, staff_permission=STAFF_PERMISSION
    )


@staff_required(STAFF_PERMISSION)
@require_http_methods(["GET", "HEAD", "POST"])
def staff_session_audits(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff compare each invoice sent with its session and decide."""
    if request.method == "POST":
        audit = get_by_id_or_404(SessionAudit, request.POST.get("audit"))
        try:
            audits.session_audit_decide(
                audit=audit,
                actor=request.user,
                passed=request.POST.get("passed") == "1",
                note=request.POST.get("note", "")[:2000],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Audit decided."))
        return redirect("loyalty:staff-session-audits")
    return render(
        request,
        "loyalty/staff_audits.html",
        {
            "submitted": selectors.session_audits_to_decide()[:100],
            "open_count": selectors.session_audits_open_count(),
            "strikes": selectors.session_strikes_by_company()[:50],
        },
    )
