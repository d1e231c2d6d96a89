"""Referrers (issue 15, "Referrers and ambassadors"): a code arriving with
a quote request or an application records the referral, an unknown or
forged one is ignored silently; the referrer is thanked once, if they
said yes, when a referral becomes a client, in the transaction of the
win; referrals never touch reviews."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from common.referral import clean_referral_code
from directory.models import QuoteRequest
from eligibility import services as vetting
from eligibility.models import Application
from loyalty.identity import client_key
from loyalty.models import ServiceSession
from prospects import services
from prospects.models import Pipeline, Prospect, ReferralThanks, Referrer, Stage
from prospects.referrers import leaderboard, referral_revenue, referrals_of
from prospects.scope import Scope
from reviews.models import Review, ReviewInvitation
from tests.conftest import PASSWORD
from tests.directory.test_quote_requests import form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referrer(cast):
    return services.referrer_create(
        pipeline=Pipeline.COMPANY,
        company=cast.company_a,
        name="Claire Martin",
        email="claire.martin@example.org",
        phone="06 12 34 56 78",
        is_client=True,
        thanks_opt_in=True,
    )


def quote_url(company, code: str = "") -> str:
    url = reverse("directory:quote-request", args=[company.slug])
    return f"{url}?parrain={code}" if code else url


def send_quote(client, company, capture, code: str, **overrides):
    """A logged-in consumer sends the quote form that carried ``code``."""
    data = form_data(parrain=code, **overrides)
    with capture(execute=True):
        response = client.post(quote_url(company), data)
    assert response.status_code == 302
    return QuoteRequest.objects.latest("pk")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("abcd2345ef", "ABCD2345EF"),
        (" ABCD-2345 EF ", "ABCD2345EF"),
        ("", ""),
        ("x" * 17, ""),
        ("<script>", ""),
        ("ABC", ""),
        ("A" * 1000, ""),
        (None, ""),
    ],
)
def test_a_referral_code_is_cleaned_or_dropped_never_an_error(raw, clean):
    assert clean_referral_code(raw) == clean


def test_creating_a_referrer_cleans_the_phone_and_gives_a_personal_code(referrer):
    assert referrer.phone == "+33612345678"
    assert referrer.email_key == "claire.martin@example.org"
    assert len(referrer.code) == 10
    assert referrer.code.isalnum()
    assert referrer.is_client
    assert referrer.thanks_opt_in


def test_a_bad_phone_or_email_creates_nothing(cast):
    with pytest.raises(ValidationError):
        services.referrer_create(
            pipeline=Pipeline.COMPANY, company=cast.company_a, name="X", phone="12"
        )
    with pytest.raises(ValidationError):
        services.referrer_create(
            pipeline=Pipeline.COMPANY, company=cast.company_a, name="X", email="not-an-email"
        )
    assert not Referrer.objects.exists()


def test_editing_a_referrer_keeps_the_code_and_refuses_other_fields(referrer):
    code = referrer.code
    updated = services.referrer_update(
        referrer=referrer,
        fields={"name": "Claire Martin-Roux", "phone": "", "thanks_opt_in": False},
    )
    assert (updated.name, updated.phone, updated.thanks_opt_in, updated.code) == (
        "Claire Martin-Roux",
        "",
        False,
        code,
    )
    with pytest.raises(ValueError, match="not editable"):
        services.referrer_update(referrer=referrer, fields={"code": "AAAAAAAAAA"})


def test_the_quote_form_carries_the_code_of_the_link(client, cast, referrer):
    page = client.get(quote_url(cast.company_a, referrer.code.lower())).content.decode()
    assert f'name="parrain" value="{referrer.code}"' in page


def test_a_quote_request_through_a_referral_link_records_the_referral(
    client, cast, referrer, django_capture_on_commit_callbacks
):
    client.login(username=cast.consumer.username, password=PASSWORD)
    quote = send_quote(client, cast.company_a, django_capture_on_commit_callbacks, referrer.code)
    assert quote.referral_code == referrer.code
    prospect = Prospect.objects.get()
    assert (prospect.referrer, prospect.stage) == (referrer, Stage.WARM)


def test_an_anonymous_request_is_attributed_once_confirmed(
    client, cast, referrer, django_capture_on_commit_callbacks
):
    from directory.quotes import services as quotes
    from directory.quotes.links import quote_confirmation_token

    quote = send_quote(client, cast.company_a, django_capture_on_commit_callbacks, referrer.code)
    assert not Prospect.objects.exists()  # not delivered yet
    with django_capture_on_commit_callbacks(execute=True):
        quotes.quote_request_confirm(token=quote_confirmation_token(quote))
    assert Prospect.objects.get().referrer == referrer


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "forged'--", "A" * 300, "<b>x</b>"])
def test_an_unknown_or_forged_code_is_ignored_silently(
    client, cast, referrer, code, django_capture_on_commit_callbacks
):
    client.login(username=cast.consumer.username, password=PASSWORD)
    page = client.get(quote_url(cast.company_a, code))
    assert page.status_code == 200
    assert referrer.code not in page.content.decode()
    send_quote(client, cast.company_a, django_capture_on_commit_callbacks, code)
    assert Prospect.objects.get().referrer is None


def test_another_pipelines_code_is_ignored(client, cast, django_capture_on_commit_callbacks):
    """Company B's referrer's code on company A's form: nothing, and A
    learns nothing about B."""
    theirs = services.referrer_create(pipeline=Pipeline.COMPANY, company=cast.company_b, name="B")
    platform = services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="P")
    client.login(username=cast.consumer.username, password=PASSWORD)
    send_quote(client, cast.company_a, django_capture_on_commit_callbacks, theirs.code)
    send_quote(
        client,
        cast.company_a,
        django_capture_on_commit_callbacks,
        platform.code,
        need="Un autre besoin, bien différent du premier, pour une cuisine.",
    )
    assert Prospect.objects.get().referrer is None


def test_an_application_through_the_join_link_records_the_referral(
    client, cast, taxonomy, django_capture_on_commit_callbacks
):
    referrer = services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="Paul Pro")
    applicant = UserFactory(email="gerant@cuisines-rhone.fr")
    client.login(username=applicant.username, password=PASSWORD)
    assert client.get(reverse("eligibility:apply") + f"?parrain={referrer.code}").status_code == 200
    response = client.post(
        reverse("eligibility:step", args=[1]),
        {
            "legal_name": "Cuisines du Rhône",
            "siren": "732829320",
            "address": "4 quai Saint-Antoine",
            "postal_code": "69002",
            "city": "Lyon",
            "phone": "",
            "year_founded": "2012",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    application = Application.objects.get(applicant=applicant)
    assert application.referral_code == referrer.code
    # The other steps, answered (their forms are eligibility's tests).
    Application.objects.filter(pk=application.pk).update(
        services_description="Conception et pose de cuisines sur mesure.",
        new_clients_per_day=2,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
    )
    application.refresh_from_db()
    application.professions.set([taxonomy["cuisiniste"]])
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_submit(application=application, actor=applicant)
    prospect = Prospect.objects.get(pipeline=Pipeline.PLATFORM)
    assert (prospect.referrer, prospect.stage) == (referrer, Stage.HOT)


def test_an_application_with_a_forged_code_is_not_attributed(
    client, cast, django_capture_on_commit_callbacks
):
    services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="Paul Pro")
    response = client.get(reverse("eligibility:apply") + "?parrain=<script>alert(1)</script>")
    assert response.status_code == 200
    assert services.prospect_from_application(
        to_status="submitted", siren="", legal_name="X", email="x@example.org",
        referral_code="ZZZZZZZZZZ",
    ).referrer is None  # fmt: skip


def win(prospect, capture, actor):
    with capture(execute=True):
        return services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=actor)


def test_a_referral_that_becomes_a_client_thanks_the_referrer_once(
    make, cast, referrer, django_capture_on_commit_callbacks
):
    prospect = make(referrer=referrer, stage=Stage.HOT, email="lead@example.org")
    win(prospect, django_capture_on_commit_callbacks, cast.owner_a)
    thanks = [m for m in mail.outbox if m.to == ["claire.martin@example.org"]]
    assert len(thanks) == 1
    assert cast.company_a.trade_name in thanks[0].body
    assert "lead@example.org" not in thanks[0].body
    assert prospect.name not in thanks[0].body
    assert f"parrain={referrer.code}" in thanks[0].body
    # A client never leaves that stage; the claim also holds against a
    # second call (a retried job, a replayed hook).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.referral_thank(prospect=prospect) is False
    assert len([m for m in mail.outbox if m.to == ["claire.martin@example.org"]]) == 1
    assert ReferralThanks.objects.count() == 1


def test_no_thanks_without_the_referrers_yes(make, cast, django_capture_on_commit_callbacks):
    shy = services.referrer_create(
        pipeline=Pipeline.COMPANY, company=cast.company_a, name="Shy", email="shy@example.org"
    )
    win(make(referrer=shy, stage=Stage.HOT), django_capture_on_commit_callbacks, cast.owner_a)
    assert not [m for m in mail.outbox if m.to == ["shy@example.org"]]
    assert not ReferralThanks.objects.exists()


def test_the_thanks_is_queued_in_the_transaction_of_the_win(make, cast, referrer):
    """A win that rolls back leaves no thanks in the outbox."""
    from post_office.models import Email

    prospect = make(referrer=referrer, stage=Stage.HOT)

    def win_then_fail() -> None:
        with transaction.atomic():
            services.prospect_move(prospect=prospect, to=Stage.CLIENT, actor=cast.owner_a)
            assert Email.objects.filter(to="claire.martin@example.org").exists()
            raise RuntimeError("the win fails after the move")

    with pytest.raises(RuntimeError):
        win_then_fail()
    assert not Email.objects.filter(to="claire.martin@example.org").exists()
    assert not ReferralThanks.objects.exists()


def test_an_invoice_winning_a_referred_lead_thanks_the_referrer(
    client, cast, referrer, django_capture_on_commit_callbacks
):
    from reviews.services import invoices
    from tests.prospects.test_application_and_invoice_hooks import INVOICE

    client.login(username=cast.consumer.username, password=PASSWORD)
    send_quote(client, cast.company_a, django_capture_on_commit_callbacks, referrer.code)
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={**INVOICE, "client_email": "consumer@example.fr"},
            actor=cast.owner_a,
        )
    prospect = Prospect.objects.get()
    assert prospect.stage == Stage.CLIENT
    assert [m for m in mail.outbox if m.to == ["claire.martin@example.org"]]


def test_referrals_never_touch_reviews(
    client, cast, referrer, make, django_capture_on_commit_callbacks
):
    """Nothing is paid for reviews: recording a referral, winning it and
    thanking the referrer create, change and invite no review."""
    client.login(username=cast.consumer.username, password=PASSWORD)
    send_quote(client, cast.company_a, django_capture_on_commit_callbacks, referrer.code)
    win(Prospect.objects.get(), django_capture_on_commit_callbacks, cast.owner_a)
    assert not Review.objects.exists()
    assert not ReviewInvitation.objects.exists()
    thanks = next(m for m in mail.outbox if m.to == ["claire.martin@example.org"])
    assert "/avis/" not in thanks.body


def _session(company, email: str, amount: str, reference: str, **extra) -> None:
    ServiceSession.objects.create(
        company=company,
        client_key=client_key(company_id=company.pk, email=email),
        performed_on="2026-01-10",
        amount=Decimal(amount),
        source="form",
        reference=reference,
        **extra,
    )


def test_the_leaderboard_counts_leads_clients_and_revenue(make, cast, referrer):
    other = services.referrer_create(pipeline=Pipeline.COMPANY, company=cast.company_a, name="Bob")
    won = make(referrer=referrer, stage=Stage.CLIENT, email="Won.Client@Gmail.com")
    make(referrer=referrer, stage=Stage.WARM, email="warm@example.org")
    make(referrer=other, stage=Stage.HOT, email="hot@example.org")
    _session(cast.company_a, "wonclient@gmail.com", "800.00", "S1")
    _session(cast.company_a, "won.client@gmail.com", "400.50", "S2")
    _session(cast.company_a, "wonclient@gmail.com", "999.00", "S3", status="cancelled")
    _session(cast.company_a, "warm@example.org", "50.00", "S4")  # not a client yet
    _session(cast.company_b, "wonclient@gmail.com", "70.00", "S5")  # another company
    scope = Scope(pipeline=Pipeline.COMPANY, company=cast.company_a)
    rows = list(leaderboard(scope))
    assert [(r.name, r.leads, r.clients) for r in rows] == [("Claire Martin", 2, 1), ("Bob", 1, 0)]
    assert referral_revenue(scope, [r.pk for r in rows]) == {referrer.pk: Decimal("1200.50")}
    revenue = {r.prospect.pk: r.revenue for r in referrals_of(scope, referrer, limit=10)}
    assert revenue[won.pk] == Decimal("1200.50")
    assert sorted(revenue.values()) == [Decimal(0), Decimal("1200.50")]


def test_the_platform_leaderboard_has_no_revenue(make, cast):
    referrer = services.referrer_create(pipeline=Pipeline.PLATFORM, company=None, name="P")
    make(pipeline=Pipeline.PLATFORM, actor=None, referrer=referrer, stage=Stage.CLIENT)
    scope = Scope.platform()
    assert [(r.leads, r.clients) for r in leaderboard(scope)] == [(1, 1)]
    assert referral_revenue(scope, [referrer.pk]) == {}
    assert [r.revenue for r in referrals_of(scope, referrer, limit=10)] == [None]


def test_the_company_page_passes_the_code_on_to_the_quote_form(client, cast, referrer):
    page = client.get(cast.company_a.get_absolute_url() + f"?parrain={referrer.code}")
    assert f"devis/?parrain={referrer.code}" in page.content.decode()
    forged = client.get(cast.company_a.get_absolute_url() + '?parrain="><script>')
    assert forged.status_code == 200
    assert "devis/?parrain" not in forged.content.decode()
