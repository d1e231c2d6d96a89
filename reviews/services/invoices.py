"""Invoices: registered one by one (form) or from a file (CSV, .xlsx), previewed
and imported at once by a worker. A registered invoice invites its client
(``invitations``) and answers the requests waiting for it (``requests``)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import file_imports
from common.email_addresses import validate_email_address
from common.formats import parse_phone
from common.models import full_clean_known
from common.tabular.files import TableFileError
from common.tabular.sheet import Sheet, sheet_read
from common.tabular.values import parse_amount, parse_date
from common.text import identifier_text
from common.types import User
from common.validators import validate_person_name
from directory.companies.signals import invoice_registered
from directory.models import Company
from loyalty import services as loyalty_services

from .. import invoice_columns
from ..invoice_files import MAX_ROWS, TOO_MANY
from ..models import (
    InvitationRuleChange,
    Invoice,
    InvoiceColumnMapping,
    InvoiceImport,
    InvoiceSource,
    ReviewSettings,
)
from . import invitations, requests

# The company's invitation rule compares amounts: an invoice must give one.
AMOUNT_NEEDED = gettext_lazy(
    "the amount is missing: your invitation rule invites the clients of invoices above an amount"
)
# What is left of "1 234,56 €" after a comma delimiter split it.
CENTS = re.compile(r"\d{1,2}\s*(?:€|eur)?", re.IGNORECASE | re.ASCII)
# The columns of the file the worker imports, after the pro's preview.
CSV_COLUMNS = list(invoice_columns.FIELDS)


def settings_for(company: Company) -> ReviewSettings:
    return ReviewSettings.objects.get_or_create(company=company)[0]


@transaction.atomic
def invitation_rule_save(
    *, company: Company, actor: User, policy: str, min_amount: Decimal | None
) -> InvitationRuleChange | None:
    """Save the company's invitation rule (a valid ``ReviewSettingsForm``'s
    ``policy`` and ``min_amount``) and record the change, write-once: who,
    when, from, to (issue 12, "Invitation rule"). The row is locked, so
    two saves record two changes in order. Returns the change, or None
    when the rule stays the same (nothing recorded)."""
    settings_for(company)
    rule = ReviewSettings.objects.select_for_update().get(company=company)
    before = (rule.policy, rule.min_amount)
    if before == (policy, min_amount):
        return None
    rule.policy, rule.min_amount = policy, min_amount
    rule.save(update_fields=["policy", "min_amount"])
    return InvitationRuleChange.objects.create(
        company=company,
        changed_by=actor,
        from_policy=before[0],
        from_min_amount=before[1],
        to_policy=policy,
        to_min_amount=min_amount,
    )


INVOICE_TOO_FAR_BACK = gettext_lazy("An invoice cannot be dated more than 10 years back.")
INVOICE_IN_THE_FUTURE = gettext_lazy("The invoice date cannot be in the future.")


def invoice_number_key(number: str) -> str:
    """What two invoice numbers are compared by: an identifier, so case,
    surrounding spaces and written forms aside ("F-001", "f-001",
    " F-001 ", "Ｆ–001" and an "É" composed or not are one invoice:
    ``common.text.identifier_text``). In Python for the rows of a file;
    the database compares ``Lower("number")`` (the model's constraint,
    numbers stored in that written form)."""
    return identifier_text(number).lower()


def invoice_number_registered(*, company: Company, number: str) -> bool:
    """Whether ``company`` already has an invoice of this ``number``, by the
    rule of :func:`invoice_number_key`, in the database's terms (the
    expression of the model's unique constraint): the pro space's form and
    the API refuse the same numbers."""
    return (
        Invoice.objects.filter(company=company)
        .alias(number_key=Lower("number"))
        .filter(number_key=Lower(Value(identifier_text(number))))
        .exists()
    )


def invoice_date_errors(issued_on: date, today: date | None = None) -> list[str]:
    """What is wrong with an invoice's date: in the future, or further back
    than a session may be (``loyalty.services.sessions.oldest_session_day``)."""
    today = today or timezone.localdate()
    if issued_on > today:
        return [str(INVOICE_IN_THE_FUTURE)]
    if issued_on < loyalty_services.oldest_session_day(today):
        return [str(INVOICE_TOO_FAR_BACK)]
    return []


@transaction.atomic
def invoice_create(
    *,
    company: Company,
    fields: dict,
    actor: User | None,
    source: str = InvoiceSource.FORM,
    rule: ReviewSettings | None = None,
) -> Invoice:
    """Register an invoice, record it as a completed session (loyalty), and,
    if the company's rule says so, invite its client (the e-mail leaves
    after commit). An invoice older than
    ``REVIEW_INVOICE_MAX_AGE_DAYS`` is registered (a service done, counted
    for loyalty) but never invited (``invitations.invoice_too_old``; the form and the
    import report tell the pro). Raises ValidationError, every field at
    fault named at once: invalid fields, a number already registered
    (:func:`invoice_number_registered`: "f-001" is "F-001"), a date in the
    future or more than ``loyalty.services.sessions.SESSION_MAX_AGE_YEARS``
    years back (every invoice is a session, and a session may not be dated
    further back), or no amount when the rule compares amounts. The number
    is stored in one written form (``common.text.identifier_text``: two
    numbers that read the same are one), without surrounding spaces.
    ``rule``: the company's invitation rule (:func:`settings_for`), when
    the caller registers many invoices at once (a batch, a file) and read
    it once for all; else it is read here."""
    invoice = Invoice(company=company, created_by=actor, source=source, **fields)
    invoice.number = identifier_text(invoice.number)
    invoice.client_email = invoice.client_email.strip().lower()
    errors: dict[str, list[ValidationError]] = {}
    try:
        # The number's constraint is validated here, case aside (the
        # model's Lower("number")), and named ``number``.
        # The company and the actor are rows the caller holds: not read back.
        full_clean_known(invoice, known=["company", "created_by"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if "issued_on" not in errors and invoice.issued_on is not None:
        for message in invoice_date_errors(invoice.issued_on):
            errors.setdefault("issued_on", []).append(ValidationError(message))
    if errors:
        raise ValidationError(errors)
    if rule is None:
        rule = settings_for(company)
    if rule.needs_amount and invoice.amount is None:
        raise ValidationError({"amount": AMOUNT_NEEDED})
    invoice.save()
    loyalty_services.session_for_invoice(invoice=invoice)
    too_old = invitations.invoice_too_old(invoice.issued_on)
    if not too_old and rule.invites(invoice):
        invitations.invitation_create(invoice=invoice)
    requests.review_requests_match(invoice=invoice)
    transaction.on_commit(
        partial(
            invoice_registered.send,
            sender=Invoice,
            company_id=company.pk,
            number=invoice.number,
            client_email=invoice.client_email,
            client_phone=invoice.client_phone,
        ),
        robust=True,
    )
    return invoice


# An invoice file read, its header found (``common.tabular.sheet``).
InvoiceSheet = Sheet


@dataclass
class CsvReport:
    rows: list[dict] = field(default_factory=list)  # ready to import, with their "line"
    errors: list[str] = field(default_factory=list)
    # The lines of the file whose invoice is already registered: skipped.
    duplicates: list[int] = field(default_factory=list)
    # Numbers of invoices past REVIEW_INVOICE_MAX_AGE_DAYS: imported, not invited.
    too_old: list[str] = field(default_factory=list)
    blank: int = 0
    created: int = 0
    refused: int = 0  # lines in error


def invoice_sheet_read(*, content: bytes) -> InvoiceSheet:
    """Read an uploaded invoice file (CSV or .xlsx) and find its header;
    raises TableFileError with a message for the pro."""
    return sheet_read(
        content=content, scheme=invoice_columns.SCHEME, max_rows=MAX_ROWS, too_many=TOO_MANY
    )


def invoice_column_mapping_save(
    *, company: Company, sheet: InvoiceSheet, columns: dict[str, int]
) -> InvoiceColumnMapping:
    """Remember the pro's choice of columns for the next file with this header."""
    return file_imports.column_mapping_remember(  # type: ignore[return-value]
        company.invoice_column_mappings, header=sheet.header, columns=columns
    )


def _invoice_row(
    line: int,
    cells: tuple[str, ...],
    columns: dict[str, int],
    width: int,
    today: date,
    needs_amount: bool = False,
) -> tuple[dict | None, list[str]]:
    values = {
        key: cells[columns[key]] if columns.get(key, len(cells)) < len(cells) else ""
        for key in CSV_COLUMNS
    }
    problems = []
    if len(cells) > width and max(columns.values()) < width and CENTS.fullmatch(cells[width]):
        # "1 234,56" unquoted in a comma-separated file splits in two, the
        # cents past the last named column: refuse rather than import 1234.
        problems.append(_("more cells than column names (a comma inside a value?)"))
    if not values["number"]:
        problems.append(_("the invoice number is missing"))
    issued_on = amount = None
    try:
        issued_on = parse_date(values["date"], today=today)
    except ValueError as error:
        problems.append(str(error))
    if not values["amount"].strip():
        # Optional (minimisation) unless the rule compares amounts.
        if needs_amount:
            problems.append(str(AMOUNT_NEEDED))
    else:
        try:
            amount = parse_amount(values["amount"])
        except ValueError as error:
            problems.append(str(error))
    if not values["client_name"]:
        problems.append(_("the client name is missing"))
    else:
        try:
            validate_person_name(values["client_name"])
        except ValidationError as error:
            problems.append(
                _("the client name (%(value)s): %(reason)s")
                % {"value": values["client_name"][:60], "reason": error.messages[0]}
            )
    try:
        validate_email_address(values["client_email"])
    except ValidationError:
        problems.append(
            _("the client e-mail is not valid (%(value)s)") % {"value": values["client_email"][:60]}
        )
    client_phone = ""
    if values["client_phone"]:
        try:
            client_phone = parse_phone(values["client_phone"])
        except ValidationError:
            problems.append(
                _("the client phone is not a phone number (%(value)s)")
                % {"value": values["client_phone"][:30]}
            )
    for key, limit in (
        ("number", 50),
        ("client_name", 150),
        ("client_company", 150),
    ):
        if len(values[key]) > limit:
            problems.append(
                _("%(column)s is longer than %(limit)s characters")
                % {"column": invoice_columns.FIELDS[key], "limit": limit}
            )
    if problems:
        return None, [
            _("line %(line)s: %(problem)s") % {"line": line, "problem": problem}
            for problem in problems
        ]
    return {
        "line": line,
        "number": values["number"],
        "issued_on": issued_on,
        "amount": amount,
        "client_name": values["client_name"],
        "client_company": values["client_company"],
        "client_email": values["client_email"].lower(),
        "client_phone": client_phone,
    }, []


def invoices_check(*, company: Company, sheet: InvoiceSheet, columns: dict[str, int]) -> CsvReport:
    """Every row read into an invoice or line-numbered errors. An invoice
    number repeated in the file is an error on its second line; the lines
    of numbers already registered are skipped and reported (``duplicates``);
    invoices older than ``REVIEW_INVOICE_MAX_AGE_DAYS`` are
    imported and listed in ``too_old`` (no invitation)."""
    report = CsvReport(blank=sheet.blank)
    needs_amount = settings_for(company).needs_amount
    missing = invoice_columns.missing(columns, needs_amount=needs_amount)
    if missing:
        report.errors.append(
            _("Columns not recognised: %(columns)s. Choose them below or use the template.")
            % {"columns": ", ".join(str(invoice_columns.FIELDS[key]) for key in missing)}
        )
        return report
    if not sheet.rows:
        report.errors.append(_("The file has no invoice under its header row."))
        return report
    # Compared as identifiers (invoice_number_key): "f-001" is "F-001".
    known = {invoice_number_key(n) for n in company.invoices.values_list("number", flat=True)}
    seen: dict[str, int] = {}  # invoice number's key → its first line in the file
    today = timezone.localdate()
    for row in sheet.rows:
        data, errors = _invoice_row(
            row.line, row.cells, columns, len(sheet.header), today, needs_amount
        )
        if errors:
            report.errors.extend(errors)
            report.refused += 1
            continue
        number = invoice_number_key(data["number"])
        if number in seen:
            # Twice in one file: a typo or two invoices under one number,
            # the pro decides (never silently dropped).
            report.errors.append(
                _(
                    "line %(line)s: invoice number %(number)s already used on line %(first)s "
                    "of the file"
                )
                % {"line": row.line, "number": data["number"][:50], "first": seen[number]}
            )
            report.refused += 1
            continue
        seen[number] = row.line
        if number in known:
            report.duplicates.append(row.line)
            continue
        report.rows.append(data)
        if invitations.invoice_too_old(data["issued_on"], today=today):
            report.too_old.append(data["number"])
    return report


def invoices_file_content(report: CsvReport) -> str:
    """The previewed invoices as the worker reads them: a UTF-8 CSV of
    CSV_COLUMNS with ISO dates and plain decimals (internal; never served)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for data in report.rows:
        writer.writerow(
            [
                data["number"],
                data["issued_on"].isoformat(),
                "" if data["amount"] is None else str(data["amount"]),
                data["client_name"],
                data["client_company"],
                data["client_email"],
                data["client_phone"],
            ]
        )
    return out.getvalue()


def invoices_import_file(
    *,
    company: Company,
    content: bytes,
    actor: User | None,
    commit: bool,
    progress=None,
    columns: dict[str, int] | None = None,
) -> CsvReport:
    """Check an invoice file (see ``invoice_sheet_read``) whose columns are
    given or recognised from its header; with ``commit``, import it — all
    rows or none."""
    try:
        sheet = invoice_sheet_read(content=content)
    except TableFileError as error:
        return CsvReport(errors=list(error.messages))
    if columns is None:
        columns = invoice_columns.recognise(sheet.header)
    report = invoices_check(company=company, sheet=sheet, columns=columns)
    if commit and not report.errors:
        rule = settings_for(company)
        with transaction.atomic():
            for data in report.rows:
                fields = {key: value for key, value in data.items() if key != "line"}
                invoice_create(
                    company=company,
                    fields=fields,
                    actor=actor,
                    source=InvoiceSource.CSV,
                    rule=rule,
                )
                report.created += 1
                if progress and report.created % IMPORT_PROGRESS_STEP == 0:
                    progress(report.created)
    return report


IMPORT_PROGRESS_STEP = file_imports.PROGRESS_STEP
# The job's lease, heartbeat, attempts and queue patience: those of every
# file import (``common.file_imports``).
IMPORT_LEASE = file_imports.LEASE
IMPORT_HEARTBEAT = file_imports.HEARTBEAT
IMPORT_MAX_ATTEMPTS = file_imports.MAX_ATTEMPTS
IMPORT_QUEUE_PATIENCE = file_imports.QUEUE_PATIENCE


def invoice_import_create(
    *, company: Company, actor, content: str, total: int, skipped: list[int] | None = None
) -> InvoiceImport:
    """Record a previewed import for the worker (``tasks.invoice_import_start``
    queues it); the worker reports progress in the cache (the import runs in
    one transaction, invisible until it commits). ``skipped``: the
    duplicates the preview left out, reported with the worker's own."""
    return InvoiceImport.objects.create(
        company=company, created_by=actor, content=content, total=total, skipped=skipped or []
    )


def _invoice_import_file(job: InvoiceImport, progress) -> file_imports.ImportOutcome:
    """Import a claimed job's invoices (inside its transaction)."""
    report = invoices_import_file(
        company=job.company,
        content=job.content.encode(),
        actor=job.created_by,
        commit=True,
        progress=progress,
    )
    return file_imports.ImportOutcome(
        created=report.created,
        errors=report.errors,
        # ``job.skipped``: the lines of the file the preview left out; the
        # worker's own (registered meanwhile) are lines of the job's content.
        values={"skipped": [*job.skipped, *report.duplicates], "not_invited": report.too_old},
    )


# --- The preview's draft (common.file_imports) -------------------------------


def invoice_import_draft_create(
    *, company: Company, actor: User | None, sheet: InvoiceSheet, columns: dict[str, int]
) -> InvoiceImport:
    """Keep an uploaded file's rows and the columns chosen server-side
    while the pro previews it (the session holds the draft's id only)."""
    return file_imports.file_import_draft_create(
        INVOICE_IMPORTS, created_by=actor, content=_draft_content(sheet, columns), company=company
    )


def invoice_import_draft(*, company: Company, draft_id: object) -> InvoiceImport | None:
    """The company's draft, or None if it expired; Http404 if another's."""
    return file_imports.file_import_draft(INVOICE_IMPORTS, draft_id, company=company)


def invoice_import_draft_read(draft: InvoiceImport) -> tuple[InvoiceSheet, dict[str, int]]:
    stored = json.loads(draft.content)
    return InvoiceSheet.from_session(stored["sheet"]), stored["columns"]


def invoice_import_draft_columns(
    *, draft: InvoiceImport, sheet: InvoiceSheet, columns: dict[str, int]
) -> bool:
    """Keep the columns chosen again; False if the draft expired."""
    return file_imports.file_import_draft_update(
        INVOICE_IMPORTS, draft, content=_draft_content(sheet, columns)
    )


def invoice_import_draft_discard(*, company: Company, draft_id: object) -> None:
    file_imports.file_import_draft_discard(INVOICE_IMPORTS, draft_id, company=company)


def invoice_import_draft_queue(*, draft: InvoiceImport, report: CsvReport) -> bool:
    """The confirmed preview becomes the worker's job: its invoices as the
    worker reads them (``invoices_file_content``) and the lines skipped as
    already registered. False if the draft expired or was confirmed."""
    return file_imports.file_import_draft_queue(
        INVOICE_IMPORTS,
        draft,
        content=invoices_file_content(report),
        total=len(report.rows),
        skipped=report.duplicates,
    )


def _draft_content(sheet: InvoiceSheet, columns: dict[str, int]) -> str:
    return json.dumps({"sheet": sheet.to_session(), "columns": columns})


# What the pro reads on the import page when the worker could not finish.
CRASHED = gettext_lazy(
    "The import stopped on an unexpected error and nothing was imported. "
    "Our team has been told; upload the file again or register the invoices one by one."
)

INVOICE_IMPORTS = file_imports.FileImportKind(
    model=InvoiceImport,
    # Looked up at each run, so a test can replace the import function.
    run=lambda job, progress: _invoice_import_file(job, progress),
    messages=file_imports.ImportMessages(crashed=CRASHED),
    retention_setting="INVOICE_IMPORT_RETENTION",
    key="reviews:invoice-import",
)


def import_progress_key(job_id: int) -> str:
    return INVOICE_IMPORTS.progress_key(job_id)


def invoice_import_run(*, job_id: int, owner: str) -> bool:
    """Run a queued import for ``owner`` (the Celery task id), all its
    invoices or none, ending the job in their transaction
    (``common.file_imports.file_import_run``). Returns False if the job was
    not this caller's to run."""
    return file_imports.file_import_run(INVOICE_IMPORTS, job_id=job_id, owner=owner)


def invoice_imports_sweep() -> file_imports.SweepReport:
    """Re-queue or fail the imports whose worker died, send again those
    whose message was lost (``common.file_imports.file_imports_sweep``)."""
    return file_imports.file_imports_sweep(INVOICE_IMPORTS)


def invoice_imports_purge() -> int:
    """Delete the client data of every import older than
    ``settings.INVOICE_IMPORT_RETENTION``, whatever became of it. Returns
    how many contents were deleted."""
    return file_imports.file_imports_purge(INVOICE_IMPORTS)


def invoice_import_status(job: InvoiceImport) -> dict:
    """The job's ``status``, ``done``, ``total`` and ``label``
    (``common.file_imports.file_import_status``)."""
    return file_imports.file_import_status(INVOICE_IMPORTS, job)
