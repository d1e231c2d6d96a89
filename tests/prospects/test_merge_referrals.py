"""A merge makes one person of two records, and the referral rules hold
for that person (found by a fresh-user trial on the demo pro's
pipeline: merging Victor Martins, brought by Karim Roux, into Karim
Roux's own record left "Karim Roux — recommandé par Karim Roux", and
Karim's page counted himself among the clients he brought):

- a record brought by the other record's referrer loses that referral,
  whichever record is kept (``referral_record`` refuses a prospect
  being their own referrer);
- a referrer thanked when ``other`` became a client is not thanked a
  second time when the kept record wins (one thanks per referral ever)."""

from __future__ import annotations

import pytest
from django.core import mail

from prospects import services
from prospects.models import Pipeline, ReferralThanks, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def karim(make, cast):
    """Karim, a client, and the referrer he is."""
    record = make(name="Karim Roux", email="karim@example.org", stage=Stage.CLIENT)
    referrer = services.referrer_create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        name="Karim Roux",
        email="karim@example.org",
        prospect=record,
        thanks_opt_in=True,
    )
    return record, referrer


@pytest.mark.parametrize("kept", ["referrer's record", "referral"])
def test_merging_a_referral_with_its_referrers_record_drops_the_self_referral(
    make, cast, karim, kept
):
    record, referrer = karim
    lead = make(name="Victor Martins", referrer=referrer, stage=Stage.HOT)
    keep, other = (record, lead) if kept == "referrer's record" else (lead, record)

    merged = services.prospects_merge(keep=keep, other=other, actor=cast.owner_a)

    merged.refresh_from_db()
    referrer.refresh_from_db()
    assert referrer.prospect_id == merged.pk
    assert merged.referrer_id is None
    assert not referrer.referrals.exists()


def test_a_referral_by_someone_else_survives_a_merge(make, cast, karim):
    _record, referrer = karim
    lead = make(name="Victor Martins", referrer=referrer, stage=Stage.HOT)
    twin = make(name="V. Martins", email="victor@example.org", stage=Stage.WARM)

    merged = services.prospects_merge(keep=twin, other=lead, actor=cast.owner_a)

    merged.refresh_from_db()
    assert merged.referrer_id == referrer.pk


def _thanks_to_karim() -> int:
    return len([m for m in mail.outbox if m.to == ["karim@example.org"]])


def test_a_referrer_thanked_for_the_merged_record_is_not_thanked_again(
    make, cast, karim, django_capture_on_commit_callbacks
):
    _record, referrer = karim
    won = make(name="Victor Martins", referrer=referrer, stage=Stage.HOT)
    with django_capture_on_commit_callbacks(execute=True):
        services.prospect_move(prospect=won, to=Stage.CLIENT, actor=cast.owner_a)
    assert _thanks_to_karim() == 1
    lead = make(name="Victor M.", email="victor@example.org", stage=Stage.HOT)

    kept = services.prospects_merge(keep=lead, other=won, actor=cast.owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.prospect_move(prospect=kept, to=Stage.CLIENT, actor=cast.owner_a)

    assert _thanks_to_karim() == 1
    assert list(ReferralThanks.objects.values_list("prospect_id", "referrer_id")) == [
        (kept.pk, referrer.pk)
    ]


def test_both_records_thanked_keep_one_thanks(
    make, cast, karim, django_capture_on_commit_callbacks
):
    _record, referrer = karim
    first = make(name="Victor Martins", referrer=referrer, stage=Stage.HOT)
    second = make(name="Victor M.", referrer=referrer, stage=Stage.HOT, email="v@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.prospect_move(prospect=first, to=Stage.CLIENT, actor=cast.owner_a)
        services.prospect_move(prospect=second, to=Stage.CLIENT, actor=cast.owner_a)

    kept = services.prospects_merge(keep=first, other=second, actor=cast.owner_a)

    assert list(ReferralThanks.objects.values_list("prospect_id", "referrer_id")) == [
        (kept.pk, referrer.pk)
    ]
