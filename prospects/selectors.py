"""Reads of the prospect pipeline: possible duplicates, the "à relancer"
lists, prospects with no next step, the funnel. Set-based: each list is
one query, the funnel one GROUP BY."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from rapidfuzz import fuzz, process

from common.text import normalize
from common.types import User
from directory.models import Company

from .models import OPEN_STAGES, Pipeline, Prospect, Referrer, Stage

# Words that name a legal form or a family link, not a business: "SARL
# Dupont", "Dupont & Fils" and "Ets Dupont" are one Dupont.
NAME_NOISE = frozenset(
    "sarl sas sasu eurl sa sci snc scop ei eirl ets etablissements entreprise societe ste "
    "cie compagnie fils freres et and the de du des la le les l d".split()
)
# rapidfuzz token_sort_ratio (0–100) from which two names in the same town
# are proposed as one: "Jean Dupont" / "Jean Dupond" (91) are, "Dupont" /
# "Durand" (50) are not.
SIMILAR_NAME_MIN_SCORE = 85
# Names are compared in Python among the prospects of one town: a bound
# on the rows read for a big town of the platform's pipeline (a company's
# pipeline holds far fewer). Beyond it, the newest rows are compared.
MAX_ROWS_COMPARED = 2000


class Match(enum.StrEnum):
    """Why a prospect may be the one being entered."""

    SIREN = "siren"
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"


@dataclass(frozen=True)
class DuplicateCandidate:
    prospect: Prospect
    matches: tuple[Match, ...]


def name_key(name: str) -> str:
    """The form names are compared in: normalised, legal forms dropped."""
    words = [word for word in normalize(name).split() if word not in NAME_NOISE]
    return " ".join(words) or normalize(name)


_NUMBER = re.compile(r"\d+", re.ASCII)


def _numbers(key: str) -> list[int]:
    """The numbers of a name key, in order of value ("agence 02" → [2])."""
    return sorted(int(number) for number in _NUMBER.findall(key))


def names_similar(first_key: str, second_key: str) -> bool:
    """Whether two name keys (:func:`name_key`) may name one prospect:
    close spellings (``SIMILAR_NAME_MIN_SCORE``: "Dupont Plomberie" and
    "Plomberie Dupont", "Jean Dupont" and "Jean Dupond") with the same
    numbers, if any. Names that differ by a number are different
    prospects however close the rest: branches ("Agence 1", "Agence 2"),
    numbered lists ("Redis import 1", "Redis import 2"), a head office
    and its second shop ("Dupont" and "Dupont 2")."""
    if not first_key or not second_key:
        return False
    if _numbers(first_key) != _numbers(second_key):
        return False
    return fuzz.token_sort_ratio(first_key, second_key) >= SIMILAR_NAME_MIN_SCORE


def pipeline_prospects(pipeline: str, company: Company | None) -> QuerySet[Prospect]:
    """The prospects of one pipeline (a company's, or the platform's)."""
    if pipeline == Pipeline.COMPANY:
        return Prospect.objects.filter(pipeline=Pipeline.COMPANY, company=company)
    return Prospect.objects.filter(pipeline=Pipeline.PLATFORM)


def prospect_duplicates(
    *,
    pipeline: str,
    company: Company | None,
    siren: str = "",
    email_key: str = "",
    phone: str = "",
    name: str = "",
    town_key: str = "",
    postal_code: str = "",
    exclude_pk: int | None = None,
) -> list[DuplicateCandidate]:
    """The prospects of the pipeline that may be this one: the same SIREN,
    canonical e-mail or E.164 phone, or a similar name in the same town
    (its normal form, else its postal code). Anonymised prospects are never
    proposed. One query; names compared in Python on the few rows of that
    town. Most matches first."""
    same = Q()
    if siren:
        same |= Q(siren=siren)
    if email_key:
        same |= Q(email_key=email_key)
    if phone:
        same |= Q(phone=phone)
    key = name_key(name) if name else ""
    if key and town_key:
        same |= Q(town_key=town_key)
    elif key and postal_code:
        same |= Q(postal_code=postal_code)
    if not same:
        return []
    rows = pipeline_prospects(pipeline, company).filter(same, anonymised_at__isnull=True)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    entry = Identity(
        siren=siren,
        email_key=email_key,
        phone=phone,
        name_key=key,
        town_key=town_key,
        postal_code=postal_code,
    )
    candidates = []
    for prospect in rows.order_by("-pk")[:MAX_ROWS_COMPARED]:
        matches = duplicate_matches(entry, prospect)
        if matches:
            candidates.append(DuplicateCandidate(prospect, matches))
    candidates.sort(key=lambda candidate: -len(candidate.matches))
    return candidates


@dataclass(frozen=True)
class Identity:
    """What tells one prospect from another, in the forms compared: SIREN,
    canonical e-mail, E.164 phone, name key (:func:`name_key`), town in
    normal form, postal code. A ``Prospect`` has the same attributes."""

    siren: str = ""
    email_key: str = ""
    phone: str = ""
    name_key: str = ""
    town_key: str = ""
    postal_code: str = ""


def duplicate_matches(entry: Identity, other: Identity | Prospect) -> tuple[Match, ...]:
    """Why ``other`` may be the same prospect as ``entry`` (none: it is
    not): the same SIREN, canonical e-mail or phone, or a similar name
    (:func:`names_similar`) in the same town — the town's normal form, or
    the postal code when ``entry`` has no town. The rule of issue 15, for
    one prospect typed and for a file's rows alike."""
    matches = []
    if entry.siren and other.siren == entry.siren:
        matches.append(Match.SIREN)
    if entry.email_key and other.email_key == entry.email_key:
        matches.append(Match.EMAIL)
    if entry.phone and other.phone == entry.phone:
        matches.append(Match.PHONE)
    same_town = (entry.town_key and other.town_key == entry.town_key) or (
        not entry.town_key and entry.postal_code and other.postal_code == entry.postal_code
    )
    if same_town and names_similar(entry.name_key, other.name_key):
        matches.append(Match.NAME)
    return tuple(matches)


# What the duplicates of a file's rows are read with: the fields compared
# and those a preview shows (a big town's rows are many).
_COMPARED_FIELDS = (
    "pk",
    "name",
    "town",
    "stage",
    "siren",
    "email_key",
    "phone",
    "name_key",
    "town_key",
    "postal_code",
)


def prospect_duplicates_many(
    *, pipeline: str, company: Company | None, entries: Sequence[Identity]
) -> list[list[DuplicateCandidate]]:
    """For each of ``entries`` (a batch of a file's rows), the prospects of
    the pipeline that may be it, most matches first: the rule of
    :func:`duplicate_matches`. Set-based: three queries whatever the
    number of entries — the rows of the same SIREN, e-mail or phone; the
    names of the newest ``MAX_ROWS_COMPARED`` rows of each of their towns
    (as for one prospect), compared in C; the rows of the similar names.
    Anonymised prospects are never proposed. Callers bound the batch (its
    values go into ``IN`` lists) and group it by town (each town's names
    are read once per batch that holds it)."""
    sirens = {entry.siren for entry in entries if entry.siren}
    emails = {entry.email_key for entry in entries if entry.email_key}
    phones = {entry.phone for entry in entries if entry.phone}
    towns = {entry.town_key for entry in entries if entry.town_key and entry.name_key}
    postal_codes = {
        entry.postal_code
        for entry in entries
        if not entry.town_key and entry.postal_code and entry.name_key
    }
    rows = (
        pipeline_prospects(pipeline, company)
        .filter(anonymised_at__isnull=True)
        .only(*_COMPARED_FIELDS)
    )
    found: dict[int, Prospect] = {}
    exact = Q(siren__in=sirens) | Q(email_key__in=emails) | Q(phone__in=phones)
    if sirens or emails or phones:
        found.update((prospect.pk, prospect) for prospect in rows.filter(exact))
    # The names of the newest rows of each town, as tuples: a big town's
    # thousands of rows are compared, only the few similar ones are read.
    by_town: dict[str, list[tuple[int, str]]] = {}
    by_postal_code: dict[str, list[tuple[int, str]]] = {}
    if towns or postal_codes:
        newest = (
            rows.filter(Q(town_key__in=towns) | Q(postal_code__in=postal_codes))
            .exclude(name_key="")
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("town_key")], order_by=F("pk").desc())
            )
            .filter(rank__lte=MAX_ROWS_COMPARED)
            .order_by("-pk")
            .values_list("pk", "name_key", "town_key", "postal_code")
        )
        for pk, key, town_key, postal_code in newest:
            if town_key:
                by_town.setdefault(town_key, []).append((pk, key))
            if postal_code:
                by_postal_code.setdefault(postal_code, []).append((pk, key))
    by_siren: dict[str, list[int]] = {}
    by_email: dict[str, list[int]] = {}
    by_phone: dict[str, list[int]] = {}
    for prospect in found.values():
        for index, value in (
            (by_siren, prospect.siren),
            (by_email, prospect.email_key),
            (by_phone, prospect.phone),
        ):
            if value:
                index.setdefault(value, []).append(prospect.pk)
    seen: list[set[int]] = [set() for _entry in entries]
    # (town, its normal form) or (postal code, the code) → the entries there
    same_place: dict[tuple[bool, str], list[int]] = {}
    for number, entry in enumerate(entries):
        for exact_index, value in (
            (by_siren, entry.siren),
            (by_email, entry.email_key),
            (by_phone, entry.phone),
        ):
            if value:
                seen[number].update(exact_index.get(value, ()))
        if entry.name_key and (entry.town_key or entry.postal_code):
            place = (True, entry.town_key) if entry.town_key else (False, entry.postal_code)
            same_place.setdefault(place, []).append(number)
    # Names of each town compared at once, in C, with the rule's scorer and
    # threshold (``names_similar``): a file of thousands of rows in a big
    # town would otherwise be millions of calls from Python.
    for (is_town, value), numbers in same_place.items():
        named = (by_town if is_town else by_postal_code).get(value, [])
        if not named:
            continue
        scores = process.cdist(
            [entries[number].name_key for number in numbers],
            [key for _pk, key in named],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=SIMILAR_NAME_MIN_SCORE,
            dtype=numpy.uint8,
        )
        for row, number in enumerate(numbers):
            seen[number].update(named[int(column)][0] for column in numpy.flatnonzero(scores[row]))
    similar = set().union(*seen) - found.keys()
    if similar:
        found.update(rows.in_bulk(similar))
    result = []
    for entry, pks in zip(entries, seen, strict=True):
        candidates = [
            DuplicateCandidate(found[pk], matches)
            for pk in sorted(pks, reverse=True)
            if (matches := duplicate_matches(entry, found[pk]))
        ]
        candidates.sort(key=lambda candidate: -len(candidate.matches))
        result.append(candidates)
    return result


class FollowUp(enum.StrEnum):
    """The "à relancer" lists."""

    OVERDUE = "overdue"  # the date has passed
    TODAY = "today"
    WEEK = "week"  # after today, up to Sunday of this week


def follow_ups(
    *,
    pipeline: str,
    company: Company | None,
    period: FollowUp,
    owner: User | None = None,
    today: date | None = None,
) -> QuerySet[Prospect]:
    """Prospects to follow up in ``period`` (dates in the site's time
    zone), of one pipeline, of one owner if given; lost and anonymised ones
    never. Earliest first."""
    today = today or timezone.localdate()
    rows = pipeline_prospects(pipeline, company).exclude(stage=Stage.LOST)
    rows = rows.filter(anonymised_at__isnull=True)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if period == FollowUp.OVERDUE:
        rows = rows.filter(next_follow_up__lt=today)
    elif period == FollowUp.TODAY:
        rows = rows.filter(next_follow_up=today)
    else:
        sunday = today + timedelta(days=6 - today.weekday())
        rows = rows.filter(next_follow_up__gt=today, next_follow_up__lte=sunday)
    return rows.order_by("next_follow_up", "pk")


def without_next_step(
    *, pipeline: str, company: Company | None, owner: User | None = None
) -> QuerySet[Prospect]:
    """Open prospects (suspect to hot) with no follow-up date: nobody knows
    what happens next."""
    rows = pipeline_prospects(pipeline, company).filter(
        stage__in=OPEN_STAGES, next_follow_up__isnull=True, anonymised_at__isnull=True
    )
    if owner is not None:
        rows = rows.filter(owner=owner)
    return rows.order_by("stage_since", "pk")


def funnel(*, pipeline: str, company: Company | None) -> dict[str, int]:
    """How many prospects are in each stage, every stage listed (0 if
    none), in the order of ``Stage``. One GROUP BY query."""
    counts = dict(
        pipeline_prospects(pipeline, company)
        .order_by()
        .values_list("stage")
        .annotate(count=Count("pk"))
        .values_list("stage", "count")
    )
    return {stage: counts.get(stage, 0) for stage in Stage.values}


def referrer_duplicates(
    *, pipeline: str, company: Company | None, name: str, email_key: str = "", phone: str = ""
) -> list[tuple[Referrer, tuple[str, ...]]]:
    """The referrers of the pipeline that may be this one: the same
    canonical e-mail (``common.email_addresses.canonical_email``: case,
    dots and tags of a mailbox forgiven), the same E.164 phone, or the
    same name in normal form ("Marie CURIE" is "Marie Curie", "Hélène"
    "Helene"); with why (``Match`` values), most reasons first. One query
    over the pipeline's newest ``MAX_ROWS_COMPARED`` referrers (a
    pipeline has tens of them)."""
    key = normalize(name)
    rows = Referrer.objects.filter(pipeline=pipeline, company=company).order_by("-pk")
    candidates: list[tuple[Referrer, tuple[str, ...]]] = []
    for referrer in rows[:MAX_ROWS_COMPARED]:
        matches = tuple(
            match
            for match, found in (
                (Match.EMAIL, bool(email_key) and referrer.email_key == email_key),
                (Match.PHONE, bool(phone) and referrer.phone == phone),
                (Match.NAME, bool(key) and normalize(referrer.name) == key),
            )
            if found
        )
        if matches:
            candidates.append((referrer, matches))
    candidates.sort(key=lambda candidate: -len(candidate[1]))
    return candidates


def referrer_by_code(code: str) -> Referrer | None:
    """The referrer of a typed or clicked code (case and spaces forgiven)."""
    cleaned = "".join(code.split()).upper()
    if not cleaned or len(cleaned) > 16:
        return None
    return Referrer.objects.filter(code=cleaned).first()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def prospect_personal_data(prospect: Prospect) -> dict[str, Any]:
    """Everything the pipeline holds about one prospect, for the person
    who asked for it (issue 15: "exportable on request"), as JSON-ready
    data: identity, contact, where they stand, their interactions and
    history (those of the records merged into this one included: they
    moved here with the merge, each history entry naming the record it
    came from), who referred them and the referral codes they hold.
    Nothing of another prospect; the people who worked the prospect are
    not named (their data is not the prospect's). Four queries."""
    referrer = (
        Referrer.objects.filter(pk=prospect.referrer_id).first()
        if prospect.referrer_id is not None
        else None
    )
    interactions = list(prospect.interactions.order_by("happened_at", "pk"))
    events = list(prospect.events.order_by("created_at", "pk"))
    return {
        "prospect": {
            "number": prospect.pk,
            "name": prospect.name,
            "organisation": prospect.organisation,
            "siren": prospect.siren,
            "trade": prospect.profession.name if prospect.profession else "",
            "town": prospect.town,
            "postal_code": prospect.postal_code,
            "email": prospect.email,
            "phone": prospect.phone,
            "stage": prospect.stage,
            "in_stage_since": prospect.stage_since.isoformat(),
            "lost_reason": prospect.lost_reason,
            "lost_note": prospect.lost_note,
            "source": prospect.source,
            "budget": str(prospect.budget) if prospect.budget is not None else None,
            "next_follow_up": _iso(prospect.next_follow_up),
            "last_interaction": _iso(prospect.last_interaction_at),
            "created": prospect.created_at.isoformat(),
            "erased": _iso(prospect.anonymised_at),
        },
        "interactions": [
            {
                "kind": row.kind,
                "when": row.happened_at.isoformat(),
                "outcome": row.outcome,
                "next_follow_up": _iso(row.next_follow_up),
                "by_system": row.author_id is None,
                "origin": row.origin,
                "origin_ref": row.origin_ref,
            }
            for row in interactions
        ],
        "history": [
            {
                "kind": event.kind,
                "when": event.created_at.isoformat(),
                "from": event.from_status,
                "to": event.to_status,
                "reason": event.reason,
                "lost_reason": event.lost_reason,
                "by_system": event.actor_id is None,
                "origin": event.origin,
                "origin_ref": event.origin_ref,
                "merged_from": event.merged_from,
            }
            for event in events
        ],
        "merged_records": sorted(
            {event.merged_from for event in events if event.merged_from is not None}
        ),
        "referred_by": {"name": referrer.name, "code": referrer.code} if referrer else None,
        "referral_codes": list(
            Referrer.objects.filter(prospect=prospect).order_by("pk").values_list("code", flat=True)
        ),
        # The person as a referrer: what each of their referrer records
        # holds about them (not the people they brought: theirs).
        "as_referrer": [
            {
                "code": row.code,
                "name": row.name,
                "email": row.email,
                "phone": row.phone,
                "client": row.is_client,
                "thanked_by_email": row.thanks_opt_in,
                "created": row.created_at.isoformat(),
            }
            for row in Referrer.objects.filter(prospect=prospect).order_by("pk")
        ],
    }
