"""Prospects from a file (CSV or .xlsx, issue 15): read by
``common.tabular`` (encodings, separators, French amounts, column mapping
remembered per header), checked line by line into a preview, then
imported by a worker, all lines or none.

Each line of the preview has a status: **new**; **possible duplicate** of
prospects already in the pipeline (which, and why: same SIREN, e-mail,
phone, or a similar name in the same town — ``selectors.duplicate_matches``,
the rule of a prospect typed by hand); **duplicate inside the file** (of
an earlier line, by the same rule); or **error**, with its reason. A file
with errors imports nothing (the user corrects it: all lines or none).
Duplicates are skipped unless the user ticks "create anyway" for them.

The rows wait in a draft ``ProspectImport`` between the preview steps (the
session holds its id only); a big file's preview is a worker's job too
(see "A big file's preview" below); the confirmation queues it for a worker with
the machinery of every file import (``common.file_imports``: lease,
heartbeat, sweeper, progress bar, its content deleted when the job ends and
after ``INVOICE_IMPORT_RETENTION``). The worker checks the file again
(prospects created meanwhile are duplicates then, and skipped unless
chosen) and creates the prospects set-based: ``bulk_create`` in batches,
duplicates looked up by batch, each prospect made by
``services.prospect_build`` and its creation recorded by
``services.prospect_creation_event``, as one typed by hand.

Stage of a line without one: **suspect** in the platform's pipeline (issue
15: "suspects come from a CSV/XLSX import"); **warm** in a company's, where
a lead is someone who showed interest (a quote request is warm by default,
issue 15) — a pro importing cold lists says so in a "stage" column. The
owner of every prospect created is the person who imported the file. The
file's "source" (a trade fair, a purchased list…) is written in the
creation's history entry, its "note" as a note on the prospect.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import numpy
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from rapidfuzz import fuzz, process

from common.file_imports import (
    HEARTBEAT,
    LEASE,
    MAX_ATTEMPTS,
    PROGRESS_TIMEOUT,
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
from common.leases import lease_claim, lease_release, lease_renew, leases_expired
from common.tabular.sheet import Sheet, sheet_read
from common.tabular.values import parse_amount
from common.types import User
from directory.models import Company, Profession
from directory.search.trades import match_trades

from . import import_columns
from .models import (
    Interaction,
    Origin,
    Pipeline,
    Prospect,
    ProspectColumnMapping,
    ProspectEvent,
    ProspectImport,
    Source,
    Stage,
)
from .selectors import (
    MAX_ROWS_COMPARED,
    SIMILAR_NAME_MIN_SCORE,
    DuplicateCandidate,
    Identity,
    Match,
    duplicate_matches,
    names_similar,
    prospect_duplicates_many,
)
from .services import prospect_build, prospect_creation_event

# Prospects in one file: a purchased list or a CRM export of a region's
# trades runs to thousands; 20,000 rows of a dozen short cells stay under
# the reader's 2 MB (common.tabular.files.MAX_BYTES) and some tens of MB
# in the preview's request and in the worker.
MAX_ROWS = 20_000
TOO_MANY = gettext_lazy("The file has more than %(max)s prospects: split it and import each part.")
# Rows per batch: duplicates looked up in two queries per batch (their
# values in IN lists, well under SQLite's 32,766 parameters), then created
# in three INSERTs per batch (prospects, history, notes).
BATCH = 500
# The stage of a line that does not give one (see the module's docstring).
DEFAULT_STAGE = {Pipeline.PLATFORM: Stage.SUSPECT, Pipeline.COMPANY: Stage.WARM}
# Excel turns a postal code into a number and drops its leading zero
# ("01000" → 1000): four digits are read with it.
_POSTAL_CODE = re.compile(r"\d{5}", re.ASCII)
_POSTAL_CODE_NO_ZERO = re.compile(r"[1-9]\d{3}", re.ASCII)
# Lines of one town whose names are compared at once (a matrix of this
# many rows by up to MAX_ROWS_COMPARED + this many columns, one byte each).
_NAME_CHUNK = 500
# Fields checked on each line without a query (the foreign keys are set by
# the import, the constraints the parsing guarantees are the database's).
_NOT_CHECKED = ["company", "profession", "owner", "referrer"]


class LineStatus(enum.StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"  # of prospects already in the pipeline
    FILE_DUPLICATE = "file_duplicate"  # of an earlier line of the file
    ERROR = "error"


MATCH_LABELS = {
    Match.SIREN: gettext_lazy("same SIREN"),
    Match.EMAIL: gettext_lazy("same e-mail"),
    Match.PHONE: gettext_lazy("same phone"),
    Match.NAME: gettext_lazy("similar name in the same town"),
}


@dataclass
class ProspectLine:
    """One line of the file, read: the prospect it would create (not
    saved), or its errors; then what it may duplicate."""

    line: int
    prospect: Prospect | None = None
    source: str = ""
    note: str = ""
    errors: list[str] = field(default_factory=list)
    existing: list[DuplicateCandidate] = field(default_factory=list)
    file_line: int | None = None  # the earlier line of the file it repeats
    file_matches: tuple[Match, ...] = ()

    @property
    def status(self) -> LineStatus:
        if self.errors or self.prospect is None:
            return LineStatus.ERROR
        if self.existing:
            return LineStatus.DUPLICATE
        if self.file_line is not None:
            return LineStatus.FILE_DUPLICATE
        return LineStatus.NEW

    @property
    def file_match_labels(self) -> list[str]:
        return [str(MATCH_LABELS[match]) for match in self.file_matches]

    def existing_shown(self) -> list[tuple[Prospect, list[str]]]:
        """The prospects it may be, with why, for the preview."""
        return [
            (candidate.prospect, [str(MATCH_LABELS[match]) for match in candidate.matches])
            for candidate in self.existing
        ]


@dataclass
class ProspectReport:
    lines: list[ProspectLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line 4: …", or about the file
    # "line 4: …": what is imported anyway but not as written (cells past
    # the header's last column, read by no column).
    warnings: list[str] = field(default_factory=list)
    blank: int = 0
    created: int = 0
    skipped: list[int] = field(default_factory=list)  # duplicate lines left out

    def with_status(self, status: LineStatus) -> list[ProspectLine]:
        return [line for line in self.lines if line.status == status]

    @property
    def new(self) -> list[ProspectLine]:
        return self.with_status(LineStatus.NEW)

    @property
    def duplicates(self) -> list[ProspectLine]:
        """Lines that may repeat a prospect, in the pipeline or the file."""
        return [
            line
            for line in self.lines
            if line.status in (LineStatus.DUPLICATE, LineStatus.FILE_DUPLICATE)
        ]

    @property
    def refused(self) -> int:
        return len(self.with_status(LineStatus.ERROR))

    def to_create(self, force: set[int]) -> list[ProspectLine]:
        """The new lines, and the duplicates whose line is in ``force``."""
        return [
            line
            for line in self.lines
            if line.status == LineStatus.NEW
            or (line.line in force and line.status != LineStatus.ERROR)
        ]


def prospect_sheet_read(*, content: bytes) -> Sheet:
    """Read an uploaded prospects file and find its header; raises
    ``common.tabular.files.TableFileError`` with a message for the user."""
    return sheet_read(
        content=content, scheme=import_columns.SCHEME, max_rows=MAX_ROWS, too_many=TOO_MANY
    )


class _Trades:
    """Trade cells read as the site's search reads them
    (``directory.search.trades.match_trades``: names, synonyms, plurals,
    typos), each distinct text once."""

    def __init__(self) -> None:
        self._seen: dict[str, Profession | None] = {}
        self._professions: dict[int, Profession] | None = None

    def __call__(self, text: str) -> Profession | None:
        if text not in self._seen:
            if self._professions is None:
                self._professions = Profession.objects.public().in_bulk()
            matches = match_trades(text)
            self._seen[text] = self._professions.get(matches[0].profession_id) if matches else None
        return self._seen[text]


def _postal_code(text: str) -> str:
    value = "".join(text.split())
    if _POSTAL_CODE_NO_ZERO.fullmatch(value):
        value = "0" + value
    if not _POSTAL_CODE.fullmatch(value):
        raise ValueError(_("the postal code must have 5 digits (%(value)s)") % {"value": text[:30]})
    return value


def _label(name: str) -> str:
    field = Prospect._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _messages(error: ValidationError) -> list[str]:
    """A prospect's validation errors, each with its field's label; the
    keys derived from a field (name key…) only when nothing else is said."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    said = {
        name: errors
        for name, errors in error.error_dict.items()
        if Prospect._meta.get_field(name).editable
    } or error.error_dict
    return [
        _("%(field)s: %(message)s") % {"field": capfirst(_label(name)), "message": message}
        for name, errors in said.items()
        for item in errors
        for message in item.messages
    ]


def _read_line(
    line: int,
    cells: tuple[str, ...],
    columns: dict[str, int],
    *,
    pipeline: str,
    company: Company | None,
    actor: User | None,
    trades: _Trades,
) -> ProspectLine:
    values = {
        key: cells[columns[key]] if columns.get(key, len(cells)) < len(cells) else ""
        for key in import_columns.FIELDS
    }
    read = ProspectLine(line=line, source=values["source"], note=values["note"])
    problems: list[str] = []
    name = values["name"] or values["organisation"]
    if not name:
        problems.append(_("no name: give the name or the organisation"))
    profession = None
    if values["trade"]:
        profession = trades(values["trade"])
        if profession is None:
            problems.append(_("trade not recognised (%(value)s)") % {"value": values["trade"][:60]})
    postal_code = ""
    budget: Decimal | None = None
    stage: str = DEFAULT_STAGE[Pipeline(pipeline)]
    try:
        postal_code = _postal_code(values["postal_code"]) if values["postal_code"] else ""
    except ValueError as error:
        problems.append(str(error))
    try:
        budget = parse_amount(values["budget"]) if values["budget"] else None
    except ValueError as error:
        problems.append(str(error))
    if values["stage"]:
        try:
            stage = import_columns.parse_stage(values["stage"])
        except ValueError as error:
            problems.append(str(error))
    if not problems:
        try:
            prospect = prospect_build(
                pipeline=pipeline,
                company=company,
                name=name,
                actor=actor,
                stage=stage,
                organisation=values["organisation"],
                siren=values["siren"],
                profession=profession,
                town=values["town"],
                postal_code=postal_code,
                email=values["email"],
                phone=values["phone"],
                owner=actor,
                source=Source.IMPORT,
                budget=budget,
            )
            prospect.full_clean(exclude=_NOT_CHECKED, validate_constraints=False)
        except ValidationError as error:  # a TransitionError too
            problems.extend(_messages(error))
        else:
            read.prospect = prospect
    read.errors = [
        _("line %(line)s: %(problem)s") % {"line": line, "problem": problem} for problem in problems
    ]
    return read


def _extra_cells(sheet: Sheet, columns: dict[str, int]) -> list[str]:
    """A warning per line with filled cells past the header's last column
    that no field reads (a ";" too many in a name, a shifted line): they
    would be lost without a word."""
    used = set(columns.values())
    warnings = []
    for row in sheet.rows:
        extra = [
            cell
            for index, cell in enumerate(row.cells)
            if index >= len(sheet.header) and index not in used and cell
        ]
        if extra:
            shown = ", ".join(f"« {cell[:30]} »" for cell in extra[:3])
            message = ngettext(
                "line %(line)s: %(count)s cell past the last column, not imported: %(cells)s",
                "line %(line)s: %(count)s cells past the last column, not imported: %(cells)s",
                len(extra),
            )
            warnings.append(message % {"line": row.line, "count": len(extra), "cells": shown})
    return warnings


def _identity(prospect: Prospect) -> Identity:
    return Identity(
        siren=prospect.siren,
        email_key=prospect.email_key,
        phone=prospect.phone,
        name_key=prospect.name_key,
        town_key=prospect.town_key,
        postal_code=prospect.postal_code,
    )


def _similar_earlier(names: list[str]) -> list[int | None]:
    """For each name of one town's lines (in file order), the index of the
    earliest of the ``MAX_ROWS_COMPARED`` names before it that is similar
    (``selectors.names_similar``'s scorer and threshold), or None.
    Compared in C by chunks (rapidfuzz ``cdist``): a town of thousands of
    lines is millions of comparisons."""
    earliest: list[int | None] = [None] * len(names)
    for start in range(0, len(names), _NAME_CHUNK):
        low = max(0, start - MAX_ROWS_COMPARED)
        stop = min(len(names), start + _NAME_CHUNK)
        scores = process.cdist(
            names[start:stop],
            names[low:stop],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=SIMILAR_NAME_MIN_SCORE,
            dtype=numpy.uint8,
        )
        for row in range(stop - start):
            here = start + row
            columns = numpy.flatnonzero(scores[row, : here - low])
            columns = columns[columns + low >= here - MAX_ROWS_COMPARED]
            # The earliest whose numbers match too ("Agence 1" is not "Agence 2").
            for column in columns:
                if names_similar(names[here], names[int(column) + low]):
                    earliest[here] = int(column) + low
                    break
    return earliest


def _file_duplicates(lines: list[ProspectLine]) -> None:
    """Mark each line that repeats an earlier one of the file (by
    ``duplicate_matches``), naming the earliest. Exact identifiers by
    dictionary; names among the earlier lines of the same town (the last
    ``MAX_ROWS_COMPARED`` of it, as in the pipeline)."""
    valid = [read for read in lines if read.prospect is not None]
    identities = {read.line: _identity(cast(Prospect, read.prospect)) for read in valid}
    towns: dict[str, list[int]] = {}  # town (or postal code) → its lines, in order
    for read in valid:
        entry = identities[read.line]
        town = f"t:{entry.town_key}" if entry.town_key else f"p:{entry.postal_code}"
        if entry.name_key and (entry.town_key or entry.postal_code):
            towns.setdefault(town, []).append(read.line)
    similar: dict[int, int] = {}  # line → an earlier line of a similar name
    for town_lines in towns.values():
        names = [identities[line].name_key for line in town_lines]
        for here, earlier in enumerate(_similar_earlier(names)):
            if earlier is not None:
                similar[town_lines[here]] = town_lines[earlier]
    first: dict[tuple[str, str], int] = {}  # (kind, value) → earliest line
    for read in valid:
        entry = identities[read.line]
        keys = [
            (kind, value)
            for kind, value in (
                ("siren", entry.siren),
                ("email", entry.email_key),
                ("phone", entry.phone),
            )
            if value
        ]
        found = [first[key] for key in keys if key in first]
        if read.line in similar:
            found.append(similar[read.line])
        for key in keys:
            first.setdefault(key, read.line)
        for line in sorted(found):
            matches = duplicate_matches(entry, identities[line])
            if matches:
                read.file_line, read.file_matches = line, matches
                break


def prospects_check(
    *,
    pipeline: str,
    company: Company | None,
    actor: User | None,
    sheet: Sheet,
    columns: dict[str, int],
    progress: Callable[[int], None] | None = None,
) -> ProspectReport:
    """Every line read into a prospect (not saved) or line-numbered
    errors, each with its possible duplicates in the pipeline (looked up
    by batches of ``BATCH``) and in the file. A file none of whose columns
    names the prospect is refused as a whole. ``progress(done)`` is called
    after each batch of lines looked up (the worker's preview)."""
    report = ProspectReport(blank=sheet.blank)
    if not any(key in columns for key in import_columns.IDENTITY):
        report.errors.append(
            _("No column names the prospect: choose the column of the name or the organisation.")
        )
        return report
    if not sheet.rows:
        report.errors.append(_("The file has no prospect under its header row."))
        return report
    trades = _Trades()
    report.lines = [
        _read_line(
            row.line,
            row.cells,
            columns,
            pipeline=pipeline,
            company=company,
            actor=actor,
            trades=trades,
        )
        for row in sheet.rows
    ]
    for read in report.lines:
        report.errors.extend(read.errors)
    report.warnings = _extra_cells(sheet, columns)
    if report.errors:
        return report
    _file_duplicates(report.lines)
    # Batches by town: each town's names are read from the pipeline once
    # or a few times, not once per batch.
    by_place = sorted(
        report.lines,
        key=lambda read: (
            cast(Prospect, read.prospect).town_key,
            cast(Prospect, read.prospect).postal_code,
        ),
    )
    for start in range(0, len(by_place), BATCH):
        batch = by_place[start : start + BATCH]
        found = prospect_duplicates_many(
            pipeline=pipeline,
            company=company,
            entries=[_identity(cast(Prospect, read.prospect)) for read in batch],
        )
        for read, candidates in zip(batch, found, strict=True):
            read.existing = candidates
        if progress is not None:
            progress(start + len(batch))
    return report


def prospects_import(
    *,
    job_id: int,
    pipeline: str,
    company: Company | None,
    actor: User | None,
    sheet: Sheet,
    columns: dict[str, int],
    force: set[int],
    progress: Callable[[int], None] | None = None,
) -> ProspectReport:
    """Check the sheet again (:func:`prospects_check`) and, if no line is
    in error, create the new lines' prospects and those of the duplicate
    lines in ``force`` (line numbers), in one transaction, ``BATCH`` at a
    time: the prospects, their creation in the history, their notes.
    ``progress(done)`` is called after each batch. The other duplicate
    lines are ``skipped``; ``created`` counts the prospects created."""
    report = prospects_check(
        pipeline=pipeline, company=company, actor=actor, sheet=sheet, columns=columns
    )
    if report.errors:
        return report
    chosen = report.to_create(force)
    report.skipped = [read.line for read in report.duplicates if read.line not in force]
    with transaction.atomic():
        if company is not None:
            # A quote request of one of these people at the same moment
            # waits for the import (prospect_from_quote_request locks it too).
            Company.objects.select_for_update().filter(pk=company.pk).exists()
        for start in range(0, len(chosen), BATCH):
            batch = chosen[start : start + BATCH]
            prospects = Prospect.objects.bulk_create(
                [cast(Prospect, read.prospect) for read in batch]
            )
            ProspectEvent.objects.bulk_create(
                prospect_creation_event(
                    prospect,
                    actor=actor,
                    reason=read.source,
                    origin=Origin.IMPORT,
                    origin_ref=str(job_id),
                )
                for prospect, read in zip(prospects, batch, strict=True)
            )
            Interaction.objects.bulk_create(
                Interaction(
                    prospect=prospect,
                    kind=Interaction.Kind.NOTE,
                    author=actor,
                    outcome=read.note,
                )
                for prospect, read in zip(prospects, batch, strict=True)
                if read.note
            )
            if progress is not None:
                progress(start + len(batch))
    report.created = len(chosen)
    return report


# --- The worker's job (common.file_imports) ---------------------------------


def _job_content(sheet: Sheet, columns: dict[str, int], force: set[int] | None = None) -> str:
    return json.dumps(
        {"sheet": sheet.to_session(), "columns": columns, "force": sorted(force or ())}
    )


def _prospect_import_file(job: ProspectImport, progress: Callable[[int], None]) -> ImportOutcome:
    """Import a claimed job's prospects (inside its transaction)."""
    stored = json.loads(job.content)
    report = prospects_import(
        job_id=job.pk,
        pipeline=job.pipeline,
        company=job.company,
        actor=job.created_by,
        sheet=Sheet.from_session(stored["sheet"]),
        columns=stored["columns"],
        force=set(stored["force"]),
        progress=progress,
    )
    return ImportOutcome(
        created=report.created, errors=report.errors, values={"skipped": report.skipped}
    )


# --- The columns chosen, remembered per header (common.file_imports) ---------


def _mappings(company: Company | None) -> Any:
    """The owner's remembered columns: a company's, or the sales team's."""
    if company is not None:
        return company.prospect_column_mappings
    return ProspectColumnMapping.objects.filter(company__isnull=True)


def prospect_columns_for(*, company: Company | None, sheet: Sheet) -> dict[str, int]:
    """The columns of each field of a prospects file: the owner's choice
    for this header last time, if it still fits, else the names recognised."""
    return column_mapping_recall(
        _mappings(company), header=sheet.header, width=sheet.width, scheme=import_columns.SCHEME
    )


def prospect_column_mapping_save(
    *, company: Company | None, sheet: Sheet, columns: dict[str, int]
) -> ProspectColumnMapping:
    """Remember the choice of columns for the next file with this header."""
    mapping = column_mapping_remember(_mappings(company), header=sheet.header, columns=columns)
    return cast(ProspectColumnMapping, mapping)


# --- The preview's draft (common.file_imports) -------------------------------


def prospect_import_draft_create(
    *,
    pipeline: str,
    company: Company | None,
    actor: User,
    sheet: Sheet,
    columns: dict[str, int],
) -> ProspectImport:
    """Keep an uploaded file's rows and the columns chosen server-side
    while the user previews it (the session holds the draft's id only)."""
    return file_import_draft_create(
        PROSPECT_IMPORTS,
        created_by=actor,
        content=_job_content(sheet, columns),
        pipeline=pipeline,
        company=company,
    )


def prospect_import_draft(
    *, pipeline: str, company: Company | None, draft_id: object
) -> ProspectImport | None:
    """The pipeline's draft, or None if it expired; Http404 if another's."""
    return file_import_draft(PROSPECT_IMPORTS, draft_id, pipeline=pipeline, company=company)


def prospect_import_draft_read(draft: ProspectImport) -> tuple[Sheet, dict[str, int]]:
    stored = json.loads(draft.content)
    return Sheet.from_session(stored["sheet"]), stored["columns"]


def prospect_import_draft_columns(
    *, draft: ProspectImport, sheet: Sheet, columns: dict[str, int]
) -> bool:
    """Keep the columns chosen again; False if the draft expired."""
    return file_import_draft_update(PROSPECT_IMPORTS, draft, content=_job_content(sheet, columns))


def prospect_import_draft_discard(
    *, pipeline: str, company: Company | None, draft_id: object
) -> None:
    file_import_draft_discard(PROSPECT_IMPORTS, draft_id, pipeline=pipeline, company=company)


def prospect_import_draft_queue(*, draft: ProspectImport, force: set[int], total: int) -> bool:
    """The confirmed preview becomes the worker's job, with the duplicate
    lines chosen to be created anyway (``force``). False if it expired or
    was confirmed already."""
    sheet, columns = prospect_import_draft_read(draft)
    return file_import_draft_queue(
        PROSPECT_IMPORTS, draft, content=_job_content(sheet, columns, force), total=total
    )


# What the user reads on the job's page when the worker could not finish.
CRASHED: str | Promise = gettext_lazy(
    "The import stopped on an unexpected error and nothing was imported. "
    "Our team has been told; upload the file again."
)

PROSPECT_IMPORTS: FileImportKind[ProspectImport] = FileImportKind(
    model=ProspectImport,
    # Looked up at each run, so a test can replace the import function.
    run=lambda job, progress: _prospect_import_file(job, progress),
    messages=ImportMessages(crashed=CRASHED),
    # One retention for every file import, the one the privacy notice states.
    retention_setting="INVOICE_IMPORT_RETENTION",
    key="prospects:import",
)


def prospect_import_run(*, job_id: int, owner: str) -> bool:
    """Run a queued import for ``owner`` (the Celery task id), all its
    prospects or none (``common.file_imports.file_import_run``). Returns
    False if the job was not this caller's to run (already done, or
    another worker's)."""
    return file_import_run(PROSPECT_IMPORTS, job_id=job_id, owner=owner)


def prospect_imports_sweep() -> SweepReport:
    return file_imports_sweep(PROSPECT_IMPORTS)


def prospect_imports_purge() -> int:
    return file_imports_purge(PROSPECT_IMPORTS)


def prospect_import_status(job: ProspectImport) -> dict[str, Any]:
    return file_import_status(PROSPECT_IMPORTS, job)


# --- A big file's preview, computed by a worker ------------------------------
#
# Checking 20,000 lines (every line read, its duplicates looked up in the
# pipeline and in the file) takes longer than a request should. Above
# ``PROSPECT_IMPORT_SYNC_MAX_ROWS`` lines the draft's preview is asked of a
# worker (``tasks.check_prospect_import``): the draft is claimed under a
# lease as an import is (``common.leases``), the report is stored on it as
# JSON (``preview_data``) and the import page shows the progress, then the
# preview from it. A message lost or never sent (the broker down) is sent
# again by the sweeper (``prospect_previews_sweep``, every minute); a worker
# that died is replaced, and after ``MAX_ATTEMPTS`` the preview fails with
# a message. The confirmation then queues the import from the stored
# preview: the import's worker checks the file again anyway.

# Lines of the preview's page: the first new ones, and the duplicates (each
# with its choice); past DUPLICATES_SHOWN the others follow the choice
# "create every duplicate anyway".
PREVIEW_ROWS = 10
DUPLICATES_SHOWN = 200
# A preview no worker claimed within this long lost its message: sent again.
PREVIEW_PATIENCE = timedelta(minutes=1)
PREVIEW_CRASHED: str | Promise = gettext_lazy(
    "The check of the file stopped on an unexpected error. Our team has been told; "
    "upload the file again."
)
PREVIEW_TOO_LONG: str | Promise = gettext_lazy(
    "The check of the file took too long: split the file and upload each part."
)


def preview_in_worker(sheet: Sheet) -> bool:
    """Whether the preview of ``sheet`` is a worker's job (a big file)."""
    limit: int = settings.PROSPECT_IMPORT_SYNC_MAX_ROWS
    return len(sheet.rows) > limit


def preview_progress_key(draft_id: int) -> str:
    return f"prospects:import-preview:{draft_id}"


def _line_data(read: ProspectLine) -> dict[str, Any]:
    prospect = cast(Prospect, read.prospect)
    return {
        "line": read.line,
        "name": prospect.name,
        "organisation": prospect.organisation,
        "profession_id": prospect.profession_id,
        "town": prospect.town,
        "postal_code": prospect.postal_code,
        "email": prospect.email,
        "phone": prospect.phone,
        "budget": None if prospect.budget is None else str(prospect.budget),
        "stage": prospect.stage,
        "existing": [
            {
                "pk": candidate.prospect.pk,
                "name": candidate.prospect.name,
                "stage": candidate.prospect.stage,
                "town": candidate.prospect.town,
                "matches": [str(match) for match in candidate.matches],
            }
            for candidate in read.existing
        ],
        "file_line": read.file_line,
        "file_matches": [str(match) for match in read.file_matches],
    }


def preview_data(report: ProspectReport) -> dict[str, Any]:
    """What the preview's page shows of ``report``, as JSON: the errors
    (all: the page shows the first hundred and counts the rest), the
    counts, the first new lines and the first duplicates, and every
    duplicate's line number (what "create anyway" may choose)."""
    duplicates = report.duplicates
    return {
        "errors": report.errors,
        "blank": report.blank,
        "lines": len(report.lines),
        "refused": report.refused,
        "new_count": len(report.new),
        "new": [_line_data(read) for read in report.new[:PREVIEW_ROWS]],
        "duplicates": [_line_data(read) for read in duplicates[:DUPLICATES_SHOWN]],
        "duplicate_lines": [read.line for read in duplicates],
    }


@dataclass
class StoredLine:
    """A line of a stored preview, as the preview's template reads a
    ``ProspectLine``."""

    line: int
    prospect: Prospect
    existing: list[tuple[Prospect, list[str]]]
    file_line: int | None
    file_match_labels: list[str]

    def existing_shown(self) -> list[tuple[Prospect, list[str]]]:
        return self.existing


@dataclass
class StoredPreview:
    """A worker's preview read back (``preview_data``), with what the
    page and the confirmation need of a ``ProspectReport``."""

    errors: list[str]
    blank: int
    lines: int
    refused: int
    new_count: int
    new: list[StoredLine]
    duplicates: list[StoredLine]
    duplicate_lines: list[int]

    def to_create_count(self, force: set[int]) -> int:
        return self.new_count + len(force & set(self.duplicate_lines))


def _labels(codes: list[str]) -> list[str]:
    return [str(MATCH_LABELS[Match(code)]) for code in codes if code in Match._value2member_map_]


def preview_read(data: dict[str, Any]) -> StoredPreview:
    """A stored preview back as objects (unsaved prospects, their trades
    read in one query)."""
    lines = [*data.get("new", []), *data.get("duplicates", [])]
    professions = Profession.objects.in_bulk(
        {line["profession_id"] for line in lines if line.get("profession_id")}
    )

    def stored(line: dict[str, Any]) -> StoredLine:
        prospect = Prospect(
            name=line["name"],
            organisation=line["organisation"],
            town=line["town"],
            postal_code=line["postal_code"],
            email=line["email"],
            phone=line["phone"],
            budget=None if line["budget"] is None else Decimal(line["budget"]),
            stage=line["stage"],
            profession=professions.get(line["profession_id"]),
        )
        existing = [
            (
                Prospect(
                    pk=other["pk"], name=other["name"], stage=other["stage"], town=other["town"]
                ),
                _labels(other["matches"]),
            )
            for other in line["existing"]
        ]
        return StoredLine(
            line=line["line"],
            prospect=prospect,
            existing=existing,
            file_line=line["file_line"],
            file_match_labels=_labels(line["file_matches"]),
        )

    return StoredPreview(
        errors=list(data.get("errors", [])),
        blank=int(data.get("blank", 0)),
        lines=int(data.get("lines", 0)),
        refused=int(data.get("refused", 0)),
        new_count=int(data.get("new_count", 0)),
        new=[stored(line) for line in data.get("new", [])],
        duplicates=[stored(line) for line in data.get("duplicates", [])],
        duplicate_lines=[int(line) for line in data.get("duplicate_lines", [])],
    )


def prospect_import_preview_request(*, draft: ProspectImport, total: int) -> bool:
    """Ask a worker for the preview of the draft's ``total`` lines (its
    columns are chosen): the previous preview, if any, is forgotten.
    False if the draft expired."""
    cache.delete(preview_progress_key(draft.pk))
    return bool(
        ProspectImport.objects.filter(pk=draft.pk, status=ProspectImport.Status.DRAFT).update(
            **lease_release(
                preview_status=ProspectImport.PreviewStatus.PENDING,
                preview={},
                attempts=0,
                started_at=timezone.now(),
                total=total,
            )
        )
    )


def prospect_import_preview_run(*, draft_id: int, owner: str) -> bool:
    """Compute a pending draft's preview for ``owner`` (the Celery task
    id): claim it (one conditional UPDATE), check every line
    (:func:`prospects_check`, its progress in the cache, each step
    renewing the lease once ``HEARTBEAT`` passed) and store the report.
    Returns False if the draft was not this caller's to check (done,
    another worker's, or gone). An unexpected error fails the preview with
    ``PREVIEW_CRASHED`` and is raised again for the logs."""
    claimed = lease_claim(
        ProspectImport,
        pk=draft_id,
        owner=owner,
        duration=LEASE,
        claimable=Q(
            status=ProspectImport.Status.DRAFT,
            preview_status=ProspectImport.PreviewStatus.PENDING,
        ),
        max_attempts=MAX_ATTEMPTS,
        preview_status=ProspectImport.PreviewStatus.RUNNING,
    )
    if not claimed:
        return False
    draft = ProspectImport.objects.select_related("company", "created_by").get(pk=draft_id)
    key = preview_progress_key(draft.pk)
    renewed = [timezone.now()]

    def progress(done: int) -> None:
        cache.set(key, done, timeout=PROGRESS_TIMEOUT)
        if timezone.now() - renewed[0] >= HEARTBEAT:
            lease_renew(ProspectImport, pk=draft.pk, owner=owner, duration=LEASE)
            renewed[0] = timezone.now()

    def end(status: str, preview: dict[str, Any]) -> bool:
        return bool(
            ProspectImport.objects.filter(
                pk=draft.pk,
                lease_owner=owner,
                status=ProspectImport.Status.DRAFT,
                preview_status=ProspectImport.PreviewStatus.RUNNING,
            ).update(**lease_release(preview_status=status, preview=preview, attempts=0))
        )

    failed = ProspectImport.PreviewStatus.FAILED
    try:
        sheet, columns = prospect_import_draft_read(draft)
        report = prospects_check(
            pipeline=draft.pipeline,
            company=draft.company,
            actor=draft.created_by,
            sheet=sheet,
            columns=columns,
            progress=progress,
        )
    except SoftTimeLimitExceeded:
        end(failed, {"errors": [str(PREVIEW_TOO_LONG)]})
        raise
    except Exception:
        end(failed, {"errors": [str(PREVIEW_CRASHED)]})
        raise
    cache.set(key, len(report.lines), timeout=PROGRESS_TIMEOUT)
    return end(ProspectImport.PreviewStatus.READY, preview_data(report))


def prospect_previews_sweep() -> list[int]:
    """The drafts whose preview to ask a worker for again: a preview
    whose worker died (its lease expired) is pending again, or failed after
    ``MAX_ATTEMPTS`` claims; a pending one no worker claimed within
    ``PREVIEW_PATIENCE`` (its message lost, or never sent: the broker was
    down) is sent again. A duplicate message is harmless: one claim wins."""
    drafts = ProspectImport.objects.filter(status=ProspectImport.Status.DRAFT)
    running = drafts.filter(preview_status=ProspectImport.PreviewStatus.RUNNING)
    requeued: list[int] = []
    for draft_id, leased_until, attempts in leases_expired(running).values_list(
        "pk", "leased_until", "attempts"
    ):
        same_lease = running.filter(pk=draft_id, leased_until=leased_until)
        if attempts >= MAX_ATTEMPTS:
            same_lease.update(
                **lease_release(
                    preview_status=ProspectImport.PreviewStatus.FAILED,
                    preview={"errors": [str(PREVIEW_CRASHED)]},
                )
            )
        elif same_lease.update(
            **lease_release(
                preview_status=ProspectImport.PreviewStatus.PENDING, started_at=timezone.now()
            )
        ):
            requeued.append(draft_id)
    requeued += drafts.filter(
        preview_status=ProspectImport.PreviewStatus.PENDING,
        started_at__lt=timezone.now() - PREVIEW_PATIENCE,
    ).values_list("pk", flat=True)
    return requeued


def prospect_import_preview_status(draft: ProspectImport) -> dict[str, Any]:
    """What the preview's page polls (``?format=json``), in the words of
    ``js/progress.js``: waiting (``queued``, ``running``) or not."""
    waiting = {
        ProspectImport.PreviewStatus.PENDING: "queued",
        ProspectImport.PreviewStatus.RUNNING: "running",
    }
    return {
        "status": waiting.get(ProspectImport.PreviewStatus(draft.preview_status), "ended"),
        "done": int(cache.get(preview_progress_key(draft.pk), 0)),
        "total": draft.total,
        "label": draft.get_preview_status_display(),
    }
