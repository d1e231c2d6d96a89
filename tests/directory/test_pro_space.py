"""The pro space as a pro sees it: live figures and the next step on the
dashboard, one menu entry per task, a pending application's status, a
suspension's reason and how to contest it (issue 11)."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.models import CompanyStatus, MembershipRole
from directory.pro.selectors import pro_dashboard
from directory.quotes.models import QuoteStatus
from eligibility import services as eligibility_services
from eligibility.models import Application, ApplicationStatus
from reviews.models import Audit, ReviewInvitation
from reviews.services import audits, invoices
from tests.conftest import PASSWORD
from tests.factories import (
    CompanyFactory,
    MembershipFactory,
    QuoteRequestFactory,
    UserFactory,
    recent_date,
)
from tests.reviews.conftest import REVIEW

pytestmark = pytest.mark.django_db

NOW = "2026-11-20 10:00 +0100"


def page(response) -> str:
    """The page as text: entities decoded ("l'e-mail", not "l&#x27;e-mail")."""
    return html_module.unescape(response.content.decode())


def figures(html: str) -> dict[str, str]:
    """The dashboard's figures by name, as displayed."""
    found = re.findall(r'<dd data-figure="([a-z-]+)">(.*?)</dd>', html, re.S)
    return {name: re.sub(r"<[^>]+>", "", value).strip() for name, value in found}


NAMES = ["Sophie Martin", "Paul Durand", "Claire Dubois", "Luc Petit", "Anne Roux"]


def invoice(company, n: int, actor):
    return invoices.invoice_create(
        company=company,
        fields={
            "number": f"F-{n:03d}",
            "issued_on": recent_date(13).isoformat(),  # 13 days before registration
            "amount": "1250.00",
            "client_name": NAMES[n % len(NAMES)],
            "client_email": f"client{n}@example.org",
        },
        actor=actor,
    )


def invitation_path(n: int) -> str:
    message = next(m for m in mail.outbox if f"client{n}@example.org" in m.to)
    return re.search(r"/avis/[^/\s]+/", message.body).group(0)


@pytest.fixture
def logged_owner(client, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    return client


@pytest.fixture
def active(cast, settings, django_capture_on_commit_callbacks):
    """Company A this month: 4 invoices (and one last month), 5 invitations
    sent, 3 opened, 2 answered with a published review (5★ and 4★), both
    under a document audit; 2 new quote requests. The clients browse with
    their own browser, not the pro's."""
    visitor = Client()
    with (
        time_machine.travel("2026-10-15 10:00 +0200", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invoice(cast.company_a, 0, cast.owner_a)
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for n in range(1, 5):
            invoice(cast.company_a, n, cast.owner_a)
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        visitor.get(invitation_path(3))  # opened, not answered
        visitor.post(invitation_path(1), {**REVIEW, "author_name": NAMES[1]})
        visitor.post(
            invitation_path(2),
            {
                **REVIEW,
                "author_name": NAMES[2],
                "rating": "4",
                "title": "Très bon travail",
                "text": "Installation électrique refaite en deux jours, devis respecté, "
                "explications claires. Un petit retard au démarrage.",
            },
        )
        settings.REVIEW_AUDIT_RATE = 1.0
        audits.audits_open(now=timezone.now(), seed=1)
    # Another company's activity never shows.
    with django_capture_on_commit_callbacks(execute=True):
        invoice(cast.company_b, 9, cast.owner_b)
    QuoteRequestFactory.create_batch(2, company=cast.company_a, status=QuoteStatus.NEW)
    QuoteRequestFactory(company=cast.company_a, status=QuoteStatus.ANSWERED)
    return cast.company_a


# --- Item 1: live figures and the next step --------------------------------------------


def test_the_dashboard_shows_live_figures_once_invoices_and_reviews_exist(logged_owner, active):
    assert Audit.objects.filter(review__company=active).count() == 2
    with time_machine.travel("2026-11-21 09:00 +0100", tick=False):
        html = page(logged_owner.get(f"/espace-pro/{active.pk}/"))
    assert figures(html) == {
        "invoices-month": "4",
        "invitations-sent": "5",
        "reviews": "2",
        "rating": "4,5 / 5",
        "audits": "2",
        "new-quotes": "2",
    }
    assert "5 au total" in html
    assert "ouvertes : 3 · avec un avis : 2" in html
    assert "Bientôt : enregistrez vos factures" not in html


def test_an_open_audit_is_the_next_step_with_the_days_left(logged_owner, active):
    # Audits opened on 20 November are due 15 days later, 5 December.
    with time_machine.travel("2026-11-21 09:00 +0100", tick=False):
        html = page(logged_owner.get(f"/espace-pro/{active.pk}/"))
    step = html.split('id="next-step-title"')[1].split("</section>")[0]
    assert "2 contrôles de factures attendent vos factures." in step
    assert "Envoyez-la d'ici 14 jours" in step
    assert f'href="/espace-pro/{active.pk}/controles/"' in step


def test_the_invitation_counts_are_those_of_the_company_only(cast, active):
    other = pro_dashboard(cast.company_b).figures
    assert (other.invoices_total, other.invitations_sent, other.reviews_published) == (1, 1, 0)
    assert other.rating_average is None


def test_invoices_of_last_month_do_not_count_for_this_month(cast, active):
    with time_machine.travel("2026-12-01 00:30 +0100", tick=False):
        assert pro_dashboard(active).figures.invoices_this_month == 0
    with time_machine.travel("2026-11-30 23:30 +0100", tick=False):
        assert pro_dashboard(active).figures.invoices_this_month == 4


def test_opening_an_invitation_twice_counts_once_and_keeps_the_first_time(client, cast, active):
    invitation = ReviewInvitation.objects.get(invoice__number="F-003")
    first = invitation.opened_at
    assert first is not None
    client.get(invitation_path(3))
    invitation.refresh_from_db()
    assert invitation.opened_at == first
    assert pro_dashboard(active).figures.invitations_opened == 3


def test_a_refused_link_does_not_count_as_opened(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invoice(cast.company_a, 7, cast.owner_a)
    ReviewInvitation.objects.update(expires_at=timezone.now() - timedelta(days=1))
    assert client.get(invitation_path(7)).status_code == 400
    assert ReviewInvitation.objects.get().opened_at is None


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("nothing", "Complétez votre profil : 8 éléments manquent."),
        ("quote", "Un client attend votre réponse à une nouvelle demande de devis."),
        ("last_month", "Aucune facture enregistrée ce mois-ci"),
    ],
)
def test_the_next_step_of_a_new_pro(
    logged_owner, cast, setup, expected, django_capture_on_commit_callbacks
):
    company = cast.company_a
    if setup == "quote":
        QuoteRequestFactory(company=company, status=QuoteStatus.NEW)
    if setup == "last_month":
        with (
            time_machine.travel("2026-10-15 10:00 +0200", tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            invoice(company, 1, cast.owner_a)
    with time_machine.travel(NOW, tick=False):
        html = page(logged_owner.get(f"/espace-pro/{company.pk}/"))
    step = html.split('id="next-step-title"')[1].split("</section>")[0]
    assert expected in step


def test_the_dashboard_reads_in_a_fixed_number_of_queries(
    client, cast, django_capture_on_commit_callbacks
):
    """Pinned: session and user (2), membership (1), profile gaps (3),
    quotes (2), review figures (3), session audits (1), vetting checks
    (4: trades, decisions, documents, date to settle by), the site's header
    (3). More invoices,
    reviews or quotes never add one."""
    client.login(username=cast.owner_a.username, password=PASSWORD)
    url = f"/espace-pro/{cast.company_a.pk}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len([q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])

    empty = count()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            invoice(cast.company_a, n, cast.owner_a)
    QuoteRequestFactory.create_batch(7, company=cast.company_a)
    assert count() == empty == 19


def test_a_suspended_dashboard_adds_one_query_for_the_reason(client, cast, staff_suspends):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/espace-pro/{cast.company_a.pk}/")
    assert len([q for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 16


# --- Item 2: one menu entry per task -------------------------------------------------


def test_the_menu_has_one_entry_per_task(logged_owner, cast):
    pk = cast.company_a.pk
    html = page(logged_owner.get(f"/espace-pro/{pk}/factures/"))
    nav = html.split('class="card pro-nav"')[1].split("</nav>")[0]
    entries = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)', nav)
    assert [label.strip() for _, label in entries] == [
        "Tableau de bord",
        "Demandes de devis",
        "Prospects",
        "Analyse des prospects et des clients",
        "Factures et invitations",
        "Avis reçus",
        "Contrôles de factures",
        "Prestations réalisées",
        "Contrôles des prestations",
        "Score de fidélité",
        "Profil",
        "Photos",
        "Labels et assurances",
        "Contrôles de vérification",
        "Équipe",
        "Applications connectées",
        "Page publique",
    ]
    hrefs = [href for href, _ in entries]
    assert len(hrefs) == len(set(hrefs))
    assert re.findall(r'aria-current="page">([^<]+)', nav) == ["Factures et invitations"]


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("", "Tableau de bord"),
        ("avis/", "Avis reçus"),
        ("controles/", "Contrôles de factures"),
        ("prestations/", "Prestations réalisées"),
        ("prestations/controles/", "Contrôles des prestations"),
        ("demandes/", "Demandes de devis"),
        ("equipe/", "Équipe"),
    ],
)
def test_exactly_one_entry_is_current_on_each_page(logged_owner, cast, path, current):
    html = page(logged_owner.get(f"/espace-pro/{cast.company_a.pk}/{path}"))
    nav = html.split('class="card pro-nav"')[1].split("</nav>")[0]
    assert re.findall(r'aria-current="page">([^<]+)', nav) == [current]


# --- Item 3: a pending application instead of "no company" ---------------------------


@pytest.fixture
def applicant(taxonomy, client):
    user = UserFactory(email="gerant@cuisines-rhone.fr")
    client.login(username=user.username, password=PASSWORD)
    return user


def application_of(user, taxonomy, **fields) -> Application:
    application = Application.objects.create(
        applicant=user,
        legal_name="Cuisines du Rhône",
        siren="732829320",
        address="4 quai Saint-Antoine",
        postal_code="69002",
        city="Lyon",
        year_founded=2012,
        services_description="Conception et pose de cuisines sur mesure.",
        new_clients_per_day=2,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
        **fields,
    )
    application.professions.set([taxonomy["cuisiniste"]])
    return application


def test_a_submitted_application_shows_its_status_and_where_to_follow_it(
    client, applicant, taxonomy, places
):
    application = application_of(applicant, taxonomy)
    eligibility_services.application_submit(application=application, actor=applicant)
    html = page(client.get("/espace-pro/"))
    assert "rattaché à aucune entreprise" not in html
    assert "Cuisines du Rhône" in html
    assert "Envoyée, en attente de vérification" in html
    assert 'href="/rejoindre/suivi/"' in html
    assert "Suivre ma candidature" in html


def test_a_question_of_the_vetting_team_is_shown_as_the_thing_to_do(
    client, applicant, taxonomy, places
):
    application = application_of(applicant, taxonomy)
    eligibility_services.application_submit(application=application, actor=applicant)
    vetter = UserFactory(is_staff=True)
    eligibility_services.application_request_information(
        application=application, actor=vetter, question="Quel est votre numéro Qualibat ?"
    )
    html = page(client.get("/espace-pro/"))
    assert "Informations demandées" in html
    assert "Voir la question et répondre" in html
    assert "Quel est votre numéro Qualibat" not in html  # read on its own page, not here


def test_a_draft_application_invites_to_carry_on(client, applicant, taxonomy, places):
    application_of(applicant, taxonomy)
    html = page(client.get("/espace-pro/"))
    assert "Brouillon" in html
    assert "Poursuivre ma candidature" in html


def test_someone_who_never_applied_is_told_how_to_join(client, applicant):
    html = page(client.get("/espace-pro/"))
    assert "rattaché à aucune entreprise" in html
    assert 'href="/rejoindre/"' in html


def test_a_member_of_a_company_goes_to_its_dashboard_whatever_their_applications(
    client, applicant, taxonomy, places
):
    application_of(applicant, taxonomy, status=ApplicationStatus.SUBMITTED)
    company = CompanyFactory()
    MembershipFactory(company=company, user=applicant, role=MembershipRole.OWNER)
    response = client.get("/espace-pro/")
    assert response.status_code == 302
    assert response["Location"] == f"/espace-pro/{company.pk}/"


def test_the_application_shown_is_the_users_own(client, applicant, taxonomy, places):
    application_of(UserFactory(), taxonomy, status=ApplicationStatus.SUBMITTED)
    html = page(client.get("/espace-pro/"))
    assert "Cuisines du Rhône" not in html
    assert "rattaché à aucune entreprise" in html


# --- Item 4: a suspension's reason and how to contest it -----------------------------


@pytest.fixture
def staff_suspends(cast):
    staff = cast.staff
    eligibility_services.company_set_status(
        company=cast.company_a, status=CompanyStatus.SUSPENDED, actor=staff, reason="Ancien motif."
    )
    eligibility_services.company_set_status(
        company=cast.company_a, status=CompanyStatus.LISTED, actor=staff, reason="Corrigé."
    )
    eligibility_services.company_set_status(
        company=cast.company_a,
        status=CompanyStatus.SUSPENDED,
        actor=staff,
        reason="Attestation d'assurance décennale expirée <b>depuis</b> mars.",
    )
    cast.company_a.refresh_from_db()
    return cast.company_a


def test_a_suspended_company_sees_the_latest_reason_and_how_to_contest(
    logged_owner, staff_suspends
):
    response = logged_owner.get(f"/espace-pro/{staff_suspends.pk}/")
    raw = response.content.decode()
    assert "expirée &lt;b&gt;depuis&lt;/b&gt; mars." in raw  # escaped, never markup
    html = page(response)
    step = html.split('id="next-step-title"')[1].split("</section>")[0]
    assert "Votre entreprise est suspendue" in step
    assert "Attestation d'assurance décennale expirée <b>depuis</b> mars." in step
    assert "Ancien motif" not in html
    assert "répondez à l'e-mail" in step
    assert 'href="mailto:contact@plusquepro.fr?subject=Contestation%20de%20la%20suspension' in step
    assert "Écrire à contact@plusquepro.fr" in step


def test_other_pro_pages_of_a_suspended_company_link_to_the_reason(logged_owner, staff_suspends):
    html = page(logged_owner.get(f"/espace-pro/{staff_suspends.pk}/profil/"))
    assert "Votre entreprise est suspendue" in html
    assert f'href="/espace-pro/{staff_suspends.pk}/">Pourquoi, et comment contester' in html


def test_a_listed_company_sees_no_suspension(logged_owner, cast):
    html = page(logged_owner.get(f"/espace-pro/{cast.company_a.pk}/"))
    assert "suspendue" not in html


def test_a_reinstated_company_no_longer_sees_the_old_reason(logged_owner, staff_suspends, cast):
    eligibility_services.company_set_status(
        company=staff_suspends, status=CompanyStatus.LISTED, actor=cast.staff, reason="Reçue."
    )
    html = page(logged_owner.get(f"/espace-pro/{staff_suspends.pk}/"))
    assert "décennale expirée" not in html
    assert "Votre entreprise est suspendue" not in html


def test_a_suspended_company_without_a_recorded_reason_still_says_how_to_contest(
    logged_owner, cast
):
    cast.company_a.status = CompanyStatus.SUSPENDED  # e.g. a data fix without an event
    cast.company_a.save(update_fields=["status"])
    html = page(logged_owner.get(f"/espace-pro/{cast.company_a.pk}/"))
    assert "Votre entreprise est suspendue" in html
    assert "Motif donné par notre équipe" not in html
    assert "Écrire à contact@plusquepro.fr" in html


def test_another_companys_dashboard_stays_a_404(logged_owner, cast):
    assert logged_owner.get(f"/espace-pro/{cast.company_b.pk}/").status_code == 404


def test_without_the_upper_apps_wired_in_the_pro_space_shows_nothing_it_cannot_know(
    logged_owner, client, cast, active, settings, taxonomy
):
    """directory on its own (PRO_SPACE_SOURCES empty): zero figures, no
    application, no reason — never an error."""
    settings.PRO_SPACE_SOURCES = {}
    html = page(logged_owner.get(f"/espace-pro/{active.pk}/"))
    assert figures(html)["reviews"] == "0"
    assert figures(html)["new-quotes"] == "2"
    loner = UserFactory()
    application_of(loner, taxonomy, status=ApplicationStatus.SUBMITTED)
    client.force_login(loner)
    assert "rattaché à aucune entreprise" in page(client.get("/espace-pro/"))


@pytest.mark.parametrize("path", ["/espace-pro/", "/espace-pro/{pk}/"])
def test_the_pro_space_asks_to_log_in_and_only_reads(client, cast, path):
    url = path.format(pk=cast.company_a.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")
    client.login(username=cast.owner_a.username, password=PASSWORD)
    assert client.post(url).status_code == 405
