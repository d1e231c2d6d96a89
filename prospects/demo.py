"""Demo prospect pipelines, so that ``make run`` shows issue 15 at work
(its "done when": both pipelines with realistic stages, interactions,
scores with reasons, a referrer who brought clients, the funnel and the
Pareto chart).

:func:`seed_prospects` (``manage.py seed_demo_prospects``, after the other
demo seeds) creates:

- the sales log-in ``ventes@demo.plusquepro.test`` (staff group
  ``sales``), which owns most of the **platform's pipeline**: companies to
  recruit (``PLATFORM_PROSPECTS`` by default), drawn by
  ``directory.demo.generator`` (French trade names, SIRENs valid by Luhn,
  trades of the taxonomy, towns of the gazetteer), the won ones being
  listed demo companies (their application was approved). About a third
  are won and a third lost (``WON_SHARE``, ``LOST_SHARE``): with the
  default size, more than ``PROSPECT_SCORE_MIN_WON`` won and
  ``PROSPECT_SCORE_MIN_LOST`` lost, so **this pipeline is scored by the
  learned model** (naive Bayes), whose history was drawn so that it means
  something (the won were contacted more, had applied and fit better);
- the **demo pro's pipeline** (``COMPANY_LEADS`` leads of the company of
  ``pro@demo.plusquepro.test``), too small for a learned model: **scored
  by the rules**. The clients of its demo invoices (``reviews.demo``) are
  its clients, won by their invoice as ``services.prospect_won_by_invoice``
  writes it (by the system, "invoice <number>", when the invoice was
  registered): the funnel's clients are the Pareto chart's named clients.
  The earliest of them is a **referrer** who brought the next three
  clients and two open leads. The company gets a default margin rate and
  a cost for a few clients (client value). No demo quote request exists,
  so no lead comes from one; a quote request sent on the demo site
  creates one the live way.

Histories are consistent with what the services write: every prospect's
events follow ``STAGE_TRANSITIONS`` (checked), dates increase, the last
event's stage is the prospect's stage and ``stage_since`` its date;
before each move made by a person comes the contact that caused it;
``last_interaction_at`` and ``next_follow_up`` are those of the last
interaction. Open prospects have next follow-ups overdue, today, later
this week, later, or none (``FOLLOW_UP_CYCLE``). Dates count back from
``now``: the demo looks alive whenever it runs. The same seed gives the
same data (each prospect draws from its own ``random.Random``); a
prospect already in its pipeline (same SIREN, or same canonical e-mail)
is skipped, so a second run adds nothing. Rows are written in bulk, then
the nightly score runs (``scoring.prospects_score``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from common.email_addresses import canonical_email
from common.text import normalize
from directory.accounts.services import staff_groups_ensure
from directory.demo.generator import DemoCompany, DemoGenerator
from directory.models import Company, CompanyStatus, Membership, Profession
from eligibility.selectors import trade_fits
from loyalty.identity import client_key
from reviews.models import Invoice

from . import scoring
from .models import (
    OWNER,
    STAGE_TRANSITIONS,
    SYSTEM,
    ClientCost,
    ClientValueSettings,
    Interaction,
    LostReason,
    Origin,
    Pipeline,
    Prospect,
    ProspectEvent,
    Referrer,
    Source,
    Stage,
)
from .selectors import name_key
from .services import referrer_create

DEFAULT_SEED = 2026
SALES_EMAIL = "ventes@demo.plusquepro.test"
ADMIN_EMAIL = "admin@demo.plusquepro.test"
DEMO_PRO_EMAIL = "pro@demo.plusquepro.test"
SALES_GROUP = "sales"
PLATFORM_PROSPECTS = 150
COMPANY_LEADS = 60
# Shares of the platform's prospects already won and lost: 52 and 52 of
# 150, above the 50 and 50 the learned model needs (settings).
WON_SHARE = 0.35
LOST_SHARE = 0.35
# The sales log-in owns most of the platform's pipeline; the rest is the
# administrator's.
SALES_OWNED = 0.85
# Generated prospects are demo companies of these numbers and beyond
# (``DemoGenerator.company``): far after the companies seed_demo lists
# (2,000 for ``make run``, 1,000,000 for the benchmark), so no SIREN is
# both a listed company and a prospect to recruit.
GENERATED_FROM = 20_000_000
# The open prospects' next follow-ups, in turn (``_follow_up``).
FOLLOW_UP_CYCLE = ("overdue", "today", "week", "later", "none", "overdue", "week", "later")
# The referrer of the demo pro's pipeline brought this many of its
# clients and open leads.
REFERRED_CLIENTS = 3
REFERRED_OPEN = 2
# The demo pro's default margin rate (percent) and the clients given a cost.
MARGIN_RATE = Decimal(35)
CLIENTS_WITH_COST = 4
BATCH_SIZE = 500

# What people write after a contact, per stage it leads to.
_PLATFORM_TEXTS = {
    Stage.COLD: (
        "Premier appel : pas de besoin de visibilité pour l'instant, à rappeler.",
        "Appel : a reçu la présentation, peu disponible, rappeler après la saison.",
        "E-mail de présentation envoyé, réponse polie : « pas maintenant ».",
    ),
    Stage.WARM: (
        "Rendez-vous téléphonique : intéressé par les avis vérifiés, veut en parler à son associé.",
        "E-mail : demande les conditions d'inscription et un exemple de profil.",
        "Appel : intéressé, mais attend la fin de son gros chantier.",
    ),
    Stage.HOT: (
        "Rendez-vous sur place : veut s'inscrire, prépare ses attestations d'assurance.",
        "Appel : prêt à candidater, lien de candidature pré-rempli envoyé.",
        "Visioconférence : convaincu par le score de fidélité, candidature cette semaine.",
    ),
    "follow": (
        "Relance par e-mail, pas de réponse pour l'instant.",
        "Message laissé sur le répondeur.",
        "Appel de suivi : questions sur la vérification des factures.",
        "E-mail : envoi du guide d'inscription.",
    ),
    "suspect": (
        "Repéré dans l'annuaire de la chambre de métiers, à appeler.",
        "Importé de la liste des exposants du salon de l'habitat.",
        "Recommandé par un pro inscrit, coordonnées à vérifier.",
    ),
}
_COMPANY_TEXTS = {
    Stage.COLD: (
        "Appel : projet lointain, veut d'abord vendre son appartement.",
        "E-mail : a bien reçu la plaquette, pas de date pour l'instant.",
    ),
    Stage.WARM: (
        "Visite sur place, devis à envoyer sous huit jours.",
        "Devis envoyé, le client compare avec deux autres.",
        "Appel : intéressé, mais attend son accord de financement.",
    ),
    Stage.HOT: (
        "Rendez-vous : devis accepté sur le principe, date à caler.",
        "Appel : veut commencer le mois prochain, demande un acompte réduit.",
        "E-mail : bon pour accord signé à recevoir cette semaine.",
    ),
    "follow": (
        "Relance téléphonique, rappeler en fin de semaine.",
        "E-mail de relance avec le devis en pièce jointe.",
        "Message laissé, le client rappellera.",
    ),
    "suspect": (
        "Contact laissé au salon de l'habitat, à appeler.",
        "Voisin d'un chantier en cours, a demandé une carte.",
    ),
}
_LOST_TEXTS = {
    LostReason.PRICE: "Trouve le tarif trop élevé.",
    LostReason.TIMING: "Le projet est repoussé à l'an prochain.",
    LostReason.COMPETITOR: "A choisi un concurrent.",
    LostReason.ABSOLUTE_NON_CLIENT: "Hors cible : ne sera jamais client.",
    LostReason.NO_ANSWER: "Plus aucune réponse après plusieurs relances.",
    LostReason.OTHER: "Autre raison.",
}
_KINDS_BY_STAGE = {
    Stage.COLD: (Interaction.Kind.CALL, Interaction.Kind.EMAIL),
    Stage.WARM: (Interaction.Kind.CALL, Interaction.Kind.EMAIL, Interaction.Kind.MEETING),
    Stage.HOT: (Interaction.Kind.MEETING, Interaction.Kind.CALL),
    "follow": (Interaction.Kind.CALL, Interaction.Kind.EMAIL, Interaction.Kind.EMAIL),
}


@dataclass(frozen=True)
class Step:
    """One planned move: when, from, to, by whom (None: the system), why."""

    at: datetime
    start: str
    to: str
    actor: User | None
    reason: str = ""
    lost_reason: str = ""
    # What an automatic move came from (``Origin``) and its reference.
    origin: str = ""
    origin_ref: str = ""


@dataclass(frozen=True)
class Touch:
    """One planned interaction."""

    at: datetime
    kind: str
    outcome: str
    author: User | None
    next_follow_up: date | None


@dataclass
class Plan:
    """One prospect, its history and its interactions, before writing."""

    prospect: Prospect
    steps: list[Step] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    # Set once the prospect is won by this invoice (company pipeline).
    invoice: Invoice | None = None


@dataclass(frozen=True)
class DemoReport:
    """What a run made (0 everywhere on a second run)."""

    platform: int
    company: int
    events: int
    interactions: int
    referrers: int
    scored: int
    learned_pipelines: int


def _moment(now: datetime, rng: random.Random, days: tuple[float, float]) -> datetime:
    """A moment ``days`` (low, high) before ``now``, in office hours."""
    moment = timezone.localtime(now - timedelta(days=rng.uniform(*days)))
    return moment.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59), second=0)


# An application submitted, as the system records it.
_APPLIED = (Origin.APPLICATION, "submitted")


class _History:
    """Builds a plan's steps and touches in time order, checking each move
    against ``STAGE_TRANSITIONS``."""

    def __init__(self, plan: Plan, rng: random.Random, texts: dict[str, tuple[str, ...]]) -> None:
        self.plan, self.rng, self.texts = plan, rng, texts
        self.stage = ""

    def move(
        self,
        at: datetime,
        to: str,
        actor: User | None,
        reason: str = "",
        lost: str = "",
        *,
        origin: tuple[str, str] = ("", ""),
    ) -> None:
        STAGE_TRANSITIONS.check(self.stage, to, by=OWNER if actor is not None else SYSTEM)
        if self.plan.steps and at <= self.plan.steps[-1].at:
            at = self.plan.steps[-1].at + timedelta(minutes=1)
        self.plan.steps.append(Step(at, self.stage, to, actor, reason, lost, *origin))
        self.stage = to

    def touch(
        self,
        at: datetime,
        key: str,
        author: User | None,
        *,
        follow_up: date | None,
        outcome: str = "",
        kind: str = "",
    ) -> None:
        self.plan.touches.append(
            Touch(
                at=at,
                kind=kind or self.rng.choice(_KINDS_BY_STAGE.get(key, _KINDS_BY_STAGE["follow"])),
                outcome=outcome or self.rng.choice(self.texts[key]),
                author=author,
                next_follow_up=follow_up,
            )
        )

    def contact_then_move(self, at: datetime, to: str, owner: User | None) -> None:
        """The contact that showed the new temperature, then the move."""
        contact = at - timedelta(minutes=self.rng.randint(5, 90))
        self.touch(contact, to, owner, follow_up=(at + timedelta(days=7)).date())
        self.move(at, to, owner)

    def follow_ups(self, start: datetime, end: datetime, count: int, owner: User | None) -> None:
        """``count`` contacts between ``start`` and ``end``, each setting
        the next one's date."""
        if end <= start:
            return
        span = (end - start).total_seconds()
        for _ in range(count):
            at = start + timedelta(seconds=self.rng.uniform(0, span))
            self.touch(at, "follow", owner, follow_up=(at + timedelta(days=10)).date())


def _spread(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` increasing moments strictly between ``start`` and ``end``."""
    span = (end - start).total_seconds()
    return [
        start + timedelta(seconds=span * x)
        for x in sorted(rng.uniform(0.05, 0.95) for _ in range(count))
    ]


def _follow_up(kind: str, rng: random.Random, now: datetime) -> tuple[date | None, datetime]:
    """An open prospect's next follow-up of ``kind`` (``FOLLOW_UP_CYCLE``)
    and the moment of the last contact that set it (before now, before
    the date)."""
    today = timezone.localdate(now)
    if kind == "week" and today.weekday() == 6:  # Sunday: no day left this week
        kind = "later"
    if kind == "overdue":
        last = _moment(now, rng, (4, 25))
        days_late = rng.randint(1, max(1, (today - timezone.localdate(last)).days - 1))
        return today - timedelta(days=days_late), last
    if kind == "today":
        return today, _moment(now, rng, (1, 10))
    if kind == "week":
        return today + timedelta(days=rng.randint(1, 6 - today.weekday())), _moment(
            now, rng, (1, 8)
        )
    if kind == "later":
        return today + timedelta(days=rng.randint(8, 30)), _moment(now, rng, (1, 12))
    return None, _moment(now, rng, (15, 60))


def _clamp(moment: datetime, now: datetime) -> datetime:
    return min(moment, now - timedelta(minutes=5))


def _open_history(
    history: _History, path: tuple[str, ...], owner: User | None, now: datetime, kind: str
) -> date | None:
    """An open prospect's history along ``path`` (stages after creation),
    its last contact setting its next follow-up (``kind``)."""
    rng = history.rng
    follow_up, last = _follow_up(kind, rng, now)
    created = last - timedelta(days=rng.uniform(10, 150))
    history.move(created, path[0], owner)
    if path[0] == Stage.SUSPECT and len(path) == 1:
        # Never contacted: a note, and the date of a first call.
        history.touch(
            created + timedelta(minutes=10),
            "suspect",
            owner,
            follow_up=follow_up,
            kind=Interaction.Kind.NOTE,
        )
        return follow_up
    moves = _spread(rng, created, last, len(path) - 1)
    for at, stage in zip(moves, path[1:], strict=True):
        history.contact_then_move(at, stage, owner)
    first_contact = moves[0] if moves else created
    history.follow_ups(first_contact, last, rng.randint(0, 3), owner)
    history.touch(_clamp(last, now), "follow", owner, follow_up=follow_up)
    return follow_up


# --- The platform's pipeline -----------------------------------------------------------------


class _Identities:
    """Companies to recruit, drawn in order from the demo generator
    (numbers from ``GENERATED_FROM``). The generator draws listable
    trades only: a company of a trade that does not fit (a bakery, a
    restaurant: ``trade_fits`` "poor") is one of them renamed after such a
    trade."""

    def __init__(self, generator: DemoGenerator, fits: dict[int, str], taken: set[str]) -> None:
        self.generator, self.taken = generator, taken
        self.numbers = itertools.count(GENERATED_FROM)
        self.poor = list(
            Profession.objects.filter(pk__in=[pk for pk, fit in fits.items() if fit == "poor"])
            .order_by("slug")
            .values_list("pk", "name_fr")
        )

    def next(self, *, poor: bool = False) -> DemoCompany:
        for number in self.numbers:
            company = self.generator.company(number)
            if company.siren in self.taken:
                continue
            self.taken.add(company.siren)
            if poor and self.poor:
                rng = random.Random(f"{self.generator.seed}:prospects:poor:{number}")
                pk, trade = rng.choice(self.poor)
                name = f"{trade} {rng.choice(self.generator.surnames)}"
                company = replace(
                    company,
                    trade_name=name,
                    legal_name=f"SARL {name.upper()}",
                    profession_ids=(pk,),
                )
            return company
        raise AssertionError("unreachable: itertools.count never ends")  # pragma: no cover


def _platform_prospect(company: DemoCompany | Company, owner: User | None, source: str) -> Prospect:
    if isinstance(company, Company):
        profession_id = company.primary_profession_id
    else:
        profession_id = company.profession_ids[0]
    return Prospect(
        pipeline=Pipeline.PLATFORM,
        company=None,
        name=company.trade_name,
        organisation=company.legal_name,
        siren=company.siren,
        profession_id=profession_id,
        town=company.city,
        postal_code=company.postal_code,
        email=company.email,
        email_key=canonical_email(company.email),
        phone=company.phone,
        name_key=name_key(company.trade_name),
        town_key=normalize(company.city),
        owner=owner,
        source=source,
    )


_OPEN_PATHS: tuple[tuple[str, ...], ...] = (
    (Stage.SUSPECT,),
    (Stage.SUSPECT,),
    (Stage.SUSPECT, Stage.COLD),
    (Stage.SUSPECT, Stage.COLD, Stage.WARM),
    (Stage.SUSPECT, Stage.WARM),
    (Stage.SUSPECT, Stage.COLD, Stage.WARM, Stage.HOT),
    (Stage.SUSPECT, Stage.WARM, Stage.HOT),
    (Stage.SUSPECT, Stage.COLD),
    (Stage.SUSPECT, Stage.WARM, Stage.COLD),
)
# (lost reason, stages reached before, poor-fitting trade)
_PLATFORM_LOSSES: tuple[tuple[str, tuple[str, ...], bool, bool], ...] = (
    (LostReason.NO_ANSWER, (Stage.SUSPECT, Stage.COLD), False, False),
    (LostReason.ABSOLUTE_NON_CLIENT, (Stage.SUSPECT, Stage.COLD), True, False),
    (LostReason.TIMING, (Stage.SUSPECT, Stage.COLD, Stage.WARM), False, True),
    (LostReason.PRICE, (Stage.SUSPECT, Stage.WARM), False, True),
    (LostReason.NO_ANSWER, (Stage.SUSPECT,), False, False),
    (LostReason.COMPETITOR, (Stage.SUSPECT, Stage.COLD, Stage.WARM), False, False),
    (LostReason.OTHER, (Stage.SUSPECT, Stage.WARM), False, True),
    (LostReason.PRICE, (Stage.SUSPECT, Stage.COLD, Stage.WARM), False, False),
    (LostReason.COMPETITOR, (Stage.SUSPECT, Stage.WARM), False, True),
)
# Share of the won companies signed up with the sales rep, by hand (no
# application of their own): without them, every won prospect would have
# applied and the learned model would give nearly 0 to every prospect
# that has not applied yet.
WON_BY_HAND = 0.35


def _platform_plans(
    *,
    seed: int,
    count: int,
    now: datetime,
    sales: User,
    admin: User | None,
    generator: DemoGenerator,
    fits: dict[int, str],
) -> list[Plan]:
    won = int(count * WON_SHARE)
    lost = int(count * LOST_SHARE)
    demo_pro = Membership.objects.filter(user__username=DEMO_PRO_EMAIL).values("company_id")
    listed = list(
        Company.objects.filter(status=CompanyStatus.LISTED)
        .exclude(pk__in=demo_pro)
        .order_by("siren")[:won]
    )
    identities = _Identities(generator, fits, {c.siren for c in listed})
    plans = []
    for n in range(count):
        rng = random.Random(f"{seed}:prospects:platform:{n}")
        owner = sales if admin is None or rng.random() < SALES_OWNED else admin
        if n < won:
            company: DemoCompany | Company = listed[n] if n < len(listed) else identities.next()
            plan = Plan(_platform_prospect(company, owner, Source.IMPORT))
            _platform_won(_History(plan, rng, _PLATFORM_TEXTS), owner, now)
        elif n < won + lost:
            reason, path, poor, applied = _PLATFORM_LOSSES[(n - won) % len(_PLATFORM_LOSSES)]
            plan = Plan(_platform_prospect(identities.next(poor=poor), owner, Source.IMPORT))
            history = _History(plan, rng, _PLATFORM_TEXTS)
            _platform_lost(history, owner, now, reason, path, applied=applied)
        else:
            rank = n - won - lost
            plan = Plan(_platform_prospect(identities.next(), owner, Source.IMPORT))
            history = _History(plan, rng, _PLATFORM_TEXTS)
            path = _OPEN_PATHS[rank % len(_OPEN_PATHS)]
            kind = FOLLOW_UP_CYCLE[rank % len(FOLLOW_UP_CYCLE)]
            plan.prospect.next_follow_up = _open_history(history, path, owner, now, kind)
            if path[-1] == Stage.HOT and rank % 2:
                # The link sent, the company applied: the system warmed it up.
                by_hand = plan.steps.pop()
                history.stage = by_hand.start
                history.move(by_hand.at, Stage.HOT, None, origin=_APPLIED)
        plans.append(plan)
    return plans


def _platform_won(history: _History, owner: User | None, now: datetime) -> None:
    """Contacted, warmed up, applied (the system moves it to hot), approved
    (the system makes it a client); or signed up with the sales rep (a
    person makes it a client)."""
    rng = history.rng
    by_hand = rng.random() < WON_BY_HAND
    closed = _moment(now, rng, (5, 540))
    created = closed - timedelta(days=rng.uniform(30, 150))
    path = rng.choice(
        ((Stage.COLD, Stage.WARM), (Stage.WARM,), (Stage.COLD, Stage.WARM, Stage.HOT))
    )
    history.move(created, Stage.SUSPECT, owner)
    applied = closed - timedelta(days=rng.uniform(3, 15))
    moves = _spread(rng, created, applied, len(path))
    for at, stage in zip(moves, path, strict=True):
        history.contact_then_move(at, stage, owner)
    history.follow_ups(moves[0], applied, rng.randint(2, 6), owner)
    if by_hand:
        history.touch(
            closed - timedelta(minutes=30),
            "follow",
            owner,
            follow_up=None,
            outcome="Rendez-vous : inscription faite ensemble, profil complété.",
            kind=Interaction.Kind.MEETING,
        )
        history.move(closed, Stage.CLIENT, owner, "Inscription faite avec le commercial")
        return
    if history.stage != Stage.HOT:
        history.move(applied, Stage.HOT, None, origin=_APPLIED)
    history.touch(
        applied + timedelta(days=1),
        "follow",
        owner,
        follow_up=None,
        outcome="Appel : aide à compléter le dossier de candidature.",
        kind=Interaction.Kind.CALL,
    )
    history.move(closed, Stage.CLIENT, None, origin=(Origin.APPLICATION, "approved"))


def _platform_lost(
    history: _History,
    owner: User | None,
    now: datetime,
    reason: str,
    path: tuple[str, ...],
    *,
    applied: bool,
) -> None:
    """Contacted a little (or applied: the system moved it to hot), then
    lost for ``reason``; refused applications are lost by the system."""
    rng = history.rng
    closed = _moment(now, rng, (5, 540))
    created = closed - timedelta(days=rng.uniform(20, 120))
    history.move(created, path[0], owner)
    last = closed - timedelta(days=rng.uniform(1, 40) if reason == LostReason.NO_ANSWER else 0.02)
    moves = _spread(rng, created, last, len(path) - 1)
    for at, stage in zip(moves, path[1:], strict=True):
        history.contact_then_move(at, stage, owner)
    if moves:
        history.follow_ups(moves[0], last, rng.randint(0, 3), owner)
    if applied:
        history.move(last - timedelta(hours=12), Stage.HOT, None, origin=_APPLIED)
    if reason == LostReason.OTHER:
        history.move(closed, Stage.LOST, None, lost=reason, origin=(Origin.APPLICATION, "rejected"))
        return
    if path != (Stage.SUSPECT,):
        history.touch(
            last, "follow", owner, follow_up=None, outcome=_LOST_TEXTS[LostReason(reason)]
        )
    history.move(closed, Stage.LOST, owner, _LOST_TEXTS[LostReason(reason)], reason)


# --- The demo pro's pipeline -----------------------------------------------------------------


def _lead(
    company: Company,
    rng: random.Random,
    generator: DemoGenerator,
    n: int,
    owner: User | None,
    trades: list[int],
    source: str,
) -> Prospect:
    first, last = rng.choice(generator.first_names), rng.choice(generator.surnames)
    email = f"{slugify(first)}.{slugify(last)}.{n}@exemple.net"
    poor = rng.random() < 0.15
    budget = rng.choice((None, 800, 1500, 3000, 6000, 12000, 25000))
    return Prospect(
        pipeline=Pipeline.COMPANY,
        company=company,
        name=f"{first} {last}",
        profession_id=rng.choice(trades) if trades and not poor else None,
        town=company.city,
        postal_code=company.postal_code,
        email=email,
        email_key=canonical_email(email),
        name_key=name_key(f"{first} {last}"),
        town_key=normalize(company.city),
        owner=owner,
        source=source,
        budget=Decimal(budget) if budget is not None else None,
    )


def _invoice_client(company: Company, invoice: Invoice, owner: User | None) -> Prospect:
    return Prospect(
        pipeline=Pipeline.COMPANY,
        company=company,
        name=invoice.client_name,
        profession_id=company.primary_profession_id,
        town=company.city,
        postal_code=company.postal_code,
        email=invoice.client_email,
        email_key=canonical_email(invoice.client_email),
        name_key=name_key(invoice.client_name),
        town_key=normalize(company.city),
        owner=owner,
        source=Source.MANUAL,
        budget=(invoice.amount or Decimal(0)).quantize(Decimal(100)) or None,
    )


_COMPANY_LOSSES = (
    (LostReason.PRICE, (Stage.WARM,)),
    (LostReason.COMPETITOR, (Stage.WARM, Stage.HOT)),
    (LostReason.TIMING, (Stage.COLD,)),
    (LostReason.NO_ANSWER, (Stage.WARM, Stage.COLD)),
    (LostReason.ABSOLUTE_NON_CLIENT, (Stage.COLD,)),
    (LostReason.PRICE, (Stage.WARM, Stage.HOT)),
)
# Leads mostly arrive interested (warm); a few were met at a fair or on a
# building site (suspects), some of them contacted since.
_COMPANY_OPEN = (
    (Stage.WARM,),
    (Stage.WARM, Stage.HOT),
    (Stage.SUSPECT, Stage.COLD),
    (Stage.SUSPECT,),
    (Stage.WARM,),
    (Stage.COLD, Stage.WARM),
    (Stage.HOT,),
    (Stage.SUSPECT, Stage.WARM),
)
# Share of the demo pro's non-client leads already lost.
COMPANY_LOST_SHARE = 0.3


def _company_plans(
    *,
    seed: int,
    count: int,
    now: datetime,
    company: Company,
    owner: User | None,
    generator: DemoGenerator,
    referrer: Referrer | None,
) -> tuple[list[Plan], list[Plan]]:
    """(the clients won by their invoices, the other leads)."""
    trades = list(company.professions.values_list("pk", flat=True))
    invoices = list(
        Invoice.objects.filter(company=company, number__startswith="DEMO-")
        .exclude(client_email="")
        .order_by("created_at", "pk")
    )
    clients = []
    for n, invoice in enumerate(invoices):
        rng = random.Random(f"{seed}:prospects:client:{invoice.number}")
        prospect = _invoice_client(company, invoice, owner)
        if referrer is not None and 1 <= n <= REFERRED_CLIENTS:
            prospect.source, prospect.referrer = Source.REFERRAL, referrer
        plan = Plan(prospect, invoice=invoice)
        history = _History(plan, rng, _COMPANY_TEXTS)
        won = invoice.created_at
        created = won - timedelta(days=rng.uniform(20, 60))
        history.move(created, Stage.WARM, owner)
        moves = _spread(rng, created, won - timedelta(days=2), 1)
        history.follow_ups(created, moves[0], rng.randint(1, 3), owner)
        history.contact_then_move(moves[0], Stage.HOT, owner)
        history.touch(
            moves[0] + timedelta(days=1),
            "follow",
            owner,
            follow_up=None,
            outcome="Devis signé, prestation planifiée.",
            kind=Interaction.Kind.EMAIL,
        )
        # What prospect_won_by_invoice writes when the invoice is registered.
        history.move(won, Stage.CLIENT, None, origin=(Origin.INVOICE, invoice.number))
        clients.append(plan)
    leads = []
    others = max(0, count - len(clients))
    lost = int(others * COMPANY_LOST_SHARE)
    for n in range(others):
        rng = random.Random(f"{seed}:prospects:lead:{n}")
        referred = referrer is not None and n < REFERRED_OPEN
        source = (
            Source.REFERRAL
            if referred
            else rng.choice((Source.MANUAL, Source.MANUAL, Source.IMPORT))
        )
        prospect = _lead(company, rng, generator, n, owner, trades, source)
        if referred:
            prospect.referrer = referrer
        plan = Plan(prospect)
        history = _History(plan, rng, _COMPANY_TEXTS)
        if not referred and n - REFERRED_OPEN < lost:
            reason, path = _COMPANY_LOSSES[n % len(_COMPANY_LOSSES)]
            closed = _moment(now, rng, (3, 400))
            created = closed - timedelta(days=rng.uniform(10, 90))
            history.move(created, path[0], owner)
            moves = _spread(rng, created, closed, len(path))
            for at, stage in zip(moves[:-1], path[1:], strict=True):
                history.contact_then_move(at, stage, owner)
            history.touch(
                moves[-1], "follow", owner, follow_up=None, outcome=_LOST_TEXTS[LostReason(reason)]
            )
            history.move(closed, Stage.LOST, owner, _LOST_TEXTS[LostReason(reason)], reason)
        else:
            path = (
                (Stage.WARM, Stage.HOT)
                if referred and n == 0
                else _COMPANY_OPEN[n % len(_COMPANY_OPEN)]
            )
            kind = FOLLOW_UP_CYCLE[n % len(FOLLOW_UP_CYCLE)]
            prospect.next_follow_up = _open_history(history, path, owner, now, kind)
        leads.append(plan)
    return clients, leads


# --- Writing -----------------------------------------------------------------------------


def _finish(plan: Plan) -> None:
    """The prospect's fields that follow from its history."""
    prospect, last = plan.prospect, plan.steps[-1]
    prospect.stage, prospect.stage_since = last.to, last.at
    prospect.lost_reason = last.lost_reason
    contacts = [touch.at for touch in plan.touches]
    prospect.last_interaction_at = max(contacts) if contacts else None
    if prospect.stage not in (Stage.SUSPECT, Stage.COLD, Stage.WARM, Stage.HOT):
        prospect.next_follow_up = None


def _write(plans: list[Plan]) -> tuple[int, int]:
    """Insert the prospects, their events and interactions in bulk; put
    back the creation dates ``auto_now_add`` stamped now. Returns (events,
    interactions)."""
    for plan in plans:
        _finish(plan)
    prospects = Prospect.objects.bulk_create([p.prospect for p in plans], batch_size=BATCH_SIZE)
    for prospect, plan in zip(prospects, plans, strict=True):
        prospect.created_at = plan.steps[0].at
    Prospect.objects.bulk_update(prospects, ["created_at"], batch_size=BATCH_SIZE)
    events = ProspectEvent.objects.bulk_create(
        (
            ProspectEvent(
                prospect=plan.prospect,
                actor=step.actor,
                from_status=step.start,
                to_status=step.to,
                reason=step.reason,
                lost_reason=step.lost_reason,
                origin=step.origin,
                origin_ref=step.origin_ref,
                created_at=step.at,
            )
            for plan in plans
            for step in plan.steps
        ),
        batch_size=BATCH_SIZE,
    )
    interactions = Interaction.objects.bulk_create(
        (
            Interaction(
                prospect=plan.prospect,
                kind=touch.kind,
                happened_at=touch.at,
                outcome=touch.outcome,
                author=touch.author,
                next_follow_up=touch.next_follow_up,
            )
            for plan in plans
            for touch in plan.touches
        ),
        batch_size=BATCH_SIZE,
    )
    Interaction.objects.filter(pk__in=[i.pk for i in interactions]).update(
        created_at=F("happened_at")
    )
    return len(events), len(interactions)


def _sales_user(password: str) -> User:
    """The sales log-in, in the staff group ``sales``."""
    user, created = User.objects.get_or_create(
        username=SALES_EMAIL, defaults={"email": SALES_EMAIL, "is_staff": True}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=SALES_EMAIL, defaults={"verified": True, "primary": True}
    )
    staff_groups_ensure()
    user.groups.add(Group.objects.get(name=SALES_GROUP))
    return user


def _referrer(company: Company) -> Referrer | None:
    """The demo pro's referrer: the client of its earliest demo invoice,
    a former client (created once)."""
    first = (
        Invoice.objects.filter(company=company, number__startswith="DEMO-")
        .exclude(client_email="")
        .order_by("created_at", "pk")
        .first()
    )
    if first is None:
        return None
    key = canonical_email(first.client_email)
    existing = Referrer.objects.filter(
        pipeline=Pipeline.COMPANY, company=company, email_key=key
    ).first()
    if existing is not None:
        return existing
    return referrer_create(
        pipeline=Pipeline.COMPANY,
        company=company,
        name=first.client_name,
        email=first.client_email,
        thanks_opt_in=True,
    )


def _client_value(company: Company, clients: list[Plan]) -> None:
    """A default margin rate and the cost of a few clients (travel,
    acquisition), unless the pro set them."""
    ClientValueSettings.objects.get_or_create(
        company=company, defaults={"margin_rate": MARGIN_RATE}
    )
    for plan in clients[:CLIENTS_WITH_COST]:
        assert plan.invoice is not None  # noqa: S101 - clients come from invoices
        amount = plan.invoice.amount or Decimal(0)
        ClientCost.objects.get_or_create(
            company=company,
            client_key=client_key(company_id=company.pk, email=plan.invoice.client_email),
            defaults={"cost": (amount * Decimal("0.08")).quantize(Decimal("0.01"))},
        )


@transaction.atomic
def seed_prospects(
    *,
    password: str,
    seed: int = DEFAULT_SEED,
    platform: int = PLATFORM_PROSPECTS,
    leads: int = COMPANY_LEADS,
    now: datetime | None = None,
) -> DemoReport:
    """Both demo pipelines (see the module), then the nightly score as of
    ``now``. Prospects already there are skipped: a second run adds
    nothing (and scores nothing new)."""
    now = now or timezone.now()
    sales = _sales_user(password)
    admin = User.objects.filter(username=ADMIN_EMAIL).first()
    generator = DemoGenerator(seed)
    fits = trade_fits()
    new_platform = _only_new(
        _platform_plans(
            seed=seed,
            count=platform,
            now=now,
            sales=sales,
            admin=admin,
            generator=generator,
            fits=fits,
        ),
        Prospect.objects.filter(pipeline=Pipeline.PLATFORM).values_list("siren", flat=True),
        "siren",
    )
    events, interactions = _write(new_platform)
    membership = (
        Membership.objects.filter(user__username=DEMO_PRO_EMAIL)
        .select_related("company", "user")
        .first()
    )
    new_company: list[Plan] = []
    referrers = 0
    if membership is not None:
        company = membership.company
        had_referrer = Referrer.objects.filter(pipeline=Pipeline.COMPANY, company=company).exists()
        referrer = _referrer(company)
        referrers = int(referrer is not None and not had_referrer)
        clients, others = _company_plans(
            seed=seed,
            count=leads,
            now=now,
            company=company,
            owner=membership.user,
            generator=generator,
            referrer=referrer,
        )
        known = Prospect.objects.filter(pipeline=Pipeline.COMPANY, company=company).values_list(
            "email_key", flat=True
        )
        new_company = _only_new([*clients, *others], known, "email_key")
        added = _write(new_company)
        events, interactions = events + added[0], interactions + added[1]
        if referrer is not None and referrer.prospect_id is None:
            # The referrer is a former client: their own prospect.
            client = Prospect.objects.filter(
                pipeline=Pipeline.COMPANY, company=company, email_key=referrer.email_key
            ).first()
            Referrer.objects.filter(pk=referrer.pk).update(prospect=client)
        _client_value(company, clients)
    report = scoring.prospects_score(now=now)
    return DemoReport(
        platform=len(new_platform),
        company=len(new_company),
        events=events,
        interactions=interactions,
        referrers=referrers,
        scored=report.scored,
        learned_pipelines=report.learned_pipelines,
    )


def _only_new(plans: list[Plan], known: Iterable[str], attribute: str) -> list[Plan]:
    """The plans whose prospect's ``attribute`` is not among ``known``."""
    seen = set(known)
    return [plan for plan in plans if getattr(plan.prospect, attribute) not in seen]
