"""A decision sent twice (a double click, a second tab, the back button)
is refused with "the status is already X", not "cannot go from X to X"
(found by a fresh-user trial: approving an application twice said
"Une candidature ne peut pas passer de « Approuvée » à « Approuvée » de
cette façon")."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from common.models import AUDIT_TRANSITIONS
from common.transitions import TransitionError
from directory.quotes.models import QUOTE_TRANSITIONS
from eligibility import services
from eligibility.models import (
    COMPANY_TRANSITIONS,
    TRANSITIONS,
    Application,
    ApplicationEvent,
    ApplicationStatus,
)
from prospects.models import STAGE_TRANSITIONS
from reviews.models import REVIEW_TRANSITIONS
from tests.factories import UserFactory, checks_pass

TABLES = {
    "application": TRANSITIONS,
    "company": COMPANY_TRANSITIONS,
    "review": REVIEW_TRANSITIONS,
    "audit": AUDIT_TRANSITIONS,
    "quote": QUOTE_TRANSITIONS,
    "prospect": STAGE_TRANSITIONS,
}


@pytest.mark.parametrize("name", TABLES)
def test_every_table_says_a_status_is_already_set(name, settings):
    settings.LANGUAGE_CODE = "fr"
    table = TABLES[name]
    roles = {role for roles in table.allowed.values() for role in roles}
    for status in table.choices.values:
        for role in roles:
            if table.allows(status, status, by=role):
                continue
            with pytest.raises(TransitionError) as refused:
                table.check(status, status, by=role)
            assert refused.value.code == "unchanged"
            label = table.label(status)
            assert refused.value.messages == [
                f"Le statut est déjà « {label} » : rien n'a été modifié."
            ]


def test_another_refused_change_keeps_its_message():
    with pytest.raises(TransitionError) as refused:
        TRANSITIONS.check(ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, by="staff")
    assert refused.value.code == "transition"
    assert "Approuvée" in refused.value.messages[0]
    assert "Refusée" in refused.value.messages[0]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "information"])
def test_a_decision_sent_twice_says_it_is_already_made(client, taxonomy, places, action):
    vetter = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    applicant = UserFactory(email="gerant@cuisines-rhone.fr")
    draft = Application.objects.create(
        applicant=applicant, legal_name="Cuisines du Rhône", siren="732829320",
        address="4 quai Saint-Antoine", postal_code="69002", city="Lyon", year_founded=2012,
        services_description="Conception et pose de cuisines sur mesure.",
        new_clients_per_day=2, average_amount_eur=8000, decision_time="days_or_more",
        invoices_name_client="yes",
    )  # fmt: skip
    draft.professions.set([taxonomy["cuisiniste"]])
    services.application_submit(application=draft, actor=applicant)
    application = Application.objects.get(pk=draft.pk)
    checks_pass(application, vetter)
    client.force_login(vetter)
    url = reverse("eligibility:decide", args=[application.pk])
    data = {"action": action, "note": "Pouvez-vous préciser votre zone d'intervention ?"}
    client.post(url, data)
    events = ApplicationEvent.objects.filter(application=application).count()
    response = client.post(url, data)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    status = Application.objects.get(pk=application.pk).get_status_display()
    assert messages[-1] == f"Le statut est déjà « {status} » : rien n'a été modifié."
    assert ApplicationEvent.objects.filter(application=application).count() == events
