"""Who sees which pipeline: sales staff the platform's, a company's
members that company's, nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from prospects.models import Pipeline
from prospects.permissions import can_see_pipeline, can_see_prospect, prospects_visible_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(db):
    user = UserFactory(email="sales@example.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="sales"))
    return user


def test_each_person_sees_only_their_pipelines(cast, seller):
    a, b = cast.company_a.pk, cast.company_b.pk
    cases = {
        "seller": (seller, {"platform": True, a: False, b: False}),
        "owner_a": (cast.owner_a, {"platform": False, a: True, b: False}),
        "member_a": (cast.member_a, {"platform": False, a: True, b: False}),
        "owner_b": (cast.owner_b, {"platform": False, a: False, b: True}),
        "consumer": (cast.consumer, {"platform": False, a: False, b: False}),
        "vetting staff": (cast.staff, {"platform": False, a: False, b: False}),
        "anonymous": (AnonymousUser(), {"platform": False, a: False, b: False}),
    }
    for who, (user, expected) in cases.items():
        seen = {
            "platform": can_see_pipeline(user, pipeline=Pipeline.PLATFORM),
            a: can_see_pipeline(user, pipeline=Pipeline.COMPANY, company_id=a),
            b: can_see_pipeline(user, pipeline=Pipeline.COMPANY, company_id=b),
        }
        assert seen == expected, who


def test_a_company_pipeline_without_a_company_is_nobodys(cast, seller):
    assert not can_see_pipeline(cast.owner_a, pipeline=Pipeline.COMPANY, company_id=None)
    assert not can_see_pipeline(seller, pipeline="other")


def test_an_inactive_seller_sees_nothing(seller):
    seller.is_active = False
    seller.save()
    assert not can_see_pipeline(seller, pipeline=Pipeline.PLATFORM)


def test_the_visible_prospects_follow_the_same_rule(make, cast, seller):
    mine = make(name="a")
    theirs = make(name="b", company=cast.company_b, actor=cast.owner_b)
    platform = make(name="p", pipeline=Pipeline.PLATFORM, actor=seller)
    assert set(prospects_visible_to(cast.owner_a)) == {mine}
    assert set(prospects_visible_to(seller)) == {platform}
    assert set(prospects_visible_to(cast.consumer)) == set()
    assert set(prospects_visible_to(AnonymousUser())) == set()
    assert can_see_prospect(cast.owner_b, theirs)
    assert not can_see_prospect(cast.owner_b, mine)
