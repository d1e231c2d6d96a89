"""Prospects lost for more than 3 years are anonymised by the nightly job;
not before, and never an open one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from prospects import services
from prospects.models import Interaction, LostReason, Prospect, Stage

pytestmark = pytest.mark.django_db


def lost_on(make, cast, day: str, **fields) -> Prospect:
    with time_machine.travel(f"{day} 12:00 +01:00", tick=False):
        prospect = make(
            stage=Stage.WARM,
            email="jean.dupont@example.fr",
            phone="0699056090",
            siren="732829320",
            town="Lyon",
            postal_code="69003",
            **fields,
        )
        services.interaction_add(
            prospect=prospect,
            kind="call",
            author=cast.owner_a,
            outcome="Dit non.",
            next_follow_up=None,
        )
        return services.prospect_move(
            prospect=prospect,
            to=Stage.LOST,
            actor=cast.owner_a,
            lost_reason=LostReason.PRICE,
            lost_note="Trop cher pour lui.",
        )


def test_lost_for_more_than_three_years_is_anonymised_not_before(make, cast):
    old = lost_on(make, cast, "2023-01-10", name="Ancien Perdu")
    recent = lost_on(make, cast, "2023-01-20", name="Récent Perdu")
    open_one = make(name="Toujours Là", stage=Stage.WARM, next_follow_up=date(2026, 2, 1))
    with time_machine.travel("2026-01-14 03:00 +01:00", tick=False):
        assert services.prospects_anonymise_lost() == 1
        assert services.prospects_anonymise_lost() == 0  # idempotent

    old.refresh_from_db()
    assert old.anonymised_at is not None
    assert (old.name, old.email, old.email_key, old.phone, old.siren, old.town) == (
        services.ANONYMOUS_NAME,
        "",
        "",
        "",
        "",
        "",
    )
    assert old.lost_note == ""
    # Kept for statistics: stage, reason, postal code.
    assert (old.stage, old.lost_reason, old.postal_code) == (Stage.LOST, "price", "69003")
    assert list(old.interactions.values_list("kind", "outcome")) == [("call", "")]
    assert old.events.count() == 2  # created, lost: the history stays

    recent.refresh_from_db()
    assert (recent.name, recent.anonymised_at) == ("Récent Perdu", None)
    assert recent.interactions.get().outcome == "Dit non."
    open_one.refresh_from_db()
    assert open_one.anonymised_at is None


def test_three_calendar_years_to_the_minute(make, cast):
    lost = lost_on(make, cast, "2023-01-14")  # lost at 12:00 Paris time
    with time_machine.travel("2026-01-14 11:59 +01:00", tick=False):
        assert services.prospects_anonymise_lost() == 0
    with time_machine.travel("2026-01-14 12:01 +01:00", tick=False):
        assert services.prospects_anonymise_lost() == 1
    lost.refresh_from_db()
    assert lost.anonymised_at is not None


def test_lost_on_29_february_is_anonymised_from_1_march(make, cast):
    lost_on(make, cast, "2024-02-29")
    with time_machine.travel("2027-02-28 23:59 +01:00", tick=False):
        assert services.prospects_anonymise_lost() == 0
    with time_machine.travel("2027-03-01 00:01 +01:00", tick=False):
        assert services.prospects_anonymise_lost() == 1


def test_an_anonymised_prospect_no_longer_moves_nor_takes_interactions(make, cast):
    prospect = lost_on(make, cast, "2022-05-01")
    services.prospects_anonymise_lost()
    with pytest.raises(ValidationError, match="anonymisé"):
        services.prospect_move(prospect=prospect, to=Stage.WARM, actor=cast.owner_a)
    with pytest.raises(ValidationError, match="anonymisé"):
        services.interaction_add(
            prospect=prospect, kind="note", author=cast.owner_a, next_follow_up=None
        )
    assert Interaction.objects.filter(prospect=prospect).count() == 1


def test_the_threshold_can_be_set(make, cast):
    lost_on(make, cast, "2025-12-01")
    with time_machine.travel("2026-01-14 03:00 +01:00", tick=False):
        assert services.prospects_anonymise_lost(older_than=timedelta(days=60)) == 0
        assert services.prospects_anonymise_lost(older_than=timedelta(days=30)) == 1


def test_anonymising_on_request_erases_an_open_prospect_too(make, cast):
    prospect = make(name="Jean Dupont", email="jean@example.fr", stage=Stage.HOT)
    services.prospect_anonymise(prospect=prospect)
    prospect.refresh_from_db()
    assert (prospect.name, prospect.email, prospect.stage) == (
        services.ANONYMOUS_NAME,
        "",
        Stage.HOT,
    )


def test_a_night_is_bounded_in_batches(make, cast, monkeypatch):
    for n in range(5):
        lost_on(make, cast, "2022-06-01", name=f"Perdu {n}")
    monkeypatch.setattr(services, "ANONYMISE_BATCH_SIZE", 2)
    monkeypatch.setattr(services, "ANONYMISE_MAX_BATCHES", 2)
    assert services.prospects_anonymise_lost() == 4  # the fifth waits
    assert services.prospects_anonymise_lost() == 1
    assert not Prospect.objects.filter(anonymised_at__isnull=True).exists()


def test_the_nightly_task_runs_the_job_once_a_day(make, cast):
    from django.conf import settings

    from prospects import tasks

    lost_on(make, cast, "2022-06-01")
    result = tasks.anonymise_lost_prospects.apply(task_id="beat-1").result
    assert tasks.anonymise_lost_prospects.apply(task_id="beat-2").result is None  # same day
    assert result == {"anonymised": 1}
    entry = settings.CELERY_BEAT_SCHEDULE["prospects-anonymise-lost"]
    assert entry["task"] == "prospects.tasks.anonymise_lost_prospects"
