"""Sessions from a file (CSV or .xlsx): read by ``common.tabular`` (the
invoice import's reader: encodings, French dates and amounts, column
mapping), checked row by row into a report the pro previews, then
imported by a worker, all rows or none.

The file's rows wait in a draft ``SessionImport`` between the preview
steps (the pro's session holds its id only; the purge deletes a draft
abandoned past the retention); the confirmation turns it into the job
that a worker runs with the machinery of every file import
(``common.file_imports``: lease, heartbeat, sweeper, progress bar, the
content deleted when the job ends and after ``INVOICE_IMPORT_RETENTION``).
The worker checks the rows again, as the confirmation always did, and
records every session in one transaction. A session keeps the client as
a key only."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.email_addresses import validate_email_address
from common.file_imports import (
    FileImportKind,
    ImportMessages,
    ImportOutcome,
    SweepReport,
    column_mapping_recall,
    column_mapping_remember,
    file_import_draft,
    file_import_draft_create,
    file_import_draft_discard,
    file_import_draft_queue,
    file_import_draft_update,
    file_import_run,
    file_import_status,
    file_imports_purge,
    file_imports_sweep,
)
from common.formats import parse_phone
from common.tabular.sheet import Sheet, sheet_read
from common.tabular.values import parse_amount, parse_date
from common.text import identifier_text
from common.types import User
from directory.models import Company

from .. import session_columns
from ..identity import NoClientIdentity, client_key
from ..models import (
    ServiceSession,
    SessionColumnMapping,
    SessionImport,
    SessionSource,
    SessionStatus,
)
from .sessions import oldest_session_day

# Sessions in one file: years of daily sessions (a nanny's 250 days a
# year for 20 years is 5,000; a practice's few a day, more). The reader
# keeps the rows in memory (20,000 rows of ten short cells: tens of MB in
# the preview's request and the worker, under CELERY_WORKER_MAX_MEMORY_PER_CHILD)
# and a file is 2 MB at most anyway (common.tabular.files.MAX_BYTES, some
# 100 bytes a row). The worker inserts them in batches of BATCH within
# seconds.
MAX_ROWS = 20_000
TOO_MANY = gettext_lazy("The file has more than %(max)s sessions: split it and import each part.")
BATCH = 500
REFERENCE_LIMIT = 100
# A reference derived from a row without one (see ``_derived_reference``).
DERIVED_PREFIX = "auto-"


@dataclass(frozen=True)
class SessionRow:
    """One row read: what is shown in the preview (the client as the pro
    wrote it) and the key that will be stored."""

    line: int
    reference: str
    performed_on: date
    status: str
    amount: Decimal | None
    client: str  # as written in the file, for the preview only
    client_key: str

    @property
    def reference_shown(self) -> str:
        """The reference as the pro wrote it; none ("") for one derived
        from the row (a digest means nothing to the pro)."""
        return "" if self.reference.startswith(DERIVED_PREFIX) else self.reference

    @property
    def status_label(self) -> str:
        return str(SessionStatus(self.status).label)


@dataclass
class SessionReport:
    rows: list[SessionRow] = field(default_factory=list)  # ready to import
    errors: list[str] = field(default_factory=list)  # "line 4: …"
    duplicates: list[int] = field(default_factory=list)  # lines already imported, skipped
    blank: int = 0
    created: int = 0
    refused: int = 0  # lines in error


def session_sheet_read(*, content: bytes) -> Sheet:
    """Read an uploaded sessions file and find its header; raises
    ``common.tabular.files.TableFileError`` with a message for the pro."""
    return sheet_read(
        content=content, scheme=session_columns.SCHEME, max_rows=MAX_ROWS, too_many=TOO_MANY
    )


def _derived_reference(performed_on: date, key: str, status: str) -> str:
    """The reference of a row without one: a digest of its date, client key
    and status, so the same row imported twice is one session (two
    sessions of one client on one day count once for the score anyway)."""
    digest = hashlib.sha256(f"{performed_on.isoformat()}|{key}|{status}".encode()).hexdigest()
    return DERIVED_PREFIX + digest[:24]


def _session_row(
    line: int, cells: tuple[str, ...], columns: dict[str, int], company_id: int, today: date
) -> tuple[SessionRow | None, list[str]]:
    values = {
        key: cells[columns[key]] if columns.get(key, len(cells)) < len(cells) else ""
        for key in session_columns.FIELDS
    }
    problems: list[str] = []
    performed_on = None
    try:
        performed_on = parse_date(values["date"], today=today, not_before=oldest_session_day(today))
    except ValueError as error:
        problems.append(str(error))
    amount = None
    if values["amount"].strip():
        try:
            amount = parse_amount(values["amount"])
        except ValueError as error:
            problems.append(str(error))
    status = ""
    try:
        status = session_columns.parse_status(values["status"])
    except ValueError as error:
        problems.append(str(error))
    email, phone, name = values["client_email"], values["client_phone"], values["client_name"]
    if email:
        try:
            validate_email_address(email)
        except ValidationError:
            problems.append(_("the client e-mail is not valid (%(value)s)") % {"value": email[:60]})
    if phone:
        try:
            phone = parse_phone(phone)
        except ValidationError:
            problems.append(
                _("the client phone is not a phone number (%(value)s)") % {"value": phone[:30]}
            )
    key = ""
    try:
        key = client_key(company_id=company_id, email=email, phone=phone, name=name)
    except NoClientIdentity:
        problems.append(_("no client: give an e-mail, a phone number or a name"))
    if len(values["reference"]) > REFERENCE_LIMIT:
        problems.append(
            _("the reference is longer than %(limit)s characters") % {"limit": REFERENCE_LIMIT}
        )
    if problems or performed_on is None:
        return None, [
            _("line %(line)s: %(problem)s") % {"line": line, "problem": problem}
            for problem in problems
        ]
    # In the written form session_record keeps (two that read the same are one).
    reference = identifier_text(values["reference"]) or _derived_reference(
        performed_on, key, status
    )
    return (
        SessionRow(
            line=line,
            reference=reference,
            performed_on=performed_on,
            status=status,
            amount=amount,
            client=email or name or phone,
            client_key=key,
        ),
        [],
    )


def sessions_check(*, company: Company, sheet: Sheet, columns: dict[str, int]) -> SessionReport:
    """Every row read into a session or line-numbered errors. A reference
    repeated in the file is an error on its second line; the lines whose
    reference was already imported for the company are skipped and
    reported (``duplicates``), never imported twice. A file none of
    whose columns tells the client is refused as a whole."""
    report = SessionReport(blank=sheet.blank)
    missing = session_columns.SCHEME.missing(columns)
    if missing:
        report.errors.append(
            _("Columns not recognised: %(columns)s. Choose them below or use the template.")
            % {"columns": ", ".join(str(session_columns.FIELDS[key]) for key in missing)}
        )
        return report
    if not any(key in columns for key in session_columns.IDENTITY):
        report.errors.append(
            _("No column tells the client: choose the column of the e-mail, phone or name.")
        )
        return report
    if not sheet.rows:
        report.errors.append(_("The file has no session under its header row."))
        return report
    known = set(
        company.sessions.filter(source=SessionSource.CSV).values_list("reference", flat=True)
    )
    seen: dict[str, int] = {}  # reference → its first line in the file
    today = timezone.localdate()
    for row in sheet.rows:
        data, errors = _session_row(row.line, row.cells, columns, company.pk, today)
        if errors or data is None:
            report.errors.extend(errors)
            report.refused += 1
            continue
        first = seen.get(data.reference)
        if first is not None:
            # Twice in one file: the pro decides, never silently dropped.
            if data.reference.startswith(DERIVED_PREFIX):
                problem = _(
                    "line %(line)s: same date, client and status as line %(first)s "
                    "(add a reference column to import both)"
                ) % {"line": row.line, "first": first}
            else:
                problem = _(
                    "line %(line)s: reference %(reference)s already used on line %(first)s "
                    "of the file"
                ) % {"line": row.line, "reference": data.reference, "first": first}
            report.errors.append(problem)
            report.refused += 1
            continue
        seen[data.reference] = row.line
        if data.reference in known:
            report.duplicates.append(row.line)
            continue
        report.rows.append(data)
    return report


ALREADY = gettext_lazy(
    "Some of these sessions were imported meanwhile (another upload of the same file?): "
    "nothing was imported. Upload the file again to see what is left."
)


def sessions_import(
    *,
    company: Company,
    actor: User | None,
    sheet: Sheet,
    columns: dict[str, int],
    progress: Callable[[int], None] | None = None,
) -> SessionReport:
    """Check the sheet (:func:`sessions_check`) and, if no row is in
    error, record every session at once (source "file import"), in one
    transaction: all or none; ``progress(done)`` is called after each
    batch. Returns the report; ``created`` counts the sessions recorded
    (0 when there were errors)."""
    report = sessions_check(company=company, sheet=sheet, columns=columns)
    if report.errors or not report.rows:
        return report
    now = timezone.now()
    sessions = [
        ServiceSession(
            company=company,
            client_key=row.client_key,
            performed_on=row.performed_on,
            amount=row.amount,
            status=row.status,
            source=SessionSource.CSV,
            reference=row.reference,
            created_by=actor,
            created_at=now,
        )
        for row in report.rows
    ]
    try:
        with transaction.atomic():
            for start in range(0, len(sessions), BATCH):
                ServiceSession.objects.bulk_create(sessions[start : start + BATCH])
                if progress is not None:
                    progress(min(start + BATCH, len(sessions)))
    except IntegrityError:
        # A concurrent import of the same references won the race.
        report.errors.append(str(ALREADY))
        return report
    report.created = len(sessions)
    return report


# --- The worker's job (common.file_imports) ---------------------------------


def session_import_create(
    *, company: Company, actor: User, sheet: Sheet, columns: dict[str, int], total: int
) -> SessionImport:
    """Record a previewed file for the worker (``tasks.session_import_start``
    queues it): its rows as read and the columns chosen, so the worker
    checks and imports exactly what the pro previewed; ``total``: the
    sessions the preview found ready."""
    return SessionImport.objects.create(
        company=company, created_by=actor, content=_job_content(sheet, columns), total=total
    )


def _session_import_file(job: SessionImport, progress: Callable[[int], None]) -> ImportOutcome:
    """Import a claimed job's sessions (inside its transaction)."""
    stored = json.loads(job.content)
    report = sessions_import(
        company=job.company,
        actor=job.created_by,
        sheet=Sheet.from_session(stored["sheet"]),
        columns=stored["columns"],
        progress=progress,
    )
    # The whole file is checked again: its duplicates are all the skipped.
    return ImportOutcome(
        created=report.created, errors=report.errors, values={"skipped": report.duplicates}
    )


# --- The columns chosen, remembered per header (common.file_imports) ---------


def session_columns_for(*, company: Company, sheet: Sheet) -> dict[str, int]:
    """The columns of each field of a sessions file: the company's choice
    for this header last time, if it still fits, else the names recognised."""
    return column_mapping_recall(
        company.session_column_mappings,
        header=sheet.header,
        width=sheet.width,
        scheme=session_columns.SCHEME,
    )


def session_column_mapping_save(
    *, company: Company, sheet: Sheet, columns: dict[str, int]
) -> SessionColumnMapping:
    """Remember the pro's choice of columns for the next file with this header."""
    mapping = column_mapping_remember(
        company.session_column_mappings, header=sheet.header, columns=columns
    )
    return cast(SessionColumnMapping, mapping)


# --- The preview's draft (common.file_imports) -------------------------------


def session_import_draft_create(
    *, company: Company, actor: User, sheet: Sheet, columns: dict[str, int]
) -> SessionImport:
    """Keep an uploaded file's rows and the columns chosen server-side
    while the pro previews it (the session holds the draft's id only)."""
    return file_import_draft_create(
        SESSION_IMPORTS, created_by=actor, content=_job_content(sheet, columns), company=company
    )


def session_import_draft(*, company: Company, draft_id: object) -> SessionImport | None:
    """The company's draft, or None if it expired; Http404 if another's."""
    return file_import_draft(SESSION_IMPORTS, draft_id, company=company)


def session_import_draft_read(draft: SessionImport) -> tuple[Sheet, dict[str, int]]:
    stored = json.loads(draft.content)
    return Sheet.from_session(stored["sheet"]), stored["columns"]


def session_import_draft_columns(
    *, draft: SessionImport, sheet: Sheet, columns: dict[str, int]
) -> bool:
    """Keep the columns chosen again; False if the draft expired."""
    return file_import_draft_update(SESSION_IMPORTS, draft, content=_job_content(sheet, columns))


def session_import_draft_discard(*, company: Company, draft_id: object) -> None:
    file_import_draft_discard(SESSION_IMPORTS, draft_id, company=company)


def session_import_draft_queue(*, draft: SessionImport, total: int) -> bool:
    """The confirmed preview becomes the worker's job (its content is
    already what the worker reads). False if it expired or was confirmed."""
    return file_import_draft_queue(SESSION_IMPORTS, draft, content=draft.content, total=total)


def _job_content(sheet: Sheet, columns: dict[str, int]) -> str:
    return json.dumps({"sheet": sheet.to_session(), "columns": columns})


# What the pro reads on the job's page when the worker could not finish.
CRASHED = gettext_lazy(
    "The import stopped on an unexpected error and nothing was imported. "
    "Our team has been told; upload the file again or record the sessions one by one."
)

SESSION_IMPORTS: FileImportKind[SessionImport] = FileImportKind(
    model=SessionImport,
    # Looked up at each run, so a test can replace the import function.
    run=lambda job, progress: _session_import_file(job, progress),
    messages=ImportMessages(crashed=CRASHED),
    # One retention for every file import, the one the privacy notice states.
    retention_setting="INVOICE_IMPORT_RETENTION",
    key="loyalty:session-import",
)


def session_import_run(*, job_id: int, owner: str) -> bool:
    """Run a queued import for ``owner`` (the Celery task id), all its
    sessions or none (``common.file_imports.file_import_run``). Returns
    False if the job was not this caller's to run."""
    return file_import_run(SESSION_IMPORTS, job_id=job_id, owner=owner)


def session_imports_sweep() -> SweepReport:
    """Re-queue or fail the imports whose worker died, send again those
    whose message was lost (``common.file_imports.file_imports_sweep``)."""
    return file_imports_sweep(SESSION_IMPORTS)


def session_imports_purge() -> int:
    """Delete the client data of every import older than the retention,
    whatever became of it. Returns how many contents were deleted."""
    return file_imports_purge(SESSION_IMPORTS)


def session_import_status(job: SessionImport) -> dict[str, Any]:
    """The job's ``status``, ``done``, ``total`` and ``label``
    (``common.file_imports.file_import_status``)."""
    return file_import_status(SESSION_IMPORTS, job)
