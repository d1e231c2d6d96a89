"""Erasing a prospect's personal data leaves none behind, on the person's
request and by the nightly job alike (issue 15, "Permissions and data"):
no text of the prospect's row, of a row tied to it, or of a row those
rows point to, names the person — their name, e-mail, phone or SIREN —,
whatever the field (the rows' text fields are read generically, so a
field added later is checked too). What the pipeline counts stays: the
interactions and history entries (their kinds, stages, dates, reason
codes and origins), who referred the prospect, and the referrals the
person brought as a referrer.

The person's referrer record (``Referrer.prospect``) is unlinked; one
that exists only through them (no account, nobody brought) is deleted;
on request, the details of one that has a life of its own are erased
too, the referrals it brought still counted."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from eligibility.models import Application
from prospects import services
from prospects.models import (
    Interaction,
    LostReason,
    Origin,
    Prospect,
    ProspectEvent,
    Referrer,
    Stage,
)
from prospects.selectors import prospect_personal_data
from prospects.templatetags.pipelines import origin_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What names Jean (tests/prospects/conftest.py): his surname (in his
# addresses and the notes below), his two phones (his own and his merged
# twin record's) and his SIREN, as digits.
NAME = "dupont"
DIGITS = ("699056090", "611223344", "732829320")


def identity_in(text: str) -> bool:
    return NAME in text.lower() or any(d in re.sub(r"\D", "", text) for d in DIGITS)


def texts(row: models.Model) -> Iterator[tuple[str, str]]:
    """Every text a row stores: its string fields, its JSON as written."""
    for field in row._meta.concrete_fields:
        value = field.value_from_object(row)
        if isinstance(value, str):
            yield field.name, value
        elif isinstance(value, dict | list):
            yield field.name, json.dumps(value, ensure_ascii=False)


def pointed_to(row: models.Model) -> Iterator[models.Model]:
    """The rows ``row``'s foreign keys point to."""
    for field in row._meta.concrete_fields:
        if field.many_to_one or field.one_to_one:
            target = getattr(row, field.name)
            if target is not None:
                yield target


def tied_to(prospect: Prospect) -> Iterator[models.Model]:
    """The prospect, every row of any model that points to it (hidden
    relations included), the rows it points to, and the rows all of those
    point to."""
    near: list[models.Model] = [prospect, *pointed_to(prospect)]
    for relation in Prospect._meta.get_fields(include_hidden=True):
        if relation.auto_created and not relation.concrete:
            manager = relation.related_model._base_manager
            near.extend(manager.filter(**{relation.field.name: prospect.pk}))
    for row in near:
        yield row
        yield from pointed_to(row)


def named(prospect: Prospect) -> list[str]:
    return [
        f"{row._meta.label}#{row.pk}.{name}"
        for row in tied_to(prospect)
        for name, text in texts(row)
        if identity_in(text)
    ]


@pytest.fixture
def lost_jean(jean, make, cast):
    """Jean Dupont (``jean``: his details, a call, his merged twin record)
    named wherever a pipeline can: a quote request's move and note, a
    call's note, an application, two referrer records of him (one that
    brought Paul, with an account; one that brought nobody), and the
    comment and note of his loss. Referred by Marie Curie. Returns him and
    the two referrer records."""
    prospect = jean
    services.prospect_move(
        prospect=prospect, to=Stage.HOT, actor=None, origin=Origin.QUOTE_REQUEST, origin_ref="12"
    )
    Interaction.objects.create(
        prospect=prospect, kind=Interaction.Kind.NOTE, origin=Origin.QUOTE_REQUEST, origin_ref="12"
    )
    services.interaction_add(
        prospect=prospect,
        kind=Interaction.Kind.CALL,
        author=cast.owner_a,
        outcome="M. Dupont rappelle au 06 99 05 60 90, jean.dupont@example.fr",
        next_follow_up=None,
    )
    application = Application.objects.create(applicant=UserFactory(), legal_name="Dupont SARL")
    Prospect.objects.filter(pk=prospect.pk).update(application=application)
    ambassador, lone = (
        services.referrer_create(
            pipeline="company",
            company=cast.company_a,
            prospect=prospect,
            force=True,
            **person,
        )
        for person in (
            {
                "name": "Jean Dupont",
                "email": "jean.dupont@example.fr",
                "phone": "0699056090",
                "user": UserFactory(email="jean.dupont@example.fr"),
                "thanks_opt_in": True,
            },
            {"name": "Jean D.", "phone": "0611223344"},
        )
    )
    make(name="Paul Martin", referrer=ambassador)
    services.prospect_move(
        prospect=prospect,
        to=Stage.LOST,
        actor=cast.owner_a,
        reason="Jean Dupont a choisi un concurrent",
        lost_reason=LostReason.COMPETITOR,
        lost_note="Dupont trouve trop cher",
    )
    prospect.refresh_from_db()
    assert named(prospect), "the fixture names Jean before the erasure"
    return prospect, ambassador, lone


def erase_on_request(prospect, cast) -> None:
    services.prospect_erase_on_request(prospect=prospect, actor=cast.owner_a)


def erase_at_night(prospect, cast) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=3 * 366)):
        assert services.prospects_anonymise_lost() == 1


ERASURES = [erase_on_request, erase_at_night]


def history(prospect: Prospect) -> list[tuple]:
    return list(
        prospect.events.exclude(kind=ProspectEvent.Kind.ERASURE)
        .order_by("created_at", "pk")
        .values_list("kind", "from_status", "to_status", "lost_reason", "origin", "created_at")
    )


def interactions(prospect: Prospect) -> list[tuple]:
    return list(
        prospect.interactions.order_by("happened_at", "pk").values_list(
            "kind", "origin", "happened_at", "author"
        )
    )


@pytest.mark.parametrize("erase", ERASURES)
def test_no_row_tied_to_an_erased_prospect_names_the_person(lost_jean, cast, erase):
    prospect, _ambassador, _lone = lost_jean
    erase(prospect, cast)
    prospect.refresh_from_db()
    assert named(prospect) == []
    assert not identity_in(json.dumps(prospect_personal_data(prospect), ensure_ascii=False))


@pytest.mark.parametrize("erase", ERASURES)
def test_the_counts_stages_dates_and_referral_stay(lost_jean, cast, erase):
    prospect, ambassador, _lone = lost_jean
    marie = prospect.referrer
    before = (history(prospect), interactions(prospect), prospect.postal_code, prospect.source)
    erase(prospect, cast)
    prospect.refresh_from_db()
    assert (
        history(prospect),
        interactions(prospect),
        prospect.postal_code,
        prospect.source,
    ) == before
    assert (prospect.stage, prospect.lost_reason) == (Stage.LOST, LostReason.COMPETITOR)
    # Who referred him is Marie's history: kept, and her record untouched.
    assert prospect.referrer == marie
    assert Referrer.objects.get(pk=marie.pk).name == "Marie Curie"
    # Paul, whom Jean brought, is still counted as his referral.
    assert Prospect.objects.get(name="Paul Martin").referrer_id == ambassador.pk


@pytest.mark.parametrize("erase", ERASURES)
def test_a_quote_request_note_says_what_it_was_without_its_number(lost_jean, cast, erase):
    prospect, _ambassador, _lone = lost_jean
    erase(prospect, cast)
    note = prospect.interactions.get(origin=Origin.QUOTE_REQUEST)
    assert (note.origin_ref, origin_text(note)) == ("", "demande de devis")


@pytest.mark.parametrize("erase", ERASURES)
def test_a_referrer_record_that_exists_only_through_the_person_is_deleted(lost_jean, cast, erase):
    prospect, _ambassador, lone = lost_jean
    erase(prospect, cast)
    assert not Referrer.objects.filter(pk=lone.pk).exists()


def test_on_request_the_persons_referrer_record_is_erased_its_referrals_counted(lost_jean, cast):
    prospect, ambassador, _lone = lost_jean
    old_code = ambassador.code
    erase_on_request(prospect, cast)
    ambassador.refresh_from_db()
    assert (ambassador.name, ambassador.email, ambassador.email_key, ambassador.phone) == (
        services.ANONYMOUS_NAME,
        "",
        "",
        "",
    )
    assert (ambassador.user, ambassador.prospect, ambassador.thanks_opt_in) == (None, None, False)
    # The links Jean shared no longer name him; a new code is no one's.
    assert ambassador.code != old_code
    assert services.referrer_by_code(old_code) is None
    assert ambassador.referrals.count() == 1


def test_at_night_the_persons_referrer_record_is_unlinked_and_kept(lost_jean, cast):
    """A prospect lost three years ago may refer clients today: the job
    ends the prospect's record, not the referrer's."""
    prospect, ambassador, _lone = lost_jean
    erase_at_night(prospect, cast)
    ambassador.refresh_from_db()
    assert ambassador.prospect is None
    assert (ambassador.name, ambassador.thanks_opt_in) == ("Jean Dupont", True)
    assert services.referrer_by_code(ambassador.code) == ambassador


def test_history_entries_stay_write_once_outside_the_erasure(lost_jean):
    prospect, _ambassador, _lone = lost_jean
    with pytest.raises(ValidationError):
        prospect.events.update(reason="")
    assert prospect.events.exclude(reason="").exists()
