"""Forms people can fill (issue 11): the trade picker, no pre-selected
empty answer anywhere, questions that depend on the trades chosen, the
recap and reply time of step 4, the "application received" e-mail, phones
in E.164, and the staff detail that speaks about the applicant."""

from __future__ import annotations

import html
import importlib
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st
from post_office.models import Email

from directory.models import Profession
from eligibility import selectors, services
from eligibility.models import Application, ApplicationEvent, ApplicationStatus
from eligibility.screening import (
    HOSPITALITY_TRADES,
    QUESTIONS,
    Answers,
    Category,
    DecisionTime,
    InvoiceNames,
    Trade,
    questions_for,
    screen,
)
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory, UserFactory, checks_pass

pytestmark = pytest.mark.django_db

IDENTITY = {
    "legal_name": "Cuisines du Rhône",
    "siren": "732 829 320",
    "address": "4 quai Saint-Antoine",
    "postal_code": "69002",
    "city": "lyon",
    "phone": "06 99 05 60 90",
    "year_founded": "2012",
}
ANSWERS = {
    "new_clients_per_day": "2",
    "average_amount_eur": "8000",
    "decision_time": "days_or_more",
    "invoices_name_client": "yes",
    "exceptional_event": "True",
}


@pytest.fixture(autouse=True)
def _french():
    # A request to an /en/ page leaves English active in the test's thread.
    translation.activate("fr")
    yield
    translation.activate("fr")


def step(number: int) -> str:
    return reverse("eligibility:step", args=[number])


@pytest.fixture
def logged_in(client, applicant):
    client.login(username=applicant.username, password=PASSWORD)
    return client


def activity(*professions: Profession, **extra: str) -> dict[str, object]:
    return {
        "professions": [profession.pk for profession in professions],
        "serves_consumers": "on",
        "services_description": "Ce que nous faisons, pour qui, où.",
        **extra,
    }


def apply_up_to_step_3(client, *professions: Profession) -> Application:
    assert client.post(step(1), IDENTITY).status_code == 302
    assert client.post(step(2), activity(*professions)).status_code == 302
    return Application.objects.get(siren="732829320")


# --- The trade picker --------------------------------------------------------------------


class Inputs(HTMLParser):
    """The form controls of a page: checkboxes, radios, selects and their
    options, fieldset legends."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.selects: list[dict[str, object]] = []
        self.legends: list[str] = []
        self._in_option: dict[str, object] | None = None
        self._in_legend = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        if tag == "input":
            self.inputs.append(data)
        elif tag == "select":
            self.selects.append({**data, "options": []})
        elif tag == "option":
            self._in_option = {**data, "text": ""}
            self.selects[-1]["options"].append(self._in_option)  # type: ignore[attr-defined]
        elif tag == "legend":
            self._in_legend = True
            self.legends.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._in_option = None
        elif tag == "legend":
            self._in_legend = False

    def handle_data(self, data: str) -> None:
        if self._in_option is not None:
            self._in_option["text"] = str(self._in_option["text"]) + data
        if self._in_legend:
            self.legends[-1] += data


def text(response) -> str:
    """A page's HTML with its entities read ("l'annuaire", not "l&#x27;…")."""
    return html.unescape(response.content.decode())


def controls(page_html: str) -> Inputs:
    parser = Inputs()
    parser.feed(page_html)
    return parser


def test_step_2_lists_every_trade_as_a_checkbox_grouped_by_sector(logged_in, taxonomy, places):
    logged_in.post(step(1), IDENTITY)
    page_html = text(logged_in.get(step(2)))
    page = controls(page_html)
    boxes = [i for i in page.inputs if i.get("name") == "professions"]
    assert len(boxes) == len(taxonomy) == Profession.objects.count()
    assert all(box["type"] == "checkbox" for box in boxes)
    assert not [s for s in page.selects if s.get("name") == "professions"]
    legends = {legend.strip() for legend in page.legends}
    assert {"Habitat et travaux", "Enfance et famille", "Événementiel et réceptions"} <= legends
    assert "Ctrl" not in page_html
    # The filter box comes with its script, labelled, hidden until it runs.
    assert 'src="/static/js/trade-picker.js"' in page_html
    assert '<label for="id_professions_filter">Chercher un métier</label>' in page_html
    assert "Aucun métier choisi pour l'instant" in page_html


def test_trades_across_sectors_are_saved_without_javascript(logged_in, taxonomy, places):
    chosen = [taxonomy[slug] for slug in ("menuisier", "garde-enfants", "traiteur", "avocat")]
    application = apply_up_to_step_3(logged_in, *chosen)
    assert set(application.professions.all()) == set(chosen)
    page_html = text(logged_in.get(step(2)))
    checked = {i.get("value") for i in controls(page_html).inputs if "checked" in i}
    assert {str(p.pk) for p in chosen} <= checked
    assert "4 métiers choisis — " in page_html


def test_an_invalid_step_2_keeps_every_tick(logged_in, taxonomy, places):
    logged_in.post(step(1), IDENTITY)
    chosen = [taxonomy["plombier"], taxonomy["electricien"], taxonomy["garde-enfants"]]
    response = logged_in.post(step(2), activity(*chosen, services_description=""))
    assert response.status_code == 200
    page_html = text(response)
    assert "Ce champ est obligatoire" in page_html
    checked = {
        i["value"]
        for i in controls(page_html).inputs
        if i.get("name") == "professions" and "checked" in i
    }
    assert checked == {str(p.pk) for p in chosen}
    assert not Application.objects.get().professions.exists()


@pytest.mark.parametrize("bad", [["999999"], ["abc"], ["1; DROP TABLE"]])
def test_an_unknown_trade_is_a_clear_error_and_changes_nothing(logged_in, taxonomy, places, bad):
    logged_in.post(step(1), IDENTITY)
    response = logged_in.post(step(2), {**activity(), "professions": bad})
    assert response.status_code == 200
    assert 'class="errorlist"' in text(response)
    assert not Application.objects.get().professions.exists()


@pytest.fixture
def pro(client, taxonomy, places):
    company = CompanyFactory(primary_profession=taxonomy["plombier"], place=places["lyon"])
    user = UserFactory(email="pro@plomberie.fr")
    MembershipFactory(company=company, user=user, role="owner")
    client.login(username=user.username, password=PASSWORD)
    return company


def test_the_profile_picks_other_trades_in_the_same_picker(client, pro, taxonomy):
    url = reverse("directory:pro-profile", args=[pro.pk])
    page_html = text(client.get(url))
    boxes = [i for i in controls(page_html).inputs if i.get("name") == "other_professions"]
    assert len(boxes) == Profession.objects.public().count()
    # Excluded trades feed eligibility only: a pro cannot list itself as one.
    assert str(taxonomy["restaurant"].pk) not in {box["value"] for box in boxes}
    assert "Ctrl" not in page_html
    assert 'src="/static/js/trade-picker.js"' in page_html


def test_the_profile_does_not_accept_an_excluded_trade(client, pro, taxonomy):
    url = reverse("directory:pro-profile", args=[pro.pk])
    data = {
        "trade_name": pro.trade_name,
        "description": "Plomberie",
        "primary_profession": taxonomy["plombier"].pk,
        "address": "1 rue de la République",
        "postal_code": "69002",
        "city": "Lyon",
        "intervention_radius_km": "20",
        "serves_consumers": "on",
        "other_professions": [taxonomy["restaurant"].pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "choix valide" in text(response)


# --- No pre-selected empty answer --------------------------------------------------------

DASHES = re.compile(r"-{3,}")


def empty_preselected(page_html: str) -> list[str]:
    """The required questions of a page that come with an empty answer
    already chosen, or offer "---------" as an answer."""
    page = controls(page_html)
    faults = []
    for select in page.selects:
        options = select["options"]
        assert isinstance(options, list)
        chosen = [o for o in options if "selected" in o] or options[:1]
        for option in chosen:
            if option.get("value", "") == "" and (
                "required" in select and DASHES.search(str(option["text"]))
            ):
                faults.append(f"select {select.get('name')}: {option['text']!r} pre-selected")
        faults += [
            f"select {select.get('name')}: offers {o['text']!r}"
            for o in options
            if DASHES.search(str(o["text"]))
        ]
    for field in page.inputs:
        if field.get("type") == "radio" and field.get("value", "") == "":
            faults.append(f"radio {field.get('name')}: an empty answer")
    if DASHES.search(re.sub(r"<!--.*?-->", "", page_html, flags=re.S)):
        faults.append("'---' shown on the page")
    return faults


def test_the_check_catches_the_old_fault():
    old = (
        '<select name="primary_profession" required><option value="" selected>---------'
        '</option><option value="1">Plombier</option></select>'
        '<input type="radio" name="decision_time" value="" checked>'
    )
    assert len(empty_preselected(old)) >= 3
    prompt = (
        '<select name="p" required><option value="">Choisissez votre métier principal</option>'
        '<option value="1">Plombier</option></select>'
    )
    assert empty_preselected(prompt) == []


@pytest.mark.parametrize(
    "slugs",
    [
        ("menuisier",),
        ("restaurant",),
        ("garde-enfants", "hotel"),
        ("traiteur", "boulangerie"),
        (),
    ],
)
def test_no_form_of_the_application_preselects_an_empty_answer(logged_in, taxonomy, places, slugs):
    pages = {"step 1 (blank)": text(logged_in.get(step(1)))}
    logged_in.post(step(1), IDENTITY)
    professions = [taxonomy[slug] for slug in slugs]
    logged_in.post(step(2), activity(*professions, other_profession="" if slugs else "Sellier"))
    for number in (1, 2, 3, 4):
        pages[f"step {number}"] = text(logged_in.get(step(number)))
    # A step sent back with errors, too.
    pages["step 3 (errors)"] = text(logged_in.post(step(3), {}))
    faults = {name: empty_preselected(page_html) for name, page_html in pages.items()}
    assert faults == {name: [] for name in pages}
    # Radio questions come with no answer ticked.
    assert not [i for i in controls(pages["step 3"]).inputs if "checked" in i]


def test_the_pro_profile_preselects_no_empty_answer(client, pro):
    page_html = text(client.get(reverse("directory:pro-profile", args=[pro.pk])))
    assert empty_preselected(page_html) == []
    assert "Choisissez votre métier principal" in page_html


# --- Questions per trade -----------------------------------------------------------------


def fields_for(*trades: Trade) -> set[str]:
    return {question.field for question in questions_for(trades)}


BASE = {"new_clients_per_day", "decision_time", "invoices_name_client"}


@pytest.mark.parametrize(
    ("slugs", "expected"),
    [
        (("menuisier",), BASE | {"average_amount_eur"}),
        (("cuisiniste", "menuisier"), BASE | {"average_amount_eur"}),
        (("traiteur",), BASE | {"average_amount_eur"}),
        (("boulangerie",), BASE | {"average_amount_eur"}),
        (("restaurant",), BASE | {"average_amount_eur", "exceptional_event"}),
        (("hotel",), BASE | {"average_amount_eur", "exceptional_event"}),
        (("chambre-hotes", "traiteur"), BASE | {"average_amount_eur", "exceptional_event"}),
        (("garde-enfants",), BASE),
        (("implantologie-dentaire",), BASE),
        (("garde-enfants", "restaurant"), BASE | {"exceptional_event"}),
        ((), BASE | {"average_amount_eur"}),
    ],
)
def test_the_questions_depend_on_the_trades(taxonomy, slugs, expected):
    trades = services.trades_of(taxonomy[slug] for slug in slugs)
    assert fields_for(*trades) == expected


def test_every_trade_of_the_taxonomy_gets_the_questions_its_rules_read(taxonomy):
    for profession in taxonomy.values():
        fields = fields_for(*services.trades_of([profession]))
        assert ("exceptional_event" in fields) == (profession.slug in HOSPITALITY_TRADES)
        assert ("average_amount_eur" in fields) == (not profession.is_trust_profession)
        assert fields >= BASE


TRADES = st.lists(
    st.builds(
        Trade,
        slug=st.sampled_from(["menuisier", "restaurant", "hotel", "boulangerie", "traiteur"]),
        trust=st.booleans(),
        category=st.sampled_from(list(Category)),
    ),
    max_size=3,
).map(tuple)
ANSWER_VALUES = {
    "new_clients_per_day": st.none() | st.floats(0, 50),
    "average_amount_eur": st.none() | st.floats(0, 20_000),
    "decision_time": st.none() | st.sampled_from(list(DecisionTime)),
    "invoices_name_client": st.none() | st.sampled_from(list(InvoiceNames)),
    "exceptional_event": st.none() | st.booleans(),
}


@settings(max_examples=300, deadline=None)
@given(trades=TRADES, first=st.fixed_dictionaries(ANSWER_VALUES), other=st.data())
def test_an_unasked_answer_never_changes_the_screening(trades, first, other):
    """The rule behind the table: whatever is answered to a question not
    asked of these trades, the verdict and every rule's outcome stay."""
    asked = fields_for(*trades)
    changed = {
        name: (first[name] if name in asked else other.draw(strategy))
        for name, strategy in ANSWER_VALUES.items()
    }
    a = screen(Answers(**first, trades=trades))
    b = screen(Answers(**changed, trades=trades))
    assert a.verdict == b.verdict
    assert [r.outcome for r in a.rules] == [r.outcome for r in b.rules]


def test_a_joiner_is_not_asked_about_restaurants(logged_in, taxonomy, places):
    apply_up_to_step_3(logged_in, taxonomy["menuisier"])
    page_html = text(logged_in.get(step(3)))
    assert 'name="exceptional_event"' not in page_html
    assert "restaurant" not in page_html.lower()
    assert 'name="average_amount_eur"' in page_html


def test_a_restaurant_must_answer_the_exceptional_event_question(logged_in, taxonomy, places):
    application = apply_up_to_step_3(logged_in, taxonomy["restaurant"])
    page_html = text(logged_in.get(step(3)))
    assert "Restaurant ou hôtel, ne servez-vous que des événements exceptionnels" in page_html
    without = {k: v for k, v in ANSWERS.items() if k != "exceptional_event"}
    response = logged_in.post(step(3), without)
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in text(response)
    application.refresh_from_db()
    assert application.new_clients_per_day is None
    assert logged_in.post(step(3), ANSWERS).status_code == 302
    application.refresh_from_db()
    assert application.exceptional_event is True


def test_a_nanny_is_not_asked_the_amount_and_can_send(logged_in, taxonomy, places, applicant):
    application = apply_up_to_step_3(logged_in, taxonomy["garde-enfants"])
    page_html = text(logged_in.get(step(3)))
    assert 'name="average_amount_eur"' not in page_html
    answers = {k: v for k, v in ANSWERS.items() if k not in ("average_amount_eur",)}
    assert logged_in.post(step(3), answers).status_code == 302
    application.refresh_from_db()
    assert services.application_missing(application) == []
    assert logged_in.post(step(5), {"message": ""}).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.verdict == "eligible"


def test_changing_trades_forgets_answers_no_longer_asked(logged_in, taxonomy, places):
    application = apply_up_to_step_3(logged_in, taxonomy["restaurant"])
    logged_in.post(step(3), ANSWERS)
    logged_in.post(step(2), activity(taxonomy["menuisier"]))
    application.refresh_from_db()
    assert application.exceptional_event is None
    assert application.average_amount_eur == 8000
    logged_in.post(step(2), activity(taxonomy["garde-enfants"]))
    application.refresh_from_db()
    assert application.average_amount_eur is None
    assert application.verdict == "eligible"


# --- Step 4: recap and reply time ---------------------------------------------------------


def test_step_4_recaps_every_answer_with_a_link_to_each_step(logged_in, taxonomy, places):
    apply_up_to_step_3(logged_in, taxonomy["cuisiniste"], taxonomy["electricien"])
    logged_in.post(step(3), ANSWERS)
    page_html = text(logged_in.get(step(5)))
    recap = page_html[
        page_html.index('class="recap"') : page_html.index("Le pré-examen de vos réponses")
    ]
    for shown in (
        "Cuisines du Rhône",
        "732 829 320",
        "4 quai Saint-Antoine, 69002 Lyon 2e Arrondissement",
        "06 99 05 60 90",
        "2012",
        "Cuisiniste, Électricien",
        "Particuliers (B2C)",
        "Ce que nous faisons, pour qui, où.",
        "Combien de nouveaux clients avez-vous par jour, en moyenne ?",
        "8\u202f000,00\xa0€",
        "Plusieurs jours ou plus",
        "Vos factures portent-elles le nom du client ?",
        "Oui, toujours",
    ):
        assert shown in recap, shown
    for number in (1, 2, 3):
        assert f'href="{step(number)}"' in recap
    # Not asked of a kitchen installer: not recapped either.
    assert "événements exceptionnels" not in recap
    assert "None" not in recap
    assert "Notre équipe de vérification répond en général sous 3 jours" in page_html
    assert "son engagement, tant que trop peu de réponses ont été mesurées" in page_html


def test_a_missing_answer_is_listed_and_stops_the_submission(logged_in, taxonomy, places):
    apply_up_to_step_3(logged_in, taxonomy["menuisier"])
    page_html = text(logged_in.get(step(5)))
    assert "<li>Vos factures portent-elles le nom du client ?</li>" in page_html
    assert "—" in page_html  # unanswered, not "None"
    response = logged_in.post(step(5), {"message": "Merci"})
    assert response.status_code == 200
    assert Application.objects.get().status == ApplicationStatus.DRAFT
    assert not Email.objects.exists()


def replied(days: float, *, ago: int = 10) -> None:
    """An application first sent ``ago`` days ago, answered ``days`` later."""
    user = UserFactory()
    sent = timezone.now() - timedelta(days=ago)
    application = Application.objects.create(
        applicant=user, status=ApplicationStatus.APPROVED, submitted_at=sent
    )
    # The answer, recorded then: history entries are written once.
    with time_machine.travel(sent + timedelta(days=days)):
        ApplicationEvent.objects.create(
            application=application,
            kind=ApplicationEvent.Kind.TRANSITION,
            from_status=ApplicationStatus.SUBMITTED,
            to_status=ApplicationStatus.NEEDS_INFORMATION,
        )


def test_the_reply_time_is_the_setting_until_enough_replies_are_measured(db, settings):
    settings.ELIGIBILITY_REPLY_DAYS = 4
    for days in (0.5, 1, 2, 6):
        replied(days)
    assert selectors.expected_reply_time() == selectors.ReplyTime(days=4, measured=0)


def test_the_reply_time_is_the_median_of_recent_first_replies(db):
    for days in (0.1, 0.8, 1.5, 1.2, 9):
        replied(days)
    replied(40, ago=200)  # outside the 90-day window
    assert selectors.expected_reply_time() == selectors.ReplyTime(days=2, measured=5)


def test_step_4_says_the_measured_reply_time(logged_in, taxonomy, places):
    for days in (0.2, 0.3, 0.4, 0.5, 0.6):
        replied(days)
    apply_up_to_step_3(logged_in, taxonomy["menuisier"])
    page_html = text(logged_in.get(step(5)))
    assert "répond en général sous 1 jour" in page_html
    assert "la médiane de ses 5 dernières premières réponses" in page_html


# --- The "application received" e-mail ----------------------------------------------------

# "None", a tag left as is, empty quotes, two spaces where a word was
# ("Bonjour, c'est  !"), a line that starts with a space.
PLACEHOLDER_FAULTS = re.compile(r"None|\{\{|\}\}|\{%|''|\"\"|\S  +\S|^ +\S", re.M)


def sent_application(client, taxonomy, language: str = "fr") -> Application:
    """Sent from the pages in ``language`` (English pages are under /en/)."""
    apply_up_to_step_3(client, taxonomy["cuisiniste"])
    client.post(step(3), ANSWERS)
    with translation.override(language):
        send = step(5)
    assert client.post(send, {"message": ""}).status_code == 302
    return Application.objects.get(siren="732829320")


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("fr", "Candidature reçue : Cuisines du Rhône", "Nous avons bien reçu la candidature"),
        ("en", "Application received: Cuisines du Rhône", "We have received the application"),
    ],
)
def test_the_applicant_gets_one_received_email_in_their_language(
    logged_in, taxonomy, places, applicant, language, subject, words
):
    application = sent_application(logged_in, taxonomy, language)
    assert application.language == language
    emails = list(Email.objects.all())
    assert len(emails) == 1
    email = emails[0]
    assert email.to == [applicant.email]
    assert email.subject == f"[Plus que pro] {subject}"
    assert words in email.message
    assert "http://127.0.0.1:8000/rejoindre/suivi/" in email.message
    assert re.search(r"\b3\b", email.message)
    for text in (email.subject, email.message):
        assert not PLACEHOLDER_FAULTS.search(text), text


def test_the_follow_page_says_when_to_expect_an_answer(logged_in, taxonomy, places):
    sent_application(logged_in, taxonomy)
    page_html = text(logged_in.get(reverse("eligibility:follow")))
    assert "Notre équipe de vérification répond en général sous 3 jours." in page_html


def test_sending_twice_or_answering_a_question_sends_no_second_received_email(
    logged_in, taxonomy, places, applicant
):
    application = sent_application(logged_in, taxonomy)
    # A second click on "send" finds an application already sent.
    assert logged_in.post(step(5), {"message": ""}).status_code == 302
    vetter = UserFactory(is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    services.application_request_information(
        application=application, actor=vetter, question="Votre Kbis ?"
    )
    logged_in.post(step(5), {"message": "Le voici."})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    subjects = list(Email.objects.order_by("pk").values_list("subject", flat=True))
    assert len([s for s in subjects if "Candidature reçue" in s]) == 1
    assert len(subjects) == 2  # received, then the question


def test_the_decision_is_written_in_the_applicant_language(logged_in, taxonomy, places):
    application = sent_application(logged_in, taxonomy, "en")
    vetter = UserFactory(is_staff=True)
    services.application_reject(application=application, actor=vetter, reason="Out of scope.")
    rejection = Email.objects.order_by("-pk").first()
    assert "Candidature" not in rejection.subject
    assert "Out of scope." in rejection.message


# --- Phone numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 99 05 60 90", "+33699056090"),
        ("06.99.05.60.90", "+33699056090"),
        ("+33 6 99 05 60 90", "+33699056090"),
        ("0033699056090", "+33699056090"),
        ("", ""),
    ],
)
def test_the_phone_is_stored_in_e164_and_shown_the_french_way(logged_in, places, typed, stored):
    assert logged_in.post(step(1), {**IDENTITY, "phone": typed}).status_code == 302
    assert Application.objects.get().phone == stored
    if stored:
        assert 'value="06 99 05 60 90"' in text(logged_in.get(step(1)))


@pytest.mark.parametrize("typed", ["12", "06 99 05", "téléphone", "+999 123"])
def test_an_unreadable_phone_is_a_clear_error_and_changes_nothing(logged_in, places, typed):
    response = logged_in.post(step(1), {**IDENTITY, "phone": typed})
    assert response.status_code == 200
    assert "Saisissez un numéro de téléphone valide" in text(response)
    assert not Application.objects.exists()


def test_the_migration_converts_readable_phones_and_keeps_the_others(applicant):
    typed = {
        "06 99 05 60 90": "+33699056090",
        "0478123456": "+33478123456",
        "+32 2 511 12 34": "+3225111234",
        "+33699056090": "+33699056090",
        "n/a": "n/a",
        "12": "12",
        "": "",
    }
    rows = [Application.objects.create(applicant=applicant, phone=raw, siren="") for raw in typed]
    migration = importlib.import_module("eligibility.migrations.0004_application_phone_e164")
    migration.to_e164(apps, None)
    for row, raw in zip(rows, typed, strict=True):
        row.refresh_from_db()
        assert row.phone == typed[raw], raw


# --- The staff detail ---------------------------------------------------------------------


@pytest.fixture
def vetter(client):
    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def submitted(complete_application, applicant):
    complete_application.phone = "+33699056090"
    complete_application.save()
    with time_machine.travel(timezone.now() - timedelta(days=3, hours=5)):
        services.application_submit(application=complete_application, actor=applicant)
    return complete_application


def test_the_detail_speaks_about_the_applicant(client, vetter, submitted):
    client.force_login(vetter)
    page_html = text(client.get(reverse("eligibility:detail", args=[submitted.pk])))
    main = page_html[page_html.index("<main") :]
    for said in (
        "Ses clients prennent le temps de choisir",
        "Ses factures portent le nom du client",
        "Son métier entre dans le périmètre de l'annuaire",
        "Combien de nouveaux clients a-t-il par jour, en moyenne ?",
        "Ses factures portent-elles le nom du client ?",
    ):
        assert said in main, said
    for second_person in ("Vos ", "Votre ", "vous ", "Your "):
        assert second_person not in main, second_person


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(8000, "8\u202f000,00\xa0€"), (1250, "1\u202f250,00\xa0€"), (999, "999,00\xa0€")],
)
def test_the_detail_formats_amounts_the_same_way_everywhere(
    client, vetter, submitted, amount, shown
):
    Application.objects.filter(pk=submitted.pk).update(average_amount_eur=amount)
    client.force_login(vetter)
    page_html = text(client.get(reverse("eligibility:detail", args=[submitted.pk])))
    # In the answers and in the screening message alike.
    assert page_html.count(shown) >= 2
    assert f"{amount} €" not in page_html


def test_the_detail_and_queue_show_the_wait_in_days(client, vetter, submitted):
    client.force_login(vetter)
    detail = text(client.get(reverse("eligibility:detail", args=[submitted.pk])))
    assert "en attente depuis 3 j" in detail
    assert "06 99 05 60 90" in detail
    queue = text(client.get(reverse("eligibility:queue")))
    assert "3 j" in queue
    assert "heure" not in queue


def test_an_application_sent_today_waits_since_today(client, vetter, complete_application):
    services.application_submit(
        application=complete_application, actor=complete_application.applicant
    )
    client.force_login(vetter)
    url = reverse("eligibility:detail", args=[complete_application.pk])
    assert "en attente depuis aujourd'hui" in text(client.get(url))


def test_a_decided_application_no_longer_waits(client, vetter, submitted):
    checks_pass(submitted, vetter)
    services.application_approve(application=submitted, actor=vetter)
    client.force_login(vetter)
    page_html = text(client.get(reverse("eligibility:detail", args=[submitted.pk])))
    assert "en attente depuis" not in page_html


def test_every_question_has_both_voices():
    for question in QUESTIONS:
        assert str(question.label) != str(question.staff_label)


def test_no_vetting_form_offers_dashes(client, vetter, submitted):
    client.force_login(vetter)
    pages = {
        "queue": text(client.get(reverse("eligibility:queue"))),
        "queue filtered": text(client.get(reverse("eligibility:queue"), {"verdict": "bad"})),
        "detail": text(client.get(reverse("eligibility:detail", args=[submitted.pk]))),
    }
    assert {name: empty_preselected(page) for name, page in pages.items()} == {
        name: [] for name in pages
    }
    assert "Tous les métiers" in pages["queue"]
