"""Connected applications in the pro space: an owner connects a partner
with its one-time code (single use, expiring, its own), sees what it may
do, disconnects it; the partner's contact is told; members only look."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from post_office.models import Email

from partners.models import Connection, ConnectionCode, Partner, PartnerKind, Scope
from partners.selectors import connection_active
from partners.services import (
    connection_code_create,
    connection_code_redeem,
    connection_create,
    normalize_connection_code,
    partner_key_create,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(partner):
    partner_key_create(partner=partner, name="k", scopes=[Scope.INVOICES_WRITE, Scope.REVIEWS_READ])
    return connection_code_create(partner=partner, created_by=None)


def url(company, suffix: str = "") -> str:
    return f"/espace-pro/{company.pk}/applications/{suffix}"


def test_anonymous_visitors_are_sent_to_the_log_in_page(client, cast, partner, code):
    connection = connection_create(
        partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a
    )
    for method, target in (
        ("get", url(cast.company_a)),
        ("post", url(cast.company_a)),
        ("get", url(cast.company_a, f"{connection.pk}/deconnecter/")),
        ("post", url(cast.company_a, f"{connection.pk}/deconnecter/")),
    ):
        response = getattr(client, method)(target, {"code": code.code})
        assert response.status_code == 302
        assert "/compte/login/" in response["Location"]
    assert connection_active(partner, cast.company_a.pk)


def test_people_of_another_company_get_404s(client, cast, partner, code):
    connection = connection_create(
        partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a
    )
    for user in (cast.owner_b, UserFactory(email="nobody@example.fr")):
        client.force_login(user)
        assert client.get(url(cast.company_a)).status_code == 404
        assert client.post(url(cast.company_a), {"code": code.code}).status_code == 404
        target = url(cast.company_a, f"{connection.pk}/deconnecter/")
        assert client.post(target).status_code == 404
    # The owner of B cannot end A's connection through B's pages either.
    client.force_login(cast.owner_b)
    assert client.post(url(cast.company_b, f"{connection.pk}/deconnecter/")).status_code == 404
    assert connection_active(partner, cast.company_a.pk)
    code.refresh_from_db()
    assert code.used_at is None


def test_a_member_who_is_not_owner_sees_but_cannot_connect_or_disconnect(
    client, cast, partner, code
):
    connection = connection_create(
        partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a
    )
    client.force_login(cast.member_a)
    page = client.get(url(cast.company_a))
    assert page.status_code == 200
    assert "Comparateur Test" in page.content.decode()
    assert "deconnecter" not in page.content.decode()
    assert client.post(url(cast.company_a), {"code": code.code}).status_code == 403
    target = url(cast.company_a, f"{connection.pk}/deconnecter/")
    assert client.get(target).status_code == 403
    assert client.post(target).status_code == 403
    assert connection_active(partner, cast.company_a.pk)
    code.refresh_from_db()
    assert code.used_at is None


def test_the_owner_connects_with_a_code_once(client, cast, partner, code, settings):
    client.force_login(cast.owner_a)
    typed = f"  {code.grouped.lower()} "
    response = client.post(url(cast.company_a), {"code": typed})
    assert response.status_code == 302
    assert connection_active(partner, cast.company_a.pk)
    connection = Connection.objects.get()
    assert connection.connected_by == cast.owner_a
    code.refresh_from_db()
    assert code.used_at is not None
    assert code.used_by_company == cast.company_a
    page = client.get(url(cast.company_a))
    assert "Comparateur Test" in page.content.decode()
    # What it may do, in plain words, from its keys' scopes.
    (application,) = page.context["applications"]
    assert application["abilities"] == ["envoyer vos factures", "lire vos avis publiés"]
    assert "envoyer vos factures" in page.content.decode()
    (email,) = Email.objects.all()
    assert email.to == ["api@comp.test"]
    assert "Alpha Électricité" in email.subject
    assert "owner-a@example.fr" not in email.message
    # The same code again, by the other company: used.
    client.force_login(cast.owner_b)
    again = client.post(url(cast.company_b), {"code": code.code})
    assert again.status_code == 400
    assert again.context["form"].errors["code"]
    assert not connection_active(partner, cast.company_b.pk)


def test_unknown_expired_revoked_and_hostile_codes_are_form_errors(client, cast, partner, code):
    expired = connection_code_create(partner=partner, created_by=None)
    ConnectionCode.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )
    revoked = connection_code_create(partner=partner, created_by=None)
    ConnectionCode.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    client.force_login(cast.owner_a)
    for typed in (
        "AAAAA-AAAAA",
        expired.code,
        revoked.code,
        "",
        "   ",
        "<script>alert(1)</script>",
        "🔑" * 10,
        "x" * 5000,
        "'; DROP TABLE partners_connection; --",
        "\x00" * 10,
    ):
        response = client.post(url(cast.company_a), {"code": typed})
        assert response.status_code == 400, typed
        assert response.context["form"].errors, typed
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Connection.objects.exists()
    assert not Email.objects.exists()


def test_the_messages_say_why(cast, partner, code):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    expired = connection_code_create(partner=partner, created_by=None)
    ConnectionCode.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )
    with translation.override("en"):
        with pytest.raises(ValidationError, match="expired"):
            connection_code_redeem(code=expired.code, company=cast.company_a, actor=None)
        with pytest.raises(ValidationError, match="unknown"):
            connection_code_redeem(code="ZZZZZZZZZZ", company=cast.company_a, actor=None)
        connection_code_redeem(code=code.code, company=cast.company_a, actor=None)
        with pytest.raises(ValidationError, match="already been used"):
            connection_code_redeem(code=code.code, company=cast.company_b, actor=None)
        # A second code of the same partner, for a company already connected:
        # refused, and the code is not spent.
        second = connection_code_create(partner=partner, created_by=None)
        with pytest.raises(ValidationError, match="already connected"):
            connection_code_redeem(code=second.code, company=cast.company_a, actor=None)
        second.refresh_from_db()
        assert second.used_at is None
        partner.status = "suspended"
        partner.save()
        with pytest.raises(ValidationError, match="suspended"):
            connection_code_redeem(code=second.code, company=cast.company_b, actor=None)


def test_a_code_connects_only_its_own_partner(cast, partner):
    other = Partner.objects.create(
        name="Autre", kind=PartnerKind.BOOKING_SOFTWARE, contact_email="b@o.test"
    )
    theirs = connection_code_create(partner=other, created_by=None)
    connection = connection_code_redeem(code=theirs.code, company=cast.company_a, actor=None)
    assert connection.partner == other
    assert not connection_active(partner, cast.company_a.pk)


def test_codes_are_read_as_people_type_them():
    assert normalize_connection_code(" abcde-fghjk ") == "ABCDEFGHJK"
    assert normalize_connection_code("o1l1i") == "01111"


def test_disconnecting_asks_then_ends_write_access(client, cast, partner, api):
    connection = connection_create(
        partner=partner, company_id=cast.company_a.pk, connected_by=cast.owner_a
    )
    client.force_login(cast.owner_a)
    target = url(cast.company_a, f"{connection.pk}/deconnecter/")
    confirm = client.get(target)
    assert confirm.status_code == 200
    assert "Comparateur Test" in confirm.content.decode()
    assert connection_active(partner, cast.company_a.pk)
    response = client.post(target)
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.disconnected_at is not None
    assert not connection_active(partner, cast.company_a.pk)
    (email,) = Email.objects.all()
    assert email.to == ["api@comp.test"]
    assert "Alpha Électricité" in email.subject
    # Already ended: a 404, nothing more sent.
    assert client.post(target).status_code == 404
    assert Email.objects.count() == 1
    assert "Comparateur Test" not in client.get(url(cast.company_a)).content.decode()


def test_tries_are_rate_limited(client, cast, partner, code, settings):
    settings.PARTNER_CONNECTION_RATE_PER_USER = "2/h"
    client.force_login(cast.owner_a)
    for _i in range(2):
        assert client.post(url(cast.company_a), {"code": "AAAAAAAAAA"}).status_code == 400
    limited = client.post(url(cast.company_a), {"code": code.code})
    assert limited.status_code == 429
    assert limited.context["form"].non_field_errors()
    assert not Connection.objects.exists()


def test_posts_need_the_csrf_token(cast, partner, code):
    connection = connection_create(
        partner=partner, company_id=cast.company_b.pk, connected_by=cast.owner_b
    )
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.owner_a)
    assert strict.post(url(cast.company_a), {"code": code.code}).status_code == 403
    strict.force_login(cast.owner_b)
    target = url(cast.company_b, f"{connection.pk}/deconnecter/")
    assert strict.post(target).status_code == 403
    assert connection_active(partner, cast.company_b.pk)
    assert not connection_active(partner, cast.company_a.pk)


def test_the_menu_has_the_entry(client, cast):
    client.force_login(cast.member_a)
    html = client.get(f"/espace-pro/{cast.company_a.pk}/").content.decode()
    assert url(cast.company_a) in html
