"""The prospect import's pages (issue 15), for both pipelines: the
platform's (staff with ``prospects.work_platform_pipeline``, the group
``sales``) and each company's (its members only; another company's is a
404). Upload a CSV or .xlsx, choose the columns if they are not
recognised, preview every line's status (new, possible duplicate and of
which prospect and why, duplicate inside the file, error and why), choose
for each duplicate to skip it (the default) or create it anyway, confirm;
then a worker imports everything or nothing and the job's page shows its
progress. A file of more than ``PROSPECT_IMPORT_SYNC_MAX_ROWS`` lines is
also previewed by a worker: the import page shows the check's progress,
then the preview it stored. Thin: forms validate, ``prospects.imports``
reads and writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from common.file_imports import columns_doubtful
from common.ids import id_parse
from common.permissions import staff_required
from common.spreadsheets import csv_bytes, xlsx_bytes, xlsx_workbook
from common.tabular.files import TableFileError
from common.tabular.sheet import Sheet
from common.types import AuthenticatedHttpRequest
from directory.models import Company
from directory.team.decorators import member_view as _member_view
from directory.team.models import Membership

from . import import_columns, imports, tasks
from .forms_import import ProspectColumnsForm, ProspectImportForm
from .models import Pipeline, ProspectImport
from .permissions import PLATFORM_PERMISSION

# Lines shown in the preview: the first new ones, and the duplicates (each
# with its choice); past DUPLICATES_SHOWN the others follow the choice
# "create every duplicate anyway".
PREVIEW_ROWS = imports.PREVIEW_ROWS
DUPLICATES_SHOWN = imports.DUPLICATES_SHOWN

_View = Callable[..., HttpResponse]
member_view: Callable[[_View], _View] = _member_view
platform_view: Callable[[_View], _View] = staff_required(PLATFORM_PERMISSION)


@dataclass(frozen=True)
class Scope:
    """Which pipeline a page works on, and how its pages are named."""

    pipeline: str
    company: Company | None = None
    membership: Membership | None = None

    @property
    def prefix(self) -> str:
        return (
            "prospects:pro-prospects-" if self.company is not None else "prospects:staff-prospects-"
        )

    def url(self, name: str, *args: Any) -> str:
        owner = (self.company.pk,) if self.company is not None else ()
        return reverse(self.prefix + name, args=[*owner, *args])

    @property
    def session_key(self) -> str:
        # Per pipeline: a member of two companies previews each apart.
        return f"prospect_import:{self.company.pk if self.company else 'platform'}"

    def context(self) -> dict[str, Any]:
        return {
            "membership": self.membership,
            "company": self.company,
            "base_template": (
                "directory/pro/base.html"
                if self.company is not None
                else "prospects/import/platform_base.html"
            ),
            "import_url": self.url("import"),
            "template_csv_url": self.url("import-template-csv"),
            "template_xlsx_url": self.url("import-template-xlsx"),
        }


def _platform() -> Scope:
    return Scope(pipeline=Pipeline.PLATFORM)


def _company(membership: Membership) -> Scope:
    return Scope(pipeline=Pipeline.COMPANY, company=membership.company, membership=membership)


@platform_view
@require_http_methods(["GET", "HEAD", "POST"])
def platform_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _import(request, _platform())


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def company_import(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    return _import(request, _company(membership))


@platform_view
@require_safe
def platform_import_job(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    return _job(request, _platform(), job_id)


@member_view
@require_safe
def company_import_job(
    request: AuthenticatedHttpRequest, membership: Membership, job_id: int
) -> HttpResponse:
    return _job(request, _company(membership), job_id)


@platform_view
@require_safe
def platform_import_template(request: AuthenticatedHttpRequest, extension: str) -> HttpResponse:
    return _template(Pipeline.PLATFORM, extension)


@member_view
@require_safe
def company_import_template(
    request: AuthenticatedHttpRequest, membership: Membership, extension: str
) -> HttpResponse:
    return _template(Pipeline.COMPANY, extension)


def _forced(request: HttpRequest, duplicates: set[int]) -> set[int]:
    """The duplicate lines ticked "create anyway" (every one with
    ``force_all``); anything else sent is ignored."""
    if request.POST.get("force_all"):
        return duplicates
    ticked = {id_parse(value) for value in request.POST.getlist("force")}
    return {line for line in ticked if line is not None} & duplicates


def _import(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """Upload, columns, preview, confirmation (the steps of
    ``loyalty.views.sessions.session_import``). The file's rows wait in a
    draft job between the steps (the session holds its id only); the
    confirmation checks the file again and queues that job."""
    pipeline, company, key = scope.pipeline, scope.company, scope.session_key
    draft = imports.prospect_import_draft(
        pipeline=pipeline, company=company, draft_id=request.session.get(key)
    )
    if (
        draft is not None
        and request.method != "POST"
        and request.GET.get("step") is None
        and draft.preview_status != ProspectImport.PreviewStatus.NONE
        and (
            draft.preview_status != ProspectImport.PreviewStatus.READY
            or request.GET.get("format") == "json"
        )
    ):
        # A worker checks a big file (or could not): its page polls, the
        # file's rows stay unread here.
        return _preview_waiting(request, scope, draft)
    sheet: Sheet | None = None
    columns: dict[str, int] = {}
    if draft is not None:
        sheet, columns = imports.prospect_import_draft_read(draft)
    form = ProspectImportForm(request.POST or None, request.FILES or None)
    columns_form = None
    report = None
    step = request.POST.get("step") if request.method == "POST" else request.GET.get("step")
    if step in ("confirm", "columns", "review") and draft is None:
        return _preview_expired(request, scope)
    in_worker = draft is not None and draft.preview_status != ProspectImport.PreviewStatus.NONE
    if in_worker and draft is not None and sheet is not None:
        if step == "confirm" and request.method == "POST":
            return _confirm_stored(request, scope, draft)
        if step is None and request.method != "POST":
            return _stored_preview(request, scope, draft, sheet, columns)
    if step == "confirm" and request.method == "POST" and draft is not None and sheet is not None:
        # Checked again: a prospect created meanwhile makes its line a
        # duplicate, skipped unless chosen; a file with errors is previewed
        # again and never queued.
        report = imports.prospects_check(
            pipeline=pipeline, company=company, actor=request.user, sheet=sheet, columns=columns
        )
        if not report.errors:
            force = _forced(request, {line.line for line in report.duplicates})
            total = len(report.to_create(force))
            if not total:  # nothing new, every duplicate skipped
                imports.prospect_import_draft_discard(
                    pipeline=pipeline, company=company, draft_id=draft.pk
                )
                del request.session[key]
                messages.success(request, _import_done(0, len(report.duplicates)))
                return redirect(scope.url("import"))
            if not tasks.prospect_import_draft_start(draft=draft, force=force, total=total):
                return _preview_expired(request, scope)
            del request.session[key]
            return redirect(scope.url("import-job", draft.pk))
    elif step == "columns" and request.method == "POST" and draft is not None and sheet is not None:
        columns_form = ProspectColumnsForm(request.POST, sheet=sheet, initial_columns=columns)
        if columns_form.is_valid():
            columns = columns_form.chosen
            imports.prospect_column_mapping_save(
                company=scope.company, sheet=sheet, columns=columns
            )
            imports.prospect_import_draft_columns(draft=draft, sheet=sheet, columns=columns)
            if imports.preview_in_worker(sheet):
                return _preview_start(request, scope, draft, sheet)
            columns_form = None
            report = imports.prospects_check(
                pipeline=pipeline, company=company, actor=request.user, sheet=sheet, columns=columns
            )
    elif step == "review" and sheet is not None:
        columns_form = ProspectColumnsForm(sheet=sheet, initial_columns=columns)
    elif request.method == "POST" and form.is_valid():
        try:
            sheet = imports.prospect_sheet_read(content=form.cleaned_data["file"].read())
        except TableFileError as error:
            form.add_error("file", error)
        else:
            columns = imports.prospect_columns_for(company=scope.company, sheet=sheet)
            # A new file replaces the previous preview.
            imports.prospect_import_draft_discard(
                pipeline=pipeline, company=company, draft_id=request.session.get(key)
            )
            draft = imports.prospect_import_draft_create(
                pipeline=pipeline, company=company, actor=request.user, sheet=sheet, columns=columns
            )
            request.session[key] = draft.pk
            if not any(field in columns for field in import_columns.IDENTITY):
                columns_form = ProspectColumnsForm(sheet=sheet, initial_columns=columns)
            elif imports.preview_in_worker(sheet):
                return _preview_start(request, scope, draft, sheet)
            else:
                report = imports.prospects_check(
                    pipeline=pipeline,
                    company=company,
                    actor=request.user,
                    sheet=sheet,
                    columns=columns,
                )
    context = scope.context()
    if columns_form is not None and sheet is not None:
        return render(
            request,
            "prospects/import/columns.html",
            {**context, "columns_form": columns_form, "sheet": sheet},
        )
    duplicates = report.duplicates if report else []
    return render(
        request,
        "prospects/import/import.html",
        {
            **context,
            "form": ProspectImportForm() if report else form,
            "report": report,
            "new_count": len(report.new) if report else 0,
            "preview": report.new[:PREVIEW_ROWS] if report else [],
            "duplicates": duplicates[:DUPLICATES_SHOWN],
            "duplicates_count": len(duplicates),
            "duplicates_hidden": max(0, len(duplicates) - DUPLICATES_SHOWN),
            "columns": (
                sheet.columns_display(import_columns.SCHEME, columns) if report and sheet else []
            ),
            "max_rows": imports.MAX_ROWS,
            "default_stage": imports.DEFAULT_STAGE[Pipeline(scope.pipeline)].label,
            "columns_doubtful": report is not None
            and columns_doubtful(refused=report.refused, ready=len(report.lines) - report.refused),
        },
    )


def _preview_start(
    request: HttpRequest, scope: Scope, draft: ProspectImport, sheet: Sheet
) -> HttpResponse:
    """A big file: its preview is a worker's (``tasks.check_prospect_import``);
    the import page shows its progress, then the preview."""
    if not tasks.prospect_import_preview_start(draft=draft, total=len(sheet.rows)):
        return _preview_expired(request, scope)
    return redirect(scope.url("import"))


def _stored_preview(
    request: HttpRequest,
    scope: Scope,
    draft: ProspectImport,
    sheet: Sheet,
    columns: dict[str, int],
) -> HttpResponse:
    """The preview a worker stored for a big file."""
    context = scope.context()
    stored = imports.preview_read(draft.preview)
    duplicates_count = len(stored.duplicate_lines)
    return render(
        request,
        "prospects/import/import.html",
        {
            **context,
            "form": ProspectImportForm(),
            "report": stored,
            "new_count": stored.new_count,
            "preview": stored.new,
            "duplicates": stored.duplicates,
            "duplicates_count": duplicates_count,
            "duplicates_hidden": max(0, duplicates_count - len(stored.duplicates)),
            "columns": sheet.columns_display(import_columns.SCHEME, columns),
            "max_rows": imports.MAX_ROWS,
            "default_stage": imports.DEFAULT_STAGE[Pipeline(scope.pipeline)].label,
            "columns_doubtful": columns_doubtful(
                refused=stored.refused, ready=stored.lines - stored.refused
            ),
        },
    )


def _preview_waiting(request: HttpRequest, scope: Scope, draft: ProspectImport) -> HttpResponse:
    """A big file's preview while a worker checks it: its progress (polled
    by ``js/progress.js`` with ``?format=json``), or why it failed."""
    status = imports.prospect_import_preview_status(draft)
    if request.GET.get("format") == "json":
        return JsonResponse(status)
    return render(
        request,
        "prospects/import/preview_status.html",
        {
            **scope.context(),
            "draft": draft,
            "status": status,
            "errors": draft.preview.get("errors", []),
            "form": ProspectImportForm(),
        },
    )


def _confirm_stored(request: HttpRequest, scope: Scope, draft: ProspectImport) -> HttpResponse:
    """Confirm a big file's preview: queue its import from the stored
    preview (the import's worker checks every line again, a prospect
    created meanwhile making its line a duplicate, skipped unless chosen)."""
    if draft.preview_status != ProspectImport.PreviewStatus.READY:
        return redirect(scope.url("import"))  # still checking, or failed: its page says
    stored = imports.preview_read(draft.preview)
    if stored.errors or not stored.lines:
        return redirect(scope.url("import"))
    force = _forced(request, set(stored.duplicate_lines))
    total = stored.to_create_count(force)
    if not total:  # nothing new, every duplicate skipped
        imports.prospect_import_draft_discard(
            pipeline=scope.pipeline, company=scope.company, draft_id=draft.pk
        )
        request.session.pop(scope.session_key, None)
        messages.success(request, _import_done(0, len(stored.duplicate_lines)))
        return redirect(scope.url("import"))
    if not tasks.prospect_import_draft_start(draft=draft, force=force, total=total):
        return _preview_expired(request, scope)
    request.session.pop(scope.session_key, None)
    return redirect(scope.url("import-job", draft.pk))


def _preview_expired(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The preview's draft is gone (purged after the retention, or already
    confirmed): say so and start again, never a 500."""
    request.session.pop(scope.session_key, None)
    messages.error(request, _("The preview expired: upload the file again."))
    return redirect(scope.url("import"))


def _import_done(created: int, skipped: int) -> str:
    done = ngettext("%(count)s prospect imported.", "%(count)s prospects imported.", created) % {
        "count": number_format(created, force_grouping=True)
    }
    if skipped:
        done += " " + ngettext(
            "%(count)s possible duplicate skipped.",
            "%(count)s possible duplicates skipped.",
            skipped,
        ) % {"count": number_format(skipped, force_grouping=True)}
    return done


def _job(request: HttpRequest, scope: Scope, job_id: int) -> HttpResponse:
    """An import run by the worker: its progress, as a page or
    (?format=json) for the page's script, then its outcome. Another
    pipeline's job is a 404."""
    job = get_object_or_404(
        ProspectImport.objects.exclude(status=ProspectImport.Status.DRAFT),
        pk=job_id,
        pipeline=scope.pipeline,
        company=scope.company,
    )
    status = imports.prospect_import_status(job)
    if request.GET.get("format") == "json":
        return JsonResponse(status)
    return render(
        request,
        "prospects/import/job.html",
        {
            **scope.context(),
            "job": job,
            "done": status["done"],
            "outcome": _import_done(job.created_count, len(job.skipped)),
        },
    )


TEMPLATE_NAME = "modele-prospects"
# One example line per pipeline: a company to recruit, a pro's lead.
_EXAMPLES = {
    Pipeline.PLATFORM: {
        "name": "Jeanne Martin",
        "organisation": "Martin Rénovation",
        "siren": "732 829 320",
        "trade": "Plombier",
        "town": "Lyon",
        "postal_code": "69003",
        "email": "contact@martin-renovation.example",
        "phone": "04 78 12 34 56",
        "budget": "",
        "source": "Salon de l'habitat 2026",
        "note": "Rappeler après 14 h",
        "stage": "suspect",
    },
    Pipeline.COMPANY: {
        "name": "Marie Dupont",
        "organisation": "",
        "siren": "",
        "trade": "",
        "town": "Villeurbanne",
        "postal_code": "69100",
        "email": "marie.dupont@example.org",
        "phone": "06 12 34 56 78",
        "budget": "2 500,00",
        "source": "Bouche-à-oreille",
        "note": "Cuisine à refaire au printemps",
        "stage": "tiède",
    },
}


def _template(pipeline: str, extension: str) -> HttpResponse:
    """The French template of a prospects file (CSV or .xlsx): the headers
    recognised first, one example line."""
    header = [import_columns.ALIASES[key][0] for key in import_columns.FIELDS]
    example = [_EXAMPLES[Pipeline(pipeline)][key] for key in import_columns.FIELDS]
    if extension == "xlsx":
        content = xlsx_bytes(xlsx_workbook([header, example], title="Prospects"))
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, content_type = csv_bytes([header, example]), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}.{extension}"'
    return response
