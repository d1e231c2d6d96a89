"""The analytics pages: who may open them (the platform's to the group
``sales`` only, a company's to its members only, others 404), what they
show, the owners' forms (margin rate, cost per client) with their errors,
and a number of queries that does not grow with the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.identity import client_key
from loyalty.models import SessionSource
from loyalty.services.sessions import session_record
from prospects import services as pipeline
from prospects.models import ClientCost, ClientValueSettings, LostReason, Pipeline, Stage
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(db):
    user = UserFactory(email="sales@example.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="sales"))
    return user


def log_in(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def company_url(cast, name: str = "analytics") -> str:
    return reverse(f"prospects:{name}", args=[cast.company_a.pk])


PLATFORM_URL = "/equipe/prospects/analyse/"


@pytest.fixture
def clients_a(cast):
    """Company A's clients this year: Alice 900 €, Bruno 100 €, both by e-mail."""
    today = timezone.localdate()
    for n, (name, amount) in enumerate([("alice", "900"), ("bruno", "100")]):
        session_record(
            company=cast.company_a,
            performed_on=today - timedelta(days=10),
            source=SessionSource.FORM,
            reference=f"R-{name}",
            email=f"{name}@example.fr",
            amount=Decimal(amount),
        )
        del n


def key(cast, name: str) -> str:
    return client_key(company_id=cast.company_a.pk, email=f"{name}@example.fr")


def test_the_platform_page_is_for_the_sales_group_only(client, cast, sales):
    assert reverse("prospects:platform-analytics") == PLATFORM_URL
    response = client.get(PLATFORM_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Logged in outside sales: 403, as the pipeline's other staff pages.
    staff_pages = [PLATFORM_URL, reverse("prospects:staff-prospects-board")]
    for user in (cast.consumer, cast.staff, cast.owner_a):
        log_in(client, user)
        assert [client.get(url).status_code for url in staff_pages] == [403, 403]
    log_in(client, sales)
    response = client.get(PLATFORM_URL)
    assert response.status_code == 200
    assert "Entonnoir" in response.content.decode()


def test_the_platform_page_shows_the_platform_funnel_only(client, cast, sales, make):
    prospect = make(name="Plomberie Durand", pipeline=Pipeline.PLATFORM, actor=None)
    pipeline.prospect_move(
        prospect=prospect, to=Stage.LOST, actor=sales, lost_reason=LostReason.COMPETITOR
    )
    make(name="Lead of A")
    log_in(client, sales)
    response = client.get(PLATFORM_URL)
    funnel = response.context["funnel"]
    assert funnel.total == 1
    assert [(row.reason, row.count) for row in funnel.lost_by_reason] == [("competitor", 1)]
    page = response.content.decode()
    assert "A choisi un concurrent" in page or "concurrent" in page
    assert "Lead of A" not in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("consumer", 404), ("owner_b", 404), ("staff", 404), ("member_a", 200), ("owner_a", 200)],
)
def test_a_company_page_is_for_its_members_only(client, cast, clients_a, persona, status):
    log_in(client, getattr(cast, persona))
    response = client.get(company_url(cast))
    assert response.status_code == status
    if status == 404:
        assert b"alice" not in response.content.lower()


def test_the_company_page_shows_funnel_pareto_and_value(client, cast, clients_a, make):
    make(name="Lead", stage=Stage.WARM)
    log_in(client, cast.member_a)
    response = client.get(company_url(cast))
    page = response.content.decode()
    assert response.context["funnel"].total == 1
    report = response.context["report"]
    assert [line.revenue for line in report.clients] == [Decimal("900.00"), Decimal("100.00")]
    assert "Les 20 % premiers de vos clients (1 sur 2) font <strong>90 %</strong>" in page
    assert 'role="img"' in page
    assert '<title id="pareto-chart-title">' in page
    assert 'id="pareto-table"' in page
    assert 'id="value-table"' in page
    # A member sees no form: owners set the rate and the costs.
    assert 'name="margin_rate"' not in page
    assert 'name="cost"' not in page


def test_an_owner_sets_the_margin_rate_in_french(client, cast, clients_a):
    log_in(client, cast.owner_a)
    response = client.post(company_url(cast, "analytics-margin"), {"margin_rate": "30,5"})
    assert response.status_code == 302
    assert response["Location"].endswith("#client-value")
    assert ClientValueSettings.objects.get(company=cast.company_a).margin_rate == Decimal("30.5")
    page = client.get(company_url(cast)).content.decode()
    assert "274,50" in page  # 900 × 30,5 %


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("150", "100"),
        ("-3", "0"),
        ("−3", "0"),
        ("trente", "35,5"),
        # What the cost field refuses, the rate refuses too (one reading).
        ("1e2", "35,5"),
        ("1E1", "35,5"),
        ("٣٥", "35,5"),  # Arabic-Indic digits
        ("۳۵", "35,5"),  # Extended Arabic-Indic digits
        ("３５", "35,5"),  # full-width digits
        ("35,555", "100"),  # 35 555, as the cost reads it
        ("NaN", "35,5"),
        ("Infinity", "35,5"),
        ("0x20", "35,5"),
        ("1 000", "100"),
    ],
)
def test_a_wrong_margin_rate_is_refused_with_a_reason(client, cast, clients_a, typed, message):
    log_in(client, cast.owner_a)
    response = client.post(company_url(cast, "analytics-margin"), {"margin_rate": typed})
    assert response.status_code == 400
    errors = response.context["margin_form"].errors["margin_rate"]
    assert message in str(errors)
    assert not ClientValueSettings.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("35", "35"), ("35,5", "35.5"), ("35.5", "35.5"), ("35 %", "35"), ("0", "0"), ("100", "100")],
)
def test_the_rate_reads_like_the_cost(client, cast, clients_a, typed, stored):
    log_in(client, cast.owner_a)
    response = client.post(company_url(cast, "analytics-margin"), {"margin_rate": typed})
    assert response.status_code == 302
    assert ClientValueSettings.objects.get(company=cast.company_a).margin_rate == Decimal(stored)


@pytest.mark.parametrize("typed", ["1e2", "٣٥", "NaN", "0x20"])
def test_the_cost_field_refuses_the_same_input(typed):
    from prospects.analytics.forms import ClientCostForm, MarginRateForm

    assert not ClientCostForm({"client": "k", "cost": typed}).is_valid()
    assert not MarginRateForm({"margin_rate": typed}).is_valid()


def test_a_member_cannot_set_the_rate_or_a_cost(client, cast, clients_a):
    log_in(client, cast.member_a)
    assert (
        client.post(company_url(cast, "analytics-margin"), {"margin_rate": "30"}).status_code == 403
    )
    response = client.post(
        company_url(cast, "analytics-cost"), {"client": key(cast, "alice"), "cost": "10"}
    )
    assert response.status_code == 403
    assert not ClientCost.objects.exists()


def test_an_owner_enters_a_cost_per_client(client, cast, clients_a):
    log_in(client, cast.owner_a)
    url = company_url(cast, "analytics-cost") + "?start=2020-01-01&end=2030-01-01"
    response = client.post(url, {"client": key(cast, "alice"), "cost": "1 250,40 €"})
    assert response.status_code == 302
    assert "start=2020-01-01" in response["Location"]
    assert ClientCost.objects.get().cost == Decimal("1250.40")
    response = client.post(url, {"client": key(cast, "alice"), "cost": "0"})
    assert ClientCost.objects.get().cost == Decimal("0")
    response = client.post(url, {"client": key(cast, "alice"), "cost": ""})
    assert not ClientCost.objects.exists()


def test_a_wrong_cost_is_refused_on_its_row(client, cast, clients_a):
    log_in(client, cast.owner_a)
    response = client.post(
        company_url(cast, "analytics-cost"), {"client": key(cast, "bruno"), "cost": "-12"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert "positif" in page
    assert not ClientCost.objects.exists()


def test_a_cost_for_another_companys_client_is_refused(client, cast, clients_a):
    session_record(
        company=cast.company_b,
        performed_on=timezone.localdate(),
        source=SessionSource.FORM,
        reference="B-1",
        email="carla@example.fr",
        amount=Decimal(50),
    )
    theirs = client_key(company_id=cast.company_b.pk, email="carla@example.fr")
    log_in(client, cast.owner_a)
    for client_field in (theirs, "x" * 200, ""):
        response = client.post(
            company_url(cast, "analytics-cost"), {"client": client_field, "cost": "10"}
        )
        assert response.status_code == 400
        assert "Ce client ne fait pas partie de vos clients." in response.content.decode()
    assert not ClientCost.objects.exists()


def test_a_wrong_period_says_why_and_shows_the_last_twelve_months(client, cast, clients_a):
    log_in(client, cast.member_a)
    response = client.get(company_url(cast), {"start": "2026-05-01", "end": "2026-01-01"})
    assert response.status_code == 200
    assert "La période doit commencer avant de finir." in response.content.decode()
    assert len(response.context["report"].clients) == 2


def test_a_period_without_clients(client, cast, clients_a):
    log_in(client, cast.member_a)
    response = client.get(company_url(cast), {"start": "2020-01-01", "end": "2020-12-31"})
    assert response.status_code == 200
    assert 'data-figure="pareto-empty"' in response.content.decode()


def test_the_company_page_takes_the_same_number_of_queries_whatever_the_volume(
    client, cast, clients_a, make
):
    log_in(client, cast.owner_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(company_url(cast)).status_code == 200
        return len(captured)

    before = queries()
    today = timezone.localdate()
    for n in range(12):
        session_record(
            company=cast.company_a,
            performed_on=today - timedelta(days=n),
            source=SessionSource.FORM,
            reference=f"M-{n}",
            email=f"more{n}@example.fr",
            amount=Decimal(10 + n),
        )
        make(name=f"Lead {n}", stage=Stage.HOT)
    assert queries() == before
