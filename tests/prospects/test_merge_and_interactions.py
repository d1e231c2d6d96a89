"""Interactions set the next follow-up; a merge keeps both histories."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from prospects import services
from prospects.models import Interaction, LostReason, Prospect, ProspectEvent, Stage

pytestmark = pytest.mark.django_db


def test_an_interaction_sets_or_clears_the_next_follow_up(make, cast):
    prospect = make(stage=Stage.COLD)
    with time_machine.travel("2026-03-02 09:00 +01:00", tick=False):
        call = services.interaction_add(
            prospect=prospect,
            kind=Interaction.Kind.CALL,
            author=cast.owner_a,
            outcome=" Rappeler après les congés. ",
            next_follow_up=date(2026, 3, 16),
        )
    prospect.refresh_from_db()
    assert (call.outcome, call.next_follow_up) == ("Rappeler après les congés.", date(2026, 3, 16))
    assert prospect.next_follow_up == date(2026, 3, 16)
    assert prospect.last_interaction_at == call.happened_at
    services.interaction_add(
        prospect=prospect, kind=Interaction.Kind.NOTE, author=cast.owner_a, next_follow_up=None
    )
    prospect.refresh_from_db()
    assert prospect.next_follow_up is None  # no next step


def test_an_unknown_kind_of_interaction_is_refused(make, cast):
    prospect = make()
    with pytest.raises(ValidationError):
        services.interaction_add(
            prospect=prospect, kind="fax", author=cast.owner_a, next_follow_up=None
        )
    assert not Interaction.objects.exists()


def test_a_merge_keeps_both_histories_and_fills_the_blanks(make, cast):
    with time_machine.travel("2026-01-05 09:00 +01:00", tick=False):
        keep = make(name="Jean Dupont", stage=Stage.SUSPECT, town="Lyon")
        other = make(
            name="J. Dupont", stage=Stage.WARM, email="jean@example.fr", phone="0699056090"
        )
    with time_machine.travel("2026-01-10 09:00 +01:00", tick=False):
        services.prospect_move(prospect=keep, to=Stage.COLD, actor=cast.owner_a, reason="appel")
        services.interaction_add(
            prospect=keep,
            kind="call",
            author=cast.owner_a,
            outcome="k",
            next_follow_up=date(2026, 2, 1),
        )
        services.interaction_add(
            prospect=other,
            kind="email",
            author=cast.member_a,
            outcome="o",
            next_follow_up=date(2026, 1, 20),
        )
    other_pk = other.pk
    kept = services.prospects_merge(keep=keep, other=other, actor=cast.owner_a)

    assert not Prospect.objects.filter(pk=other_pk).exists()
    assert (kept.stage, kept.name, kept.town) == (Stage.COLD, "Jean Dupont", "Lyon")
    assert (kept.email, kept.email_key, kept.phone) == (
        "jean@example.fr",
        "jean@example.fr",
        "+33699056090",
    )
    assert kept.next_follow_up == date(2026, 1, 20)  # the earlier of the two
    assert sorted(kept.interactions.values_list("outcome", flat=True)) == ["k", "o"]
    history = list(
        kept.events.order_by("created_at", "pk").values_list(
            "kind", "from_status", "to_status", "merged_from"
        )
    )
    assert history == [
        ("transition", "", "suspect", None),
        ("transition", "", "warm", other_pk),
        ("transition", "suspect", "cold", None),
        ("merge", "cold", "cold", other_pk),
    ]
    assert not ProspectEvent.objects.filter(prospect_id=other_pk).exists()


def test_merging_prospects_of_two_pipelines_or_one_with_itself_is_refused(make, cast):
    mine = make()
    theirs = make(company=cast.company_b, actor=cast.owner_b)
    for keep, other in ((mine, theirs), (mine, mine)):
        with pytest.raises(ValidationError):
            services.prospects_merge(keep=keep, other=other, actor=cast.owner_a)
    assert Prospect.objects.count() == 2


def test_a_referral_is_recorded_within_its_pipeline_only(make, cast):
    referrer = services.referrer_create(
        pipeline="company", company=cast.company_a, name="Marie Ambassadrice"
    )
    other = services.referrer_create(pipeline="company", company=cast.company_b, name="Autre")
    prospect = make()
    services.referral_record(prospect=prospect, referrer=referrer)
    prospect.refresh_from_db()
    assert prospect.referrer == referrer
    assert list(referrer.referrals.all()) == [prospect]
    with pytest.raises(ValidationError):
        services.referral_record(prospect=prospect, referrer=other)
    prospect.refresh_from_db()
    assert prospect.referrer == referrer


def test_referral_codes_are_personal_and_read_as_typed(cast):
    from prospects.selectors import referrer_by_code

    first = services.referrer_create(pipeline="platform", company=None, name="Un")
    second = services.referrer_create(pipeline="platform", company=None, name="Deux")
    assert first.code != second.code
    assert len(first.code) == 10
    typed = f" {first.code[:5].lower()} {first.code[5:]} "
    assert referrer_by_code(typed) == first
    assert referrer_by_code("0000000000") is None
    assert referrer_by_code("") is None


def test_a_lost_prospect_stays_lost_with_its_reason_after_a_merge(make, cast):
    keep = make(stage=Stage.WARM)
    services.prospect_move(
        prospect=keep, to=Stage.LOST, actor=cast.owner_a, lost_reason=LostReason.NO_ANSWER
    )
    other = make(stage=Stage.HOT)
    kept = services.prospects_merge(keep=keep, other=other, actor=None)
    assert (kept.stage, kept.lost_reason) == (Stage.LOST, LostReason.NO_ANSWER)
