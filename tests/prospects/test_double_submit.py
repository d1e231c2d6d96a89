"""An interaction form sent twice (a double click, a reload, the back
button) records the interaction once: the form carries a one-time token,
claimed when the interaction is saved (as an import's confirmation is
claimed once, ``common.file_imports.file_import_draft_queue``)."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from prospects import services
from prospects.models import Interaction, Stage

pytestmark = pytest.mark.django_db


def pro(cast, name: str, *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


def token_on(html: str) -> str:
    found = re.search(r'name="submission" value="([^"]+)"', html)
    assert found, "the form carries its token"
    return found.group(1)


def test_the_same_form_sent_twice_records_one_interaction(client, cast, make):
    prospect = make(name="Jean Dupont", stage=Stage.WARM)
    client.force_login(cast.owner_a)
    token = token_on(client.get(pro(cast, "detail", prospect.pk)).content.decode())
    data = {
        "kind": "call",
        "happened_on": timezone.localdate().isoformat(),
        "outcome": "Rappeler lundi",
        "submission": token,
    }
    first = client.post(pro(cast, "interaction", prospect.pk), data)
    assert first.status_code == 302
    for _again in range(3):
        again = client.post(pro(cast, "interaction", prospect.pk), data, follow=True)
        assert again.status_code == 200
        assert "déjà enregistré" in again.content.decode()
    assert prospect.interactions.count() == 1


def test_each_showing_of_the_form_has_its_own_token(client, cast, make):
    prospect = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    page = pro(cast, "detail", prospect.pk)
    tokens = {token_on(client.get(page).content.decode()) for _ in range(3)}
    assert len(tokens) == 3
    # Two forms shown, two interactions recorded, even identical ones.
    day = timezone.localdate().isoformat()
    for token in list(tokens)[:2]:
        data = {"kind": "note", "happened_on": day, "outcome": "Idem", "submission": token}
        assert client.post(pro(cast, "interaction", prospect.pk), data).status_code == 302
    assert prospect.interactions.count() == 2


def test_a_form_refused_then_corrected_keeps_its_token_and_records_once(client, cast, make):
    prospect = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    token = token_on(client.get(pro(cast, "detail", prospect.pk)).content.decode())
    bad = {"kind": "fax", "happened_on": "2026-02-31", "submission": token}
    response = client.post(pro(cast, "interaction", prospect.pk), bad)
    assert response.status_code == 200
    assert token_on(response.content.decode()) == token
    good = {"kind": "call", "happened_on": timezone.localdate().isoformat(), "submission": token}
    assert client.post(pro(cast, "interaction", prospect.pk), good).status_code == 302
    assert client.post(pro(cast, "interaction", prospect.pk), good).status_code == 302
    assert prospect.interactions.count() == 1


@pytest.mark.parametrize("token", ["short", "x" * 40, "<script>", "a b c d e f g h i j"])
def test_a_forged_token_is_a_form_error(client, cast, make, token):
    prospect = make(name="Jean Dupont")
    client.force_login(cast.owner_a)
    data = {"kind": "call", "happened_on": timezone.localdate().isoformat(), "submission": token}
    response = client.post(pro(cast, "interaction", prospect.pk), data)
    assert response.status_code == 200
    assert not prospect.interactions.exists()


def test_the_service_refuses_a_used_token_and_the_database_too(cast, make):
    prospect = make(name="Jean Dupont")
    kwargs = {"prospect": prospect, "kind": "call", "author": cast.owner_a, "next_follow_up": None}
    services.interaction_add(**kwargs, submission="T" * 22)
    with pytest.raises(services.AlreadySubmitted):
        services.interaction_add(**kwargs, submission="T" * 22)
    # Without a token (not from a form: the system's notes), no claim.
    services.interaction_add(**kwargs)
    services.interaction_add(**kwargs)
    assert Interaction.objects.filter(prospect=prospect).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_record_one(cast, make):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    prospect = make(name="Jean Dupont")
    outcomes: list[str] = []

    def submit() -> None:
        try:
            services.interaction_add(
                prospect=prospect,
                kind="call",
                author=cast.owner_a,
                next_follow_up=None,
                submission="C" * 22,
            )
            outcomes.append("recorded")
        except services.AlreadySubmitted:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["recorded", "refused"]
    assert Interaction.objects.filter(prospect=prospect).count() == 1
