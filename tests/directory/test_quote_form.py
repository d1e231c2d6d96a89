"""The quote form people fill: no answer chosen for them, the e-mail typed
twice side by side, the phone required as soon as they ask to be called,
every error listed at the top, phones stored in E.164."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.urls import reverse

from directory.models import QuoteRequest
from directory.quotes.forms import QuoteRequestForm
from tests.conftest import PASSWORD
from tests.factories import QuoteRequestFactory

pytestmark = pytest.mark.django_db

NEED = "Mise aux normes du tableau électrique d'un appartement de 70 m² à Lyon."


def form_data(**overrides) -> dict:
    data = {
        "need": NEED,
        "postal_code": "69003",
        "city": "Lyon",
        "timeframe": "month",
        "budget": "1000-5000",
        "contact_preference": "email",
        "name": "Claire Client",
        "email": "claire@example.fr",
        "email_confirmation": "claire@example.fr",
        "phone": "",
        "website": "",
    }
    return {key: value for key, value in {**data, **overrides}.items() if value is not None}


def url(company) -> str:
    return reverse("directory:quote-request", args=[company.slug])


def text(response) -> str:
    return htmllib.unescape(response.content.decode())


def test_no_answer_is_chosen_in_advance(client, cast):
    html = client.get(url(cast.company_a)).content.decode()
    assert "---------" not in html
    for name in ("timeframe", "budget", "contact_preference"):
        radios = re.findall(rf'<input type="radio" name="{name}"[^>]*>', html)
        assert len(radios) >= 2, name
        assert not any("checked" in radio for radio in radios), name
        assert all("required" in radio for radio in radios), name
        assert f'<fieldset class="field choice-group" id="id_{name}"' in html
    assert "<legend>Délai" in html
    assert "<legend>Budget" in html
    assert "<legend>Contact préféré" in html


@pytest.mark.parametrize("logged_in", [False, True])
def test_fields_come_in_the_order_people_answer(client, cast, logged_in):
    if logged_in:
        client.login(username=cast.consumer.username, password=PASSWORD)
    html = client.get(url(cast.company_a)).content.decode()
    names = list(dict.fromkeys(re.findall(r'name="(\w+)"', html.split("quote-form", 1)[1])))
    names.remove("csrfmiddlewaretoken")
    expected = ["need", "profession", "postal_code", "city", "timeframe", "budget", "name"]
    expected += [] if logged_in else ["email", "email_confirmation"]
    expected += ["contact_preference", "phone", "website", "parrain"]  # parrain: hidden
    assert names == expected


@pytest.mark.parametrize(
    ("missing", "anchor", "message"),
    [
        ("timeframe", "id_timeframe_0", "Choisissez quand la prestation doit avoir lieu."),
        ("budget", "id_budget_0", "Choisissez un budget, ou « Je ne sais pas encore »."),
        ("contact_preference", "id_contact_preference_0", "Choisissez comment être contacté."),
        ("need", "id_need", "Décrivez votre besoin."),
        ("postal_code", "id_postal_code", "Indiquez le code postal du lieu."),
        ("city", "id_city", "Indiquez la ville du lieu."),
        ("name", "id_name", "Indiquez votre nom."),
        ("email", "id_email", "Indiquez votre adresse e-mail."),
        (
            "email_confirmation",
            "id_email_confirmation",
            "Saisissez à nouveau votre adresse e-mail.",
        ),
    ],
)
def test_a_required_answer_left_blank_says_what_to_do(client, cast, missing, anchor, message):
    response = client.post(url(cast.company_a), form_data(**{missing: None}))
    assert response.status_code == 200
    html = text(response)
    assert f'href="#{anchor}"' in html
    assert message in html
    assert "Ce champ est obligatoire" not in html
    assert not QuoteRequest.objects.exists()


@pytest.mark.parametrize("phone", ["", "   "])
def test_by_phone_without_a_number_is_refused(client, cast, phone):
    response = client.post(url(cast.company_a), form_data(contact_preference="phone", phone=phone))
    assert response.status_code == 200
    html = text(response)
    assert "Indiquez un numéro de téléphone pour être rappelé" in html
    assert 'href="#id_phone"' in html
    # The form shown again marks the phone required for the browser too.
    assert re.search(r'<input type="tel" name="phone"[^>]* required', html)
    assert not QuoteRequest.objects.exists()


def test_by_email_the_phone_stays_optional(client, cast):
    html = client.get(url(cast.company_a)).content.decode()
    assert not re.search(r'<input type="tel" name="phone"[^>]* required', html)
    assert "data-phone-mark hidden" in html
    assert client.post(url(cast.company_a), form_data(phone="")).status_code == 302
    assert QuoteRequest.objects.get().phone == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 99 05 60 90", "+33699056090"),
        ("0699056090", "+33699056090"),
        ("06.99.05.60.90", "+33699056090"),
        ("06-99-05-60-90", "+33699056090"),
        ("+33 6 99 05 60 90", "+33699056090"),
        ("+33 (0)6 99 05 60 90", "+33699056090"),
        ("0033 6 99 05 60 90", "+33699056090"),
        ("+33699056090", "+33699056090"),
        ("04 78 12 34 56", "+33478123456"),
        ("+32 470 12 34 56", "+32470123456"),
    ],
)
def test_phone_typed_in_any_usual_way_is_stored_in_e164(client, cast, typed, stored):
    response = client.post(url(cast.company_a), form_data(contact_preference="phone", phone=typed))
    assert response.status_code == 302, text(response)[:2000]
    assert QuoteRequest.objects.get().phone == stored


@pytest.mark.parametrize(
    "typed", ["123", "06 99 05", "appelez-moi", "+33 6", "06 99 05 60 90 90 90"]
)
def test_phone_that_does_not_dial_is_refused_once(client, cast, typed):
    response = client.post(url(cast.company_a), form_data(contact_preference="phone", phone=typed))
    assert response.status_code == 200
    html = text(response)
    assert "Saisissez un numéro de téléphone valide" in html
    assert "pour être rappelé" not in html  # one error, the one that helps
    assert not QuoteRequest.objects.exists()


def test_error_summary_lists_every_error_with_links_to_the_fields(client, cast):
    response = client.post(
        url(cast.company_a),
        form_data(
            need="trop court",
            postal_code="6900",
            timeframe=None,
            email_confirmation="autre@example.fr",
            contact_preference="phone",
            phone="",
        ),
    )
    html = text(response)
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    opening = summary.split(">", 1)[0]
    assert 'role="alert"' in opening
    assert 'tabindex="-1"' in opening
    assert "5 réponses sont à corriger" in summary
    anchors = re.findall(r'href="#([\w-]+)"', summary)
    assert anchors == [
        "id_need",
        "id_postal_code",
        "id_timeframe_0",
        "id_email_confirmation",
        "id_phone",
    ]
    for anchor in anchors:  # every link leads to a field of the page
        assert f'id="{anchor}"' in html
    assert "Votre besoin : " in summary
    # The summary comes before the form, and the title says there are errors.
    assert html.index('id="error-summary"') < html.index('class="stacked-form quote-form"')
    assert "<title>Erreur :" in html


def test_form_wide_errors_are_in_the_summary_too(client, cast, settings):
    settings.QUOTE_RATE_PER_IP = "1/h"
    assert client.post(url(cast.company_a), form_data()).status_code == 302
    html = text(client.post(url(cast.company_a), form_data(need=NEED + " Autre.")))
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Trop de demandes" in summary


def test_valid_form_shows_no_summary(client, cast):
    html = client.get(url(cast.company_a)).content.decode()
    assert "error-summary" not in html.split("<main", 1)[1]


def test_form_class_summary_order_matches_the_page(cast):
    form = QuoteRequestForm(data=form_data(budget=None, email=None), company=cast.company_a)
    assert not form.is_valid()
    assert [anchor for anchor, _label, _message in form.error_summary()] == [
        "id_budget_0",
        "id_email",
    ]


def test_pro_sees_the_requesters_phone_the_french_way(client, cast):
    quote = QuoteRequestFactory(company=cast.company_a, phone="+33699056090")
    client.login(username=cast.member_a.username, password=PASSWORD)
    html = client.get(reverse("directory:pro-quote", args=[cast.company_a.pk, quote.pk]))
    page = html.content.decode()
    assert '<a href="tel:+33699056090">06 99 05 60 90</a>' in page


@pytest.mark.parametrize(
    ("postal_code", "city"),
    [
        ("69003", "Lyon"),
        ("69003", "lyon 3e"),
        ("69100", "Villeurbanne"),
        ("75015", "Paris 15e"),
        ("75007", "PARIS"),
        ("50100", "Cherbourg-Octeville"),
        ("97400", "Saint-Denis"),
        ("93200", "St-Denis"),
        ("20000", "Ajaccio"),
    ],
)
def test_a_postal_code_and_its_town_are_accepted_as_people_write_them(
    client, cast, postal_code, city
):
    response = client.post(url(cast.company_a), form_data(postal_code=postal_code, city=city))
    assert response.status_code == 302, text(response)[:2000]
    assert QuoteRequest.objects.get().city == city


@pytest.mark.parametrize(
    ("postal_code", "city", "message"),
    [
        ("69003", "Marseille", "Le code postal 69003 dessert"),
        ("75015", "Lyon", "Le code postal 75015 dessert"),
        ("13001", "Villeurbanne", "Le code postal 13001 dessert"),
        ("97400", "Saint-Denis 93", "93"),
        ("69003", "Trifouilly-les-Oies", "Trifouilly-les-Oies"),
        ("69003", "69100 Villeurbanne", "69100"),
    ],
)
def test_a_town_the_postal_code_does_not_serve_is_refused(client, cast, postal_code, city, message):
    response = client.post(url(cast.company_a), form_data(postal_code=postal_code, city=city))
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert 'href="#id_city"' in html  # in the error summary, linked to the field
    assert not QuoteRequest.objects.exists()


@pytest.mark.parametrize("name", ["🙂🙂", "---", "12345", "<b>Claire</b>", "<script>", "   .   "])
def test_a_name_without_letters_or_with_markup_is_refused(client, cast, name):
    response = client.post(url(cast.company_a), form_data(name=name))
    assert response.status_code == 200
    html = text(response)
    assert "Écrivez le nom" in html
    assert not QuoteRequest.objects.exists()


@pytest.mark.parametrize(
    "name", ["Zoë Læticia", "Łukasz Wąs", "李小龍", "N'Diaye O'Neil", "Jean-Éric"]
)
def test_names_in_any_alphabet_are_accepted(client, cast, name):
    response = client.post(url(cast.company_a), form_data(name=name))
    assert response.status_code == 302, text(response)[:2000]
    assert QuoteRequest.objects.get().name == name


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("a" * 250 + "@exemple.fr", "Une adresse e-mail comporte au plus 254 caractères"),
        ("a" * 400 + "@exemple.fr", "Une adresse e-mail comporte au plus 254 caractères"),
        ("hélène@exemple.fr", "Les accents et autres lettres spéciales ne sont pas acceptés"),
        ("claire@localhost", "La partie après le @ doit être un domaine complet"),
    ],
)
def test_an_address_the_column_or_a_mailbox_cannot_hold_is_refused(client, cast, email, message):
    response = client.post(url(cast.company_a), form_data(email=email, email_confirmation=email))
    assert response.status_code == 200
    assert message in text(response)
    assert not QuoteRequest.objects.exists()


def test_the_longest_address_is_stored_whole(client, cast):
    email = "a" * 243 + "@exemple.fr"
    response = client.post(url(cast.company_a), form_data(email=email, email_confirmation=email))
    assert response.status_code == 302
    assert QuoteRequest.objects.get().email == email
