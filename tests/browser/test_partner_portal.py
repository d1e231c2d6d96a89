"""The partner portal and the pro's connected applications in a real
browser, on a desktop and on a phone, under the site's CSP: a partner's
developer makes a key and copies it (the copy button is a local script),
generates a connection code; the pro's owner connects the partner with
it, sees what it may do, disconnects it. axe finds no serious violation."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from partners.models import ConnectionCode, Partner, PartnerKey, PartnerKind
from partners.selectors import connection_active
from tests.browser.axe import assert_accessible
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEV_EMAIL = "dev@facturo.test"
SHOTS = os.environ.get("SCREENSHOTS_DIR", "")


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.fixture
def partner():
    partner = Partner.objects.create(
        name="Facturo", kind=PartnerKind.INVOICING_SOFTWARE, contact_email="api@facturo.test"
    )
    partner.members.add(UserFactory(email=DEV_EMAIL))
    return partner


def log_out(page: Page) -> None:
    page.context.clear_cookies()


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_partner_gives_a_code_and_the_pro_connects_then_disconnects(
    page: Page, live_server, partner, screen
):
    company = owned_electrician()
    base = live_server.url
    page.set_viewport_size(SCREENS[screen])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)

    # The partner's developer: a key, shown once, copied.
    log_in(page, base, DEV_EMAIL)
    page.goto(base + "/partenaires/")
    expect(page).to_have_url(f"{base}/partenaires/{partner.pk}/")
    expect(page.get_by_role("heading", name="Facturo")).to_be_visible()
    assert_accessible(page)
    nav = page.get_by_role("navigation", name="Espace partenaire")
    nav.get_by_role("link", name="Clés d’API").click()
    page.get_by_role("link", name="Nouvelle clé").click()
    page.get_by_label("Nom").fill("Serveur de production")
    page.get_by_label(re.compile("Envoyer les factures")).check()
    page.get_by_label(re.compile("Lire les avis publiés")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Créer la clé").click()
    key = PartnerKey.objects.get(partner=partner)
    expect(page.get_by_text("Copiez-la maintenant")).to_be_visible()
    secret = page.get_by_label("Votre clé d'API").input_value()
    assert secret.startswith(key.prefix + ".")
    page.bring_to_front()  # the clipboard wants a focused document
    page.get_by_role("button", name="Copier").click()
    expect(page.get_by_role("status")).to_have_text("Copiée")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    assert_accessible(page)
    shoot(page, f"partner-key-created-{screen}")
    page.reload()
    expect(page.get_by_text("ne peut plus l'être")).to_be_visible()
    assert secret not in page.content()

    # A connection code for the company.
    nav.get_by_role("link", name="Codes de connexion").click()
    page.get_by_role("button", name="Générer un code").click()
    code = ConnectionCode.objects.get(partner=partner)
    expect(page.locator("code.connection-code")).to_have_text(code.grouped)
    assert_accessible(page)
    log_out(page)

    # The pro's owner connects the partner with the code.
    log_in(page, base, PRO_EMAIL)
    page.goto(f"{base}/espace-pro/{company.pk}/")
    page.get_by_role("navigation", name="Espace pro").get_by_role(
        "link", name="Applications connectées"
    ).click()
    expect(page.get_by_text("Aucune application n'est connectée.")).to_be_visible()
    page.get_by_label("Code de connexion").fill("AAAAA-AAAAA")
    page.get_by_role("button", name="Connecter", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("inconnu")
    assert_accessible(page)
    page.get_by_label("Code de connexion").fill(code.grouped.lower())
    page.get_by_role("button", name="Connecter", exact=True).click()
    expect(page.get_by_text("Facturo est connecté.")).to_be_visible()
    app = page.locator("li.app").filter(has_text="Facturo")
    expect(app).to_contain_text("envoyer vos factures")
    expect(app).to_contain_text("lire vos avis publiés")
    shoot(page, f"pro-connected-apps-{screen}")
    assert connection_active(partner, company.pk)
    assert_accessible(page)

    # ... and disconnects it, after confirming.
    app.get_by_role("link", name=re.compile("Déconnecter")).click()
    expect(page.get_by_role("heading", name="Déconnecter Facturo ?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Déconnecter", exact=True).click()
    expect(page.get_by_text("Facturo est déconnecté")).to_be_visible()
    expect(page.get_by_text("Aucune application n'est connectée.")).to_be_visible()
    assert not connection_active(partner, company.pk)
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_a_partner_rotates_and_revokes_keys_and_reads_its_companies(
    page: Page, live_server, partner, screen
):
    from partners.models import Scope
    from partners.services import connection_create, partner_key_create

    company = owned_electrician()
    old, _secret = partner_key_create(
        partner=partner,
        name="Une clé au nom très long " + "x" * 20,
        scopes=[Scope.INVOICES_WRITE, Scope.SESSIONS_WRITE, Scope.DIRECTORY_READ],
    )
    connection_create(partner=partner, company_id=company.pk, connected_by=None)
    base = live_server.url
    page.set_viewport_size(SCREENS[screen])
    log_in(page, base, DEV_EMAIL)
    expect(page.locator('a[href="/partenaires/"]').first).to_have_text("Espace partenaire")
    page.goto(base + "/partenaires/")
    expect(page).to_have_url(f"{base}/partenaires/{partner.pk}/")

    nav = page.get_by_role("navigation", name="Espace partenaire")
    nav.get_by_role("link", name="Clés d’API").click()
    expect(page).to_have_url(f"{base}/partenaires/{partner.pk}/cles/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("^Renouveler")).click()
    expect(page.get_by_text("fonctionne encore 7 jours")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Renouveler la clé").click()
    expect(page.get_by_text("Copiez-la maintenant")).to_be_visible()
    new = PartnerKey.objects.exclude(pk=old.pk).get()
    assert new.scopes == old.scopes
    old.refresh_from_db()
    assert old.expiry_date is not None

    page.get_by_role("link", name="Retour aux clés").click()

    def key_row(prefix: str):
        """The row of the key ``prefix`` (its prefix cell; the renewed key's
        row names its successor's prefix too)."""
        cell = page.locator("td:nth-child(2) code", has_text=re.compile(f"^{re.escape(prefix)}$"))
        return page.get_by_role("row").filter(has=cell)

    renewed = key_row(old.prefix)
    expect(renewed).to_contain_text(f"remplacée par {new.prefix}")
    expect(renewed.get_by_role("link", name=re.compile("^Renouveler"))).to_have_count(0)
    row = key_row(new.prefix)
    row.get_by_role("link", name=re.compile("^Révoquer")).click()
    expect(page.get_by_role("button", name="Révoquer la clé")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Révoquer la clé").click()
    expect(page.get_by_text("est révoquée")).to_be_visible()
    expect(key_row(new.prefix)).to_contain_text("révoquée")
    shoot(page, f"partner-keys-{screen}")
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]
    new.refresh_from_db()
    assert new.revoked

    nav.get_by_role("link", name="Entreprises connectées").click()
    expect(page.get_by_role("row").filter(has_text="Lumière Martin")).to_contain_text(
        "lumiere-martin"
    )
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]
