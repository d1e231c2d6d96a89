"""The catalogue of vetting checks (issue 17): what the vetting team checks
before a company is listed and keeps checking while it is, read from
``eligibility/data/checks.json``. Which trade asks for which check beyond
those every company passes is data too: ``Profession.vetting_checks``
(required) and ``Profession.optional_vetting_checks`` (offered), loaded
from ``directory/data/professions.json``.

Pure: no database access; the states of a company's checks are computed
by ``eligibility.evidence``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Protocol

from django.utils.translation import get_language

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "checks.json"


class Scope(StrEnum):
    ALL = "all"  # every company
    TRADES = "trades"  # the companies of a trade that asks for it


class EvidenceKind(StrEnum):
    DOCUMENT = "document"  # a file the company uploads
    NONE = "none"  # done by the vetting team (a phone call)


class Expiry(StrEnum):
    DOCUMENT = "document"  # the document's own expiry date
    DAYS = "days"  # ``valid_days`` after the vetter's decision
    NONE = "none"  # never expires


@dataclass(frozen=True)
class Check:
    """One check of the catalogue; labels in French and English."""

    code: str
    label_fr: str
    label_en: str
    public_fr: str
    public_en: str
    # ``public_fr`` is a feminine noun: the French participles that follow
    # it on the public page agree ("vérifiée", "expirée"; else "vérifié").
    public_feminine: bool
    evidence_fr: str
    evidence_en: str
    scope: Scope
    evidence: EvidenceKind
    expiry: Expiry
    valid_days: int | None = None
    max_age_days: int | None = None

    def _pick(self, french: str, english: str) -> str:
        return english if (get_language() or "fr").startswith("en") else french

    @property
    def label(self) -> str:
        """The vetting team's and the applicant's name of the check."""
        return self._pick(self.label_fr, self.label_en)

    @property
    def public_label(self) -> str:
        """Its name on the public company page."""
        return self._pick(self.public_fr, self.public_en)

    @property
    def evidence_text(self) -> str:
        """What the company sends for it (or what the team does)."""
        return self._pick(self.evidence_fr, self.evidence_en)

    @property
    def needs_document(self) -> bool:
        return self.evidence == EvidenceKind.DOCUMENT

    @property
    def document_expires(self) -> bool:
        """The company types the document's expiry date with it."""
        return self.expiry == Expiry.DOCUMENT

    def valid_until(self, *, decided_on: date, document_expires_on: date | None) -> date | None:
        """Until when a pass of this check holds: the document's expiry
        date, ``valid_days`` after the decision, or ``None`` (no end)."""
        if self.expiry == Expiry.DOCUMENT:
            return document_expires_on
        if self.expiry == Expiry.DAYS and self.valid_days:
            return decided_on + timedelta(days=self.valid_days)
        return None


@cache
def catalogue() -> tuple[Check, ...]:
    """Every check, in the catalogue's order. Raises ``ValueError`` for a
    malformed file (an unknown scope, evidence or expiry; a repeated code;
    a ``public_feminine`` that is not true or false) and ``KeyError`` for a
    missing key."""
    data = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    checks = tuple(
        Check(
            code=row["code"],
            label_fr=row["label_fr"],
            label_en=row["label_en"],
            public_fr=row["public_fr"],
            public_en=row["public_en"],
            public_feminine=row["public_feminine"],
            evidence_fr=row["evidence_fr"],
            evidence_en=row["evidence_en"],
            scope=Scope(row["scope"]),
            evidence=EvidenceKind(row["evidence"]),
            expiry=Expiry(row["expiry"]),
            valid_days=row.get("valid_days"),
            max_age_days=row.get("max_age_days"),
        )
        for row in data["checks"]
    )
    if any(not isinstance(check.public_feminine, bool) for check in checks):
        raise ValueError("public_feminine is true or false in checks.json.")
    codes = [check.code for check in checks]
    if len(set(codes)) != len(codes):
        raise ValueError("A vetting check code is repeated in checks.json.")
    return checks


def check_by_code(code: str) -> Check | None:
    return next((check for check in catalogue() if check.code == code), None)


def check_codes() -> list[str]:
    return [check.code for check in catalogue()]


def check_choices() -> list[tuple[str, str]]:
    """(code, label) pairs for forms and model choices, French labels."""
    return [(check.code, check.label_fr) for check in catalogue()]


class TradeChecks(Protocol):
    vetting_checks: list[str]
    optional_vetting_checks: list[str]


@dataclass(frozen=True)
class Applicable:
    check: Check
    required: bool


def checks_for(trades: Iterable[TradeChecks]) -> list[Applicable]:
    """The checks a company of ``trades`` passes, in the catalogue's order:
    every ``scope: all`` check (required), each check a trade requires
    (required) and each one a trade offers (optional, unless another trade
    requires it). Unknown codes in the trades' data are ignored (a test
    keeps the data and the catalogue in step)."""
    required: set[str] = set()
    optional: set[str] = set()
    for trade in trades:
        required.update(trade.vetting_checks or ())
        optional.update(trade.optional_vetting_checks or ())
    applicable = []
    for check in catalogue():
        if check.scope == Scope.ALL or check.code in required:
            applicable.append(Applicable(check, required=True))
        elif check.code in optional:
            applicable.append(Applicable(check, required=False))
    return applicable
