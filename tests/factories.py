from __future__ import annotations

from datetime import date, timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.utils import timezone
from stdnum import luhn

from common.text import normalize_place
from directory.companies.services import company_trades_set
from directory.models import (
    Company,
    CompanyStatus,
    Membership,
    MembershipRole,
    Place,
    PlaceName,
    PostalCode,
    Profession,
    QuoteRequest,
    Sector,
)


def recent_date(days_ago: int) -> date:
    """The local date ``days_ago`` days before today (the frozen clock's
    today under ``time_machine``): an invoice date that stays inside the
    invitation window (``REVIEW_INVOICE_MAX_AGE_DAYS``, 365 days) whenever
    the suite runs, where a fixed "2026-10-01" would leave it a year on."""
    return timezone.localdate() - timedelta(days=days_ago)


def fr_date(day: date) -> str:
    """``day`` as French invoice files write it: "02/10/2026"."""
    return day.strftime("%d/%m/%Y")


def _siren(n: int) -> str:
    base = f"{500_000_00 + n:08d}"
    return base + luhn.calc_check_digit(base)


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"sector-{n}")
    name_fr = factory.Sequence(lambda n: f"Secteur {n}")
    name_en = factory.Sequence(lambda n: f"Sector {n}")


class ProfessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profession
        django_get_or_create = ("slug",)

    sector = factory.SubFactory(SectorFactory)
    slug = factory.Sequence(lambda n: f"trade-{n}")
    name_fr = factory.Sequence(lambda n: f"Métier {n}")
    name_en = factory.Sequence(lambda n: f"Trade {n}")


class PlaceFactory(factory.django.DjangoModelFactory):
    """A made-up commune; tests about real places use the ``places``
    fixture (the real gazetteer, restricted to a sample)."""

    class Meta:
        model = Place
        django_get_or_create = ("insee_code",)
        skip_postgeneration_save = True

    insee_code = factory.Sequence(lambda n: f"99{n:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    search_name = factory.LazyAttribute(lambda o: normalize_place(o.name))
    department_code = "69"
    latitude = 45.74906
    longitude = 4.84789
    population = 1000

    @factory.post_generation
    def postal_codes(self, create, extracted, **kwargs):
        """Its official name, and the postal codes passed (a list)."""
        if create:
            PlaceName.objects.get_or_create(
                place=self,
                search_name=self.search_name,
                defaults={"name": self.name, "kind": "official", "population": self.population},
            )
            for code in extracted or ():
                PostalCode.objects.get_or_create(place=self, code=code)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    legal_name = factory.LazyAttribute(lambda o: f"SARL {o.trade_name.upper()}")
    trade_name = factory.Sequence(lambda n: f"Entreprise {n}")
    siren = factory.Sequence(_siren)
    slug = factory.Sequence(lambda n: f"entreprise-{n}")
    description = "Une entreprise sérieuse."
    primary_profession = factory.SubFactory(ProfessionFactory)
    postal_code = "69003"
    city = "Lyon"
    latitude = 45.7600
    longitude = 4.8500
    intervention_radius_km = 30
    status = CompanyStatus.LISTED

    @factory.post_generation
    def other_professions(self, create, extracted, **kwargs):
        if create:
            company_trades_set(company=self, professions=extracted or [])


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified e-mail address (allauth), able to log in."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.fr")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=extracted is not False
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.OWNER


class QuoteRequestFactory(factory.django.DjangoModelFactory):
    """A confirmed request, as the company sees it."""

    class Meta:
        model = QuoteRequest

    company = factory.SubFactory(CompanyFactory)
    requester = None
    name = "Claire Client"
    email = factory.LazyAttribute(
        lambda o: o.requester.email if o.requester else "claire@example.fr"
    )
    need = "Refaire le tableau électrique d'une maison de 1975."
    postal_code = "69003"
    city = "Lyon"
    timeframe = "month"
    budget = "1000-5000"
    contact_preference = "email"
    status = "new"
    fingerprint = factory.Sequence(lambda n: f"fingerprint-{n}")


def make_partner_key(partner, *scopes: str, **kwargs):
    """A key of ``partner`` (every scope unless some are given) and its secret."""
    from partners.models import Scope
    from partners.services import partner_key_create

    return partner_key_create(
        partner=partner, name="test key", scopes=scopes or Scope.values, **kwargs
    )


def pdf_upload(name: str = "document.pdf"):
    """A real one-page PDF as an uploaded file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.pdfs import minimal_pdf

    return SimpleUploadedFile(name, minimal_pdf(), content_type="application/pdf")


def checks_pass(application, actor, *, valid_until: date | None = None) -> None:
    """Send a document for each required check of ``application`` (as its
    applicant) and pass every required check (as ``actor``), through the
    services, so that an approval may follow (issue 17). The documents
    that expire do so on ``valid_until`` (default: in a year)."""
    from eligibility import services
    from eligibility.checklist import application_checklist

    today = timezone.localdate()
    valid_until = valid_until or today + timedelta(days=365)
    for item in application_checklist(application):
        if not item.required:
            continue
        evidence = None
        if item.check.needs_document:
            evidence = services.evidence_add(
                check_code=item.check.code,
                upload=pdf_upload(),
                actor=application.applicant,
                application=application,
                issued_on=today if item.check.max_age_days else None,
                expires_on=valid_until if item.check.document_expires else None,
            )
        services.check_decide(
            check_code=item.check.code,
            state="passed",
            actor=actor,
            application=application,
            evidence=evidence,
            reference=application.siren if item.check.code == "registration" else "",
        )
