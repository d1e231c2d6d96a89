"""Writes of the prospect pipeline, each in one transaction: creating a
prospect (possible duplicates proposed first), moving it between stages
(``STAGE_TRANSITIONS``, every move a write-once ``ProspectEvent``),
interactions and follow-up dates, merging two prospects, anonymising,
referrers and referrals, and the automatic rules fed by other apps (a
quote request received, an application moved, an invoice registered).

What the system writes in a timeline (a move because of a quote request,
an application or an invoice, a quote request's note) names its cause in
``origin`` and ``origin_ref`` (``models.Origin``), never in the text: the
page words it in the reader's language, and the score reads the fields.
``reason`` and ``outcome`` hold only what a person wrote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.company_numbers import parse_company_number
from common.control_characters import clean_text
from common.email_addresses import canonical_email
from common.formats import parse_phone
from common.signed_links import row_from_token
from common.text import normalize
from common.types import User
from directory.models import (
    Company,
    ContactPreference,
    MembershipRole,
    Profession,
    QuoteBudget,
    QuoteRequest,
)
from eligibility.models import RefusalReason

from . import emails, links
from .digest import digest_for, digest_recipients
from .models import (
    OWNER,
    STAGE_TRANSITIONS,
    SYSTEM,
    DigestSent,
    DigestSubscription,
    Interaction,
    LostReason,
    Origin,
    Pipeline,
    Prospect,
    ProspectEvent,
    ReferralThanks,
    Referrer,
    Source,
    Stage,
    new_referral_code,
)
from .selectors import (
    DuplicateCandidate,
    name_key,
    prospect_duplicates,
    referrer_by_code,
    referrer_duplicates,
)

# Personal data of a prospect lost this many calendar years ago is erased
# (issue 15).
ANONYMISE_LOST_AFTER_YEARS = 3
ANONYMOUS_NAME = "—"


class PossibleDuplicates(ValidationError):
    """The prospect being created may already be there: ``candidates``
    says which and why. Create it anyway with ``force=True``, or merge."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        super().__init__(
            _("This prospect may already be in the pipeline."), code="possible_duplicates"
        )
        self.candidates = candidates


class AlreadySubmitted(ValidationError):
    """The form was sent already (its one-time token is used): what it
    records is there once."""

    def __init__(self) -> None:
        super().__init__(
            _("This interaction is already recorded (the form was sent twice)."),
            code="already_submitted",
        )


@dataclass(frozen=True)
class Contact:
    """A prospect's identifiers, read from what was typed."""

    email: str
    email_key: str
    phone: str
    siren: str


def _contact(*, email: str, phone: str, siren: str) -> Contact:
    """Clean typed identifiers; ``ValidationError`` for a phone or a SIREN
    that cannot be one (an e-mail is checked by the model's validator)."""
    email = email.strip()
    return Contact(
        email=email,
        email_key=canonical_email(email) if email else "",
        phone=parse_phone(phone) if phone.strip() else "",
        siren=parse_company_number(siren).siren if siren.strip() else "",
    )


def _role(actor: User | None) -> str:
    return OWNER if actor is not None else SYSTEM


def prospect_build(
    *,
    pipeline: str,
    company: Company | None,
    name: str,
    actor: User | None,
    stage: str = Stage.SUSPECT,
    organisation: str = "",
    siren: str = "",
    profession: Profession | None = None,
    town: str = "",
    postal_code: str = "",
    email: str = "",
    phone: str = "",
    owner: User | None = None,
    source: str = Source.MANUAL,
    referrer: Referrer | None = None,
    budget: Decimal | None = None,
    next_follow_up: date | None = None,
) -> Prospect:
    """A new prospect, not saved: typed identifiers cleaned (canonical
    e-mail, E.164 phone, SIREN of a SIRET), the keys of the duplicate
    search computed, and its first stage checked against
    ``STAGE_TRANSITIONS`` for ``actor`` (none: the system). Raises
    ``ValidationError`` (a phone or a SIREN that cannot be one, a referrer
    of another pipeline) or ``TransitionError``. The one place a prospect
    is made: :func:`prospect_create` and the file import
    (``prospects.imports``) both call it."""
    contact = _contact(email=email, phone=phone, siren=siren)
    if referrer is not None and (referrer.pipeline, referrer.company_id) != (
        pipeline,
        company.pk if company else None,
    ):
        raise ValidationError(_("This referrer belongs to another pipeline."))
    name = clean_text(name)
    prospect = Prospect(
        pipeline=pipeline,
        company=company,
        name=name.strip(),
        organisation=clean_text(organisation).strip(),
        siren=contact.siren,
        profession=profession,
        town=clean_text(town).strip(),
        postal_code=postal_code.strip(),
        email=contact.email,
        email_key=contact.email_key,
        phone=contact.phone,
        name_key=name_key(name),
        town_key=normalize(town),
        stage=stage,
        owner=owner,
        source=source,
        referrer=referrer,
        budget=budget,
        next_follow_up=next_follow_up,
    )
    STAGE_TRANSITIONS.check("", stage, by=_role(actor))
    return prospect


def prospect_creation_event(
    prospect: Prospect,
    *,
    actor: User | None,
    reason: str = "",
    origin: str = "",
    origin_ref: str = "",
) -> ProspectEvent:
    """The first entry of a saved prospect's history (not saved): its
    creation in its stage, by ``actor`` (none: "système"), at the moment
    it entered that stage, because of ``origin`` (``Origin``, and its
    reference) if the system made it."""
    return ProspectEvent(
        prospect=prospect,
        actor=actor,
        to_status=prospect.stage,
        reason=reason,
        origin=origin,
        origin_ref=origin_ref,
        created_at=prospect.stage_since,
    )


@transaction.atomic
def prospect_create(
    *,
    pipeline: str,
    company: Company | None,
    name: str,
    actor: User | None,
    stage: str = Stage.SUSPECT,
    organisation: str = "",
    siren: str = "",
    profession: Profession | None = None,
    town: str = "",
    postal_code: str = "",
    email: str = "",
    phone: str = "",
    owner: User | None = None,
    source: str = Source.MANUAL,
    referrer: Referrer | None = None,
    budget: Decimal | None = None,
    next_follow_up: date | None = None,
    reason: str = "",
    origin: str = "",
    origin_ref: str = "",
    force: bool = False,
) -> Prospect:
    """Create a prospect in a pipeline, in ``stage`` (not lost), recorded
    as its first event (by ``actor``; none for an automatic rule).

    Raises ``PossibleDuplicates`` when prospects of the pipeline share its
    SIREN, canonical e-mail or phone, or have a similar name in the same
    town, unless ``force``; ``ValidationError`` for invalid data (nothing
    is written then)."""
    prospect = prospect_build(
        pipeline=pipeline,
        company=company,
        name=name,
        actor=actor,
        stage=stage,
        organisation=organisation,
        siren=siren,
        profession=profession,
        town=town,
        postal_code=postal_code,
        email=email,
        phone=phone,
        owner=owner,
        source=source,
        referrer=referrer,
        budget=budget,
        next_follow_up=next_follow_up,
    )
    prospect.full_clean()
    if not force:
        candidates = prospect_duplicates(
            pipeline=pipeline,
            company=company,
            siren=prospect.siren,
            email_key=prospect.email_key,
            phone=prospect.phone,
            name=prospect.name,
            town_key=prospect.town_key,
            postal_code=prospect.postal_code,
        )
        if candidates:
            raise PossibleDuplicates(candidates)
    prospect.save()
    prospect_creation_event(
        prospect, actor=actor, reason=reason, origin=origin, origin_ref=origin_ref
    ).save()
    return prospect


# What a person may edit on a prospect's page; the stage changes only by
# ``prospect_move``, the follow-up date by ``interaction_add`` (or here).
EDITABLE_FIELDS = (
    "name",
    "organisation",
    "siren",
    "profession",
    "town",
    "postal_code",
    "email",
    "phone",
    "owner",
    "budget",
    "next_follow_up",
)


@transaction.atomic
def prospect_update(*, prospect: Prospect, fields: dict[str, object]) -> Prospect:
    """Change a prospect's details: ``fields`` maps names of
    ``EDITABLE_FIELDS`` to new values (others are refused with
    ``ValueError``). Identifiers are cleaned as on creation (E.164 phone,
    SIREN, canonical e-mail) and the search keys follow. Raises
    ``ValidationError`` (nothing written) for invalid data or an
    anonymised prospect. Returns the row as stored."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    prospect = _locked(prospect)
    if prospect.anonymised_at is not None:
        raise ValidationError(_("This prospect was anonymised: it can no longer change."))
    for name, value in fields.items():
        setattr(prospect, name, clean_text(value).strip() if isinstance(value, str) else value)
    contact = _contact(email=prospect.email, phone=prospect.phone, siren=prospect.siren)
    prospect.email, prospect.email_key = contact.email, contact.email_key
    prospect.phone, prospect.siren = contact.phone, contact.siren
    prospect.name_key = name_key(prospect.name)
    prospect.town_key = normalize(prospect.town)
    prospect.full_clean()
    prospect.save()
    return prospect


def _locked(prospect: Prospect) -> Prospect:
    return Prospect.objects.select_for_update().get(pk=prospect.pk)


@transaction.atomic
def prospect_move(
    *,
    prospect: Prospect,
    to: str,
    actor: User | None,
    reason: str = "",
    lost_reason: str = "",
    lost_note: str = "",
    origin: str = "",
    origin_ref: str = "",
) -> Prospect:
    """Move a prospect to another stage, if ``STAGE_TRANSITIONS`` allows it
    for a person (``actor``) or for the system (``actor`` None); recorded
    as a ``ProspectEvent``. A move to lost needs a ``lost_reason``
    (``LostReason``); leaving lost clears it. Raises ``TransitionError`` or
    ``ValidationError`` and writes nothing otherwise. Returns the row as
    stored."""
    prospect = _locked(prospect)
    if prospect.anonymised_at is not None:
        raise ValidationError(_("This prospect was anonymised: it can no longer change."))
    STAGE_TRANSITIONS.check(prospect.stage, to, by=_role(actor))
    if to == Stage.LOST:
        if lost_reason not in LostReason.values:
            raise ValidationError(_("Say why this prospect is lost."), code="lost_reason_required")
    elif lost_reason or lost_note:
        raise ValidationError(_("Only a lost prospect has a lost reason."))
    now = timezone.now()
    reason, lost_note = clean_text(reason).strip(), clean_text(lost_note)
    ProspectEvent.objects.create(
        prospect=prospect,
        actor=actor,
        from_status=prospect.stage,
        to_status=to,
        reason=reason,
        lost_reason=lost_reason,
        origin=origin,
        origin_ref=origin_ref,
        created_at=now,
    )
    prospect.stage, prospect.stage_since = to, now
    prospect.lost_reason, prospect.lost_note = lost_reason, lost_note.strip()
    prospect.save(update_fields=["stage", "stage_since", "lost_reason", "lost_note", "updated_at"])
    if to == Stage.CLIENT and prospect.referrer_id is not None:
        referral_thank(prospect=prospect)
    return prospect


@transaction.atomic
def interaction_add(
    *,
    prospect: Prospect,
    kind: str,
    author: User | None,
    next_follow_up: date | None,
    outcome: str = "",
    happened_at: datetime | None = None,
    submission: str = "",
) -> Interaction:
    """Record a call, an e-mail, a meeting or a note, and set the
    prospect's next follow-up date to ``next_follow_up`` (``None``: no next
    step). ``submission``: the one-time token of the form it comes from;
    a token already used (the same form sent twice) raises
    ``AlreadySubmitted`` and writes nothing (claimed by a unique
    constraint: two submits at once record one interaction)."""
    prospect = _locked(prospect)
    if prospect.anonymised_at is not None:
        raise ValidationError(_("This prospect was anonymised: it can no longer change."))
    if submission and Interaction.objects.filter(submission=submission).exists():
        raise AlreadySubmitted()
    interaction = Interaction(
        prospect=prospect,
        kind=kind,
        author=author,
        outcome=clean_text(outcome).strip(),
        happened_at=happened_at or timezone.now(),
        next_follow_up=next_follow_up,
        submission=submission,
    )
    interaction.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:
        if submission and Interaction.objects.filter(submission=submission).exists():
            raise AlreadySubmitted() from None
        raise
    last = prospect.last_interaction_at
    prospect.last_interaction_at = (
        interaction.happened_at if last is None else max(last, interaction.happened_at)
    )
    prospect.next_follow_up = next_follow_up
    prospect.save(update_fields=["last_interaction_at", "next_follow_up", "updated_at"])
    return interaction


# Fields of the merged prospect that fill the kept one's blanks.
_MERGE_FILLS = (
    "organisation",
    "siren",
    "profession",
    "town",
    "postal_code",
    "email",
    "email_key",
    "phone",
    "town_key",
    "budget",
    "referrer",
    "owner",
    "application",
)


@transaction.atomic
def prospects_merge(*, keep: Prospect, other: Prospect, actor: User | None) -> Prospect:
    """Merge ``other`` into ``keep``, two records of one prospect in one
    pipeline. ``keep`` keeps its stage and its values; its blanks take
    ``other``'s. Both histories stay: ``other``'s interactions move to
    ``keep``, its events are copied there as written (with ``merged_from``),
    a merge event is added, and ``other`` is deleted. The earlier
    follow-up date of the two is kept. A referral of one record by the
    other's referrer is dropped (a person does not refer themselves), and
    a referrer thanked for ``other`` is not thanked again for ``keep``."""
    if keep.pk == other.pk:
        raise ValidationError(_("A prospect cannot be merged with itself."))
    # Both rows locked, in a fixed order: two merges never wait on each other.
    locked = Prospect.objects.select_for_update().in_bulk([keep.pk, other.pk])
    if len(locked) != 2:
        raise ValidationError(_("This prospect no longer exists."))
    keep, other = locked[keep.pk], locked[other.pk]
    if (keep.pipeline, keep.company_id) != (other.pipeline, other.company_id):
        raise ValidationError(_("Only prospects of the same pipeline can be merged."))
    if keep.anonymised_at is not None or other.anonymised_at is not None:
        raise ValidationError(_("An anonymised prospect cannot be merged."))
    for field in _MERGE_FILLS:
        if getattr(keep, field) in ("", None):
            setattr(keep, field, getattr(other, field))
    follow_ups = [day for day in (keep.next_follow_up, other.next_follow_up) if day]
    keep.next_follow_up = min(follow_ups) if follow_ups else None
    moments = [moment for moment in (keep.last_interaction_at, other.last_interaction_at) if moment]
    keep.last_interaction_at = max(moments) if moments else None
    keep.save()
    Interaction.objects.filter(prospect=other).update(prospect=keep)
    ProspectEvent.objects.bulk_create(
        ProspectEvent(
            prospect=keep,
            kind=event.kind,
            actor_id=event.actor_id,
            from_status=event.from_status,
            to_status=event.to_status,
            reason=event.reason,
            lost_reason=event.lost_reason,
            origin=event.origin,
            origin_ref=event.origin_ref,
            merged_from=event.merged_from or other.pk,
            created_at=event.created_at,
        )
        for event in other.events.all()
    )
    ProspectEvent.objects.create(
        prospect=keep,
        kind=ProspectEvent.Kind.MERGE,
        actor=actor,
        from_status=keep.stage,
        to_status=keep.stage,
        merged_from=other.pk,
    )
    Referrer.objects.filter(prospect=other).update(prospect=keep)
    # One person now: a referral between the two records was that person
    # referring themselves, which referral_record refuses.
    if (
        keep.referrer_id is not None
        and Referrer.objects.filter(pk=keep.referrer_id, prospect=keep).exists()
    ):
        keep.referrer = None
        keep.save(update_fields=["referrer", "updated_at"])
    # A referrer thanked for ``other`` stays thanked: thanked once per
    # referral ever, whichever record wins next.
    thanked = ReferralThanks.objects.filter(prospect=keep).values("referrer_id")
    ReferralThanks.objects.filter(prospect=other).exclude(referrer_id__in=thanked).update(
        prospect=keep
    )
    other.delete()
    return keep


# What anonymising erases of the prospect: everything that names or
# reaches the person. Kept: the stage, its history's dates and reason
# codes, the trade, the postal code, the source and the budget, for the
# pipeline's statistics.
_ANONYMISED = {
    "name": ANONYMOUS_NAME,
    "organisation": "",
    "siren": "",
    "town": "",
    "town_key": "",
    "email": "",
    "email_key": "",
    "phone": "",
    "name_key": "",
    "lost_note": "",
    "next_follow_up": None,
    # A live application link would still offer the erased data.
    "application_link_nonce": "",
    "application_link_created_at": None,
    # The application names the company and its manager.
    "application": None,
}
# What the person's request erases of their referrer record, if kept.
_REFERRER_ERASED = {
    "name": ANONYMOUS_NAME,
    "email": "",
    "email_key": "",
    "phone": "",
    "user": None,
    "prospect": None,
    "thanks_opt_in": False,
}


def _personal_data_erase(prospect_ids: list[int], *, now: datetime, on_request: bool) -> int:
    """Erase the personal data of ``prospect_ids`` (not anonymised yet), in
    the caller's transaction: the prospects' fields (``_ANONYMISED``); the
    free texts of their interactions and history entries, which may name
    the person, and the references to the records automatic ones came
    from; and their referrer records (:func:`_referrers_release`). Counts,
    kinds, stages, dates and reason codes stay. Returns how many
    prospects."""
    erased = Prospect.objects.filter(pk__in=prospect_ids, anonymised_at__isnull=True).update(
        **_ANONYMISED, anonymised_at=now, updated_at=now
    )
    Interaction.objects.filter(prospect_id__in=prospect_ids).exclude(
        outcome="", origin_ref=""
    ).update(outcome="", origin_ref="")
    ProspectEvent.objects.filter(prospect_id__in=prospect_ids).erase_texts()
    _referrers_release(prospect_ids, on_request=on_request)
    return erased


def _referrers_release(prospect_ids: list[int], *, on_request: bool) -> None:
    """The referrer records of these people (``Referrer.prospect``: the
    same person as a referrer). One that exists only through that person
    (no account, nobody brought) is deleted: it holds nothing but them.
    Any other is unlinked, so the erased prospect leads to no one; on the
    person's request its details are erased too (name, e-mail, phone,
    account, thanks; a new code, so the links they shared no longer name
    them), the referrals it brought still counted. The nightly job leaves
    those details alone: a prospect lost three years ago may be a referrer
    of its own today."""
    linked = Referrer.objects.filter(prospect_id__in=prospect_ids)
    brought = Prospect.objects.filter(referrer=OuterRef("pk"))
    linked.filter(user__isnull=True).exclude(Exists(brought)).delete()
    if not on_request:
        linked.update(prospect=None)
        return
    rows = list(linked.order_by("pk").select_for_update())
    for referrer in rows:
        for field, value in _REFERRER_ERASED.items():
            setattr(referrer, field, value)
        referrer.code = new_referral_code()
    Referrer.objects.bulk_update(rows, [*_REFERRER_ERASED, "code"])


@transaction.atomic
def prospect_anonymise(*, prospect: Prospect) -> None:
    """Erase a prospect's personal data as on the person's request
    (:func:`_personal_data_erase`), without the history entry of
    :func:`prospect_erase_on_request`."""
    _personal_data_erase([prospect.pk], now=timezone.now(), on_request=True)


@transaction.atomic
def prospect_erase_on_request(*, prospect: Prospect, actor: User) -> Prospect:
    """The person asked for their personal data to be erased (issue 15):
    what the nightly job erases, merged-in records' interactions and
    history included, and their referrer record's details too
    (:func:`prospect_anonymise`); and an entry in the history saying who
    did it and when, naming nothing erased. Raises ``ValidationError`` if
    it was erased already. Returns the row as stored."""
    prospect = _locked(prospect)
    if prospect.anonymised_at is not None:
        raise ValidationError(_("This prospect's personal data is already erased."))
    prospect_anonymise(prospect=prospect)
    ProspectEvent.objects.create(
        prospect=prospect,
        kind=ProspectEvent.Kind.ERASURE,
        actor=actor,
        from_status=prospect.stage,
        to_status=prospect.stage,
    )
    prospect.refresh_from_db()
    return prospect


def years_before(moment: datetime, years: int) -> datetime:
    """The same moment ``years`` calendar years earlier (29 February → 28)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


# A night's anonymisation in bounded steps: each batch erases at most
# BATCH_SIZE prospects (a few UPDATEs) in its own transaction (short
# locks); what MAX_BATCHES leaves is done the next night.
ANONYMISE_BATCH_SIZE = 2000
ANONYMISE_MAX_BATCHES = 50


def prospects_anonymise_lost(*, older_than: timedelta | None = None) -> int:
    """The nightly job: anonymise prospects lost for longer than
    ``older_than`` (default: 3 calendar years), in batches, as
    :func:`_personal_data_erase` says. Set-based, idempotent (the marker
    ``anonymised_at`` claims each row); returns how many."""
    total = 0
    for _batch in range(ANONYMISE_MAX_BATCHES):
        done = _anonymise_lost_batch(older_than)
        total += done
        if done < ANONYMISE_BATCH_SIZE:
            break
    return total


@transaction.atomic
def _anonymise_lost_batch(older_than: timedelta | None) -> int:
    now = timezone.now()
    limit = (
        # Calendar years in the site's time zone: lost on 14 January, erased
        # on 14 January three years later, at the same local time.
        years_before(timezone.localtime(now), ANONYMISE_LOST_AFTER_YEARS)
        if older_than is None
        else now - older_than
    )
    batch = list(
        Prospect.objects.filter(stage=Stage.LOST, stage_since__lt=limit, anonymised_at__isnull=True)
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:ANONYMISE_BATCH_SIZE]
    )
    return _personal_data_erase(batch, now=now, on_request=False)


@transaction.atomic
def referrer_create(
    *,
    pipeline: str,
    company: Company | None,
    name: str,
    email: str = "",
    phone: str = "",
    is_client: bool = False,
    user: User | None = None,
    prospect: Prospect | None = None,
    thanks_opt_in: bool = False,
    force: bool = False,
) -> Referrer:
    """A new referrer of a pipeline, with a fresh personal code. Raises
    ``ValidationError`` (nothing written) for a phone that is not one, an
    invalid e-mail, or a prospect of another pipeline; and
    ``PossibleReferrerDuplicates`` when referrers of the pipeline have its
    canonical e-mail, its phone or its name (``selectors.
    referrer_duplicates``), unless ``force``."""
    if prospect is not None and (prospect.pipeline, prospect.company_id) != (
        pipeline,
        company.pk if company else None,
    ):
        raise ValidationError(_("This prospect belongs to another pipeline."))
    referrer = Referrer(
        pipeline=pipeline,
        company=company,
        name=clean_text(name).strip(),
        email=email.strip(),
        email_key=canonical_email(email) if email.strip() else "",
        phone=parse_phone(phone) if phone.strip() else "",
        is_client=is_client,
        user=user,
        prospect=prospect,
        thanks_opt_in=thanks_opt_in,
    )
    referrer.full_clean()
    if not force:
        candidates = referrer_duplicates(
            pipeline=pipeline,
            company=company,
            name=referrer.name,
            email_key=referrer.email_key,
            phone=referrer.phone,
        )
        if candidates:
            raise PossibleReferrerDuplicates(candidates)
    referrer.save()
    return referrer


class PossibleReferrerDuplicates(ValidationError):
    """The referrer being created may be there already: ``candidates``,
    each with why (``selectors.Match`` values). Create it anyway with
    ``force=True``."""

    def __init__(self, candidates: list[tuple[Referrer, tuple[str, ...]]]) -> None:
        super().__init__(_("This referrer may already be recorded."), code="possible_duplicates")
        self.candidates = candidates


@transaction.atomic
def referral_record(*, prospect: Prospect, referrer: Referrer) -> Prospect:
    """``referrer`` brought ``prospect``: the attribution is recorded (a
    later referral replaces an earlier one: the last recommendation is the
    one that brought them back)."""
    prospect = _locked(prospect)
    if (referrer.pipeline, referrer.company_id) != (prospect.pipeline, prospect.company_id):
        raise ValidationError(_("This referrer belongs to another pipeline."))
    if referrer.prospect_id == prospect.pk:
        raise ValidationError(_("A prospect cannot be their own referrer."))
    prospect.referrer = referrer
    prospect.save(update_fields=["referrer", "updated_at"])
    return prospect


# A quote request's budget is a range; the prospect's budget is what the
# requester said they would spend at least (the range's lower bound).
_QUOTE_BUDGET_FLOOR: dict[str, Decimal] = {
    QuoteBudget.UP_TO_5000: Decimal(1000),
    QuoteBudget.UP_TO_20000: Decimal(5000),
    QuoteBudget.OVER_20000: Decimal(20000),
}


@transaction.atomic
def prospect_from_quote_request(*, quote_request_id: int) -> Prospect | None:
    """A quote request reached its company: the requester is a prospect of
    that company's pipeline, warm (hot if they asked to be called).

    The same person (canonical e-mail, else phone) already there is
    updated, not duplicated: an interaction is added, a colder or lost
    prospect warms up (never cools down), a client stays a client. A new
    one is owned by the company's first owner and is to be followed up
    today. ``None`` if the request is gone or anonymised."""
    quote = (
        QuoteRequest.objects.select_related("company", "profession")
        .filter(pk=quote_request_id, anonymised_at__isnull=True)
        .first()
    )
    if quote is None:
        return None
    # Two requests of one new person at once: the company's row, locked,
    # makes the second wait and find the prospect the first created.
    Company.objects.select_for_update().filter(pk=quote.company_id).exists()
    target = Stage.HOT if quote.contact_preference == ContactPreference.PHONE else Stage.WARM
    email_key = canonical_email(quote.email)
    try:
        phone = parse_phone(quote.phone) if quote.phone else ""
    except ValidationError:
        phone = ""  # the quote form checks it; an old request may hold anything
    same_person = Q(email_key=email_key) | (Q(phone=phone) if phone else Q())
    prospect = (
        Prospect.objects.select_for_update()
        .filter(same_person, pipeline=Pipeline.COMPANY, company=quote.company)
        .filter(anonymised_at__isnull=True)
        .order_by("-updated_at", "-pk")
        .first()
    )
    today = timezone.localdate()
    origin, ref = Origin.QUOTE_REQUEST, str(quote.pk)
    if prospect is None:
        first_owner = (
            quote.company.memberships.filter(role=MembershipRole.OWNER)
            .select_related("user")
            .order_by("created_at", "pk")
            .first()
        )
        prospect = prospect_create(
            pipeline=Pipeline.COMPANY,
            company=quote.company,
            name=quote.name,
            actor=None,
            stage=target,
            profession=quote.profession,
            town=quote.city,
            postal_code=quote.postal_code,
            email=quote.email,
            phone=phone,
            owner=first_owner.user if first_owner else None,
            source=Source.QUOTE_REQUEST,
            budget=_QUOTE_BUDGET_FLOOR.get(quote.budget),
            next_follow_up=today,
            force=True,
            origin=origin,
            origin_ref=ref,
        )
    else:
        warmer = prospect.stage in (Stage.SUSPECT, Stage.COLD, Stage.LOST) or (
            prospect.stage == Stage.WARM and target == Stage.HOT
        )
        if warmer:
            prospect = prospect_move(
                prospect=prospect, to=target, actor=None, origin=origin, origin_ref=ref
            )
        Prospect.objects.filter(pk=prospect.pk, phone="").update(phone=phone)
        Prospect.objects.filter(pk=prospect.pk).filter(
            Q(next_follow_up__isnull=True) | Q(next_follow_up__gt=today)
        ).update(next_follow_up=today)
    received = quote.confirmed_at or quote.created_at
    Interaction.objects.create(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        author=None,
        happened_at=received,
        next_follow_up=today,
        origin=origin,
        origin_ref=ref,
    )
    Prospect.objects.filter(pk=prospect.pk).filter(
        Q(last_interaction_at__isnull=True) | Q(last_interaction_at__lt=received)
    ).update(last_interaction_at=received)
    _referral_from_code(prospect, quote.referral_code)
    prospect.refresh_from_db()
    return prospect


def _same_person(email: str, phone: str) -> Q:
    """Rows of the same person: canonical e-mail, else E.164 phone."""
    same = Q(email_key=canonical_email(email)) if email.strip() else Q(pk__in=[])
    try:
        e164 = parse_phone(phone) if phone.strip() else ""
    except ValidationError:
        e164 = ""
    return same | Q(phone=e164) if e164 else same


# A refusal's code (``eligibility.models.RefusalReason``) read as the
# closest lost reason (seed 001): refused for the rules, a company never
# will be a client (absolute non-client); too early, it may later (the
# timing); a refusal for silence is "no answer". The refusal's text is
# the lost note.
REFUSAL_LOST_REASONS: dict[str, str] = {
    RefusalReason.NOT_ELIGIBLE: LostReason.ABSOLUTE_NON_CLIENT,
    RefusalReason.TOO_EARLY: LostReason.TIMING,
    RefusalReason.NO_ANSWER: LostReason.NO_ANSWER,
    RefusalReason.NOT_VERIFIED: LostReason.OTHER,
    RefusalReason.OTHER: LostReason.OTHER,
}


@transaction.atomic
def prospect_from_application(
    *,
    to_status: str,
    siren: str,
    legal_name: str,
    email: str,
    phone: str = "",
    postal_code: str = "",
    city: str = "",
    reason: str = "",
    referral_code: str = "",
    application_id: int | None = None,
    refusal_reason: str = "",
) -> Prospect | None:
    """An application to be listed changed status: the platform's sales
    prospect of that company follows — the one the application was started
    from (its pre-filled link, ``application_links``), else the one with
    the same SIREN, else the same applicant e-mail or phone. Submitted: it
    moves forward to hot (created hot from the application if the pipeline
    did not know it). Approved: it is a client (won), created as one if
    needed. Rejected: lost, the refusal's code read through
    ``REFUSAL_LOST_REASONS`` (unknown: other) and its text as the note.
    Other statuses, or a prospect already there: no change. Returns the
    prospect, or ``None``."""
    open_rows = Prospect.objects.select_for_update().filter(
        pipeline=Pipeline.PLATFORM, anonymised_at__isnull=True
    )
    prospect = (
        open_rows.filter(application_id=application_id).order_by("-updated_at", "-pk").first()
        if application_id is not None
        else None
    )
    if prospect is None:
        same = Q(siren=siren) if siren else Q(pk__in=[])
        prospect = (
            open_rows.filter(same | _same_person(email, phone))
            .order_by("-updated_at", "-pk")
            .first()
        )
    targets = {"submitted": Stage.HOT, "approved": Stage.CLIENT, "rejected": Stage.LOST}
    target = targets.get(to_status)
    if target is None:
        return prospect
    origin, ref = Origin.APPLICATION, to_status
    if prospect is not None and to_status == "submitted":
        # Recorded before a win, so that an approval thanks the referrer.
        _referral_from_code(prospect, referral_code)
    if prospect is None:
        if target == Stage.LOST:
            return None
        try:
            e164 = parse_phone(phone) if phone.strip() else ""
        except ValidationError:
            e164 = ""
        referrer = _pipeline_referrer(referral_code, Pipeline.PLATFORM, None)
        return prospect_create(
            referrer=referrer,
            pipeline=Pipeline.PLATFORM,
            company=None,
            name=legal_name or email,
            organisation=legal_name,
            siren=siren,
            town=city,
            postal_code=postal_code,
            email=email,
            phone=e164,
            actor=None,
            stage=target,
            source=Source.APPLICATION,
            force=True,
            origin=origin,
            origin_ref=ref,
        )
    # The table decides: a client is never sent back to hot, a prospect
    # already in the target stage stays.
    if STAGE_TRANSITIONS.allows(prospect.stage, target, by=SYSTEM):
        lost = (
            {
                "lost_reason": REFUSAL_LOST_REASONS.get(refusal_reason, LostReason.OTHER),
                "lost_note": reason,
            }
            if target == Stage.LOST
            else {}
        )
        return prospect_move(
            prospect=prospect, to=target, actor=None, origin=origin, origin_ref=ref, **lost
        )
    return prospect


@transaction.atomic
def prospect_won_by_invoice(
    *, company_id: int, number: str, client_email: str, client_phone: str = ""
) -> Prospect | None:
    """A company registered an invoice: its prospect of that person (same
    canonical e-mail, else phone) becomes a client. A person the pipeline
    does not hold is not added (invoices are the company's clients
    already; the pipeline is for the ones it is winning). Returns the
    prospect won, or ``None``."""
    prospect = (
        Prospect.objects.select_for_update()
        .filter(
            _same_person(client_email, client_phone),
            pipeline=Pipeline.COMPANY,
            company_id=company_id,
            anonymised_at__isnull=True,
        )
        .exclude(stage=Stage.CLIENT)
        .order_by("-updated_at", "-pk")
        .first()
    )
    if prospect is None:
        return None
    return prospect_move(
        prospect=prospect,
        to=Stage.CLIENT,
        actor=None,
        origin=Origin.INVOICE,
        origin_ref=number[:60],
    )


# --- Referrers ---------------------------------------------------------------------------

# What a person may edit on a referrer; the code never changes (it is in
# links already sent), the pipeline neither.
REFERRER_EDITABLE_FIELDS = ("name", "email", "phone", "is_client", "thanks_opt_in")


@transaction.atomic
def referrer_update(*, referrer: Referrer, fields: dict[str, object]) -> Referrer:
    """Change a referrer's details: ``fields`` maps names of
    ``REFERRER_EDITABLE_FIELDS`` to new values (others: ``ValueError``).
    The phone is cleaned to E.164 and the e-mail's canonical form follows.
    Raises ``ValidationError`` (nothing written) for invalid data."""
    unknown = set(fields) - set(REFERRER_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    referrer = Referrer.objects.select_for_update().get(pk=referrer.pk)
    for name, value in fields.items():
        setattr(referrer, name, clean_text(value).strip() if isinstance(value, str) else value)
    referrer.email_key = canonical_email(referrer.email) if referrer.email else ""
    referrer.phone = parse_phone(referrer.phone) if referrer.phone else ""
    referrer.full_clean()
    referrer.save()
    return referrer


def _pipeline_referrer(code: str, pipeline: str, company_id: int | None) -> Referrer | None:
    """The referrer of ``code`` if it belongs to that pipeline; ``None``
    for no code, an unknown one or another pipeline's (never an error:
    whoever typed or forged it learns nothing)."""
    if not code:
        return None
    referrer = referrer_by_code(code)
    if referrer is None or (referrer.pipeline, referrer.company_id) != (pipeline, company_id):
        return None
    return referrer


def _referral_from_code(prospect: Prospect, code: str) -> None:
    """A quote request or an application came with ``code``: its referrer
    brought ``prospect``, if the code is one of the pipeline's and is not
    the prospect's own."""
    referrer = _pipeline_referrer(code, prospect.pipeline, prospect.company_id)
    if referrer is None or referrer.prospect_id == prospect.pk:
        return
    if prospect.referrer_id != referrer.pk:
        referral_record(prospect=prospect, referrer=referrer)


def referral_thank(*, prospect: Prospect) -> bool:
    """``prospect``, brought by a referrer, has just become a client: the
    referrer is thanked by e-mail if they said yes to it and have an
    address, once per referral whatever happens next (the
    ``ReferralThanks`` row, claimed here, in the caller's transaction: the
    e-mail is in the outbox if and only if the win commits). Returns
    whether an e-mail was queued. The thanks never names the client
    (their becoming one is theirs to tell)."""
    if prospect.referrer_id is None:
        return False
    referrer = Referrer.objects.filter(pk=prospect.referrer_id).first()
    if referrer is None or not referrer.thanks_opt_in or not referrer.email:
        return False
    try:
        with transaction.atomic():
            thanks = ReferralThanks.objects.create(prospect=prospect, referrer=referrer)
    except IntegrityError:
        return False  # thanked for this referral already
    emails.send_referral_thanks(thanks.pk)
    return True


# --- The daily follow-up digest ----------------------------------------------------------


@transaction.atomic
def digest_set(*, user: User, enabled: bool) -> DigestSubscription:
    """Turn the daily digest on or off for ``user`` (the setting page)."""
    subscription, _created = DigestSubscription.objects.get_or_create(user=user)
    if subscription.enabled != enabled:
        subscription.enabled = enabled
        subscription.changed_at = timezone.now()
        subscription.save(update_fields=["enabled", "changed_at"])
    return subscription


@transaction.atomic
def digest_opt_out_subscription(*, token: str, lock: bool = False) -> DigestSubscription:
    """The subscription a digest's opt-out link names (locked if asked).
    Raises ``LinkError`` (the message to show) for a forged, expired or
    revoked link: the page says so before offering a button that could
    only fail."""
    queryset = DigestSubscription.objects.all()
    return row_from_token(
        queryset.select_for_update() if lock else queryset,
        token,
        salt=links.DIGEST_OPT_OUT_SALT,
        max_age=links.DIGEST_OPT_OUT_MAX_AGE,
        invalid=_("This link is not valid."),
        expired=_(
            "This link has expired. Turn the digest off from the prospects' pages once logged in."
        ),
    )


def digest_opt_out(*, token: str) -> DigestSubscription:
    """The one-click opt-out of a digest's link (RFC 8058): the digest is
    off for the person the link names. Raises ``LinkError`` (the message
    to show) for a forged, expired or revoked link."""
    subscription = digest_opt_out_subscription(token=token, lock=True)
    if subscription.enabled:
        subscription.enabled = False
        subscription.changed_at = timezone.now()
        subscription.save(update_fields=["enabled", "changed_at"])
    return subscription


# Recipient ids read per query (each person then in a short transaction
# of their own), and at most this many batches a run (20,000 people: far
# more than the platform has). A run stopped early, by this bound or a
# dead worker, is finished by a rerun the same day: the claims per person
# and day skip whoever already had theirs.
DIGEST_BATCH_SIZE = 200
DIGEST_MAX_BATCHES = 100


def digests_send(*, today: date | None = None) -> dict[str, int]:
    """The 8:00 job: each person with follow-ups overdue or due ``today``
    (Europe/Paris) gets one e-mail listing them (``selectors.
    digest_recipients`` / ``digest_for``), unless they opted out; the
    (person, day) is claimed first, so a rerun sends nothing twice.
    Returns ``{"sent": n, "skipped": m}`` (skipped: claimed by another
    run, or nothing left to say)."""
    today = today or timezone.localdate()
    sent = skipped = 0
    after = 0
    for _batch in range(DIGEST_MAX_BATCHES):
        batch = list(digest_recipients(today=today).filter(pk__gt=after)[:DIGEST_BATCH_SIZE])
        if not batch:
            break
        for user_id in batch:
            if _digest_send_one(user_id, today):
                sent += 1
            else:
                skipped += 1
        after = batch[-1]
    return {"sent": sent, "skipped": skipped}


@transaction.atomic
def _digest_send_one(user_id: int, today: date) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(user=user, day=today)
    except IntegrityError:
        return False  # another run has it
    digest = digest_for(user, today=today)
    if digest.is_empty:
        return False  # the claim stays: nothing to say today
    subscription, _created = DigestSubscription.objects.get_or_create(user=user)
    emails.send_digest(user, digest, subscription)
    claim.prospects = digest.overdue_count + digest.today_count
    claim.save(update_fields=["prospects"])
    return True
