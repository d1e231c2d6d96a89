"""The pre-filled application link of a platform sales prospect (issue
15): sales staff make it, anyone opens it; /rejoindre/ then offers what
the pipeline knows (never over what the applicant typed), the first step
saved ties the application to the prospect and uses the link up, and the
application's moves move that prospect (a refusal's reason mapped to the
closest lost reason). Forged, expired, revoked or used links: a clear
page, nothing of the prospect shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from common.signed_links import make_token
from eligibility import services as vetting
from eligibility.invitations import SESSION_KEY
from eligibility.models import Application, ApplicationStatus, RefusalReason
from prospects import application_links
from prospects.models import Interaction, LostReason, Pipeline, Prospect, Stage
from prospects.services import REFUSAL_LOST_REASONS
from tests.conftest import PASSWORD
from tests.factories import UserFactory, checks_pass

pytestmark = pytest.mark.django_db


def link_of(prospect: Prospect) -> str:
    prospect = application_links.application_link_create(prospect=prospect, actor=None)
    return application_links.application_link_path(prospect)


def create_url(prospect: Prospect) -> str:
    return reverse("prospects:staff-prospects-application-link", args=[prospect.pk])


def applicant(client, email="gerant@cuisines-rhone.fr"):
    user = UserFactory(email=email)
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    return user


# --- Making the link: sales staff only ------------------------------------------------


def test_sales_staff_make_a_link_shown_on_the_prospect_page(client, seller, hot_prospect):
    client.force_login(seller)
    response = client.post(create_url(hot_prospect), {"action": "create"})
    assert response.status_code == 302
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_nonce
    page = client.get(reverse("prospects:staff-prospects-detail", args=[hot_prospect.pk]))
    assert application_links.link_is_live(hot_prospect)
    assert "/rejoindre/invitation/" in page.content.decode()


def test_a_new_link_ends_the_previous_one_and_revoking_ends_it(client, seller, hot_prospect):
    first = link_of(hot_prospect)
    client.force_login(seller)
    client.post(create_url(hot_prospect), {"action": "create"})
    assert client.get(first).status_code == 410
    hot_prospect.refresh_from_db()
    second = application_links.application_link_path(hot_prospect)
    client.post(create_url(hot_prospect), {"action": "revoke"})
    assert client.get(second).status_code == 410
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_nonce == ""


@pytest.mark.parametrize("who", ["anonymous", "pro", "vetter", "consumer"])
def test_only_sales_staff_make_links(client, cast, hot_prospect, who):
    if who != "anonymous":
        client.force_login(
            {"pro": cast.owner_a, "vetter": cast.staff, "consumer": cast.consumer}[who]
        )
    response = client.post(create_url(hot_prospect), {"action": "create"})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/compte/login/" in response["Location"]
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_nonce == ""


def test_a_company_pipeline_prospect_has_no_link(client, seller, make):
    lead = make(name="Jean Dupont", stage=Stage.HOT)
    client.force_login(seller)
    assert client.post(create_url(lead), {"action": "create"}).status_code == 404
    with pytest.raises(ValueError, match="platform"):
        application_links.application_link_create(prospect=lead, actor=None)


def test_a_closed_prospect_gets_no_link(client, seller, hot_prospect):
    from prospects import services

    services.prospect_move(prospect=hot_prospect, to=Stage.CLIENT, actor=seller)
    client.force_login(seller)
    client.post(create_url(hot_prospect), {"action": "create"})
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_nonce == ""


def test_a_get_makes_no_link(client, seller, hot_prospect):
    client.force_login(seller)
    assert client.get(create_url(hot_prospect)).status_code == 405


# --- Opening it: the application, pre-filled ---------------------------------------------


def test_the_link_leads_an_anonymous_visitor_to_log_in_first_then_prefills(
    client, open_link, hot_prospect, taxonomy
):
    response = open_link(link_of(hot_prospect))
    assert response["Location"] == reverse("eligibility:apply")
    page = client.get(response["Location"]).content.decode()
    assert "Notre équipe vous a invité" in page
    applicant(client)  # logging in keeps the session's invitation
    step1 = client.get(reverse("eligibility:step", args=[1]))
    form = step1.context["form"]
    assert {name: form[name].value() for name in ("legal_name", "city", "postal_code")} == {
        "legal_name": "Cuisines du Rhône",
        "city": "Lyon",
        "postal_code": "69002",
    }
    assert form["siren"].value() == "732829320"
    assert "99 05 60 90" in step1.content.decode() or form["phone"].value()
    # Nothing saved by reading.
    assert not Application.objects.exists()


def test_a_logged_in_visitor_goes_straight_to_the_first_step(client, open_link, hot_prospect):
    applicant(client)
    response = open_link(link_of(hot_prospect))
    assert response["Location"] == reverse("eligibility:step", args=[1])


def test_the_trade_is_offered_on_the_activity_step(
    client, open_link, hot_prospect, taxonomy, places
):
    applicant(client)
    open_link(link_of(hot_prospect))
    save_identity(client)
    step2 = client.get(reverse("eligibility:step", args=[2]))
    assert step2.context["form"]["professions"].value() == [taxonomy["cuisiniste"].pk]


def test_the_prefill_never_replaces_an_answer(client, open_link, hot_prospect):
    user = applicant(client)
    Application.objects.create(applicant=user, legal_name="Mon Atelier", city="")
    open_link(link_of(hot_prospect))
    form = client.get(reverse("eligibility:step", args=[1])).context["form"]
    assert form["legal_name"].value() == "Mon Atelier"
    assert form["city"].value() == "Lyon"  # blank: offered


def test_what_the_applicant_types_wins(
    client, open_link, hot_prospect, places, django_capture_on_commit_callbacks
):
    applicant(client)
    open_link(link_of(hot_prospect))
    with django_capture_on_commit_callbacks(execute=True):
        save_identity(client, legal_name="Atelier Curie")
    assert Application.objects.get().legal_name == "Atelier Curie"


IDENTITY = {
    "legal_name": "Cuisines du Rhône",
    "siren": "732829320",
    "address": "4 quai Saint-Antoine",
    "postal_code": "69002",
    "city": "Lyon",
    "phone": "06 99 05 60 90",
    "year_founded": "2012",
}


def save_identity(client, **changes):
    response = client.post(reverse("eligibility:step", args=[1]), {**IDENTITY, **changes})
    assert response.status_code == 302, response.context["form"].errors
    return response


# --- The tie, and the moves ----------------------------------------------------------------


def test_the_first_step_saved_ties_the_application_and_uses_the_link_up(
    client, open_link, hot_prospect, places, django_capture_on_commit_callbacks
):
    link = link_of(hot_prospect)
    applicant(client)
    open_link(link)
    with django_capture_on_commit_callbacks(execute=True):
        save_identity(client)
    hot_prospect.refresh_from_db()
    application = Application.objects.get()
    assert hot_prospect.application == application
    assert hot_prospect.application_link_nonce == ""
    assert hot_prospect.interactions.filter(
        kind=Interaction.Kind.NOTE,
        author=None,
        origin="application_link",
        origin_ref=str(application.pk),
    ).exists()
    # Used: the same link shows nothing more, to anyone.
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "Cuisines" not in response.content.decode()
    # A second step saved ties nothing again.
    assert client.session.get(SESSION_KEY) is None


def test_the_token_is_handed_back_once(
    client, open_link, hot_prospect, places, django_capture_on_commit_callbacks
):
    applicant(client)
    open_link(link_of(hot_prospect))
    with django_capture_on_commit_callbacks(execute=True) as first:
        save_identity(client)
    with django_capture_on_commit_callbacks(execute=True) as second:
        save_identity(client)
    assert len(first) > len(second)
    assert client.session[SESSION_KEY]["token"] == ""


def test_a_link_revoked_before_the_first_step_ties_nothing(
    client, open_link, hot_prospect, places, django_capture_on_commit_callbacks
):
    applicant(client)
    open_link(link_of(hot_prospect))
    application_links.application_link_revoke(prospect=hot_prospect)
    with django_capture_on_commit_callbacks(execute=True):
        save_identity(client)
    hot_prospect.refresh_from_db()
    assert hot_prospect.application is None


@pytest.fixture
def tied(hot_prospect, taxonomy, django_capture_on_commit_callbacks):
    """A complete application started from the prospect's link, under
    another SIREN than the prospect's (the tie finds it, not the SIREN)."""
    application = Application.objects.create(
        applicant=UserFactory(email="autre-adresse@example.org"),
        legal_name="Atelier Curie",
        siren="552100554",
        address="4 quai Saint-Antoine",
        postal_code="69002",
        city="Lyon",
        services_description="Cuisines sur mesure.",
        new_clients_per_day=1,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
    )
    application.professions.set([taxonomy["cuisiniste"]])
    linked = application_links.application_link_create(prospect=hot_prospect, actor=None)
    token = make_token(application_links.SALT, linked.pk, linked.application_link_nonce)
    assert application_links.application_link_accept(token=token, application_id=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_submit(application=application, actor=application.applicant)
    return application


def test_a_tied_application_is_not_a_new_prospect(hot_prospect, tied):
    # Another SIREN and e-mail than the prospect's: found through the tie.
    assert Prospect.objects.filter(pipeline=Pipeline.PLATFORM).get() == hot_prospect


def test_a_submission_moves_a_warm_tied_prospect_to_hot(
    hot_prospect, taxonomy, seller, django_capture_on_commit_callbacks
):
    from prospects import services

    hot_prospect = services.prospect_move(prospect=hot_prospect, to=Stage.WARM, actor=seller)
    application = Application.objects.create(
        applicant=UserFactory(email="x@example.org"),
        legal_name="Atelier",
        siren="552100554",
        postal_code="69002",
        city="Lyon",
        services_description="Cuisines.",
        new_clients_per_day=1,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
    )
    application.professions.set([taxonomy["cuisiniste"]])
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=seller)
    token = make_token(application_links.SALT, hot_prospect.pk, hot_prospect.application_link_nonce)
    application_links.application_link_accept(token=token, application_id=application.pk)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_submit(application=application, actor=application.applicant)
    hot_prospect.refresh_from_db()
    assert hot_prospect.stage == Stage.HOT
    event = hot_prospect.events.latest("pk")
    assert (event.origin, event.origin_ref, event.reason) == ("application", "submitted", "")


def test_an_approved_application_wins_its_prospect(
    hot_prospect, tied, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        checks_pass(tied, cast.staff)
        vetting.application_approve(application=tied, actor=cast.staff)
    hot_prospect.refresh_from_db()
    assert hot_prospect.stage == Stage.CLIENT
    event = hot_prospect.events.latest("pk")
    assert (event.actor, event.origin, event.origin_ref) == (None, "application", "approved")


@pytest.mark.parametrize(
    ("refusal", "lost"),
    [
        (RefusalReason.NOT_ELIGIBLE, LostReason.ABSOLUTE_NON_CLIENT),
        (RefusalReason.TOO_EARLY, LostReason.TIMING),
        (RefusalReason.NO_ANSWER, LostReason.NO_ANSWER),
        (RefusalReason.NOT_VERIFIED, LostReason.OTHER),
        (RefusalReason.OTHER, LostReason.OTHER),
    ],
)
def test_a_refusal_loses_its_prospect_with_the_mapped_reason_and_the_text(
    hot_prospect, tied, cast, refusal, lost, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_reject(
            application=tied,
            actor=cast.staff,
            reason="Activité hors de nos règles.",
            refusal_reason=refusal,
        )
    hot_prospect.refresh_from_db()
    assert (hot_prospect.stage, hot_prospect.lost_reason, hot_prospect.lost_note) == (
        Stage.LOST,
        lost,
        "Activité hors de nos règles.",
    )
    assert Application.objects.get(pk=tied.pk).refusal_reason == refusal


def test_every_refusal_reason_has_a_lost_reason():
    assert set(REFUSAL_LOST_REASONS) == set(RefusalReason.values)
    assert set(REFUSAL_LOST_REASONS.values()) <= set(LostReason.values)


def test_the_vetting_page_asks_the_refusal_reason(client, hot_prospect, tied, cast):
    client.force_login(cast.staff)
    url = reverse("eligibility:decide", args=[tied.pk])
    client.post(url, {"action": "reject", "note": "Hors règles."})
    assert Application.objects.get(pk=tied.pk).status == ApplicationStatus.SUBMITTED
    client.post(url, {"action": "reject", "note": "Hors règles.", "refusal_reason": "bogus"})
    assert Application.objects.get(pk=tied.pk).status == ApplicationStatus.SUBMITTED
    client.post(url, {"action": "reject", "note": "Hors règles.", "refusal_reason": "too_early"})
    assert Application.objects.get(pk=tied.pk).refusal_reason == RefusalReason.TOO_EARLY


# --- Unusable links: a clear page, never a 500, nothing shown --------------------------------


@pytest.mark.parametrize(
    "token",
    ["forged", "a:b:c", "x" * 400, "eyJpIjoxLCJuIjoiYSJ9:1abcde:" + "A" * 43],
)
def test_a_forged_link_is_a_clear_page(client, hot_prospect, token):
    link_of(hot_prospect)
    response = client.get(reverse("prospects:application-link", args=[token]))
    assert response.status_code == 400
    assert "pas valide" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_link_signed_for_another_purpose_is_refused(client, hot_prospect):
    hot_prospect = application_links.application_link_create(prospect=hot_prospect, actor=None)
    token = make_token("reviews.invitation", hot_prospect.pk, hot_prospect.application_link_nonce)
    assert client.get(reverse("prospects:application-link", args=[token])).status_code == 400


def test_an_expired_link_is_a_clear_page(client, hot_prospect, settings):
    link = link_of(hot_prospect)
    later = timezone.now() + timedelta(days=settings.PROSPECT_APPLICATION_LINK_DAYS, minutes=1)
    with time_machine.travel(later):
        response = client.get(link)
    assert response.status_code == 410
    body = response.content.decode()
    assert "expiré" in body
    assert "Cuisines" not in body
    assert "732" not in body


def test_a_link_works_until_it_expires(open_link, hot_prospect, settings):
    link = link_of(hot_prospect)
    with time_machine.travel(
        timezone.now() + timedelta(days=settings.PROSPECT_APPLICATION_LINK_DAYS - 1)
    ):
        assert open_link(link).status_code == 302


def test_a_link_of_an_anonymised_or_lost_prospect_is_refused(client, hot_prospect, seller):
    from prospects import services

    link = link_of(hot_prospect)
    services.prospect_move(
        prospect=hot_prospect, to=Stage.LOST, actor=seller, lost_reason=LostReason.PRICE
    )
    assert client.get(link).status_code == 410


def test_anonymising_a_prospect_ends_its_link(client, hot_prospect):
    from prospects import services

    link = link_of(hot_prospect)
    services.prospect_anonymise(prospect=hot_prospect)
    assert client.get(link).status_code == 410
    hot_prospect.refresh_from_db()
    assert hot_prospect.application_link_nonce == ""
