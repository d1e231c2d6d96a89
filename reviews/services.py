"""Writes of the reviews app: invoices, invitations, reviews, aggregates."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Avg, Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.email_addresses import ascii_host, canonical_email, email_domain
from common.signed_links import LinkError, row_from_token
from directory import ranking
from directory.models import Company, CompanyProfession

from . import emails, invoice_columns
from .invoice_files import MAX_ROWS, InvoiceFileError, Row, read_invoice_file, too_many_rows
from .invoice_values import parse_amount, parse_date
from .links import INVITATION_SALT, MANAGE_SALT, REQUEST_SALT
from .models import (
    Appeal,
    AppealStatus,
    Invoice,
    InvoiceColumnMapping,
    InvoiceImport,
    InvoiceSource,
    ModerationDecision,
    NameMatchResult,
    RejectionReason,
    Reply,
    Review,
    ReviewFlag,
    ReviewInvitation,
    ReviewRequest,
    ReviewRequestStatus,
    ReviewSettings,
    ReviewStatus,
    ReviewUpdate,
    Sanction,
)
from .names import compare_names

# Free mail providers: sharing one with the company proves no link.
PUBLIC_EMAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.fr yahoo.com hotmail.fr hotmail.com outlook.fr outlook.com
    live.fr live.com msn.com orange.fr wanadoo.fr free.fr sfr.fr neuf.fr laposte.net
    bbox.fr numericable.fr icloud.com me.com aol.com protonmail.com proton.me gmx.fr gmx.com
    """.split()
)
# Contact details in a public text: an e-mail, a French phone number, a link.
CONTACT_PATTERN = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+"
    r"|(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b"
    r"|\bhttps?://|\bwww\.\S+|\b[\w-]+\.(?:fr|com|net|org|io)\b",
    re.IGNORECASE,
)
# What is left of "1 234,56 €" after a comma delimiter split it.
CENTS = re.compile(r"\d{1,2}\s*(?:€|eur)?", re.IGNORECASE | re.ASCII)
# The columns of the file the worker imports, after the pro's preview.
CSV_COLUMNS = list(invoice_columns.FIELDS)


# --- Invoices ----------------------------------------------------------------------


def settings_for(company: Company) -> ReviewSettings:
    return ReviewSettings.objects.get_or_create(company=company)[0]


@transaction.atomic
def invoice_create(
    *,
    company: Company,
    fields: dict,
    actor: AbstractBaseUser | None,
    source: str = InvoiceSource.FORM,
) -> Invoice:
    """Register an invoice and, if the company's rule says so, invite its
    client (the e-mail leaves after commit)."""
    invoice = Invoice(company=company, created_by=actor, source=source, **fields)
    invoice.client_email = invoice.client_email.strip().lower()
    invoice.full_clean()
    invoice.save()
    if settings_for(company).invites(invoice):
        invitation_create(invoice=invoice)
    review_requests_match(invoice=invoice)
    return invoice


@dataclass
class InvoiceSheet:
    """An invoice file read, its header found: what the preview, the
    column-mapping step and the import work on (kept in the session between
    them, so it holds only JSON-friendly values)."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]  # the data rows, below the header
    blank: int  # blank rows skipped
    above: int = 0  # title rows above the header, ignored

    @property
    def signature(self) -> str:
        return invoice_columns.signature(self.header)

    @property
    def width(self) -> int:
        """Columns to choose from: the header's, or more if data runs past it."""
        return max([len(self.header), *(len(row.cells) for row in self.rows[:200])])

    def column_label(self, column: int) -> str:
        letter = invoice_columns.column_letter(column)
        name = self.header[column] if column < len(self.header) else ""
        return f"{letter} « {name} »" if name else letter

    def samples(self, column: int, count: int = 3) -> list[str]:
        values = (row.cells[column] for row in self.rows if column < len(row.cells))
        return [value for value in values if value][:count]

    def to_session(self) -> dict:
        return {
            "header": list(self.header),
            "rows": [[row.line, list(row.cells)] for row in self.rows],
            "blank": self.blank,
            "above": self.above,
        }

    @classmethod
    def from_session(cls, data: dict) -> InvoiceSheet:
        return cls(
            header=tuple(data["header"]),
            rows=tuple(Row(line=line, cells=tuple(cells)) for line, cells in data["rows"]),
            blank=data["blank"],
            above=data["above"],
        )


@dataclass
class CsvReport:
    rows: list[dict] = field(default_factory=list)  # ready to import, with their "line"
    errors: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    blank: int = 0
    created: int = 0


def invoice_sheet_read(*, content: bytes) -> InvoiceSheet:
    """Read an uploaded invoice file (CSV or .xlsx) and find its header;
    raises InvoiceFileError with a message for the pro."""
    table = read_invoice_file(content)
    at = invoice_columns.header_index(table.rows)
    data = table.rows[at + 1 :]
    if len(data) > MAX_ROWS:
        raise too_many_rows()
    return InvoiceSheet(header=table.rows[at].cells, rows=data, blank=table.blank, above=at)


def invoice_column_mapping_save(
    *, company: Company, sheet: InvoiceSheet, columns: dict[str, int]
) -> InvoiceColumnMapping:
    """Remember the pro's choice of columns for the next file with this header."""
    mapping, _created = InvoiceColumnMapping.objects.update_or_create(
        company=company, signature=sheet.signature, defaults={"columns": columns}
    )
    return mapping


def _invoice_row(
    line: int, cells: tuple[str, ...], columns: dict[str, int], width: int, today: date
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
    try:
        amount = parse_amount(values["amount"])
    except ValueError as error:
        problems.append(str(error))
    if not values["client_name"]:
        problems.append(_("the client name is missing"))
    try:
        validate_email(values["client_email"])
    except ValidationError:
        problems.append(
            _("the client e-mail is not valid (%(value)s)") % {"value": values["client_email"][:60]}
        )
    for key, limit in (
        ("number", 50),
        ("client_name", 150),
        ("client_company", 150),
        ("client_phone", 20),
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
        "client_phone": values["client_phone"],
    }, []


def invoices_check(*, company: Company, sheet: InvoiceSheet, columns: dict[str, int]) -> CsvReport:
    """Every row read into an invoice or line-numbered errors. Invoice
    numbers already registered, or repeated in the file, are skipped and
    reported."""
    report = CsvReport(blank=sheet.blank)
    missing = invoice_columns.missing(columns)
    if missing:
        report.errors.append(
            _("Columns not recognised: %(columns)s. Choose them below or use the template.")
            % {"columns": ", ".join(str(invoice_columns.FIELDS[key]) for key in missing)}
        )
        return report
    if not sheet.rows:
        report.errors.append(_("The file has no invoice under its header row."))
        return report
    known = set(company.invoices.values_list("number", flat=True))
    seen: set[str] = set()
    today = timezone.localdate()
    for row in sheet.rows:
        data, errors = _invoice_row(row.line, row.cells, columns, len(sheet.header), today)
        if errors:
            report.errors.extend(errors)
            continue
        if data["number"] in known or data["number"] in seen:
            report.duplicates.append(data["number"])
            continue
        seen.add(data["number"])
        report.rows.append(data)
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
                str(data["amount"]),
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
    actor: AbstractBaseUser | None,
    commit: bool,
    progress=None,
    columns: dict[str, int] | None = None,
) -> CsvReport:
    """Check an invoice file (see ``invoice_sheet_read``) whose columns are
    given or recognised from its header; with ``commit``, import it — all
    rows or none."""
    try:
        sheet = invoice_sheet_read(content=content)
    except InvoiceFileError as error:
        return CsvReport(errors=list(error.messages))
    if columns is None:
        columns = invoice_columns.recognise(sheet.header)
    report = invoices_check(company=company, sheet=sheet, columns=columns)
    if commit and not report.errors:
        with transaction.atomic():
            for data in report.rows:
                fields = {key: value for key, value in data.items() if key != "line"}
                invoice_create(
                    company=company, fields=fields, actor=actor, source=InvoiceSource.CSV
                )
                report.created += 1
                if progress and report.created % IMPORT_PROGRESS_STEP == 0:
                    progress(report.created)
    return report


IMPORT_PROGRESS_STEP = 50


def import_progress_key(job_id: int) -> str:
    return f"reviews:invoice-import:{job_id}"


def invoice_import_create(
    *, company: Company, actor, content: str, total: int, skipped: list[str] | None = None
) -> InvoiceImport:
    """Record a previewed import for the worker (``tasks.invoice_import_start``
    queues it); the worker reports progress in the cache (the import runs in
    one transaction, invisible until it commits). ``skipped``: the
    duplicates the preview left out, reported with the worker's own."""
    return InvoiceImport.objects.create(
        company=company, created_by=actor, content=content, total=total, skipped=skipped or []
    )


def invoice_import_run(*, job_id: int) -> None:
    claimed = InvoiceImport.objects.filter(pk=job_id, status=InvoiceImport.Status.QUEUED).update(
        status=InvoiceImport.Status.RUNNING
    )
    if not claimed:
        return  # another worker has it, or it already ran
    job = InvoiceImport.objects.select_related("company", "created_by").get(pk=job_id)
    key = import_progress_key(job.pk)
    try:
        report = invoices_import_file(
            company=job.company,
            content=job.content.encode(),
            actor=job.created_by,
            commit=True,
            progress=lambda done: cache.set(key, done, timeout=3600),
        )
    except Exception:
        InvoiceImport.objects.filter(pk=job.pk).update(
            status=InvoiceImport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    InvoiceImport.objects.filter(pk=job.pk).update(
        status=InvoiceImport.Status.FAILED if report.errors else InvoiceImport.Status.DONE,
        created_count=report.created,
        skipped=[*job.skipped, *report.duplicates],
        errors=report.errors,
        finished_at=timezone.now(),
        content="",  # client data is not kept beyond the import
    )
    cache.set(key, report.created, timeout=3600)


def invoice_import_progress(job: InvoiceImport) -> int:
    if job.status in (InvoiceImport.Status.DONE, InvoiceImport.Status.FAILED):
        return job.created_count
    return cache.get(import_progress_key(job.pk), 0)


# --- Invitations -------------------------------------------------------------------


def invitation_create(*, invoice: Invoice) -> ReviewInvitation:
    invitation = ReviewInvitation.objects.create(
        invoice=invoice,
        expires_at=timezone.now() + timedelta(days=settings.REVIEW_INVITATION_DAYS),
    )
    emails.send_review_invitation.delay_on_commit(invitation.pk)
    return invitation


def invitation_from_token(token: str) -> ReviewInvitation:
    """The invitation a link names, if it can still be used. Raises
    :class:`~common.signed_links.LinkError`."""
    invitation = row_from_token(
        ReviewInvitation.objects.select_related("invoice__company"),
        token,
        salt=INVITATION_SALT,
        invalid=_("This review link is not valid."),
    )
    if invitation.used_at is not None or Review.objects.filter(invoice=invitation.invoice).exists():
        raise LinkError(_("A review was already written for this invoice."))
    if invitation.opted_out_at is not None:
        raise LinkError(_("You asked not to be invited for this invoice."))
    if invitation.expires_at <= timezone.now():
        raise LinkError(_("This review link has expired."))
    return invitation


def invitation_opt_out(*, token: str) -> ReviewInvitation:
    invitation = row_from_token(
        ReviewInvitation.objects.all(),
        token,
        salt=INVITATION_SALT,
        invalid=_("This link is not valid."),
    )
    ReviewInvitation.objects.filter(pk=invitation.pk, opted_out_at__isnull=True).update(
        opted_out_at=timezone.now()
    )
    return invitation


def invitations_remind(*, now=None) -> int:
    """Queue the one reminder of invitations left unanswered. Returns how
    many; a conditional update claims each row, so two workers never send
    the same reminder."""
    now = now or timezone.now()
    due = ReviewInvitation.objects.filter(
        sent_at__lte=now - timedelta(days=settings.REVIEW_REMINDER_DAYS),
        reminded_at__isnull=True,
        used_at__isnull=True,
        opted_out_at__isnull=True,
        expires_at__gt=now,
    ).values_list("pk", flat=True)[:5000]
    count = 0
    for pk in list(due):
        if ReviewInvitation.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
            emails.send_review_invitation.delay(pk, reminder=True)
            count += 1
    return count


# --- Reviews ---------------------------------------------------------------------------


def company_is_frozen(company: Company) -> bool:
    """A sanction for fake reviews freezes new reviews."""
    return company.review_sanctions.active().exists()


class ReviewRefused(ValidationError):
    """A review the platform cannot take at all (not moderation)."""


def _hash(value: str) -> str:
    if not value:
        return ""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


def _private_domain(email: str) -> str:
    """The ASCII domain of an address, "" for a public mail provider or
    a domain too long to be any company's (IDN domains grow in ASCII)."""
    domain = email_domain(email)
    too_long = len(domain) > Review._meta.get_field("author_domain").max_length
    return "" if domain in PUBLIC_EMAIL_DOMAINS or too_long else domain


def _company_domains(company: Company, member_addresses: list[str]) -> set[str]:
    """The company's own mail domains, in ASCII: its e-mail's, its
    website's, and its staff's unless a public mail provider."""
    domains = {email_domain(company.email)}
    website = company.website.strip()
    if website:
        with contextlib.suppress(ValueError):  # a malformed URL names no domain
            url = urlsplit(website if "//" in website else f"//{website}")
            domains.add(ascii_host(url.hostname or "").removeprefix("www."))
    domains |= {email_domain(address) for address in member_addresses} - PUBLIC_EMAIL_DOMAINS
    return domains - {""}


def is_linked_to_company(company: Company, email: str) -> bool:
    """The reviewer works for the company: an address of a member (any of
    their account's addresses) or of a person invited to join, or the
    company's own (non-public) e-mail domain or website domain, or one of
    their sub-domains.

    Addresses compare in their canonical form (``common.emails``):
    "jean.dupont+avis@gmail.com" and "JeanDupont@googlemail.com" are the
    member "jean.dupont@gmail.com"; domains compare in ASCII.
    """
    reviewer = canonical_email(email)
    if not reviewer:
        return False
    members = list(company.memberships.values_list("user__email", flat=True))
    people = [
        *members,
        *EmailAddress.objects.filter(user__memberships__company=company).values_list(
            "email", flat=True
        ),
        *company.invitations.filter(accepted_at__isnull=True).values_list("email", flat=True),
    ]
    if reviewer in {canonical_email(address) for address in people if address}:
        return True
    domain = email_domain(email)
    if not domain or domain in PUBLIC_EMAIL_DOMAINS:
        return False
    # Domains are the company's and its members' login addresses' only: a
    # member's private second address or an invited accountant's firm do
    # not make every client of their provider "linked". A sub-domain is
    # the company's too: "x@bureau.alpha-elec.fr".
    return any(
        domain == own or domain.endswith(f".{own}") for own in _company_domains(company, members)
    )


def moderation_reasons(review: Review) -> list[str]:
    """The automatic checks a review did not pass (empty: publish now).

    The rating is not among them: a one-star and a five-star review take
    the same path and the same delay.
    """
    reasons = []
    if review.name_match == NameMatchResult.MISMATCH:
        reasons.append("name_mismatch")
    if CONTACT_PATTERN.search(f"{review.title} {review.text}"):
        reasons.append("contact_details")
    duplicate = Review.objects.filter(text__iexact=review.text.strip()).exclude(pk=review.pk)
    if duplicate.exists():
        reasons.append("duplicate_text")
    return reasons


@transaction.atomic
def review_submit(
    *,
    invitation: ReviewInvitation,
    fields: dict,
    ip: str = "",
    user_agent: str = "",
) -> Review:
    """Record the review of an invitation's invoice: published at once if
    every automatic check passes, otherwise sent to moderation."""
    invitation = ReviewInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.used_at is not None:
        raise ReviewRefused(_("A review was already written for this invoice."))
    invoice = invitation.invoice
    company = invoice.company
    if company_is_frozen(company):
        raise ReviewRefused(_("This company cannot receive new reviews for now."))
    if is_linked_to_company(company, invoice.client_email):
        raise ReviewRefused(
            _("Reviews from people linked to the company (staff, associates) are not accepted.")
        )
    comparison = compare_names(
        fields["author_name"], invoice.client_name, invoice_company=invoice.client_company
    )
    now = timezone.now()
    review = Review(
        company=company,
        invoice=invoice,
        experience_date=invoice.issued_on,
        author_email=invoice.client_email,
        author_domain=_private_domain(invoice.client_email),
        declared_at=now,
        name_match=comparison.result.value,
        name_score=comparison.score,
        ip_hash=_hash(ip),
        user_agent_hash=_hash(user_agent),
        **fields,
    )
    review.full_clean(exclude=["moderation_reasons"])
    review.save()
    review.moderation_reasons = moderation_reasons(review)
    if review.moderation_reasons:
        review.status = ReviewStatus.PENDING
    else:
        review.status = ReviewStatus.PUBLISHED
        review.published_at = now
    review.status_changed_at = now
    review.save(update_fields=["moderation_reasons", "status", "published_at", "status_changed_at"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    if review.status == ReviewStatus.PUBLISHED:
        company_review_stats_refresh(company_ids=[company.pk])
    emails.send_review_receipt.delay_on_commit(review.pk)
    return review


# --- Aggregates -------------------------------------------------------------------------


def company_review_stats_refresh(*, company_ids: list[int] | None = None) -> int:
    """Recount published reviews and their average for the given companies
    (all when None), in set-based UPDATEs, then copy the trust score that
    search ranks by onto the companies' trade rows. Returns companies
    updated."""
    published = Review.objects.published().filter(company_id=OuterRef("pk"))
    companies = (
        Company.objects.all() if company_ids is None else Company.objects.filter(pk__in=company_ids)
    )
    count_sql = Subquery(published.values("company_id").annotate(n=Count("*")).values("n"))
    average_sql = Subquery(published.values("company_id").annotate(a=Avg("rating")).values("a"))
    updated = companies.update(
        review_count=Coalesce(count_sql, Value(0)),
        rating_average=average_sql,
    )
    # trust = ranking.trust(...) evaluated in SQL on the fresh columns.
    companies.filter(review_count__gt=0).update(
        trust_score=ranking.trust(
            average_rating=F("rating_average"), review_count=F("review_count")
        )
    )
    companies.filter(review_count=0).update(trust_score=ranking.trust())
    links = CompanyProfession.objects.all()
    if company_ids is not None:
        links = links.filter(company_id__in=company_ids)
    links.update(
        trust_score=Subquery(
            Company.objects.filter(pk=OuterRef("company_id")).values("trust_score")[:1]
        )
    )
    return updated


# --- Moderation, replies, flags ------------------------------------------------------


@transaction.atomic
def review_moderate(
    *, review: Review, actor: AbstractBaseUser, decision: str, reason: str = "", note: str = ""
) -> ModerationDecision:
    """Publish a review waiting in moderation, or reject a review (waiting,
    or published and flagged) for one reason of the published list. The
    decision is recorded and the author told."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    allowed = {
        ModerationDecision.Decision.PUBLISH: (ReviewStatus.PENDING,),
        ModerationDecision.Decision.REJECT: (ReviewStatus.PENDING, ReviewStatus.PUBLISHED),
    }
    if review.status not in allowed.get(decision, ()):
        raise ValidationError(_("This review cannot take that decision now."))
    if decision == ModerationDecision.Decision.REJECT and reason not in RejectionReason.values:
        raise ValidationError(_("Choose the reason of the rejection in the list."))
    record = ModerationDecision.objects.create(
        review=review,
        decision=decision,
        reason=reason if decision == ModerationDecision.Decision.REJECT else "",
        note=note.strip(),
        decided_by=actor,
    )
    now = timezone.now()
    was_published = review.status == ReviewStatus.PUBLISHED
    if decision == ModerationDecision.Decision.PUBLISH:
        review.status, review.published_at = ReviewStatus.PUBLISHED, now
    else:
        review.status = ReviewStatus.REJECTED
    review.status_changed_at = now
    review.save(update_fields=["status", "published_at", "status_changed_at"])
    review.flags.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=actor)
    if was_published or review.status == ReviewStatus.PUBLISHED:
        company_review_stats_refresh(company_ids=[review.company_id])
    emails.send_moderation_email.delay_on_commit(record.pk)
    return record


def reply_save(*, review: Review, author: AbstractBaseUser, text: str) -> Reply:
    """The company's one public reply; editing it marks it edited."""
    reply = Reply.objects.filter(review=review).first()
    if reply is None:
        reply = Reply(review=review, author=author, text=text.strip())
    else:
        reply.text, reply.author, reply.edited_at = text.strip(), author, timezone.now()
    reply.full_clean()
    reply.save()
    return reply


def flag_create(
    *, review: Review, reason: str, note: str = "", reporter=None, by_company: bool = False
) -> ReviewFlag:
    """Record a flag; the review stays visible."""
    flag = ReviewFlag(
        review=review, reason=reason, note=note.strip(), reporter=reporter, by_company=by_company
    )
    flag.full_clean()
    flag.save()
    return flag


def flag_dismiss(*, flag: ReviewFlag, actor: AbstractBaseUser) -> None:
    ReviewFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )


# --- Authors: updates, withdrawal, appeals --------------------------------------------

APPEAL_WINDOW = timedelta(days=183)


def review_from_manage_token(token: str) -> Review:
    return row_from_token(
        Review.objects.select_related("company"),
        token,
        salt=MANAGE_SALT,
        nonce_field="manage_nonce",
        invalid=_("This link is not valid."),
    )


def review_add_update(*, review: Review, text: str) -> ReviewUpdate:
    """The author adds a dated note; the original text never changes."""
    if review.status not in (ReviewStatus.PUBLISHED, ReviewStatus.PENDING):
        raise ValidationError(_("This review can no longer be updated."))
    update = ReviewUpdate(review=review, text=text.strip())
    update.full_clean()
    update.save()
    return update


@transaction.atomic
def review_withdraw(*, review: Review) -> None:
    """The author withdraws the review: it leaves the page, and is kept."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.WITHDRAWN:
        return
    was_published = review.status == ReviewStatus.PUBLISHED
    review.status, review.status_changed_at = ReviewStatus.WITHDRAWN, timezone.now()
    review.save(update_fields=["status", "status_changed_at"])
    if was_published:
        company_review_stats_refresh(company_ids=[review.company_id])


def appeal_create(*, review: Review, by: str, text: str, appellant=None) -> Appeal:
    """Within 6 months of the last decision: the author against a
    rejection, the company against a publication."""
    last = review.decisions.order_by("-created_at").first()
    decided_at = last.created_at if last else review.published_at or review.created_at
    if timezone.now() - decided_at > APPEAL_WINDOW:
        raise ValidationError(_("Decisions can be appealed within 6 months only."))
    if by == Appeal.By.AUTHOR and review.status != ReviewStatus.REJECTED:
        raise ValidationError(_("Only a rejected review can be appealed by its author."))
    if by == Appeal.By.COMPANY and review.status != ReviewStatus.PUBLISHED:
        raise ValidationError(_("Only a published review can be appealed by the company."))
    if review.appeals.filter(by=by, status=AppealStatus.OPEN).exists():
        raise ValidationError(_("An appeal is already open."))
    appeal = Appeal(review=review, by=by, text=text.strip(), appellant=appellant)
    appeal.full_clean()
    appeal.save()
    return appeal


@transaction.atomic
def appeal_decide(
    *, appeal: Appeal, actor: AbstractBaseUser, upheld: bool, note: str = "", reason: str = ""
) -> None:
    """Upholding reverses the decision through moderation (recorded like
    any decision); dismissing leaves it. Either way the appeal is closed."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.OPEN:
        raise ValidationError(_("This appeal is already decided."))
    if upheld:
        review = appeal.review
        if appeal.by == Appeal.By.AUTHOR:
            Review.objects.filter(pk=review.pk).update(status=ReviewStatus.PENDING)
            review_moderate(
                review=review, actor=actor, decision=ModerationDecision.Decision.PUBLISH, note=note
            )
        else:
            review_moderate(
                review=review,
                actor=actor,
                decision=ModerationDecision.Decision.REJECT,
                reason=reason,
                note=note,
            )
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    appeal.decided_at, appeal.decided_by, appeal.decision_note = timezone.now(), actor, note
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])


# --- Sanctions ------------------------------------------------------------------------


def sanction_create(*, company: Company, actor: AbstractBaseUser, reason: str) -> Sanction:
    """Fake reviews found: a public warning on the company page and no new
    reviews until staff lift it."""
    if not reason.strip():
        raise ValidationError(_("The warning needs a reason; it is public."))
    if company_is_frozen(company):
        raise ValidationError(_("This company is already sanctioned."))
    return Sanction.objects.create(company=company, reason=reason.strip(), decided_by=actor)


def sanction_lift(*, sanction: Sanction, actor: AbstractBaseUser) -> None:
    Sanction.objects.active().filter(pk=sanction.pk).update(
        lifted_at=timezone.now(), lifted_by=actor
    )


# --- Clients without an invitation ---------------------------------------------------

REQUEST_MAX_AGE = timedelta(days=2)


def review_request_create(*, company: Company, fields: dict) -> ReviewRequest:
    """Record the request and send the e-mail that proves the address."""
    request = ReviewRequest(company=company, **fields)
    request.email = request.email.strip().lower()
    request.invoice_number = request.invoice_number.strip()
    request.full_clean()
    request.save()
    emails.send_review_request_confirmation.delay_on_commit(request.pk)
    return request


def _match(request: ReviewRequest) -> Invoice | None:
    """The registered invoice this request designates: same number, and
    the same client (e-mail, or a name that is not a mismatch)."""
    invoice = request.company.invoices.filter(number__iexact=request.invoice_number).first()
    if invoice is None:
        return None
    same_email = invoice.client_email_canonical == canonical_email(request.email)
    name = compare_names(request.name, invoice.client_name, invoice_company=invoice.client_company)
    if same_email or name.result != "mismatch":
        return invoice
    return None


@transaction.atomic
def review_request_confirm(*, token: str) -> ReviewRequest:
    """The address is proven; match now, or wait for the invoice."""
    request = row_from_token(
        ReviewRequest.objects.select_for_update(),
        token,
        salt=REQUEST_SALT,
        max_age=REQUEST_MAX_AGE,
        invalid=_("This link is not valid or has expired."),
    )
    if request.status == ReviewRequestStatus.UNCONFIRMED:
        request.confirmed_at = timezone.now()
        request.status = ReviewRequestStatus.WAITING
        request.save(update_fields=["confirmed_at", "status"])
        _try_match(request)
    return request


def _try_match(request: ReviewRequest) -> None:
    invoice = _match(request)
    if invoice is None:
        return
    invitation = ReviewInvitation.objects.filter(invoice=invoice).first()
    if invitation is None:
        invitation = invitation_create(invoice=invoice)  # sent to the invoice's client
    elif invitation.is_open:
        emails.send_review_invitation.delay_on_commit(invitation.pk, reminder=True)
    request.invoice, request.status = invoice, ReviewRequestStatus.MATCHED
    request.save(update_fields=["invoice", "status"])


def review_requests_match(*, invoice: Invoice) -> int:
    """A newly registered invoice answers the requests waiting for it."""
    waiting = ReviewRequest.objects.filter(
        company=invoice.company,
        status=ReviewRequestStatus.WAITING,
        invoice_number__iexact=invoice.number,
    )
    matched = 0
    for request in waiting:
        _try_match(request)
        matched += request.status == ReviewRequestStatus.MATCHED
    return matched
