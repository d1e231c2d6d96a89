"""Suspending and reinstating a company from the staff pages: a
confirmation page with the company and a required reason, links to its
page and history, an e-mail with the reason to the people of the company,
and a history in words ("Référencée → Suspendue")."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import translation
from post_office.models import Email

from directory.models import Company, CompanyStatus
from eligibility import services
from eligibility.models import CompanyEvent
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french_between_requests():
    """A request to /en/ leaves English active in the thread (LocaleMiddleware
    does not reset it), which would make reverse() give /en/ URLs to the
    next test: each test starts in French and leaves the language as found."""
    with translation.override("fr"):
        yield


@pytest.fixture
def vetter(db):
    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def vetter_client(client, vetter):
    client.login(username=vetter.username, password=PASSWORD)
    return client


def suspend_url(company) -> str:
    return reverse("eligibility:company-status", args=[company.pk, "suspended"])


def reinstate_url(company) -> str:
    return reverse("eligibility:company-status", args=[company.pk, "listed"])


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_companies_page_links_to_a_confirmation_not_a_direct_suspension(vetter_client, cast):
    page = vetter_client.get(reverse("eligibility:companies"), {"q": cast.company_a.siren})
    body = page.content.decode()
    assert f'href="{suspend_url(cast.company_a)}"' in body
    assert f'action="{suspend_url(cast.company_a)}"' not in body  # no one-click suspension
    assert f'href="{cast.company_a.get_absolute_url()}"' in body
    assert f'href="{reverse("eligibility:company-history", args=[cast.company_a.pk])}"' in body


def test_the_confirmation_page_shows_the_company_who_is_told_and_changes_nothing(
    vetter_client, cast
):
    response = vetter_client.get(suspend_url(cast.company_a))
    assert response.status_code == 200
    text = text_of(response)
    assert "Suspendre Alpha Électricité ?" in text
    assert cast.company_a.siren in text
    assert "Référencée" in text
    assert "member-a@example.fr, owner-a@example.fr" in text
    assert f'href="{cast.company_a.get_absolute_url()}"' in response.content.decode()
    assert 'name="reason"' in response.content.decode()
    assert Company.objects.get(pk=cast.company_a.pk).status == CompanyStatus.LISTED
    assert not CompanyEvent.objects.exists()


@pytest.mark.parametrize(
    "data", [{}, {"reason": ""}, {"reason": "   \n  "}, {"reason": "x" * 3001}]
)
def test_no_suspension_without_a_reason_and_nothing_changes(vetter_client, cast, data):
    response = vetter_client.post(suspend_url(cast.company_a), data)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert Company.objects.get(pk=cast.company_a.pk).status == CompanyStatus.LISTED
    assert not CompanyEvent.objects.exists()
    assert mail.outbox == []


def test_a_confirmed_suspension_emails_every_active_member_with_the_reason(
    vetter_client, cast, django_capture_on_commit_callbacks
):
    gone = MembershipFactory(company=cast.company_a, user__email="parti@example.fr").user
    gone.is_active = False
    gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = vetter_client.post(
            suspend_url(cast.company_a), {"reason": "Faux avis prouvés par contrôle."}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("eligibility:company-history", args=[cast.company_a.pk])
    assert Company.objects.get(pk=cast.company_a.pk).status == CompanyStatus.SUSPENDED
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["member-a@example.fr", "owner-a@example.fr"]
    assert "Alpha Électricité n'est plus référencée" in message.subject
    assert "Faux avis prouvés par contrôle." in message.body
    assert "contester" in message.body
    assert "contact@plusquepro.fr" in message.body
    assert "/espace-pro/" in message.body
    page = vetter_client.get(response["Location"])
    assert "member-a@example.fr" in text_of(page)  # the staff member is told who was told


def test_without_members_the_company_contact_address_is_told(
    vetter_client, taxonomy, django_capture_on_commit_callbacks
):
    company = CompanyFactory(trade_name="Sans Membre", email="contact@sans-membre.fr")
    with django_capture_on_commit_callbacks(execute=True):
        vetter_client.post(suspend_url(company), {"reason": "Assurance expirée."})
    assert [message.to for message in mail.outbox] == [["contact@sans-membre.fr"]]


def test_without_members_nor_address_the_page_says_nobody_can_be_told(
    vetter_client, taxonomy, django_capture_on_commit_callbacks
):
    company = CompanyFactory(trade_name="Injoignable", email="")
    assert "Personne ne peut être prévenu" in text_of(vetter_client.get(suspend_url(company)))
    with django_capture_on_commit_callbacks(execute=True):
        response = vetter_client.post(suspend_url(company), {"reason": "Fraude."}, follow=True)
    assert mail.outbox == []
    assert Company.objects.get(pk=company.pk).status == CompanyStatus.SUSPENDED
    assert "Personne n'a pu être prévenu" in text_of(response)


def test_reinstatement_is_confirmed_and_emailed_too(
    vetter_client, vetter, cast, django_capture_on_commit_callbacks
):
    services.company_set_status(
        company=cast.company_a, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Fraude."
    )
    mail.outbox.clear()
    page = vetter_client.get(reinstate_url(cast.company_a))
    assert "Référencer à nouveau Alpha Électricité ?" in text_of(page)
    with django_capture_on_commit_callbacks(execute=True):
        vetter_client.post(reinstate_url(cast.company_a), {"reason": "Pièces fournies."})
    assert Company.objects.get(pk=cast.company_a.pk).status == CompanyStatus.LISTED
    assert len(mail.outbox) == 1
    assert "de nouveau référencée" in mail.outbox[0].subject
    assert "Pièces fournies." in mail.outbox[0].body


def test_a_decision_that_does_not_apply_is_refused_without_change(vetter_client, taxonomy):
    pending = CompanyFactory(status=CompanyStatus.PENDING)
    response = vetter_client.get(suspend_url(pending))
    assert 'name="reason"' not in response.content.decode()
    response = vetter_client.post(suspend_url(pending), {"reason": "Essai."})
    assert response.status_code == 400
    assert Company.objects.get(pk=pending.pk).status == CompanyStatus.PENDING
    assert mail.outbox == []
    assert (
        vetter_client.get(reverse("eligibility:company-status", args=[pending.pk, "x"])).status_code
        == 404
    )


def test_the_history_reads_in_french_words(vetter_client, vetter, cast):
    services.company_set_status(
        company=cast.company_a, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Fraude."
    )
    services.company_set_status(
        company=cast.company_a, status=CompanyStatus.LISTED, actor=vetter, reason="Corrigé."
    )
    for url in (
        reverse("eligibility:company-history", args=[cast.company_a.pk]),
        reverse("eligibility:companies") + f"?q={cast.company_a.siren}",
    ):
        text = text_of(vetter_client.get(url))
        assert "Référencée → Suspendue" in text, url
        assert "Suspendue → Référencée" in text, url
        assert "listed" not in text, url
        assert "suspended" not in text, url


def test_the_history_reads_in_english_words_on_the_english_site(vetter_client, vetter, cast):
    services.company_set_status(
        company=cast.company_a, status=CompanyStatus.SUSPENDED, actor=vetter, reason="Fraude."
    )
    url = "/en" + reverse("eligibility:company-history", args=[cast.company_a.pk])
    assert "Listed → Suspended" in text_of(vetter_client.get(url))


def test_the_admin_shows_the_history_in_french_words(client, cast):
    admin = UserFactory(email="admin@plusquepro.fr", is_staff=True, is_superuser=True)
    services.company_set_status(
        company=cast.company_a, status=CompanyStatus.SUSPENDED, actor=admin, reason="Fraude."
    )
    client.force_login(admin)
    text = text_of(client.get(reverse("admin:eligibility_companyevent_changelist")))
    assert "Référencée" in text
    assert "Suspendue" in text
    event = CompanyEvent.objects.get()
    text = text_of(client.get(reverse("admin:eligibility_companyevent_change", args=[event.pk])))
    assert "Référencée" in text
    assert "Suspendue" in text


def test_the_pages_are_for_vetting_staff_only(client, cast):
    urls = [
        suspend_url(cast.company_a),
        reverse("eligibility:company-history", args=[cast.company_a.pk]),
    ]
    client.force_login(cast.owner_a)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(urls[0], {"reason": "Moi-même."}).status_code == 403
    assert Company.objects.get(pk=cast.company_a.pk).status == CompanyStatus.LISTED


def test_the_history_page_costs_the_same_queries_for_many_events(
    vetter_client, vetter, cast, django_assert_max_num_queries
):
    for index in range(10):
        services.company_set_status(
            company=cast.company_a,
            status=CompanyStatus.SUSPENDED if index % 2 == 0 else CompanyStatus.LISTED,
            actor=vetter,
            reason=f"Décision {index}.",
        )
    with django_assert_max_num_queries(8):
        vetter_client.get(reverse("eligibility:company-history", args=[cast.company_a.pk]))


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("to", [CompanyStatus.SUSPENDED, CompanyStatus.LISTED])
def test_the_status_emails_have_no_empty_placeholder(settings, cast, vetter, language, to):
    settings.LANGUAGE_CODE = language
    if to == CompanyStatus.LISTED:
        Company.objects.filter(pk=cast.company_a.pk).update(status=CompanyStatus.SUSPENDED)
    services.company_set_status(company=cast.company_a, status=to, actor=vetter, reason="Motif.")
    email = Email.objects.get()
    for text in (email.subject, email.message):
        for line in text.splitlines():
            assert "  " not in line.strip(), line  # an empty value between two words
        assert "None" not in text
        assert '""' not in text
        assert "Alpha Électricité" in text
    assert "Motif." in email.message
    assert "http://" in email.message
    if language == "en":
        assert "Hello," in email.message
