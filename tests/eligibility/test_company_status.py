"""Company.status moves only through its state machine
(eligibility.models.COMPANY_TRANSITIONS), and every move is recorded as a
CompanyEvent: who, when, from, to, why, and for an approval its
application."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from directory.models import Company, CompanyStatus
from eligibility import services
from eligibility.models import COMPANY_TRANSITIONS, ApplicationStatus, CompanyEvent
from tests.factories import CompanyFactory, UserFactory, checks_pass

pytestmark = pytest.mark.django_db


@pytest.fixture
def vetter(db):
    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def in_queue(complete_application, applicant):
    services.application_submit(application=complete_application, actor=applicant)
    return complete_application


def events(company) -> list[tuple]:
    return list(
        CompanyEvent.objects.filter(company=company).values_list(
            "from_status", "to_status", "actor", "reason", "application"
        )
    )


def test_the_table_names_every_move_and_only_these():
    # Listing is an application's approval (vetting); suspending and
    # reinstating are staff decisions; nothing else moves a company.
    assert COMPANY_TRANSITIONS.allowed == {
        ("pending", "listed"): {"vetting"},
        ("listed", "suspended"): {"staff"},
        ("suspended", "listed"): {"staff"},
    }


# --- Every path that moves a company records its event --------------------------------


def test_approval_of_a_new_company_records_the_listing_with_its_application(in_queue, vetter):
    checks_pass(in_queue, vetter)
    company = services.application_approve(
        application=in_queue, actor=vetter, note="Kbis et assurance vérifiés."
    )
    assert company.status == CompanyStatus.LISTED
    assert events(company) == [
        ("pending", "listed", vetter.pk, "Kbis et assurance vérifiés.", in_queue.pk)
    ]
    event = CompanyEvent.objects.get()
    assert event.created_at is not None
    assert list(in_queue.company_events.all()) == [event]


def test_approval_of_a_pending_company_with_the_siren_records_the_listing(
    in_queue, vetter, taxonomy
):
    pending = CompanyFactory(
        siren=in_queue.siren, status=CompanyStatus.PENDING, primary_profession=taxonomy["plombier"]
    )
    checks_pass(in_queue, vetter)
    company = services.application_approve(application=in_queue, actor=vetter)
    assert company.pk == pending.pk
    assert Company.objects.get(pk=pending.pk).status == CompanyStatus.LISTED
    assert events(company) == [("pending", "listed", vetter.pk, "", in_queue.pk)]


def test_approval_cannot_reinstate_a_suspended_company_with_the_siren(in_queue, vetter, taxonomy):
    suspended = CompanyFactory(siren=in_queue.siren, status=CompanyStatus.SUSPENDED)
    checks_pass(in_queue, vetter)
    with pytest.raises(ValidationError, match="ne peut pas prendre ce statut"):
        services.application_approve(application=in_queue, actor=vetter)
    assert Company.objects.get(pk=suspended.pk).status == CompanyStatus.SUSPENDED
    assert not CompanyEvent.objects.exists()
    in_queue.refresh_from_db()
    assert in_queue.status == ApplicationStatus.SUBMITTED  # rolled back with it


def test_suspension_and_reinstatement_record_who_and_why(taxonomy, places, vetter):
    company = CompanyFactory()
    services.company_set_status(
        company=company, status=CompanyStatus.SUSPENDED, actor=vetter, reason="  Faux avis. "
    )
    services.company_set_status(
        company=company, status=CompanyStatus.LISTED, actor=vetter, reason="Corrigé."
    )
    assert events(company) == [
        ("listed", "suspended", vetter.pk, "Faux avis.", None),
        ("suspended", "listed", vetter.pk, "Corrigé.", None),
    ]
    company.refresh_from_db()
    assert company.status == CompanyStatus.LISTED


def test_the_vetting_page_suspends_through_the_state_machine(client, taxonomy, places, vetter):
    company = CompanyFactory()
    client.force_login(vetter)
    url = reverse("eligibility:company-status", args=[company.pk, "suspended"])
    client.post(url, {"reason": "Fraude aux avis."})
    assert events(company) == [("listed", "suspended", vetter.pk, "Fraude aux avis.", None)]


# --- Forbidden moves -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (CompanyStatus.PENDING, CompanyStatus.SUSPENDED),
        (CompanyStatus.PENDING, CompanyStatus.LISTED),  # an approval: needs its application
        (CompanyStatus.LISTED, CompanyStatus.PENDING),
        (CompanyStatus.SUSPENDED, CompanyStatus.PENDING),
        (CompanyStatus.LISTED, "deleted"),
    ],
)
def test_a_move_outside_the_table_is_refused_and_changes_nothing(taxonomy, vetter, start, to):
    company = CompanyFactory(status=start)
    with pytest.raises(ValidationError, match="ne peut pas prendre ce statut"):
        services.company_set_status(company=company, status=to, actor=vetter, reason="Essai.")
    company.refresh_from_db()
    assert company.status == start
    assert not CompanyEvent.objects.exists()


@pytest.mark.parametrize("status", [CompanyStatus.LISTED, CompanyStatus.SUSPENDED])
def test_a_status_it_already_has_is_refused_as_already_set(taxonomy, vetter, status):
    """A suspension sent twice (a second tab): "already suspended", not
    "cannot take that status"."""
    company = CompanyFactory(status=status)
    label = CompanyStatus(status).label
    with pytest.raises(ValidationError, match=f"Le statut est déjà « {label} »"):
        services.company_set_status(company=company, status=status, actor=vetter, reason="Essai.")
    company.refresh_from_db()
    assert company.status == status
    assert not CompanyEvent.objects.exists()


def test_a_company_event_is_write_once(taxonomy, vetter):
    company = CompanyFactory()
    services.company_set_status(
        company=company, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Faux avis."
    )
    event = CompanyEvent.objects.get()
    event.reason = "autre chose"
    with pytest.raises(ValidationError):
        event.save()


# --- The admin ---------------------------------------------------------------------------


def change_form_data(response) -> dict:
    """The admin change form's data as the browser would post it back."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue  # unchecked, empty, or a file kept as it is
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(v) for v in value]
            data[form.add_prefix(name)] = value
    return data


def test_the_admin_shows_the_status_but_cannot_change_it(client, taxonomy, places, vetter):
    company = CompanyFactory(trade_name="Volt Lyon", place=places["lyon"])
    assert vetter.has_perm("directory.change_company")  # the vetting group edits companies
    client.force_login(vetter)
    url = reverse("admin:directory_company_change", args=[company.pk])
    page = client.get(url)
    assert 'name="status"' not in page.content.decode()
    assert "status" not in page.context["adminform"].form.fields

    data = {**change_form_data(page), "trade_name": "Volt Lyon Centre", "status": "suspended"}
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    company.refresh_from_db()
    assert (company.trade_name, company.status) == ("Volt Lyon Centre", CompanyStatus.LISTED)
    assert not CompanyEvent.objects.exists()


def test_a_company_added_in_the_admin_is_pending(client, taxonomy, places, vetter):
    client.force_login(vetter)
    page = client.get(reverse("admin:directory_company_add"))
    assert 'name="status"' not in page.content.decode()
