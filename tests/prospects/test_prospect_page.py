"""A prospect's page and its forms (issue 15, "Screens"): the timeline in
order, interactions with their follow-up date, editing the details,
creating by hand with duplicates proposed first, merging after
confirmation. Every invalid form: a clear error, nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from prospects import services
from prospects.models import Interaction, Pipeline, Prospect, ProspectEvent, Stage

pytestmark = pytest.mark.django_db


def pro(cast, name: str, *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


def test_the_page_shows_details_next_step_referrer_and_the_timeline_newest_first(
    client, cast, make
):
    referrer = services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Marie Curie"
    )
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        prospect = make(name="Jean Dupont", referrer=referrer, email="jean@example.org")
    with time_machine.travel("2026-03-03 10:00 +01:00", tick=False):
        services.interaction_add(
            prospect=prospect,
            kind=Interaction.Kind.CALL,
            author=cast.owner_a,
            outcome="Intéressé, rappeler",
            next_follow_up=None,
        )
    with time_machine.travel("2026-03-04 10:00 +01:00", tick=False):
        services.prospect_move(prospect=prospect, to=Stage.WARM, actor=cast.owner_a)
    client.force_login(cast.member_a)
    response = client.get(pro(cast, "detail", prospect.pk))
    html = response.content.decode()
    assert "Marie Curie" in html
    assert referrer.code in html
    assert "jean@example.org" in html
    assert "Aucune prochaine étape" in html

    def kind(entry) -> str:
        if entry.interaction:
            return "call"
        return "move" if entry.event.from_status else "created"

    kinds = [kind(entry) for entry in response.context["timeline"]]
    assert kinds == ["move", "call", "created"]
    assert html.index("Suspect → Tiède") < html.index("Intéressé, rappeler")
    assert html.index("Intéressé, rappeler") < html.index("Créé en Suspect")


def test_an_interaction_recorded_by_the_system_shows_on_the_page(client, cast, make):
    """A quote request's note has no author: the timeline says "Système"
    (it was a 500: a filter argument through a missing author)."""
    prospect = make(name="Jean Dupont", actor=None)
    services.interaction_add(
        prospect=prospect,
        kind=Interaction.Kind.NOTE,
        author=None,
        next_follow_up=None,
        outcome="Demande de devis",
    )
    client.force_login(cast.member_a)
    response = client.get(pro(cast, "detail", prospect.pk))
    assert response.status_code == 200
    assert "Système" in response.content.decode()


def test_an_interaction_sets_the_next_follow_up(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.WARM)
    today = timezone.localdate()
    client.force_login(cast.owner_a)
    response = client.post(
        pro(cast, "interaction", prospect.pk),
        {
            "kind": "meeting",
            "happened_on": today.isoformat(),
            "outcome": "Devis demandé",
            "next_follow_up": (today + timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    interaction = prospect.interactions.get()
    assert (interaction.kind, interaction.outcome, interaction.author) == (
        "meeting",
        "Devis demandé",
        cast.owner_a,
    )
    prospect.refresh_from_db()
    assert prospect.next_follow_up == today + timedelta(days=7)
    assert prospect.last_interaction_at is not None
    html = client.get(pro(cast, "detail", prospect.pk)).content.decode()
    assert "Devis demandé" in html
    assert "Aucune prochaine étape" not in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "call", "happened_on": "+1", "next_follow_up": ""}, "Un échange ne peut pas"),
        ({"kind": "call", "happened_on": "0", "next_follow_up": "-1"}, "ne peut pas être dans le"),
        ({"kind": "fax", "happened_on": "0"}, "Sélectionnez un choix valide"),
        ({"kind": "call", "happened_on": "2026-02-31"}, "Saisissez une date valide"),
        ({"kind": "call", "happened_on": "0", "outcome": "x" * 3001}, "3000 caractères"),
    ],
)
def test_a_bad_interaction_changes_nothing(client, cast, make, data, error):
    prospect = make(name="Jean Dupont")
    today = timezone.localdate()
    for key in ("happened_on", "next_follow_up"):
        if data.get(key, "").lstrip("+-").isdigit():
            data[key] = (today + timedelta(days=int(data[key]))).isoformat()
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "interaction", prospect.pk), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not prospect.interactions.exists()
    prospect.refresh_from_db()
    assert prospect.next_follow_up is None


def test_creating_proposes_duplicates_before_saving(client, cast, make):
    existing = make(name="Jean Dupont", email="jean.dupont@example.org", town="Lyon")
    client.force_login(cast.owner_a)
    data = {
        "name": "J. Dupont",
        "email": "Jean.Dupont@Example.org",
        "town": "Lyon",
        "stage": Stage.COLD,
        "owner": cast.member_a.pk,
    }
    response = client.post(pro(cast, "create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce prospect est peut-être déjà dans le suivi commercial." in html
    assert pro(cast, "detail", existing.pk) in html
    assert "même e-mail" in html
    assert "Créer quand même" in html
    assert Prospect.objects.count() == 1

    response = client.post(pro(cast, "create"), {**data, "force": "1"})
    assert response.status_code == 302
    created = Prospect.objects.exclude(pk=existing.pk).get()
    assert response["Location"] == pro(cast, "detail", created.pk)
    assert (created.stage, created.owner, created.company) == (
        Stage.COLD,
        cast.member_a,
        cast.company_a,
    )
    assert created.events.get().actor == cast.owner_a


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("siren", "123456789", "SIREN"),
        ("phone", "12", "numéro de téléphone valide"),
        ("email", "jean@", "adresse de courriel valide"),
        ("postal_code", "6900", "5 chiffres"),
        ("stage", Stage.LOST, "Sélectionnez un choix valide"),
        ("owner", "abc", "Sélectionnez un choix valide"),
        ("name", "", "Ce champ est obligatoire"),
        ("budget", "-5", ""),
    ],
)
def test_creating_with_bad_data_saves_nothing(client, cast, field, value, error):
    client.force_login(cast.owner_a)
    data = {"name": "Jean Dupont", "stage": Stage.SUSPECT, field: value}
    response = client.post(pro(cast, "create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist"' in html
    assert error in html
    assert not Prospect.objects.exists()


def test_the_owner_must_work_this_pipeline(client, cast):
    client.force_login(cast.owner_a)
    response = client.post(
        pro(cast, "create"), {"name": "Jean", "stage": Stage.SUSPECT, "owner": cast.owner_b.pk}
    )
    assert response.status_code == 200
    assert not Prospect.objects.exists()


def test_editing_the_details(client, cast, make):
    prospect = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    response = client.post(
        pro(cast, "edit", prospect.pk),
        {"name": "Jean Dupont", "phone": "06 12 34 56 78", "town": "Saint-Étienne"},
    )
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert (prospect.phone, prospect.town_key) == ("+33612345678", "saint etienne")
    assert prospect.stage == Stage.SUSPECT

    response = client.post(pro(cast, "edit", prospect.pk), {"name": "", "phone": "12"})
    assert response.status_code == 200
    prospect.refresh_from_db()
    assert (prospect.name, prospect.phone) == ("Jean Dupont", "+33612345678")


def test_merging_after_confirmation_keeps_both_histories(client, cast, make):
    keep = make(name="Jean Dupont", email="jean@example.org", town="Lyon")
    other = make(name="Jean Dupond", town="Lyon", phone="0612345678")
    services.interaction_add(
        prospect=other, kind="call", author=cast.owner_a, next_follow_up=None, outcome="Appel"
    )
    client.force_login(cast.owner_a)
    page = client.get(pro(cast, "detail", keep.pk)).content.decode()
    assert "Doublons possibles" in page
    assert pro(cast, "merge", keep.pk, other.pk) in page
    confirm = client.get(pro(cast, "merge", keep.pk, other.pk))
    assert confirm.status_code == 200
    assert Prospect.objects.count() == 2  # nothing merged by looking

    response = client.post(pro(cast, "merge", keep.pk, other.pk), {"keep": keep.pk})
    assert response.status_code == 302
    assert response["Location"] == pro(cast, "detail", keep.pk)
    assert not Prospect.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert keep.phone == "+33612345678"
    assert keep.interactions.get().outcome == "Appel"
    assert keep.events.filter(kind=ProspectEvent.Kind.MERGE).exists()


def test_merging_may_keep_the_other_record(client, cast, make):
    first = make(name="Jean Dupont")
    second = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "merge", first.pk, second.pk), {"keep": second.pk})
    assert response["Location"] == pro(cast, "detail", second.pk)
    assert list(Prospect.objects.all()) == [second]


@pytest.mark.parametrize("keep", ["abc", "", "99999999999999999999", "1 OR 1=1"])
def test_a_bad_merge_choice_merges_nothing(client, cast, make, keep):
    first = make(name="Jean Dupont")
    second = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    response = client.post(pro(cast, "merge", first.pk, second.pk), {"keep": keep})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert Prospect.objects.count() == 2


def test_no_merge_with_another_pipelines_prospect_or_itself(client, cast, make):
    mine = make(name="Jean Dupont")
    theirs = make(name="Jean Dupont", company=cast.company_b, actor=cast.owner_b)
    client.force_login(cast.owner_a)
    assert client.post(pro(cast, "merge", mine.pk, theirs.pk), {"keep": mine.pk}).status_code == 404
    assert client.get(pro(cast, "merge", mine.pk, mine.pk)).status_code == 404
    assert Prospect.objects.count() == 2


def test_an_anonymised_prospect_cannot_change(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.WARM)
    services.prospect_anonymise(prospect=prospect)
    client.force_login(cast.owner_a)
    page = client.get(pro(cast, "detail", prospect.pk)).content.decode()
    assert "anonymisé" in page
    assert client.get(pro(cast, "edit", prospect.pk)).status_code == 302
    response = client.post(pro(cast, "move", prospect.pk), {"to": Stage.HOT})
    assert response.status_code == 302
    prospect.refresh_from_db()
    assert prospect.stage == Stage.WARM
    response = client.post(
        pro(cast, "interaction", prospect.pk),
        {"kind": "call", "happened_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert not prospect.interactions.exists()


def test_the_prospect_page_reads_a_bounded_number_of_queries(client, cast, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prospect = make(name="Jean Dupont", email="jean@example.org")
    client.force_login(cast.owner_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(pro(cast, "detail", prospect.pk))
        return len(captured)

    few = queries()
    for n in range(20):
        services.interaction_add(
            prospect=prospect,
            kind="note",
            author=cast.member_a,
            next_follow_up=None,
            outcome=f"{n}",
        )
        services.prospect_move(
            prospect=prospect, to=[Stage.WARM, Stage.COLD][n % 2], actor=cast.owner_a
        )
    assert queries() == few
