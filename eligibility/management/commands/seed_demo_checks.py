"""Demo data of the vetting checks (issue 17): the demo pro's company with
every required check passed and its dates, its RC Pro ending in 20 days
(the pro space says so); a vetter; an application waiting with its
documents to review. Run after seed_demo. Idempotent."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter
from stdnum import luhn

from directory.management.commands.seed_demo import DEMO_PASSWORD
from directory.models import Company, Membership, Profession
from eligibility import services
from eligibility.checklist import application_checklist, company_checklist
from eligibility.models import Application, ApplicationStatus, CheckDecision

PRO = "pro@demo.plusquepro.test"
VETTER = "vetting@demo.plusquepro.test"
APPLICANT = "candidat@demo.plusquepro.test"
# The RC Pro of the demo pro ends this many days after the seed: inside
# the first reminder's window, so the pro space shows it ending.
EXPIRING_IN_DAYS = 20


def _pdf(name: str) -> ContentFile[bytes]:
    """A blank one-page PDF: what a scanned certificate looks like to the
    content check (``common.validators.validate_document``)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return ContentFile(buffer.getvalue(), name=name)


def _user(email: str, **flags: Any) -> User:
    user, created = User.objects.get_or_create(username=email, defaults={"email": email, **flags})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _free_siren() -> str:
    """A valid SIREN no demo company or application uses."""
    for n in range(1000):
        base = f"{91_000_000 + n:08d}"
        siren = base + luhn.calc_check_digit(base)
        if not (
            Company.objects.filter(siren=siren).exists()
            or Application.objects.filter(siren=siren).exists()
        ):
            return siren
    raise CommandError("No free SIREN for the demo application.")


class Command(BaseCommand):
    help = (
        "Demo vetting checks: the demo pro's checks passed with dates (an insurance "
        "ending soon), a vetter, an application with documents to review. Idempotent."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        membership = (
            Membership.objects.select_related("company")
            .filter(user__username=PRO)
            .order_by("pk")
            .first()
        )
        if membership is None:
            raise CommandError("Run seed_demo first (it creates the demo pro).")
        vetter = _user(VETTER, is_staff=True)
        vetter.groups.add(Group.objects.get(name="vetting"))
        company = membership.company
        passed = self._company_checks(company, membership.user, vetter)
        application = self._application(vetter)
        self.stdout.write(
            self.style.SUCCESS(
                f"{company.trade_name}: {passed} checks passed now. Application waiting: "
                f"{application.legal_name} (log in as {VETTER} or {APPLICANT}, password "
                f"{DEMO_PASSWORD!r})."
            )
        )

    def _company_checks(self, company: Company, pro: User, vetter: User) -> int:
        if CheckDecision.objects.filter(company=company).exists():
            return 0
        today = timezone.localdate()
        passed = 0
        for item in company_checklist(company):
            if not item.required:
                continue
            evidence = None
            if item.check.needs_document:
                ends = today + timedelta(
                    days=EXPIRING_IN_DAYS if item.check.code == "rc_pro" else 300
                )
                evidence = services.evidence_add(
                    check_code=item.check.code,
                    upload=_pdf(f"{item.check.code}.pdf"),
                    actor=pro,
                    company=company,
                    issued_on=today - timedelta(days=12) if item.check.max_age_days else None,
                    expires_on=ends if item.check.document_expires else None,
                )
            services.check_decide(
                check_code=item.check.code,
                state="passed",
                actor=vetter,
                company=company,
                evidence=evidence,
                reference=company.siren if item.check.code == "registration" else "",
                note="Démo : document conforme.",
            )
            passed += 1
        return passed

    def _application(self, vetter: User) -> Application:
        applicant = _user(APPLICANT)
        existing = Application.objects.filter(applicant=applicant).first()
        if existing is not None:
            return existing
        application = Application.objects.create(
            applicant=applicant,
            legal_name="Plomberie Saint-Jean",
            siren=_free_siren(),
            manager_name="Lucie Martin",
            address="12 rue Saint-Jean",
            postal_code="69005",
            city="Lyon",
            year_founded=timezone.localdate().year - 6,
            services_description="Rénovation de salles de bains, remplacement de chauffe-eau.",
            new_clients_per_day=1,
            average_amount_eur=4500,
            decision_time="days_or_more",
            invoices_name_client="yes",
            language="fr",
        )
        application.professions.set([Profession.objects.get(slug="plombier")])
        today = timezone.localdate()
        for item in application_checklist(application):
            if not (item.required and item.check.needs_document):
                continue
            services.evidence_add(
                check_code=item.check.code,
                upload=_pdf(f"{item.check.code}.pdf"),
                actor=applicant,
                application=application,
                issued_on=today - timedelta(days=20) if item.check.max_age_days else None,
                expires_on=today + timedelta(days=240) if item.check.document_expires else None,
            )
        services.application_submit(application=application, actor=applicant, language="fr")
        application = Application.objects.get(pk=application.pk)
        if application.status != ApplicationStatus.SUBMITTED:
            raise CommandError("The demo application could not be sent.")
        # One check already passed by the team, the others to review.
        services.check_decide(
            check_code="manager_call",
            state="passed",
            actor=vetter,
            application=application,
            note="Appel du 2 : activité et factures au nom des clients confirmées.",
        )
        return application
