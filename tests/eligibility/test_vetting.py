"""Applications through their state machine, from draft to listing."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from common.transitions import TransitionError
from directory.models import Company, CompanyStatus, Membership, MembershipRole
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from eligibility import services
from eligibility.models import ApplicationEvent, ApplicationStatus, CompanyEvent
from tests.factories import CompanyFactory, UserFactory, checks_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def vetter(db):
    from django.contrib.auth.models import Group

    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


def submitted(application, applicant):
    return services.application_submit(application=application, actor=applicant)


def test_submit_screens_and_records_the_transition(complete_application, applicant):
    application = submitted(complete_application, applicant)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.verdict == "eligible"
    assert application.submitted_at is not None
    event = application.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("draft", "submitted", applicant)


def test_approval_lists_the_company_and_makes_the_applicant_owner(
    complete_application, applicant, vetter, django_capture_on_commit_callbacks
):
    submitted(complete_application, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        checks_pass(complete_application, vetter)
        company = services.application_approve(application=complete_application, actor=vetter)
    assert company.status == CompanyStatus.LISTED
    assert company.primary_profession.slug == "cuisiniste"
    assert {p.slug for p in company.professions.all()} == {"cuisiniste", "menuisier"}
    membership = Membership.objects.get(user=applicant)
    assert (membership.company, membership.role) == (company, MembershipRole.OWNER)
    assert mail.outbox[-1].to == [applicant.email]
    assert "/espace-pro/" in mail.outbox[-1].body
    # Found by search at once.
    result = search_companies(SearchQuery(text="cuisiniste", place="Lyon"))
    assert company in result.page.object_list


def test_approval_activates_a_pending_company_with_the_same_siren(
    complete_application, applicant, vetter, taxonomy
):
    pending = CompanyFactory(siren="732829320", status=CompanyStatus.PENDING)
    submitted(complete_application, applicant)
    checks_pass(complete_application, vetter)
    company = services.application_approve(application=complete_application, actor=vetter)
    assert company.pk == pending.pk
    assert Company.objects.get(pk=pending.pk).status == CompanyStatus.LISTED


def test_rejection_needs_a_reason_sent_to_the_applicant(
    complete_application, applicant, vetter, django_capture_on_commit_callbacks
):
    submitted(complete_application, applicant)
    with pytest.raises(ValidationError):
        services.application_reject(application=complete_application, actor=vetter, reason=" ")
    complete_application.refresh_from_db()
    assert complete_application.status == ApplicationStatus.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        services.application_reject(
            application=complete_application, actor=vetter, reason="Vente au comptoir uniquement."
        )
    complete_application.refresh_from_db()
    assert complete_application.status == ApplicationStatus.REJECTED
    assert "Vente au comptoir uniquement." in mail.outbox[-1].body


def test_information_request_and_answer(
    complete_application, applicant, vetter, django_capture_on_commit_callbacks
):
    submitted(complete_application, applicant)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_information(
            application=complete_application, actor=vetter, question="Quel est votre délai moyen ?"
        )
    assert "Quel est votre délai moyen ?" in mail.outbox[-1].body
    complete_application.refresh_from_db()
    assert complete_application.is_editable
    with pytest.raises(ValidationError):  # an answer is needed
        services.application_submit(application=complete_application, actor=applicant)
    services.application_submit(
        application=complete_application, actor=applicant, message="Six semaines."
    )
    complete_application.refresh_from_db()
    assert complete_application.status == ApplicationStatus.SUBMITTED
    kinds = list(complete_application.events.values_list("kind", "to_status"))
    assert kinds == [
        ("transition", "submitted"),
        ("transition", "needs_information"),
        ("message", ""),
        ("transition", "submitted"),
    ]


@pytest.mark.parametrize(
    ("start", "move"),
    [
        ("draft", "approve"),
        ("draft", "reject"),
        ("approved", "reject"),
        ("rejected", "approve"),
        ("needs_information", "approve"),
    ],
)
def test_forbidden_transitions_are_refused(complete_application, vetter, start, move):
    complete_application.status = start
    complete_application.save()
    action = {
        "approve": lambda: services.application_approve(
            application=complete_application, actor=vetter
        ),
        "reject": lambda: services.application_reject(
            application=complete_application, actor=vetter, reason="x"
        ),
    }[move]
    with pytest.raises(TransitionError):
        action()
    complete_application.refresh_from_db()
    assert complete_application.status == start
    assert not ApplicationEvent.objects.exists()


def test_history_cannot_be_edited(complete_application, applicant):
    submitted(complete_application, applicant)
    event = complete_application.events.get()
    event.note = "rewritten"
    with pytest.raises(ValidationError):
        event.save()


def test_a_listed_siren_cannot_apply(complete_application, applicant, taxonomy):
    CompanyFactory(siren="732829320")
    with pytest.raises(ValidationError, match="invite"):
        submitted(complete_application, applicant)


def test_two_applications_for_one_siren_cannot_both_be_in_progress(
    complete_application, applicant, taxonomy
):
    submitted(complete_application, applicant)
    other = UserFactory(email="associe@cuisines-rhone.fr")
    from eligibility.models import Application

    second = Application.objects.create(
        applicant=other, **{f: getattr(complete_application, f) for f in services.REQUIRED_ANSWERS}
    )
    second.professions.set(complete_application.professions.all())
    with pytest.raises(ValidationError):
        submitted(second, other)


def test_ineligible_answers_go_only_with_a_message(complete_application, applicant, taxonomy):
    complete_application.invoices_name_client = "no"
    complete_application.save()
    with pytest.raises(ValidationError, match="pourquoi"):
        submitted(complete_application, applicant)
    services.application_submit(
        application=complete_application,
        actor=applicant,
        message="Nos factures B2B portent le nom de l'entreprise cliente et du contact.",
    )
    complete_application.refresh_from_db()
    assert complete_application.status == ApplicationStatus.SUBMITTED
    assert complete_application.verdict == "ineligible"


def test_missing_answers_are_listed(applicant, taxonomy):
    from eligibility.models import Application

    application = Application.objects.create(applicant=applicant, legal_name="Incomplet")
    with pytest.raises(ValidationError, match="SIREN"):
        submitted(application, applicant)


def test_suspension_hides_the_company_and_keeps_its_data(taxonomy, places, vetter):
    company = CompanyFactory(trade_name="Volt Lyon", primary_profession=taxonomy["electricien"])
    services.company_set_status(
        company=company, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Faux avis."
    )
    assert "Volt Lyon" not in [
        c.trade_name for c in search_companies(SearchQuery(text="électricien", place="Lyon")).page
    ]
    assert Company.objects.filter(pk=company.pk).exists()
    services.company_set_status(
        company=company, status=CompanyStatus.LISTED, actor=vetter, reason="Corrigé."
    )
    assert list(CompanyEvent.objects.values_list("to_status", "reason")) == [
        ("suspended", "Faux avis."),
        ("listed", "Corrigé."),
    ]
    with pytest.raises(ValidationError):
        services.company_set_status(
            company=company, status=CompanyStatus.LISTED, actor=vetter, reason="again"
        )
