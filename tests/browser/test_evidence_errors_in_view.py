"""A refused document's error is in view after sending it (found by a
fresh-user trial: on a phone, sending an HTML file renamed .png for the
RC Pro at /rejoindre/ step 4 reloaded the page at its top, three screens
above the error, with no message there: the applicant saw nothing wrong).
The answer now opens at the check the document was for, in the
application's documents step and in the pro space."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from directory.models import Profession
from eligibility.models import Application, Evidence
from tests.browser.axe import assert_accessible
from tests.browser.helpers import PRO_EMAIL, SCREENS, log_in, owned_electrician
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT = "gerant@cuisines-rhone.fr"


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def send(page: Page, code: str, path, *, expires: str = "") -> None:
    row = page.locator(f"#check-{code}")
    row.get_by_label(re.compile(r"Document \(PDF")).set_input_files(path)
    if expires:
        row.get_by_label("Valable jusqu'au").fill(expires)
    row.get_by_role("button", name="Envoyer").click()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_documents_step_opens_at_the_refused_document(
    page: Page, live_server, taxonomy, tmp_path, screen
):
    page.set_viewport_size(SCREENS[screen])
    applicant = UserFactory(email=APPLICANT)
    application = Application.objects.create(
        applicant=applicant, legal_name="Cuisines du Rhône", siren="732829320",
        postal_code="69002", city="Lyon", services_description="Cuisines sur mesure.",
    )  # fmt: skip
    application.professions.set([Profession.objects.get(slug="cuisiniste")])
    fake = tmp_path / "attestation.png"
    fake.write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    log_in(page, live_server.url, APPLICANT)
    page.goto(live_server.url + "/rejoindre/etape/4/")

    send(page, "decennale", fake, expires="2099-01-01")
    error = "#check-decennale [role=alert]"
    expect(page.locator(error)).to_contain_text("Envoyez un document PDF, JPEG ou PNG.")
    assert in_view(page, error), "the error is off screen"
    assert not Evidence.objects.exists()
    assert_accessible(page)


def test_the_pro_space_opens_at_the_refused_document(page: Page, live_server, tmp_path):
    page.set_viewport_size(SCREENS["phone"])
    company = owned_electrician()
    empty = tmp_path / "attestation.pdf"
    empty.write_bytes(b"")
    log_in(page, live_server.url, PRO_EMAIL)
    page.goto(f"{live_server.url}/espace-pro/{company.pk}/verifications/")

    send(page, "rc_pro", empty, expires="2099-01-01")
    error = "#check-rc_pro [role=alert]"
    expect(page.locator(error)).to_contain_text("Le fichier soumis est vide.")
    assert in_view(page, error), "the error is off screen"
    assert not Evidence.objects.exists()
