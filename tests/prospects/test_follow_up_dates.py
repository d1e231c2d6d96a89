"""Every form that sets the next follow-up date (creating a prospect,
editing one, recording an interaction) applies one rule: today or later,
at most three years away, with a clear French error and nothing saved;
an overdue date already stored may stay when other details are edited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from prospects.forms import MAX_DAYS_AHEAD
from prospects.models import Prospect, Stage

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 4)
PAST = "ne peut pas être dans le passé"
TOO_FAR = "plus de trois ans"
BAD = [
    ("0001-01-01", PAST),
    ("1999-01-01", PAST),
    ((TODAY - timedelta(days=1)).isoformat(), PAST),
    ((TODAY + timedelta(days=MAX_DAYS_AHEAD + 1)).isoformat(), TOO_FAR),
    ("9999-12-31", TOO_FAR),
    ("2026-02-30", "Saisissez une date valide"),
]
GOOD = [TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=MAX_DAYS_AHEAD)]


def pro(cast, name: str, *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel("2026-03-04 10:00 +01:00", tick=False):
        yield


def _post(client, cast, form: str, prospect: Prospect | None, day: str):
    client.force_login(cast.owner_a)
    if form == "create":
        data = {"name": "Jean Dupont", "stage": Stage.SUSPECT, "next_follow_up": day}
        return client.post(pro(cast, "create"), data)
    assert prospect is not None
    if form == "edit":
        data = {"name": "Jean Dupont", "next_follow_up": day}
        return client.post(pro(cast, "edit", prospect.pk), data)
    data = {"kind": "call", "happened_on": TODAY.isoformat(), "next_follow_up": day}
    return client.post(pro(cast, "interaction", prospect.pk), data)


@pytest.mark.parametrize("form", ["create", "edit", "interaction"])
@pytest.mark.parametrize(("day", "error"), BAD)
def test_a_past_or_absurd_follow_up_is_refused_by_every_form(client, cast, make, form, day, error):
    prospect = make(name="Jean Dupont", next_follow_up=TODAY + timedelta(days=3))
    response = _post(client, cast, form, prospect, day)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Prospect.objects.count() == 1
    prospect.refresh_from_db()
    assert prospect.next_follow_up == TODAY + timedelta(days=3)
    assert not prospect.interactions.exists()


@pytest.mark.parametrize("form", ["create", "edit", "interaction"])
@pytest.mark.parametrize("day", GOOD)
def test_today_up_to_three_years_is_accepted_by_every_form(client, cast, make, form, day):
    prospect = make(name="Jean Dupont")
    response = _post(client, cast, form, prospect, day.isoformat())
    assert response.status_code == 302
    saved = Prospect.objects.latest("pk") if form == "create" else prospect
    saved.refresh_from_db()
    assert saved.next_follow_up == day


def test_editing_an_overdue_prospect_keeps_its_date_unless_changed(client, cast, make):
    with time_machine.travel("2026-02-01 10:00 +01:00", tick=False):
        prospect = make(name="Jean Dupont", next_follow_up=date(2026, 2, 10))
    client.force_login(cast.owner_a)
    data = {"name": "Jean Dupont", "town": "Lyon", "next_follow_up": "2026-02-10"}
    assert client.post(pro(cast, "edit", prospect.pk), data).status_code == 302
    prospect.refresh_from_db()
    assert (prospect.town, prospect.next_follow_up) == ("Lyon", date(2026, 2, 10))
    # Another past date is refused all the same.
    data["next_follow_up"] = "2026-02-11"
    response = client.post(pro(cast, "edit", prospect.pk), data)
    assert PAST in response.content.decode()
    prospect.refresh_from_db()
    assert prospect.next_follow_up == date(2026, 2, 10)
