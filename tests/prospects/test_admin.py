"""The admin reads the pipeline and writes nothing; contact details are
masked but for superusers; sales staff see the platform's pipeline only."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from prospects.models import Pipeline
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EMAIL, PHONE = "sophie.martin@example.org", "+33699056090"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def rows(make, cast):
    platform = make(
        pipeline=Pipeline.PLATFORM, actor=None, name="Plâtrerie Martin", email=EMAIL, phone=PHONE
    )
    lead = make(name="Lead de l'entreprise A", email="lead@example.org")
    return platform, lead


def test_sales_staff_see_the_platform_pipeline_masked_and_read_only(client, rows):
    platform, lead = rows
    seller = UserFactory(is_staff=True)
    seller.groups.add(Group.objects.get(name="sales"))
    client.login(username=seller.username, password=PASSWORD)
    listing = text(client.get(reverse("admin:prospects_prospect_changelist")))
    assert "Plâtrerie Martin" in listing
    assert "Lead de l'entreprise A" not in listing  # a company's leads are its own
    change = client.get(reverse("admin:prospects_prospect_change", args=[platform.pk]))
    assert change.status_code == 200
    for page in (listing, text(change)):
        assert EMAIL not in page
        assert PHONE not in page
        assert "s•••@e•••.org" in page
    assert "•• •• •• •• 90" in text(change)
    assert client.get(reverse("admin:prospects_prospect_change", args=[lead.pk])).status_code in (
        302,
        404,
    )
    assert client.get(reverse("admin:prospects_prospect_add")).status_code == 403
    response = client.post(
        reverse("admin:prospects_prospect_change", args=[platform.pk]), {"name": "Autre"}
    )
    assert response.status_code == 403
    platform.refresh_from_db()
    assert platform.name == "Plâtrerie Martin"


def test_superusers_see_the_contact_details(client, rows):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=PASSWORD)
    listing = text(client.get(reverse("admin:prospects_prospect_changelist")))
    assert EMAIL in listing
    assert "Lead de l'entreprise A" in listing
    # The page, with its history inline (read-only, "created_at" included).
    for row in rows:
        change = client.get(reverse("admin:prospects_prospect_change", args=[row.pk]))
        assert change.status_code == 200


def test_staff_of_other_teams_do_not_open_the_pipeline(client, cast, rows):
    client.login(username=cast.staff.username, password=PASSWORD)  # vetting
    assert client.get(reverse("admin:prospects_prospect_changelist")).status_code == 403


def test_the_score_and_its_reasons_are_shown_in_the_readers_language(client, rows):
    from prospects import scoring

    platform, _lead = rows
    scoring.prospects_score()
    seller = UserFactory(is_staff=True)
    seller.groups.add(Group.objects.get(name="sales"))
    client.login(username=seller.username, password=PASSWORD)
    listing = text(
        client.get(reverse("admin:prospects_prospect_changelist"), HTTP_ACCEPT_LANGUAGE="fr")
    )
    change = text(
        client.get(
            reverse("admin:prospects_prospect_change", args=[platform.pk]),
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    )
    platform.refresh_from_db()
    assert platform.score is not None
    for page in (listing, change):
        assert "métier inconnu" not in page  # a reason worth 0 points is not one
    assert "Règles" in change or "Rules" in change
