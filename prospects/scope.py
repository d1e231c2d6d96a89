"""Which pipeline a page works on: the platform's (staff group ``sales``,
under /equipe/prospects/) or one company's (its members, under
/espace-pro/<company_id>/prospects/). Every screen is written once and
served in both places; the scope gives it its rows, its URLs and its
frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from directory.models import Company, Membership

from .models import Pipeline, Prospect
from .selectors import pipeline_prospects


@dataclass(frozen=True)
class Scope:
    pipeline: str
    company: Company | None = None
    membership: Membership | None = None

    @classmethod
    def platform(cls) -> Scope:
        return cls(pipeline=Pipeline.PLATFORM)

    @classmethod
    def of_member(cls, membership: Membership) -> Scope:
        return cls(pipeline=Pipeline.COMPANY, company=membership.company, membership=membership)

    @property
    def is_platform(self) -> bool:
        return self.pipeline == Pipeline.PLATFORM

    @property
    def base_template(self) -> str:
        return "prospects/staff_base.html" if self.is_platform else "prospects/pro_base.html"

    def url(self, name: str, *args: Any) -> str:
        """The URL of screen ``name`` ("board", "detail", …) in this
        pipeline (``prospects/urls.py``)."""
        if self.is_platform:
            return reverse(f"prospects:staff-prospects-{name}", args=args)
        assert self.company is not None  # noqa: S101 (a company scope always has one)
        return reverse(f"prospects:pro-prospects-{name}", args=[self.company.pk, *args])

    def prospects(self) -> QuerySet[Prospect]:
        """Every prospect of the pipeline: the only rows its pages may name."""
        return pipeline_prospects(self.pipeline, self.company)

    def context(self, **extra: Any) -> dict[str, Any]:
        """What the frame needs (the pro space's menu names the company)."""
        return {"scope": self, "company": self.company, "membership": self.membership, **extra}
