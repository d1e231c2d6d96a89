"""The partner portal (/partenaires/): only a partner's members see it;
keys are shown once, revoked and rotated with effect on the API's
authentication; connection codes are single use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import (
    CONNECTION_CODE_ALPHABET,
    ConnectionCode,
    Partner,
    PartnerKey,
    PartnerKind,
    Scope,
)
from partners.services import connection_code_create, partner_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(partner):
    user = UserFactory(email="dev@comp.test")
    partner.members.add(user)
    return user


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def other_partner():
    return Partner.objects.create(
        name="Logiciel Autre", kind=PartnerKind.INVOICING_SOFTWARE, contact_email="a@o.test"
    )


def status_of(secret: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return api.get("/api/v1/professions").status_code


def pages(partner: Partner, key: PartnerKey, code: ConnectionCode) -> list[tuple[str, str]]:
    base = f"/partenaires/{partner.pk}"
    return [
        ("get", f"{base}/"),
        ("get", f"{base}/cles/"),
        ("get", f"{base}/cles/nouvelle/"),
        ("post", f"{base}/cles/nouvelle/"),
        ("get", f"{base}/cles/{key.prefix}/creee/"),
        ("get", f"{base}/cles/{key.prefix}/revoquer/"),
        ("post", f"{base}/cles/{key.prefix}/revoquer/"),
        ("get", f"{base}/cles/{key.prefix}/renouveler/"),
        ("post", f"{base}/cles/{key.prefix}/renouveler/"),
        ("get", f"{base}/entreprises/"),
        ("get", f"{base}/codes/"),
        ("post", f"{base}/codes/"),
        ("post", f"{base}/codes/{code.pk}/retirer/"),
    ]


def test_anonymous_visitors_are_sent_to_the_log_in_page(client, partner):
    key, _secret = partner_key_create(partner=partner, name="k", scopes=[Scope.DIRECTORY_READ])
    code = connection_code_create(partner=partner, created_by=None)
    response = client.get("/partenaires/")
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]
    for method, url in pages(partner, key, code):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/compte/login/" in response["Location"], url
    assert not PartnerKey.objects.filter(revoked=True).exists()
    assert PartnerKey.objects.count() == 1


def test_non_members_and_members_of_another_partner_get_404s(client, partner, other_partner):
    key, secret = partner_key_create(partner=partner, name="k", scopes=[Scope.DIRECTORY_READ])
    code = connection_code_create(partner=partner, created_by=None)
    stranger = UserFactory(email="stranger@example.fr")
    other_member = UserFactory(email="other@o.test")
    other_partner.members.add(other_member)
    client.force_login(stranger)
    assert client.get("/partenaires/").status_code == 403
    for user in (stranger, other_member):
        client.force_login(user)
        for method, url in pages(partner, key, code):
            assert getattr(client, method)(url).status_code == 404, (user, url)
    key.refresh_from_db()
    code.refresh_from_db()
    assert not key.revoked
    assert key.expiry_date is None
    assert code.revoked_at is None
    assert PartnerKey.objects.count() == 1
    assert ConnectionCode.objects.count() == 1
    assert status_of(secret) == 200


def test_the_home_page_sums_up_the_partner(member_client, partner, cast):
    from partners.services import connection_create

    partner_key_create(partner=partner, name="Production", scopes=[Scope.DIRECTORY_READ])
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a)
    response = member_client.get("/partenaires/", follow=True)
    assert response.redirect_chain[-1][0] == f"/partenaires/{partner.pk}/"
    html = response.content.decode()
    assert "Comparateur Test" in html
    assert "/api/docs/" in html
    assert response.context["figures"]["connected_count"] == 1
    assert response.context["figures"]["usable_keys_count"] == 1


def test_a_member_of_two_partners_picks_one(member_client, member, partner, other_partner):
    other_partner.members.add(member)
    response = member_client.get("/partenaires/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/partenaires/{partner.pk}/" in html
    assert f"/partenaires/{other_partner.pk}/" in html
    assert member_client.get(f"/partenaires/{other_partner.pk}/cles/").status_code == 200


def test_a_new_key_is_shown_once_and_works(member_client, partner):
    response = member_client.post(
        f"/partenaires/{partner.pk}/cles/nouvelle/",
        {"name": "Serveur de prod", "scopes": [Scope.DIRECTORY_READ, Scope.INVOICES_WRITE]},
    )
    assert response.status_code == 302
    key = PartnerKey.objects.get(partner=partner)
    assert key.scopes == sorted([Scope.DIRECTORY_READ, Scope.INVOICES_WRITE])
    assert response["Location"] == f"/partenaires/{partner.pk}/cles/{key.prefix}/creee/"
    first = member_client.get(response["Location"])
    assert first["Cache-Control"] == "no-store"
    secret = first.context["secret"]
    assert secret.startswith(key.prefix + ".")
    assert secret in first.content.decode()
    assert PartnerKey.objects.is_valid(secret)
    assert status_of(secret) == 200
    again = member_client.get(response["Location"])
    assert again.context["secret"] is None
    assert secret not in again.content.decode()
    listing = member_client.get(f"/partenaires/{partner.pk}/cles/").content.decode()
    assert key.prefix in listing
    assert secret not in listing
    assert "Serveur de prod" in listing


def test_the_key_form_refuses_bad_input_and_changes_nothing(member_client, partner):
    url = f"/partenaires/{partner.pk}/cles/nouvelle/"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    for data in (
        {"name": "", "scopes": [Scope.DIRECTORY_READ]},
        {"name": "   ", "scopes": [Scope.DIRECTORY_READ]},
        {"name": "x" * 51, "scopes": [Scope.DIRECTORY_READ]},
        {"name": "ok"},
        {"name": "ok", "scopes": ["everything"]},
        {"name": "ok", "scopes": [Scope.DIRECTORY_READ], "expiry_date": yesterday},
        {"name": "ok", "scopes": [Scope.DIRECTORY_READ], "expiry_date": "31/02/2027"},
        {"name": "ok", "scopes": [Scope.DIRECTORY_READ], "expiry_date": "9999-12-31"},
    ):
        response = member_client.post(url, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not PartnerKey.objects.exists()


def test_hostile_names_are_escaped_never_a_500(member_client, partner):
    for name in ("<script>alert(1)</script>", "🔑" * 50, "a\u202eb", "é" * 50):
        # A direction control is refused beside the field (test_invisible_characters).
        response = member_client.post(
            f"/partenaires/{partner.pk}/cles/nouvelle/",
            {"name": name, "scopes": [Scope.REVIEWS_READ]},
            follow=True,
        )
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
    listing = member_client.get(f"/partenaires/{partner.pk}/cles/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert PartnerKey.objects.count() == 3
    assert not PartnerKey.objects.filter(name__contains="\u202e").exists()


def test_an_expiry_date_ends_the_day(member_client, partner):
    day = timezone.localdate() + timedelta(days=30)
    member_client.post(
        f"/partenaires/{partner.pk}/cles/nouvelle/",
        {"name": "k", "scopes": [Scope.DIRECTORY_READ], "expiry_date": day.isoformat()},
    )
    key = PartnerKey.objects.get()
    assert timezone.localtime(key.expiry_date).date() == day


def test_revoking_asks_then_the_key_gets_401(member_client, partner):
    key, secret = partner_key_create(partner=partner, name="k", scopes=[Scope.DIRECTORY_READ])
    url = f"/partenaires/{partner.pk}/cles/{key.prefix}/revoquer/"
    confirm = member_client.get(url)
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.content.decode()
    key.refresh_from_db()
    assert not key.revoked
    response = member_client.post(url)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked
    assert status_of(secret) == 401
    # Again: nothing more, no error.
    assert member_client.post(url).status_code == 302


def test_rotating_makes_a_successor_and_keeps_the_old_key_for_the_overlap(
    member_client, partner, settings
):
    settings.PARTNER_KEY_ROTATION_OVERLAP_DAYS = 7
    old, old_secret = partner_key_create(
        partner=partner, name="Prod", scopes=[Scope.DIRECTORY_READ, Scope.SESSIONS_WRITE]
    )
    url = f"/partenaires/{partner.pk}/cles/{old.prefix}/renouveler/"
    assert member_client.get(url).status_code == 200
    before = timezone.now()
    response = member_client.post(url)
    assert response.status_code == 302
    new = PartnerKey.objects.exclude(pk=old.pk).get()
    assert new.scopes == old.scopes
    assert new.name == "Prod"
    assert new.expiry_date is None
    secret = member_client.get(response["Location"]).context["secret"]
    assert secret.startswith(new.prefix + ".")
    old.refresh_from_db()
    assert before + timedelta(days=7) <= old.expiry_date <= timezone.now() + timedelta(days=7)
    assert status_of(old_secret) == 200  # still, during the overlap
    assert status_of(secret) == 200
    PartnerKey.objects.filter(pk=old.pk).update(expiry_date=timezone.now() - timedelta(seconds=1))
    assert status_of(old_secret) == 401
    assert status_of(secret) == 200


def test_a_revoked_key_cannot_be_rotated(member_client, partner):
    key, _secret = partner_key_create(partner=partner, name="k", scopes=[Scope.DIRECTORY_READ])
    PartnerKey.objects.filter(pk=key.pk).update(revoked=True)
    response = member_client.post(f"/partenaires/{partner.pk}/cles/{key.prefix}/renouveler/")
    assert response.status_code == 302
    assert PartnerKey.objects.count() == 1


def test_unknown_key_prefixes_are_404s(member_client, partner, other_partner):
    theirs, _secret = partner_key_create(
        partner=other_partner, name="k", scopes=[Scope.DIRECTORY_READ]
    )
    base = f"/partenaires/{partner.pk}/cles"
    for prefix in (theirs.prefix, "nope", "%3Cscript%3E", "x" * 300):
        assert member_client.get(f"{base}/{prefix}/revoquer/").status_code == 404
        assert member_client.post(f"{base}/{prefix}/renouveler/").status_code == 404
    theirs.refresh_from_db()
    assert not theirs.revoked


def test_connected_companies_are_listed(member_client, partner, cast):
    from partners.services import connection_create, connection_end

    partner_key_create(partner=partner, name="k", scopes=[Scope.INVOICES_WRITE])
    connection_create(partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a)
    connection_create(partner=partner, company_id=cast.company_b.pk, connected_by=cast.owner_b)
    connection_end(partner=partner, company_id=cast.company_b.pk)
    html = member_client.get(f"/partenaires/{partner.pk}/entreprises/").content.decode()
    assert "Alpha Électricité" in html
    assert "alpha-electricite" in html
    # Who at the company connected it is the company's business: no pro's
    # name or e-mail reaches a partner.
    assert "owner-a@example.fr" not in html
    assert cast.owner_a.email not in html
    assert "Bêta Plomberie" not in html
    assert "invoices:write" in html


def test_codes_are_made_listed_and_withdrawn(member_client, member, partner):
    url = f"/partenaires/{partner.pk}/codes/"
    response = member_client.post(url)
    assert response.status_code == 302
    code = ConnectionCode.objects.get()
    assert code.partner == partner
    assert code.created_by == member
    assert len(code.code) == 10
    assert code.expires_at - code.created_at == timedelta(days=7)
    html = member_client.get(url).content.decode()
    assert code.grouped in html
    assert member_client.post(f"{url}{code.pk}/retirer/").status_code == 302
    code.refresh_from_db()
    assert code.revoked_at is not None
    assert list(member_client.get(url).context["codes"]) == []


def test_codes_are_unguessable(partner):
    codes = {connection_code_create(partner=partner, created_by=None).code for _i in range(50)}
    assert len(codes) == 50
    assert all(len(code) == 10 and set(code) <= set(CONNECTION_CODE_ALPHABET) for code in codes)
    assert not set("ILOU") & set(CONNECTION_CODE_ALPHABET)


def test_a_suspended_partner_makes_no_code(member_client, partner):
    partner.status = "suspended"
    partner.save()
    html = member_client.get(f"/partenaires/{partner.pk}/").content.decode()
    assert "suspendu" in html
    member_client.post(f"/partenaires/{partner.pk}/codes/")
    assert not ConnectionCode.objects.exists()


def test_posts_need_the_csrf_token(member, partner):
    key, secret = partner_key_create(partner=partner, name="k", scopes=[Scope.DIRECTORY_READ])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    base = f"/partenaires/{partner.pk}"
    for url in (
        f"{base}/cles/nouvelle/",
        f"{base}/cles/{key.prefix}/revoquer/",
        f"{base}/cles/{key.prefix}/renouveler/",
        f"{base}/codes/",
    ):
        assert strict.post(url, {"name": "x", "scopes": ["directory:read"]}).status_code == 403
    key.refresh_from_db()
    assert not key.revoked
    assert key.expiry_date is None
    assert PartnerKey.objects.count() == 1
    assert not ConnectionCode.objects.exists()
    assert status_of(secret) == 200


def test_the_header_links_to_the_portal_for_members_only(client, member, partner, cast):
    client.force_login(member)
    assert 'href="/partenaires/"' in client.get("/").content.decode()
    assert 'href="/partenaires/"' in client.get("/mon-compte/").content.decode()
    client.force_login(cast.owner_a)
    assert 'href="/partenaires/"' not in client.get("/").content.decode()
    assert 'href="/partenaires/"' not in client.get("/mon-compte/").content.decode()
    # A pro who is also a partner's member: under "My account".
    partner.members.add(cast.owner_a)
    assert 'href="/partenaires/"' in client.get("/mon-compte/").content.decode()


def test_staff_see_codes_in_the_admin_without_the_code(client, partner):
    code = connection_code_create(partner=partner, created_by=None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/partners/connectioncode/")
    assert listing.status_code == 200
    page = client.get(f"/admin/partners/connectioncode/{code.pk}/change/")
    assert page.status_code == 200
    for html in (page.content.decode(), listing.content.decode()):
        assert code.code not in html
        assert code.grouped not in html


def test_the_portal_speaks_english_too(member_client, partner):
    html = member_client.get(f"/en/partenaires/{partner.pk}/cles/").content.decode()
    assert "API keys" in html
    assert "A key is shown once" in html


def test_the_partner_e_mails_exist_in_both_languages(partner, cast):
    from common.mail import render_templated

    for template in ("partner_connected", "partner_disconnected"):
        context = {"partner": partner, "company_name": "Alpha & Fils", "url": "https://x.test/"}
        subject_fr, body_fr = render_templated(template, context, language="fr")
        subject_en, body_en = render_templated(template, context, language="en")
        assert "Alpha & Fils" in subject_fr
        assert "Alpha & Fils" in body_en
        assert subject_fr != subject_en
        assert body_fr != body_en
        assert "Comparateur Test" in body_fr


def test_a_rotated_key_with_an_expiry_passes_on_its_lifetime(partner, settings):
    from partners.services import partner_key_rotate

    settings.PARTNER_KEY_ROTATION_OVERLAP_DAYS = 7
    soon, _secret = partner_key_create(
        partner=partner,
        name="k",
        scopes=[Scope.DIRECTORY_READ],
        expiry_date=timezone.now() + timedelta(days=3),
    )
    soon.refresh_from_db()
    soon_expiry = soon.expiry_date
    new, _secret = partner_key_rotate(key=soon)
    soon.refresh_from_db()
    assert soon.expiry_date == soon_expiry  # already within the overlap: unchanged
    lifetime = new.expiry_date - timezone.now()
    assert timedelta(days=2, hours=23) < lifetime <= timedelta(days=3, seconds=1)


def test_a_secret_not_shown_does_not_linger_in_the_session(member_client, partner):
    from partners.views import SECRET_SESSION_KEY

    member_client.post(
        f"/partenaires/{partner.pk}/cles/nouvelle/", {"name": "k", "scopes": [Scope.REVIEWS_READ]}
    )
    assert SECRET_SESSION_KEY in member_client.session
    member_client.get(f"/partenaires/{partner.pk}/cles/")
    assert SECRET_SESSION_KEY not in member_client.session
    key = PartnerKey.objects.get()
    assert (
        member_client.get(f"/partenaires/{partner.pk}/cles/{key.prefix}/creee/").context["secret"]
        is None
    )
