"""The stage machine: one table, every move allowed or refused there, each
move a write-once event (who, when, from, to, why)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from common.transitions import TransitionError
from prospects import services
from prospects.models import (
    OWNER,
    STAGE_TRANSITIONS,
    SYSTEM,
    LostReason,
    Prospect,
    ProspectEvent,
    Stage,
)

pytestmark = pytest.mark.django_db

# The expected table, written out move by move (not computed like the model's).
ALLOWED = {
    ("", "suspect"): {OWNER, SYSTEM},
    ("", "cold"): {OWNER, SYSTEM},
    ("", "warm"): {OWNER, SYSTEM},
    ("", "hot"): {OWNER, SYSTEM},
    ("", "client"): {OWNER, SYSTEM},
    ("suspect", "cold"): {OWNER, SYSTEM},
    ("suspect", "warm"): {OWNER, SYSTEM},
    ("suspect", "hot"): {OWNER, SYSTEM},
    ("suspect", "client"): {OWNER, SYSTEM},
    ("suspect", "lost"): {OWNER, SYSTEM},
    ("cold", "warm"): {OWNER, SYSTEM},
    ("cold", "hot"): {OWNER, SYSTEM},
    ("cold", "client"): {OWNER, SYSTEM},
    ("cold", "lost"): {OWNER, SYSTEM},
    ("warm", "cold"): {OWNER},
    ("warm", "hot"): {OWNER, SYSTEM},
    ("warm", "client"): {OWNER, SYSTEM},
    ("warm", "lost"): {OWNER, SYSTEM},
    ("hot", "cold"): {OWNER},
    ("hot", "warm"): {OWNER},
    ("hot", "client"): {OWNER, SYSTEM},
    ("hot", "lost"): {OWNER, SYSTEM},
    ("lost", "cold"): {OWNER},
    ("lost", "warm"): {OWNER, SYSTEM},
    ("lost", "hot"): {OWNER, SYSTEM},
    ("lost", "client"): {OWNER, SYSTEM},
}
EVERY_MOVE = [
    (start, to, role)
    for start in ["", *Stage.values]
    for to in Stage.values
    for role in (OWNER, SYSTEM)
]


@pytest.mark.parametrize(("start", "to", "role"), EVERY_MOVE)
def test_the_table_allows_exactly_the_expected_moves(start, to, role):
    expected = role in ALLOWED.get((start, to), set())
    assert STAGE_TRANSITIONS.allows(start, to, by=role) is expected


def _at(make, cast, stage: str) -> Prospect:
    """A prospect brought to ``stage`` through allowed moves."""
    if stage == Stage.LOST:
        prospect = make(stage=Stage.WARM)
        return services.prospect_move(
            prospect=prospect, to=Stage.LOST, actor=cast.owner_a, lost_reason=LostReason.PRICE
        )
    return make(stage=stage)


@pytest.mark.parametrize(("start", "to", "role"), [m for m in EVERY_MOVE if m[0]])
def test_each_move_is_made_or_refused_as_the_table_says(make, cast, start, to, role):
    prospect = _at(make, cast, start)
    events_before = prospect.events.count()
    actor = cast.owner_a if role == OWNER else None
    extra = {"lost_reason": LostReason.TIMING} if to == Stage.LOST else {}
    if (start, to) in ALLOWED and role in ALLOWED[(start, to)]:
        moved = services.prospect_move(prospect=prospect, to=to, actor=actor, reason="why", **extra)
        assert moved.stage == to
        event = prospect.events.latest("pk")
        assert (event.actor, event.from_status, event.to_status, event.reason) == (
            actor,
            start,
            to,
            "why",
        )
    else:
        with pytest.raises(TransitionError):
            services.prospect_move(prospect=prospect, to=to, actor=actor, **extra)
        prospect.refresh_from_db()
        assert prospect.stage == start
        assert prospect.events.count() == events_before


def test_a_prospect_cannot_be_created_lost(make):
    with pytest.raises(TransitionError):
        make(stage=Stage.LOST)
    assert not Prospect.objects.exists()


def test_lost_without_a_reason_is_refused_and_changes_nothing(make, cast):
    prospect = make(stage=Stage.HOT)
    for bad in ("", "bored"):
        with pytest.raises(ValidationError) as refused:
            services.prospect_move(
                prospect=prospect, to=Stage.LOST, actor=cast.owner_a, lost_reason=bad
            )
        assert refused.value.code == "lost_reason_required"
        assert refused.value.messages == ["Indiquez pourquoi ce prospect est perdu."]
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.lost_reason) == (Stage.HOT, "")
    assert prospect.events.count() == 1


def test_lost_keeps_its_reason_and_note_and_reopening_clears_them(make, cast):
    prospect = make(stage=Stage.WARM)
    services.prospect_move(
        prospect=prospect,
        to=Stage.LOST,
        actor=cast.owner_a,
        lost_reason=LostReason.COMPETITOR,
        lost_note="  A pris le voisin.  ",
    )
    prospect.refresh_from_db()
    assert (prospect.lost_reason, prospect.lost_note) == ("competitor", "A pris le voisin.")
    assert prospect.events.latest("pk").lost_reason == "competitor"
    services.prospect_move(prospect=prospect, to=Stage.WARM, actor=cast.owner_a)
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.lost_reason, prospect.lost_note) == ("warm", "", "")


def test_a_lost_reason_on_another_move_is_refused(make, cast):
    prospect = make(stage=Stage.WARM)
    with pytest.raises(ValidationError):
        services.prospect_move(
            prospect=prospect, to=Stage.HOT, actor=cast.owner_a, lost_reason=LostReason.PRICE
        )


def test_every_move_is_recorded_with_who_when_from_to_and_why(make, cast):
    with time_machine.travel("2026-03-02 09:00 +01:00", tick=False):
        prospect = make(stage=Stage.SUSPECT)
    with time_machine.travel("2026-03-05 10:00 +01:00", tick=False):
        services.prospect_move(
            prospect=prospect, to=Stage.COLD, actor=cast.owner_a, reason="premier appel"
        )
    with time_machine.travel("2026-03-09 11:00 +01:00", tick=False):
        services.prospect_move(prospect=prospect, to=Stage.HOT, actor=None, reason="rappel")
    rows = list(
        prospect.events.values_list("actor", "from_status", "to_status", "reason", "created_at")
    )
    assert [row[:4] for row in rows] == [
        (cast.owner_a.pk, "", "suspect", ""),
        (cast.owner_a.pk, "suspect", "cold", "premier appel"),
        (None, "cold", "hot", "rappel"),  # None: "système"
    ]
    assert [row[4].isoformat() for row in rows] == [
        "2026-03-02T08:00:00+00:00",
        "2026-03-05T09:00:00+00:00",
        "2026-03-09T10:00:00+00:00",
    ]
    prospect.refresh_from_db()
    assert prospect.stage_since.isoformat() == "2026-03-09T10:00:00+00:00"


def test_events_are_written_once(make, cast):
    prospect = make(stage=Stage.SUSPECT)
    event = prospect.events.get()
    event.reason = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        ProspectEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(ValidationError):
        ProspectEvent.objects.bulk_update([event], ["reason"])
    event.refresh_from_db()
    assert event.reason == ""


def test_a_refused_move_says_which_stages(make, cast):
    prospect = make(stage=Stage.CLIENT)
    with pytest.raises(TransitionError) as refused:
        services.prospect_move(prospect=prospect, to=Stage.HOT, actor=cast.owner_a)
    assert refused.value.messages == ["Un prospect ne peut pas passer de « Client » à « Chaud »."]
