"""Reads of the prospect pipeline: possible duplicates, the "à relancer"
lists, prospects with no next step, the funnel. Set-based: each list is
one query, the funnel one GROUP BY."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from rapidfuzz import fuzz

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


def names_similar(first_key: str, second_key: str) -> bool:
    if not first_key or not second_key:
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


def prospect_duplicates_many(
    *, pipeline: str, company: Company | None, entries: Sequence[Identity]
) -> list[list[DuplicateCandidate]]:
    """For each of ``entries`` (a batch of a file's rows), the prospects of
    the pipeline that may be it, most matches first: the rule of
    :func:`duplicate_matches`. Set-based: two queries whatever the number
    of entries — one for the same SIREN, e-mail or phone, one for the
    names of their towns (the newest ``MAX_ROWS_COMPARED`` of each town,
    as for one prospect); names compared in Python. Anonymised prospects
    are never proposed. Callers bound the batch (its values go into
    ``IN`` lists)."""
    sirens = {entry.siren for entry in entries if entry.siren}
    emails = {entry.email_key for entry in entries if entry.email_key}
    phones = {entry.phone for entry in entries if entry.phone}
    towns = {entry.town_key for entry in entries if entry.town_key and entry.name_key}
    postal_codes = {
        entry.postal_code
        for entry in entries
        if not entry.town_key and entry.postal_code and entry.name_key
    }
    rows = pipeline_prospects(pipeline, company).filter(anonymised_at__isnull=True)
    found: dict[int, Prospect] = {}
    exact = Q(siren__in=sirens) | Q(email_key__in=emails) | Q(phone__in=phones)
    if sirens or emails or phones:
        found.update((prospect.pk, prospect) for prospect in rows.filter(exact))
    places = Q(town_key__in=towns) | Q(postal_code__in=postal_codes)
    if towns or postal_codes:
        newest = rows.filter(places).annotate(
            rank=Window(RowNumber(), partition_by=[F("town_key")], order_by=F("pk").desc())
        )
        found.update(
            (prospect.pk, prospect) for prospect in newest.filter(rank__lte=MAX_ROWS_COMPARED)
        )
    by_siren: dict[str, list[Prospect]] = {}
    by_email: dict[str, list[Prospect]] = {}
    by_phone: dict[str, list[Prospect]] = {}
    by_town: dict[str, list[Prospect]] = {}
    by_postal_code: dict[str, list[Prospect]] = {}
    for prospect in sorted(found.values(), key=lambda prospect: -prospect.pk):
        for index, value in (
            (by_siren, prospect.siren),
            (by_email, prospect.email_key),
            (by_phone, prospect.phone),
            (by_town, prospect.town_key),
            (by_postal_code, prospect.postal_code),
        ):
            if value:
                index.setdefault(value, []).append(prospect)
    result = []
    for entry in entries:
        seen: dict[int, Prospect] = {}
        for index, value in (
            (by_siren, entry.siren),
            (by_email, entry.email_key),
            (by_phone, entry.phone),
            (by_town, entry.town_key if entry.name_key else ""),
            (by_postal_code, entry.postal_code if entry.name_key and not entry.town_key else ""),
        ):
            if value:
                seen.update((prospect.pk, prospect) for prospect in index.get(value, ()))
        candidates = [
            DuplicateCandidate(prospect, matches)
            for prospect in sorted(seen.values(), key=lambda prospect: -prospect.pk)
            if (matches := duplicate_matches(entry, prospect))
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


def referrer_by_code(code: str) -> Referrer | None:
    """The referrer of a typed or clicked code (case and spaces forgiven)."""
    cleaned = "".join(code.split()).upper()
    if not cleaned or len(cleaned) > 16:
        return None
    return Referrer.objects.filter(code=cleaned).first()
