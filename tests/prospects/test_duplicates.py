"""Duplicates proposed before a create: the same SIREN, canonical e-mail
or E.164 phone, or a similar name in the same town; the create can be
forced; invalid identifiers are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from prospects import services
from prospects.models import Pipeline, Prospect
from prospects.selectors import Match

pytestmark = pytest.mark.django_db


def proposed(make, **fields) -> list[tuple[int, tuple[Match, ...]]]:
    """What a create with ``fields`` proposes; it creates nothing then."""
    before = Prospect.objects.count()
    with pytest.raises(services.PossibleDuplicates) as refused:
        make(force=False, **fields)
    assert Prospect.objects.count() == before
    return [(c.prospect.pk, c.matches) for c in refused.value.candidates]


def test_the_same_siren_typed_another_way_is_proposed(make):
    first = make(name="Boulangerie Martin", siren="732 829 320")
    assert first.siren == "732829320"
    assert proposed(make, name="Autre nom", siren="73282932000074") == [(first.pk, (Match.SIREN,))]


def test_the_same_mailbox_written_differently_is_proposed(make):
    first = make(name="Jean Dupont", email="Jean.Dupont@Gmail.com")
    assert (first.email, first.email_key) == ("Jean.Dupont@Gmail.com", "jeandupont@gmail.com")
    assert proposed(make, name="J. D.", email="jeandupont@gmail.com") == [
        (first.pk, (Match.EMAIL,))
    ]
    assert proposed(make, name="J. D.", email=" jean.dupont+devis@googlemail.com ") == [
        (first.pk, (Match.EMAIL,))
    ]


@pytest.mark.parametrize("typed", ["06.99.05.60.90", "+33 6 99 05 60 90", "0033699056090"])
def test_the_same_phone_in_any_format_is_proposed(make, typed):
    first = make(name="Jean Dupont", phone="06 99 05 60 90")
    assert first.phone == "+33699056090"
    assert proposed(make, name="Quelqu'un", phone=typed) == [(first.pk, (Match.PHONE,))]


def test_a_similar_name_in_the_same_town_is_proposed(make):
    first = make(name="Sarl Dupont", town="Villeurbanne")
    assert proposed(make, name="SARL DUPONT & Fils", town="VILLEURBANNE") == [
        (first.pk, (Match.NAME,))
    ]


def test_a_similar_name_in_another_town_is_not_proposed(make):
    make(name="Sarl Dupont", town="Villeurbanne")
    created = make(force=False, name="SARL DUPONT & Fils", town="Lyon")
    assert created.pk


def test_a_different_name_in_the_same_town_is_not_proposed(make):
    make(name="Sarl Dupont", town="Lyon")
    assert make(force=False, name="Durand Carrelage", town="Lyon").pk


def test_a_small_typo_in_a_name_is_proposed(make):
    first = make(name="Jean Dupont", town="Saint-Étienne")
    assert proposed(make, name="jean dupond", town="saint etienne") == [(first.pk, (Match.NAME,))]


def test_without_a_town_the_postal_code_stands_for_it(make):
    first = make(name="Sarl Dupont", postal_code="69100")
    assert proposed(make, name="Dupont SARL", postal_code="69100") == [(first.pk, (Match.NAME,))]
    assert make(force=False, name="Dupont SARL", postal_code="69003").pk


def test_several_criteria_are_all_named_and_best_first(make):
    by_phone = make(name="Paul Martin", phone="0699056090")
    by_all = make(name="Jean Dupont", town="Lyon", email="jean@example.fr", phone="0611223344")
    assert proposed(
        make, name="Jean Dupont", town="Lyon", email="JEAN@example.fr", phone="0699056090"
    ) == [(by_all.pk, (Match.EMAIL, Match.NAME)), (by_phone.pk, (Match.PHONE,))]


def test_other_pipelines_are_never_proposed(make, cast):
    make(name="Jean Dupont", email="jean@example.fr")
    make(name="Jean Dupont", email="jean@example.fr", company=cast.company_b)
    platform = make(pipeline=Pipeline.PLATFORM, actor=None, email="jean@example.fr")
    assert platform.pk
    assert len(proposed(make, name="X", email="jean@example.fr")) == 1


def test_anonymised_prospects_are_never_proposed(make):
    first = make(name="Jean Dupont", email="jean@example.fr")
    services.prospect_anonymise(prospect=first)
    assert make(force=False, name="Jean Dupont", email="jean@example.fr").pk


def test_a_forced_create_is_made_despite_candidates(make):
    make(name="Jean Dupont", email="jean@example.fr")
    make(name="Jean Dupont", email="jean@example.fr", force=True)
    assert Prospect.objects.filter(email_key="jean@example.fr").count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("siren", "732 829 321"),
        ("siren", "12345"),
        ("phone", "06 99"),
        ("email", "jean@"),
        ("name", "   "),
    ],
)
def test_invalid_identifiers_are_refused_and_nothing_is_written(make, field, value):
    with pytest.raises(ValidationError):
        make(**{field: value})
    assert not Prospect.objects.exists()


def test_a_company_pipeline_needs_its_company_and_the_platform_none(make, cast):
    with pytest.raises(ValidationError):
        make(pipeline=Pipeline.COMPANY, company=None)
    with pytest.raises(ValidationError):
        make(pipeline=Pipeline.PLATFORM, company=cast.company_a)
    assert not Prospect.objects.exists()
