"""The account pages are the product's own: where a person lands after
logging in (pro space or account, or a safe ?next=), labels without
Django's " :", terms and privacy links, and the legal pages themselves."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from directory.models import MembershipRole
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french_between_requests():
    """A request to /en/ leaves English active in the thread (LocaleMiddleware
    does not reset it), which would make reverse() give /en/ URLs to the
    next test: each test starts in French and leaves the language as found."""
    with translation.override("fr"):
        yield


LOGIN = "/compte/login/"


def log_in(client, email: str, next_url: str | None = None):
    url = LOGIN + (f"?next={next_url}" if next_url is not None else "")
    data = {"login": email, "password": PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return client.post(url, data)


def labels(page: str) -> list[str]:
    """The labels of the page's main content (not the header's language picker)."""
    page = page.split('<main id="content"', 1)[1]
    return [
        html.unescape(label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", page)
    ]


# --- Where people land -------------------------------------------------------------------


def test_a_pro_lands_in_the_pro_space(client, cast):
    assert log_in(client, "owner-a@example.fr")["Location"] == "/espace-pro/"


def test_a_member_who_is_not_owner_is_a_pro_too(client, cast):
    assert log_in(client, "member-a@example.fr")["Location"] == "/espace-pro/"


def test_a_consumer_lands_in_their_account(client, cast):
    assert log_in(client, "consumer@example.fr")["Location"] == "/mon-compte/"


@pytest.mark.parametrize("email", ["owner-a@example.fr", "consumer@example.fr"])
def test_a_safe_next_wins(client, cast, email):
    assert log_in(client, email, "/metiers/electricien/")["Location"] == "/metiers/electricien/"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
    ],
)
def test_an_unsafe_next_is_ignored(client, cast, next_url):
    assert log_in(client, "consumer@example.fr", next_url)["Location"] == "/mon-compte/"
    client.logout()
    assert log_in(client, "owner-a@example.fr", next_url)["Location"] == "/espace-pro/"


def test_a_new_pro_confirming_the_address_lands_in_the_pro_space(
    client, cast, django_capture_on_commit_callbacks
):
    user = UserFactory(email="nouveau-pro@example.fr", verified=False)
    MembershipFactory(company=cast.company_b, user=user, role=MembershipRole.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        log_in(client, user.email)  # unverified: the confirmation e-mail goes out
    path = re.search(r"/compte/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    response = client.post(path)
    assert response["Location"] == "/espace-pro/"


def test_a_consumer_confirming_the_address_lands_in_the_account(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "nouvelle@example.fr", "password1": PASSWORD, "password2": PASSWORD},
        )
    path = re.search(r"/compte/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    assert client.post(path)["Location"] == "/mon-compte/"


# --- The pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/compte/signup/", LOGIN, "/compte/password/reset/", "/en/compte/signup/", "/en" + LOGIN],
)
def test_labels_have_no_colon(client, db, url):
    page = client.get(url).content.decode()
    found = labels(page)
    assert found
    for label in found:
        assert not label.endswith(":"), label
        assert "\u00a0:" not in label, label


def test_the_sign_up_page_is_the_products_own(client, db):
    page = client.get("/compte/signup/").content.decode()
    assert "<h1>Créez votre compte</h1>" in page
    assert 'href="/conditions-d-utilisation/"' in page
    assert 'href="/confidentialite/"' in page
    assert "conditions d&#x27;utilisation" in page or "conditions d'utilisation" in page
    assert 'href="/rejoindre/"' in page  # pros apply instead
    assert 'href="/compte/login/"' in page
    assert labels(page) == ["E-mail", "Mot de passe", "Mot de passe (confirmation)"]
    assert 'class="container auth-layout"' in page


def test_the_sign_up_page_in_english(client, db):
    page = client.get("/en/compte/signup/").content.decode()
    assert "<h1>Create your account</h1>" in page
    assert 'href="/en/conditions-d-utilisation/"' in page
    assert 'href="/en/confidentialite/"' in page


def test_a_sign_up_error_is_shown_and_creates_nothing(client, db):
    response = client.post(
        "/compte/signup/", {"email": "pas-une-adresse", "password1": "x", "password2": "y"}
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    from django.contrib.auth.models import User

    assert not User.objects.exists()


def test_the_password_pages_and_confirmation_use_the_product_layout(
    client, db, django_capture_on_commit_callbacks
):
    UserFactory(email="oubli@example.fr")
    page = client.get("/compte/password/reset/").content.decode()
    assert "Réinitialiser votre mot de passe" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/password/reset/", {"email": "oubli@example.fr"})
    done = client.get(response["Location"]).content.decode()
    assert "Consultez vos e-mails" in done
    link = re.search(r"/compte/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    page = client.get(link, follow=True).content.decode()
    assert "Choisissez un nouveau mot de passe" in page
    assert labels(page) == ["Nouveau mot de passe", "Nouveau mot de passe (confirmation)"]
    page = client.get("/compte/password/reset/key/x-bad/").content.decode()
    assert "Ce lien ne fonctionne plus" in page
    page = client.get("/compte/confirm-email/not-a-key/").content.decode()
    assert "Ce lien de confirmation a expiré ou n&#x27;est pas valide" in page or (
        "Ce lien de confirmation a expiré ou n'est pas valide" in page
    )
    assert 'class="container auth-layout"' in page


# --- Legal pages ----------------------------------------------------------------------------


def test_the_footer_links_the_terms_and_the_privacy_policy(client, db):
    page = client.get("/").content.decode()
    footer = page.split('<footer class="site-footer">')[1]
    assert 'href="/conditions-d-utilisation/"' in footer
    assert 'href="/confidentialite/"' in footer


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/conditions-d-utilisation/", "Conditions d'utilisation"),
        ("/confidentialite/", "Politique de confidentialité"),
        ("/en/conditions-d-utilisation/", "Terms of use"),
        ("/en/confidentialite/", "Privacy policy"),
    ],
)
def test_the_legal_pages_exist_in_french_and_english(client, db, url, title):
    response = client.get(url)
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_the_privacy_policy_states_the_real_periods(client, db, settings):
    settings.OUTBOX_RETENTION_DAYS = 45
    settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS = 36
    settings.REVIEW_RETENTION_DAYS = 400
    text = html.unescape(re.sub(r"<[^>]+>", " ", client.get("/confidentialite/").content.decode()))
    text = re.sub(r"\s+", " ", text)
    assert "Effacés 45 jours après leur envoi" in text
    assert "Effacée après 36 heures" in text
    assert "Conservés au moins 400 jours" in text
    assert "au plus tard après 24 heures" in text  # INVOICE_IMPORT_RETENTION
    assert f"Valable {settings.REVIEW_INVITATION_DAYS} jours" in text
    assert "contact@plusquepro.fr" in text
    assert "CNIL" in text
    for right in ("Accès et portabilité", "Effacement", "Rectification"):
        assert right in text


def test_the_privacy_policy_names_every_kind_of_personal_data_exported(client, db, settings):
    # Each section of the data export (PERSONAL_DATA_SECTIONS) is described.
    described = {
        "memberships": "personnes rattachées",
        "reviews": "Vos avis",
        "quote_requests": "Vos demandes de devis",
    }
    assert set(settings.PERSONAL_DATA_SECTIONS) == set(described)
    page = html.unescape(client.get("/confidentialite/").content.decode())
    for words in described.values():
        assert words in page


def test_the_privacy_policy_links_to_the_account_rights(client, db):
    page = client.get("/confidentialite/").content.decode()
    assert f'href="{reverse("directory:account")}"' in page
    assert f'href="{reverse("directory:account-delete")}"' in page
