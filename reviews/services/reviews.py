"""Reviews: submission by the invited client, the people linked to the company
who cannot review it, and the automatic checks that send a review to
moderation."""

from __future__ import annotations

import hashlib

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.email_addresses import canonical_email, email_domain
from common.formats import parse_phone
from common.signed_links import LinkError, row_from_token
from common.text import normalize_place
from directory.models import Company
from directory.quotes.models import QuoteRequest

from .. import emails
from ..links import RESUBMIT_SALT
from ..models import (
    FIXABLE_REJECTION_REASONS,
    Appeal,
    AppealStatus,
    Invoice,
    ModerationCheck,
    ModerationDecision,
    NameMatchResult,
    Review,
    ReviewInvitation,
    ReviewStatus,
)
from ..names import compare_names
from ..text_checks import CONTACT_PATTERN as CONTACT_PATTERN
from ..text_checks import hidden_name_words, text_check_reasons
from . import sanctions, stats, transitions
from .appeals import manage_link_max_age

# Free mail providers: sharing one with the company proves no link.
PUBLIC_EMAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.fr yahoo.com hotmail.fr hotmail.com outlook.fr outlook.com
    live.fr live.com msn.com orange.fr wanadoo.fr free.fr sfr.fr neuf.fr laposte.net
    bbox.fr numericable.fr icloud.com me.com aol.com protonmail.com proton.me gmx.fr gmx.com
    """.split()
)


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


def verified_company_domains(company: Company) -> set[str]:
    """The company's mail domains that someone proved, in ASCII: those of
    its members' log-in addresses (``ACCOUNT_EMAIL_VERIFICATION`` is
    mandatory, and a change of address is confirmed before it is used)
    and of their other *verified* addresses; public mail providers left
    out.

    The company's e-mail and website are not among them: a pro types them
    in its profile at any time, so ``https://example.org`` would otherwise
    silence every client at ``@example.org`` (issue 10).
    """
    addresses = [
        *company.memberships.values_list("user__email", flat=True),
        *EmailAddress.objects.filter(user__memberships__company=company, verified=True).values_list(
            "email", flat=True
        ),
    ]
    return {email_domain(address) for address in addresses} - PUBLIC_EMAIL_DOMAINS - {""}


def is_linked_to_company(company: Company, email: str) -> bool:
    """The reviewer is one of the company's people: an address of a member
    (any of their account's addresses) or of a person invited to join.
    Such a review is refused.

    Addresses compare in their canonical form (``common.emails``):
    "jean.dupont+avis@gmail.com" and "JeanDupont@googlemail.com" are the
    member "jean.dupont@gmail.com"; domains compare in ASCII. A shared
    domain is no proof of a link: see :func:`shares_company_domain`.
    """
    reviewer = canonical_email(email)
    if not reviewer:
        return False
    people = [
        *company.memberships.values_list("user__email", flat=True),
        *EmailAddress.objects.filter(user__memberships__company=company).values_list(
            "email", flat=True
        ),
        *company.invitations.filter(accepted_at__isnull=True).values_list("email", flat=True),
    ]
    return reviewer in {canonical_email(address) for address in people if address}


def shares_company_domain(company: Company, email: str) -> bool:
    """The reviewer's address is at one of the company's verified domains
    (:func:`verified_company_domains`) or a sub-domain of one
    ("x@bureau.alpha-elec.fr"): perhaps a colleague, perhaps a client
    company of the same group. A person decides: the review goes to
    moderation (reason ``linked_domain``), it is not refused.

    A member's private second address or an invited accountant's firm do
    not count: only verified addresses of members do.
    """
    domain = email_domain(email)
    if not domain or domain in PUBLIC_EMAIL_DOMAINS:
        return False
    return any(
        domain == own or domain.endswith(f".{own}") for own in verified_company_domains(company)
    )


def _e164(phone: str) -> str:
    """A stored phone in E.164, "" if empty or not a number (rows written
    before ``common.formats`` compare as they are, never as a link)."""
    try:
        return parse_phone(phone) if phone else ""
    except ValidationError:
        return ""


def linked_person_reasons(invoice: Invoice) -> list[str]:
    """The signs that the client of ``invoice`` may be one of its company's
    people, beyond the addresses that refuse a review outright
    (:func:`is_linked_to_company`) and the shared domain
    (:func:`shares_company_domain`). Codes of ``ModerationCheck``, in a fixed
    order; each sends the review to a moderator, never refuses it.

    - ``linked_phone``: a phone of the client — the invoice's, or one given
      in a quote request to this company from the same address — is the
      company's phone, compared in E.164 (``common.formats.parse_phone``).
      Members have no phone of their own on the platform: the company's is
      the one known.
    - ``linked_name_town``: the client bears a member's surname (a word of
      the invoice's client name, ``reviews.text_checks.hidden_name_words``
      with nothing shown, equals a word of a member's ``last_name``) *and*
      lives in the company's town: the town of a quote request of theirs
      to this company is the company's ``city`` (compared with
      ``common.text.normalize_place``). Invoices carry no client address
      and members none of theirs: the quote request is the only client town
      the platform holds, and the company's town the only member town.
      A shared surname alone (Martin, Bernard) proves nothing.

    Three queries (members, quote requests, nothing else)."""
    company = invoice.company
    reasons = []
    quotes = list(
        QuoteRequest.objects.filter(
            company=company, email__iexact=invoice.client_email
        ).values_list("phone", "city")
    )
    client_phones = {_e164(phone) for phone in [invoice.client_phone, *(q[0] for q in quotes)]}
    company_phone = _e164(company.phone)
    if company_phone and company_phone in client_phones:
        reasons.append(ModerationCheck.LINKED_PHONE.value)
    surnames = {
        word
        for last_name in company.memberships.values_list("user__last_name", flat=True)
        for word in hidden_name_words(last_name, "")
    }
    same_town = normalize_place(company.city) in {normalize_place(q[1]) for q in quotes}
    if same_town and surnames & hidden_name_words(invoice.client_name, ""):
        reasons.append(ModerationCheck.LINKED_NAME_TOWN.value)
    return reasons


def moderation_reasons(review: Review) -> list[str]:
    """The automatic checks a review did not pass (empty: publish now).

    The rating is not among them: a one-star and a five-star review take
    the same path and the same delay. The text checks are those of updates
    and replies (``reviews.text_checks``).
    """
    reasons = []
    if shares_company_domain(review.company, review.author_email):
        reasons.append(ModerationCheck.LINKED_DOMAIN.value)
    reasons.extend(linked_person_reasons(review.invoice))
    if review.name_match == NameMatchResult.MISMATCH:
        reasons.append(ModerationCheck.NAME_MISMATCH.value)
    reasons.extend(
        text_check_reasons(
            f"{review.title} {review.text}",
            client_name=review.invoice.client_name,
            shown_name=review.display_name,
        )
    )
    duplicate = Review.objects.filter(text__iexact=review.text.strip()).exclude(pk=review.pk)
    if duplicate.exists():
        reasons.append(ModerationCheck.DUPLICATE_TEXT.value)
    return reasons


def _checks_before_recording(company: Company, author_email: str) -> None:
    """The refusals that stop a review at the door (not moderation): a
    sanctioned company, an author linked to the company. Raises
    :class:`ReviewRefused`."""
    if sanctions.company_is_frozen(company):
        raise ReviewRefused(_("This company cannot receive new reviews for now."))
    if is_linked_to_company(company, author_email):
        raise ReviewRefused(
            _("Reviews from people linked to the company (staff, associates) are not accepted.")
        )


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
    _checks_before_recording(company, invoice.client_email)
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
    review.moderation_reasons = moderation_reasons(review)
    if review.moderation_reasons:
        status = ReviewStatus.PENDING
        why = _("Sent to moderation: %(checks)s.") % {
            "checks": ", ".join(review.moderation_reason_labels)
        }
    else:
        status, why = ReviewStatus.PUBLISHED, _("Every automatic check passed.")
    transitions.review_move(review=review, to=status, by="system", actor=None, reason=why, at=now)
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    if review.status == ReviewStatus.PUBLISHED:
        stats.company_review_stats_refresh(company_ids=[company.pk])
    emails.send_review_receipt(review.pk)
    return review


def fixable_rejection(review: Review) -> ModerationDecision | None:
    """The refusal the author of ``review`` may still fix by editing it:
    the review is rejected, and its last decision is a rejection for a
    reason of ``FIXABLE_REJECTION_REASONS`` (contact details, personal
    data). None otherwise: published, pending (already sent again),
    withdrawn, or refused for a reason an edit cannot fix. One query."""
    if review.status != ReviewStatus.REJECTED:
        return None
    last = review.decisions.order_by("-created_at", "-pk").first()
    if (
        last is None
        or last.decision != ModerationDecision.Decision.REJECT
        or last.reason not in FIXABLE_REJECTION_REASONS
    ):
        return None
    return last


def appeal_pending(review: Review) -> bool:
    """The author appealed the review's refusal and staff have not answered:
    the correction waits (an upheld appeal publishes the review as it is;
    a dismissed one leaves the refusal, and its correction link, as they
    were). One query."""
    return review.appeals.filter(by=Appeal.By.AUTHOR, status=AppealStatus.OPEN).exists()


APPEAL_FIRST = gettext_lazy(
    "You appealed this decision: our team answers your appeal first. If it is dismissed, "
    "this link works again."
)


def rejection_from_resubmit_token(token: str) -> ModerationDecision:
    """The refusal a correction link names (``links.resubmit_token``), with
    its review and company, while it can still be fixed
    (:func:`fixable_rejection`). Raises ``LinkExpired`` after
    ``REVIEW_MANAGE_LINK_DAYS``, ``LinkError`` for a forged or revoked link,
    for a refusal no longer open to a correction (the review was sent
    again, withdrawn, or decided since: the link works once) and while the
    author's appeal of it waits (:func:`appeal_pending`)."""
    decision = row_from_token(
        ModerationDecision.objects.select_related("review__company", "review__invoice"),
        token,
        salt=RESUBMIT_SALT,
        nonce_field="review__manage_nonce",
        invalid=_("This link is not valid."),
        expired=_(
            "This link has expired. Open your review's private page (link in the e-mail you "
            "received when you wrote it) to get a new one."
        ),
        max_age=manage_link_max_age(),
    )
    fixable = fixable_rejection(decision.review)
    if fixable is None or fixable.pk != decision.pk:
        raise LinkError(
            _(
                "This review can no longer be corrected: it was already sent again, "
                "or it was decided since."
            )
        )
    if appeal_pending(decision.review):
        raise LinkError(str(APPEAL_FIRST))
    return decision


@transaction.atomic
def review_resubmit(*, decision: ModerationDecision, fields: dict) -> Review:
    """The author of a review refused for a fixable reason (``decision``)
    sends it corrected: new ratings, title and text (``fields``, the keys of
    ``ReviewResubmitForm``), the same invoice and name. The same checks as
    a first submission run (refusals at the door, field rules, the
    automatic checks); the same review row goes back to moderation
    (rejected → pending, by the author, recorded as a ``ReviewEvent``),
    whatever the checks say: a person refused it, a person reads it again.
    Once per refusal: raises ``ValidationError`` if ``decision`` is no
    longer the review's open, fixable refusal (sent again already, withdrawn,
    decided since) or while the author's appeal of it waits,
    ``ReviewRefused`` like :func:`review_submit`."""
    review = Review.objects.select_for_update().select_related("company").get(pk=decision.review_id)
    fixable = fixable_rejection(review)
    if fixable is None or fixable.pk != decision.pk:
        raise ValidationError(
            _(
                "This review can no longer be corrected: it was already sent again, "
                "or it was decided since."
            )
        )
    if appeal_pending(review):
        raise ValidationError(APPEAL_FIRST)
    _checks_before_recording(review.company, review.author_email)
    ratings = [name for name in fields if name.startswith("rating")]
    review.rewrite_text(
        title=fields["title"],
        text=fields["text"],
        declared_at=timezone.now(),
        **{name: fields[name] for name in ratings},
    )
    review.full_clean(exclude=["moderation_reasons"])
    review.moderation_reasons = moderation_reasons(review)
    checks = ", ".join(review.moderation_reasons) or _("none")
    why = _(
        "Corrected and sent again by its author after a refusal (%(reason)s); "
        "checks not passed: %(checks)s."
    ) % {"reason": decision.get_reason_display(), "checks": checks}
    transitions.review_move(
        review=review,
        to=ReviewStatus.PENDING,
        by="author",
        actor=None,
        reason=why,
        also=["title", "text", "declared_at", "moderation_reasons", *ratings],
    )
    emails.send_review_receipt(review.pk)
    return review
