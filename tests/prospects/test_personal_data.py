"""Personal data of a prospect, on request (issue 15, "Permissions and
data"): exported as a JSON file (identity, contact, interactions,
history, referral, merged-in records' too, nothing of another prospect),
and erased after confirmation, the same fields as the nightly job's, the
history saying who and when but nothing erased. Sales staff for the
platform's prospects, a company's members for theirs; another company's
or the other pipeline's prospect is a 404, a staff member outside sales
gets a 403."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from prospects import services
from prospects.models import Interaction, LostReason, Pipeline, Prospect, ProspectEvent, Stage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def pro(cast, name: str, *args, company=None) -> str:
    company = company or cast.company_a
    return reverse(f"prospects:pro-prospects-{name}", args=[company.pk, *args])


def staff(name: str, *args) -> str:
    return reverse(f"prospects:staff-prospects-{name}", args=list(args))


def test_the_export_holds_identity_contact_interactions_history_referral_and_merged(
    client, cast, make, jean
):
    other = make(name="Paul Martin", email="paul@example.fr")
    services.interaction_add(
        prospect=other,
        kind=Interaction.Kind.CALL,
        author=cast.owner_a,
        outcome="Secret de Paul",
        next_follow_up=None,
    )
    client.force_login(cast.member_a)
    response = client.get(pro(cast, "personal-data", jean.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="prospect-{jean.pk}-donnees-'
    )
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    person = data["prospect"]
    assert (person["name"], person["email"], person["phone"]) == (
        "Jean Dupont",
        "Jean.Dupont@example.fr",
        "+33699056090",
    )
    assert (person["siren"], person["town"], person["postal_code"]) == (
        "732829320",
        "Lyon",
        "69003",
    )
    outcomes = [row["outcome"] for row in data["interactions"]]
    assert outcomes == ["Veut un devis pour sa cuisine", "Vu au salon de l'habitat"]
    moves = [(row["from"], row["to"], row["merged_from"]) for row in data["history"]]
    assert ("suspect", "cold", jean.twin_pk) in moves  # the merged record's history
    assert ("", "warm", None) in moves
    assert data["merged_records"] == [jean.twin_pk]
    assert data["referred_by"]["name"] == "Marie Curie"
    text = response.content.decode()
    assert "Paul" not in text
    assert "paul@example.fr" not in text
    # The people who worked the prospect are not named.
    assert cast.owner_a.email not in text


def test_the_export_of_an_erased_prospect_holds_no_personal_data(client, cast, jean):
    services.prospect_erase_on_request(prospect=jean, actor=cast.owner_a)
    client.force_login(cast.owner_a)
    data = json.loads(client.get(pro(cast, "personal-data", jean.pk)).content)
    assert data["prospect"]["name"] == services.ANONYMOUS_NAME
    assert data["prospect"]["email"] == ""
    assert data["prospect"]["erased"] is not None
    assert {row["outcome"] for row in data["interactions"]} == {""}


def test_erasing_on_request_clears_what_the_nightly_job_clears_and_records_who(
    client, cast, make, jean
):
    """The same fields as the 3-year job's, on a lost prospect of each
    way: the job's result and the request's are compared field by field."""
    lost_then = make(
        name="Ancien Client",
        email="ancien@example.fr",
        phone="0612345678",
        siren="552100554",
        town="Paris",
        next_follow_up=date(2026, 6, 1),
    )
    with time_machine.travel("2020-01-01 10:00 +01:00"):
        services.prospect_move(
            prospect=lost_then,
            to=Stage.LOST,
            actor=cast.owner_a,
            lost_reason=LostReason.PRICE,
            lost_note="Trop cher",
        )
    assert services.prospects_anonymise_lost() == 1
    by_job = Prospect.objects.get(pk=lost_then.pk)

    client.force_login(cast.member_a)
    page = client.get(pro(cast, "erase", jean.pk))
    assert page.status_code == 200
    assert "Effacer les données personnelles" in page.content.decode()
    response = client.post(pro(cast, "erase", jean.pk), {"confirm": "on"})
    assert response.status_code == 302
    erased = Prospect.objects.get(pk=jean.pk)
    for field in services._ANONYMISED:
        assert getattr(erased, field) == getattr(by_job, field), field
    assert erased.anonymised_at is not None
    # The merged-in record's note is erased too.
    assert set(erased.interactions.values_list("outcome", flat=True)) == {""}
    event = erased.events.get(kind=ProspectEvent.Kind.ERASURE)
    assert event.actor == cast.member_a
    assert event.reason == ""
    page = client.get(pro(cast, "detail", jean.pk)).content.decode()
    assert "Données personnelles effacées à la demande" in page
    assert "Jean Dupont" not in page
    assert "Veut un devis" not in page


def test_erasing_needs_the_confirmation_and_changes_nothing_without_it(client, cast, jean):
    client.force_login(cast.owner_a)
    for data in ({}, {"confirm": ""}, {"other": "1"}):
        response = client.post(pro(cast, "erase", jean.pk), data)
        assert response.status_code == 200
        assert "Cochez la case pour confirmer" in response.content.decode()
    jean.refresh_from_db()
    assert jean.name == "Jean Dupont"
    assert jean.anonymised_at is None
    assert not jean.events.filter(kind=ProspectEvent.Kind.ERASURE).exists()


def test_erasing_twice_is_refused_by_the_service_and_the_page_says_so(client, cast, jean):
    services.prospect_erase_on_request(prospect=jean, actor=cast.owner_a)
    with pytest.raises(ValidationError):
        services.prospect_erase_on_request(prospect=jean, actor=cast.owner_a)
    assert jean.events.filter(kind=ProspectEvent.Kind.ERASURE).count() == 1
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "erase", jean.pk), {"confirm": "on"}, follow=True)
    assert "déjà effacées" in response.content.decode()
    assert jean.events.filter(kind=ProspectEvent.Kind.ERASURE).count() == 1


def test_the_prospect_page_offers_export_and_erase(client, cast, jean):
    client.force_login(cast.member_a)
    html = client.get(pro(cast, "detail", jean.pk)).content.decode()
    assert "Exporter les données personnelles" in html
    assert pro(cast, "personal-data", jean.pk) in html
    assert pro(cast, "erase", jean.pk) in html


def test_another_company_or_the_other_pipeline_is_a_404(client, cast, make, seller, jean):
    theirs = make(name="Chez B", company=cast.company_b, actor=cast.owner_b)
    platform = make(name="Plateforme", pipeline=Pipeline.PLATFORM, actor=seller)
    client.force_login(cast.owner_a)
    for name in ("personal-data", "erase"):
        assert client.get(pro(cast, name, theirs.pk)).status_code == 404
        # Company B's prospect through company B's URL: not a member.
        assert client.get(pro(cast, name, theirs.pk, company=cast.company_b)).status_code == 404
        assert client.get(pro(cast, name, platform.pk)).status_code == 404
    assert client.post(pro(cast, "erase", theirs.pk), {"confirm": "on"}).status_code == 404
    client.force_login(seller)
    for name in ("personal-data", "erase"):
        assert client.get(staff(name, jean.pk)).status_code == 404
        assert client.get(staff(name, platform.pk)).status_code == 200
    theirs.refresh_from_db()
    assert theirs.anonymised_at is None


def test_sales_staff_export_and_erase_platform_prospects_other_staff_get_403(
    client, cast, make, seller
):
    platform = make(
        name="SARL Plomberie", pipeline=Pipeline.PLATFORM, actor=seller, email="p@example.fr"
    )
    vetting = UserFactory(email="vetting@example.fr", is_staff=True)
    vetting.groups.add(Group.objects.get(name="vetting"))
    for user in (vetting, cast.staff, cast.owner_a):
        client.force_login(user)
        assert client.get(staff("personal-data", platform.pk)).status_code == 403
        assert client.get(staff("erase", platform.pk)).status_code == 403
        assert client.post(staff("erase", platform.pk), {"confirm": "on"}).status_code == 403
    client.logout()
    assert client.get(staff("personal-data", platform.pk)).status_code == 302
    platform.refresh_from_db()
    assert platform.anonymised_at is None
    client.force_login(seller)
    data = json.loads(client.get(staff("personal-data", platform.pk)).content)
    assert data["prospect"]["email"] == "p@example.fr"
    assert client.post(staff("erase", platform.pk), {"confirm": "on"}).status_code == 302
    platform.refresh_from_db()
    assert platform.anonymised_at is not None
    assert platform.events.get(kind=ProspectEvent.Kind.ERASURE).actor == seller
