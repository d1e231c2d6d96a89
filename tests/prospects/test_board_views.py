"""The board and its moves (issue 15, "Screens"): who may open which
pipeline, moves allowed and refused (plain POST and htmx), the lost
reason, filters, bounded columns and a query count that does not grow
with the pipeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prospects import services
from prospects.board import COLUMN_SIZE
from prospects.models import LostReason, Pipeline, ProspectEvent, Stage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def pro(cast, name: str = "board", *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


def staff(name: str = "board", *args) -> str:
    return reverse(f"prospects:staff-prospects-{name}", args=args)


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("consumer", 403), ("owner_a", 403), ("staff", 403), ("seller", 200)],
)
def test_the_platform_board_is_for_sales_staff_only(client, cast, seller, who, expected):
    if who == "seller":
        client.force_login(seller)
    elif who != "anonymous":
        client.force_login(getattr(cast, who))
    response = client.get(staff())
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("consumer", 404), ("owner_b", 404), ("staff", 404), ("seller", 404), ("member_a", 200)],
)
def test_a_company_board_is_for_its_members_only(client, cast, seller, who, expected):
    client.force_login(seller if who == "seller" else getattr(cast, who))
    assert client.get(pro(cast)).status_code == expected


def test_another_pipelines_prospect_is_a_404_everywhere(client, cast, make, seller):
    theirs = make(name="Chez B", company=cast.company_b, actor=cast.owner_b)
    platform = make(name="Plateforme", pipeline=Pipeline.PLATFORM, actor=seller)
    client.force_login(cast.owner_a)
    for prospect in (theirs, platform):
        for name in ("detail", "edit", "move"):
            assert client.get(pro(cast, name, prospect.pk)).status_code == 404
        response = client.post(pro(cast, "move", prospect.pk), {"to": Stage.COLD})
        assert response.status_code == 404
    client.force_login(seller)
    assert client.get(staff("detail", theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == Stage.SUSPECT


@pytest.mark.parametrize(
    "path",
    [
        "99999999999999999999999999/",
        "9223372036854775808/",
        "0/",
        "1/fusionner/99999999999999999999999/",
        "etape/nope/",
    ],
)
def test_hostile_ids_are_404s(client, cast, make, path):
    make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    assert client.get(pro(cast) + path).status_code == 404


def test_a_move_without_the_csrf_token_is_refused(cast, make):
    from django.test import Client

    prospect = make(name="Jean Dupont")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=cast.owner_a.username, password=PASSWORD)
    assert client.post(pro(cast, "move", prospect.pk), {"to": Stage.COLD}).status_code == 403
    prospect.refresh_from_db()
    assert prospect.stage == Stage.SUSPECT


# --- Moves ----------------------------------------------------------------------------------


def test_an_allowed_move_is_recorded_and_returns_to_the_board(client, cast, make):
    prospect = make(name="Jean Dupont")
    client.force_login(cast.member_a)
    response = client.post(
        pro(cast, "move", prospect.pk), {"to": Stage.WARM, "next": pro(cast) + "?ville=lyon"}
    )
    assert response.status_code == 302
    assert response["Location"] == pro(cast) + "?ville=lyon"
    assert flash(response) == ["« Jean Dupont » est passé en « Tiède »."]
    prospect.refresh_from_db()
    assert prospect.stage == Stage.WARM
    event = prospect.events.latest("created_at")
    assert (event.from_status, event.to_status, event.actor) == ("suspect", "warm", cast.member_a)


def test_a_next_page_elsewhere_is_ignored(client, cast, make):
    prospect = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    response = client.post(
        pro(cast, "move", prospect.pk), {"to": Stage.COLD, "next": "https://evil.example/"}
    )
    assert response["Location"] == pro(cast, "detail", prospect.pk)


def test_a_refused_move_says_why_and_changes_nothing(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.CLIENT)
    client.force_login(cast.owner_a)
    events = ProspectEvent.objects.count()
    response = client.post(pro(cast, "move", prospect.pk), {"to": Stage.COLD, "next": pro(cast)})
    assert response.status_code == 302
    assert flash(response) == ["Un prospect ne peut pas passer de « Client » à « Froid »."]
    prospect.refresh_from_db()
    assert prospect.stage == Stage.CLIENT
    assert ProspectEvent.objects.count() == events


def test_a_refused_move_through_htmx_gets_the_board_with_the_reason(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.WARM)
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "move", prospect.pk), {"to": Stage.SUSPECT}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"')
    assert "<html" not in html
    assert "ne peut pas passer de « Tiède » à « Suspect »" in html
    prospect.refresh_from_db()
    assert prospect.stage == Stage.WARM


def test_an_htmx_move_gets_the_board_filtered_as_the_page_was(client, cast, make):
    mover = make(name="Jean Dupont", town="Lyon")
    make(name="Paul Martin", town="Paris")
    client.force_login(cast.owner_a)
    response = client.post(
        pro(cast, "move", mover.pk),
        {"to": Stage.HOT},
        HTTP_HX_CURRENT_URL="http://testserver" + pro(cast) + "?ville=lyon",
        **HTMX,
    )
    html = response.content.decode()
    assert "« Jean Dupont » est passé en « Chaud »." in html
    assert "Jean Dupont" in html
    assert "Paul Martin" not in html
    mover.refresh_from_db()
    assert mover.stage == Stage.HOT


def test_lost_needs_its_reason(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.HOT)
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "move", prospect.pk), {"to": Stage.LOST})
    assert response.status_code == 200
    assert "Indiquez pourquoi ce prospect est perdu." in response.content.decode()
    prospect.refresh_from_db()
    assert prospect.stage == Stage.HOT

    response = client.post(pro(cast, "move", prospect.pk), {"to": Stage.LOST}, **HTMX)
    assert "Indiquez pourquoi ce prospect est perdu." in response.content.decode()
    prospect.refresh_from_db()
    assert prospect.stage == Stage.HOT

    response = client.post(
        pro(cast, "move", prospect.pk),
        {"to": Stage.LOST, "lost_reason": LostReason.PRICE, "lost_note": "Trop cher"},
    )
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.lost_reason, prospect.lost_note) == (
        Stage.LOST,
        LostReason.PRICE,
        "Trop cher",
    )


@pytest.mark.parametrize(
    "data",
    [
        {"to": "frozen"},
        {"to": Stage.LOST, "lost_reason": "bored"},
        {"to": Stage.LOST, "lost_reason": LostReason.PRICE, "lost_note": "x" * 1001},
        {},
    ],
)
def test_a_bad_move_form_changes_nothing(client, cast, make, data):
    prospect = make(name="Jean Dupont", stage=Stage.HOT)
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "move", prospect.pk), data)
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    prospect.refresh_from_db()
    assert prospect.stage == Stage.HOT


def test_the_move_page_offers_only_allowed_stages(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.COLD)
    client.force_login(cast.owner_a)
    html = client.get(pro(cast, "move", prospect.pk) + "?vers=lost").content.decode()
    assert 'value="suspect"' not in html
    assert 'value="warm"' in html
    assert '<option value="lost" selected>' in html


def test_sales_staff_move_a_platform_prospect(client, seller, make):
    prospect = make(name="Électricité Durand", pipeline=Pipeline.PLATFORM, actor=seller)
    client.force_login(seller)
    response = client.post(staff("move", prospect.pk), {"to": Stage.COLD})
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert prospect.stage == Stage.COLD


# --- The board's content ------------------------------------------------------------------


def test_cards_show_name_organisation_follow_up_and_owner(client, cast, make):
    today = timezone.localdate()
    make(
        name="Jean Dupont",
        organisation="Dupont SARL",
        owner=cast.member_a,
        stage=Stage.WARM,
        next_follow_up=today - timedelta(days=2),
    )
    make(name="Paul Martin", stage=Stage.COLD, next_follow_up=today + timedelta(days=3))
    client.force_login(cast.owner_a)
    html = client.get(pro(cast)).content.decode()
    assert "Dupont SARL" in html
    assert "En retard :" in html  # in words, not only in red
    assert "À relancer le" in html
    assert cast.member_a.email in html
    assert "Sans responsable" in html
    assert "Déplacer vers…" in html
    assert "Maj + →" in html  # the keyboard shortcuts are documented


def test_columns_are_bounded_with_a_link_to_the_rest(client, cast, make):
    for n in range(COLUMN_SIZE + 7):
        make(name=f"Suspect {n}")
    client.force_login(cast.owner_a)
    response = client.get(pro(cast))
    column = next(c for c in response.context["columns"] if c.stage == Stage.SUSPECT)
    assert (column.count, len(column.cards), column.more) == (COLUMN_SIZE + 7, COLUMN_SIZE, 7)
    assert "Voir 7 de plus" in response.content.decode()
    page = client.get(pro(cast, "stage", Stage.SUSPECT) + "?page=2")
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 7


def test_the_board_query_count_does_not_grow_with_the_pipeline(client, cast, make):
    client.force_login(cast.owner_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(pro(cast)).status_code == 200
        return len(captured)

    for n, stage in enumerate([Stage.SUSPECT, Stage.COLD, Stage.WARM]):
        make(name=f"P{n}", stage=stage, owner=cast.member_a)
    few = queries()
    for n in range(COLUMN_SIZE + 10):
        make(
            name=f"Q{n}",
            stage=[Stage.SUSPECT, Stage.HOT, Stage.CLIENT][n % 3],
            owner=[cast.owner_a, cast.member_a][n % 2],
            profession=cast.company_a.primary_profession,
        )
    many = queries()
    assert few == many
    # The figure itself, pinned: session, user, membership, the two
    # board queries, the filter form's two lists, the user's permissions
    # and the menu's.
    assert many == 10, many


def test_filters_narrow_the_board(client, cast, make, taxonomy):
    today = timezone.localdate()
    make(name="Lyonnais", town="Lyon", owner=cast.member_a)
    make(name="Parisien", town="Paris", profession=taxonomy["plombier"])
    make(name="En retard", next_follow_up=today - timedelta(days=1), stage=Stage.WARM)
    make(name="Perdu en retard", next_follow_up=today - timedelta(days=1), stage=Stage.HOT)
    lost = services.prospect_move(
        prospect=make(name="Vraiment perdu", stage=Stage.HOT, next_follow_up=today),
        to=Stage.LOST,
        actor=cast.owner_a,
        lost_reason=LostReason.NO_ANSWER,
    )
    assert lost.stage == Stage.LOST
    client.force_login(cast.owner_a)

    def shown(query: str) -> set[str]:
        response = client.get(pro(cast) + query)
        return {card.name for column in response.context["columns"] for card in column.cards}

    assert shown(f"?responsable={cast.member_a.pk}") == {"Lyonnais"}
    assert shown(f"?metier={taxonomy['plombier'].pk}") == {"Parisien"}
    assert shown("?ville=lyo") == {"Lyonnais"}
    assert shown("?en_retard=on") == {"En retard", "Perdu en retard"}


def test_an_invalid_filter_is_reported_and_ignored(client, cast, make):
    make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    for query in ("?responsable=abc", "?responsable=99999999999999999999999", "?metier=-1"):
        response = client.get(pro(cast) + query)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'class="errorlist"' in html
        assert "Jean Dupont" in html


def test_the_owner_filter_offers_only_the_pipelines_people(client, cast, seller):
    client.force_login(cast.owner_a)
    owners = client.get(pro(cast)).context["form"].fields["responsable"].queryset
    assert set(owners) == {cast.owner_a, cast.member_a}
    client.force_login(seller)
    owners = client.get(staff()).context["form"].fields["responsable"].queryset
    assert set(owners) == {seller}


def test_htmx_is_served_from_the_site(client, cast):
    client.force_login(cast.owner_a)
    html = client.get(pro(cast)).content.decode()
    assert '/static/vendor/htmx-2.0.11.min.js"' in html
    assert '<script src="http' not in html
    assert '"includeIndicatorStyles": false' in html


# --- "À relancer" -------------------------------------------------------------------------


def test_the_follow_up_lists(client, cast, make):
    today = timezone.localdate()
    make(name="Hier", stage=Stage.WARM, next_follow_up=today - timedelta(days=1))
    make(name="Ce jour", stage=Stage.WARM, next_follow_up=today)
    make(name="Sans suite", stage=Stage.COLD)
    make(name="Le mien", stage=Stage.HOT, next_follow_up=today, owner=cast.member_a)
    client.force_login(cast.member_a)
    response = client.get(pro(cast, "follow-ups"))
    lists = {item["key"]: [p.name for p in item["rows"]] for item in response.context["lists"]}
    assert lists["overdue"] == ["Hier"]
    assert sorted(lists["today"]) == ["Ce jour", "Le mien"]
    assert lists["none"] == ["Sans suite"]
    mine = client.get(pro(cast, "follow-ups") + "?moi=1").context["lists"]
    assert {item["key"]: [p.name for p in item["rows"]] for item in mine}["today"] == ["Le mien"]


def test_the_score_include_shows_nothing_until_prospects_have_a_score(make, cast):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from prospects.board import has_score
    from prospects.forms import BoardFilterForm

    template = "prospects/includes/score.html"
    assert render_to_string(template, {"prospect": make(name="Jean Dupont")}).strip() == ""
    assert "Score 72/100" in render_to_string(template, {"prospect": SimpleNamespace(score=72)})
    assert "Score 0/100" in render_to_string(template, {"prospect": SimpleNamespace(score=0)})
    # The board's score filter appears with the model's field.
    form = BoardFilterForm(pipeline=Pipeline.COMPANY, company=cast.company_a)
    assert ("score_min" in form.fields) == has_score()
