"""The referrers' screens: the leaderboard, a referrer's page with the
personal link, creating and editing; each pipeline sees only its own
referrers (another's id is a 404), bad input changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from prospects import services
from prospects.models import Pipeline, Referrer, Stage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def pro_url(cast, name: str, *args) -> str:
    return reverse(f"prospects:pro-prospects-{name}", args=[cast.company_a.pk, *args])


@pytest.fixture
def member(client, cast):
    client.login(username=cast.member_a.username, password=PASSWORD)
    return client


@pytest.fixture
def claire(cast):
    return services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Claire Martin", thanks_opt_in=False
    )


def test_the_leaderboard_lists_the_pipelines_referrers_best_first(member, cast, claire, make):
    services.referrer_create(pipeline=Pipeline.COMPANY, company=cast.company_b, name="Chez B")
    bob = services.referrer_create(pipeline=Pipeline.COMPANY, company=cast.company_a, name="Bob")
    make(referrer=bob, stage=Stage.CLIENT)
    page = member.get(pro_url(cast, "referrers")).content.decode()
    assert page.index("Bob") < page.index("Claire Martin")
    assert "Chez B" not in page
    assert pro_url(cast, "referrer", claire.pk) in page


def test_a_referrers_page_shows_the_link_and_what_they_brought(member, cast, claire, make):
    make(name="Lead Apporté", referrer=claire, stage=Stage.WARM)
    page = member.get(pro_url(cast, "referrer", claire.pk)).content.decode()
    quote_form = reverse("directory:quote-request", args=[cast.company_a.slug])
    assert f"{quote_form}?parrain={claire.code}" in page
    assert "Lead Apporté" in page
    assert "Tiède" in page


def test_the_platforms_link_is_the_join_page(client, seller):
    referrer = services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="Paul")
    client.login(username=seller.username, password=PASSWORD)
    page = client.get(reverse("prospects:staff-prospects-referrer", args=[referrer.pk]))
    assert f"/rejoindre/?parrain={referrer.code}" in page.content.decode()


def test_creating_a_referrer(member, cast):
    response = member.post(
        pro_url(cast, "referrer-create"),
        {"name": "Claire", "email": "c@example.org", "phone": "06 12 34 56 78", "is_client": "on",
         "thanks_opt_in": "on"},
    )  # fmt: skip
    referrer = Referrer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == pro_url(cast, "referrer", referrer.pk)
    assert (referrer.company, referrer.phone, referrer.is_client, referrer.thanks_opt_in) == (
        cast.company_a,
        "+33612345678",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "phone": "12"}, "phone"),
        ({"name": "X", "email": "pas-un-email"}, "email"),
        ({"name": "X", "thanks_opt_in": "on"}, "email"),  # thanks need an address
        ({"name": "X" * 201}, "name"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(member, cast, data, field):
    response = member.post(pro_url(cast, "referrer-create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Referrer.objects.exists()


def test_editing_a_referrer(member, cast, claire):
    response = member.post(
        pro_url(cast, "referrer-edit", claire.pk),
        {"name": "Claire Martin-Roux", "email": "", "phone": ""},
    )
    assert response.status_code == 302
    claire.refresh_from_db()
    assert claire.name == "Claire Martin-Roux"


def test_another_pipelines_referrer_is_a_404(member, cast):
    theirs = services.referrer_create(pipeline=Pipeline.COMPANY, company=cast.company_b, name="B")
    platform = services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="P")
    for referrer in (theirs, platform):
        assert member.get(pro_url(cast, "referrer", referrer.pk)).status_code == 404
        response = member.post(pro_url(cast, "referrer-edit", referrer.pk), {"name": "Pris"})
        assert response.status_code == 404
        referrer.refresh_from_db()
        assert referrer.name != "Pris"
    assert member.get(pro_url(cast, "referrer", "99999999999999999999")).status_code == 404


def test_sales_staff_see_the_platforms_referrers_only(client, cast, seller, claire):
    platform = services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="Paul")
    client.login(username=seller.username, password=PASSWORD)
    page = client.get(reverse("prospects:staff-prospects-referrers")).content.decode()
    assert "Paul" in page
    assert "Claire Martin" not in page
    url = reverse("prospects:staff-prospects-referrer", args=[claire.pk])
    assert client.get(url).status_code == 404
    assert platform.pk


@pytest.mark.parametrize("persona", ["consumer", "owner_b"])
def test_outsiders_never_see_a_companys_referrers(client, cast, claire, persona):
    client.login(username=getattr(cast, persona).username, password=PASSWORD)
    assert client.get(pro_url(cast, "referrers")).status_code == 404
    assert client.get(pro_url(cast, "referrer", claire.pk)).status_code == 404


def test_a_pro_cannot_open_the_platforms_referrers(client, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    assert client.get(reverse("prospects:staff-prospects-referrers")).status_code in (403, 404)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"name": "Claire Martin", "email": "Claire.Martin@Example.org"}, "même e-mail"),
        ({"name": "Quelqu'un", "email": "claire.martin+parrain@example.org"}, "même e-mail"),
        ({"name": "C. M.", "phone": "+33 6 12 34 56 78"}, "même téléphone"),
        ({"name": "CLAIRE MARTÍN"}, "même nom"),
        ({"name": "  claire martin "}, "même nom"),
    ],
)
def test_the_same_referrer_again_is_proposed_before_saving(member, cast, data, why):
    existing = services.referrer_create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        name="Claire Martin",
        email="claire.martin@example.org",
        phone="0612345678",
    )
    response = member.post(pro_url(cast, "referrer-create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce prescripteur est peut-être déjà enregistré." in html
    assert pro_url(cast, "referrer", existing.pk) in html
    assert why in html
    assert "Créer quand même" in html
    assert Referrer.objects.count() == 1
    response = member.post(pro_url(cast, "referrer-create"), {**data, "force": "1"})
    assert response.status_code == 302
    assert Referrer.objects.count() == 2


def test_another_pipeline_s_referrer_is_not_proposed(member, cast):
    services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_b, name="Claire", email="c@example.org"
    )
    services.referrer_create(
        pipeline=Pipeline.PLATFORM, company=None, name="Claire", email="c@example.org"
    )
    response = member.post(
        pro_url(cast, "referrer-create"), {"name": "Claire", "email": "C@example.org"}
    )
    assert response.status_code == 302
    assert Referrer.objects.filter(company=cast.company_a).count() == 1


def test_a_different_person_is_not_proposed(member, cast, claire):
    response = member.post(
        pro_url(cast, "referrer-create"), {"name": "Claire Dupont", "email": "cd@example.org"}
    )
    assert response.status_code == 302


def test_the_service_refuses_the_same_mailbox_unless_forced(cast, claire):
    services.referrer_update(referrer=claire, fields={"email": "Claire@Gmail.com"})
    with pytest.raises(services.PossibleReferrerDuplicates) as proposed:
        services.referrer_create(
            pipeline=Pipeline.COMPANY,
            company=cast.company_a,
            name="Autre",
            email="c.l.a.i.r.e@gmail.com",
        )
    assert [(r.pk, m) for r, m in proposed.value.candidates] == [(claire.pk, ("email",))]
    forced = services.referrer_create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        name="Autre",
        email="c.l.a.i.r.e@gmail.com",
        force=True,
    )
    assert forced.pk
