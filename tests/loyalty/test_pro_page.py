"""The pro space's loyalty page (issue 13 § 3): members only, the progress
to 30 sessions, the score with its interval and raw figures, the history,
the advice, and the recent new clients who have not come back."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from directory.models import MembershipRole
from loyalty.models import LoyaltySnapshot, SessionSource, SessionStatus
from loyalty.recompute import scores_recompute
from loyalty.selectors import clients_not_returned, short_name
from loyalty.services import session_record
from reviews.services import invoices
from tests.conftest import PASSWORD
from tests.factories import CompanyFactory, MembershipFactory
from tests.loyalty.history_data import history, record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def url(company) -> str:
    return reverse("loyalty:dashboard", args=[company.pk])


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def owner(client, taxonomy):
    """The logged-in owner of a company of electricians."""
    membership = MembershipFactory(
        company__primary_profession=taxonomy["electricien"], role=MembershipRole.MEMBER
    )
    client.login(username=membership.user.username, password=PASSWORD)
    return membership.company


def test_a_visitor_is_sent_to_log_in(client, db):
    company = CompanyFactory()
    response = client.get(url(company))
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]


def test_another_company_s_member_gets_a_404(client, owner):
    other = CompanyFactory()
    history(other, new=0, returned=0, recent=3)
    assert client.get(url(other)).status_code == 404
    assert client.get(url(owner)).status_code == 200


def test_the_pro_space_links_to_the_page(client, owner):
    page = client.get(reverse("directory:pro-dashboard", args=[owner.pk])).content.decode()
    assert f'href="{url(owner)}"' in page


def progress(response) -> tuple[str, str] | None:
    match = re.search(r'<progress[^>]*max="(\d+)" value="(\d+)"', response.content.decode())
    return (match.group(2), match.group(1)) if match else None


@pytest.mark.parametrize("sessions", [0, 12, 29])
def test_the_progress_bar_counts_completed_sessions_to_30(client, owner, sessions):
    history(owner, new=0, returned=0, recent=sessions)
    record(owner, "gone@example.fr", 5, status=SessionStatus.CANCELLED)
    record(owner, "tomorrow@example.fr", -1)  # not performed yet
    scores_recompute()
    response = client.get(url(owner))
    assert progress(response) == (str(sessions), "30")
    page = text(response)
    assert f"{sessions} / 30 prestations réalisées" in page
    assert "vous êtes classé comme un professionnel dans la moyenne" in page
    assert 'data-figure="score"' not in response.content.decode()


def test_the_progress_shows_before_the_nightly_computation(client, owner):
    history(owner, new=0, returned=0, recent=12)
    assert progress(client.get(url(owner))) == ("12", "30")


def test_the_count_towards_30_is_said_once(client, owner):
    history(owner, new=0, returned=0, recent=12)
    scores_recompute()
    page = text(client.get(url(owner)))
    assert page.count("12 / 30 prestations réalisées") == 1
    assert "Le score compte à partir de 30 prestations réalisées" in page


def test_without_a_scored_month_no_empty_chart_is_drawn(client, owner):
    history(owner, new=0, returned=0, recent=3)
    scores_recompute()
    page = client.get(url(owner)).content.decode()
    assert 'class="loyalty-bar"' not in page
    assert "<svg" not in page
    assert "Aucun mois n'a encore de score" in page
    assert 'id="loyalty-history-table"' in page  # the figures are still there


@pytest.mark.parametrize(("month", "label"), [(6, "juin"), (7, "juil."), (3, "mars")])
def test_month_labels_tell_june_from_july(month, label):
    from datetime import date

    from loyalty.history import history_chart

    with translation.override("fr"):
        chart = history_chart([], on=date(2026, month, 15))
    assert chart.bars.bars[-1].label == label
    assert not chart.scored


def test_at_30_sessions_the_bar_gives_way_to_the_reason(client, owner):
    history(owner, new=0, returned=0, recent=30)
    response = client.get(url(owner))
    assert progress(response) is None
    assert "votre score est calculé cette nuit" in text(response)
    scores_recompute()
    response = client.get(url(owner))
    assert progress(response) is None
    assert "Aucun nouveau client ne peut encore être compté" in text(response)


def figure(response, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</', response.content.decode(), re.S)
    assert match, name
    return re.sub(r"\s+", " ", match.group(1)).strip()


def test_a_scored_company_sees_its_score_interval_and_raw_figures(client, owner):
    history(owner, new=40, returned=11)
    scores_recompute()
    row = owner.loyalty
    row.refresh_from_db()
    response = client.get(url(owner))
    assert progress(response) is None
    assert figure(response, "score") == str(round(row.score))
    assert round(row.score) < 50  # 27.5 % against 30 %
    interval = f"Intervalle à 90 % : de {round(row.score_low)} à {round(row.score_high)}"
    assert interval in figure(response, "interval")
    assert figure(response, "new-clients") == "40"
    assert figure(response, "returned") == "11"
    assert figure(response, "raw-rate") == "28 %"
    assert figure(response, "baseline") == "30 %"
    # Fewer than 10 scored electricians: the platform's (here the seed's) average.
    assert "<dt>Moyenne de la plateforme</dt>" in response.content.decode()
    assert (
        "2 clients de plus revenus sur les 40 observés vous placeraient au-dessus de la moyenne"
        in figure(response, "advice")
    )
    # The month's snapshot is in the chart's table.
    table = re.search(r'id="loyalty-history-table".*?</table>', response.content.decode(), re.S)
    assert table
    assert f"<td>{round(row.score)}</td>" in table.group(0)
    assert LoyaltySnapshot.objects.filter(company=owner).count() == 1


def test_the_chart_draws_one_bar_per_scored_month(client, owner):
    history(owner, new=40, returned=20)
    scores_recompute()
    today = timezone.localdate()
    snapshot = LoyaltySnapshot.objects.get(company=owner)
    earlier = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    LoyaltySnapshot.objects.create(
        company=owner, month=earlier, sessions=20, baseline=0.3, qualified=False
    )
    response = client.get(url(owner))
    page = response.content.decode()
    assert page.count('class="loyalty-bar"') == 1  # the unscored month has no bar
    assert "<title" in page
    assert "<desc" in page
    rows = re.findall(r"<tr><th scope=\"row\">", page)
    assert len(rows) == 2
    assert snapshot.score > 50


def _waiting_setup(company, other):
    today = timezone.localdate()

    def invoice(number: str, name: str, email: str, days: int) -> None:
        invoices.invoice_create(
            company=company,
            fields={
                "number": number,
                "issued_on": today - timedelta(days=days),
                "client_name": name,
                "client_email": email,
            },
            actor=None,
        )

    invoice("F-1", "Jeanne Martin", "jeanne@example.fr", 20)  # waiting
    invoice("F-2", "Paul Durand", "paul@example.fr", 50)  # came back (form, 10 days ago)
    record(company, "paul@example.fr", 10)
    record(company, "old@example.fr", 400, 5)  # not new: first session long ago
    record(company, "late@example.fr", 200)  # past the return window
    record(company, "twice@example.fr", 30, 30)  # the same day twice: no return
    record(company, "cancelled@example.fr", 15, status=SessionStatus.CANCELLED)
    session_record(
        company=company,
        performed_on=today - timedelta(days=3),
        source=SessionSource.FORM,
        reference="Garde-77",
        phone="06 12 34 56 78",
    )
    record(other, "jeanne@example.fr", 20)  # another company's client


def test_the_clients_to_follow_up_are_the_recent_new_ones_who_have_not_returned(owner):
    other = CompanyFactory()
    _waiting_setup(owner, other)
    today = timezone.localdate()
    waiting = clients_not_returned(owner, on=today, return_days=180)
    labels = [client.label for client in waiting]
    assert labels[0] == "Garde-77"
    assert labels[1] == "Jeanne M."
    assert len(labels) == 3  # and the client seen twice on one day, by its reference
    assert labels[2].startswith("S-")
    assert waiting[1].first_on == today - timedelta(days=20)
    assert waiting[1].return_until == today - timedelta(days=20) + timedelta(days=180)
    assert [c.from_invoice for c in waiting] == [False, True, False]


def test_the_page_lists_them_with_short_names(client, owner):
    _waiting_setup(owner, CompanyFactory())
    page = client.get(url(owner)).content.decode()
    table = re.search(r'id="loyalty-waiting".*?</table>', page, re.S).group(0)
    assert "Jeanne M." in table
    assert "Martin" not in table
    assert "Paul" not in table
    assert "Garde-77" in table


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Jeanne Martin", "Jeanne M."),
        ("jean-pierre de la tour", "Jean-pierre T."),
        ("Luc", "Luc"),
        ("", ""),
    ],
)
def test_names_are_shortened_to_a_first_name_and_initial(name, short):
    assert short_name(name) == short


def test_the_list_is_bounded_and_the_page_s_queries_do_not_grow(client, owner):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(owner)).status_code == 200
        return len(captured)

    history(owner, new=0, returned=0, recent=3)
    few = queries()
    history(owner, new=40, returned=5, recent=30)
    scores_recompute()
    many = queries()
    assert many == few
    assert len(clients_not_returned(owner, on=timezone.localdate(), return_days=180)) == 20


def test_a_trade_with_enough_scored_companies_is_its_own_average(client, taxonomy):
    roofers = [CompanyFactory(primary_profession=taxonomy["couvreur"]) for _ in range(10)]
    for index, company in enumerate(roofers):
        history(company, new=30, returned=6 + (index % 2) * 6)  # 20 % or 40 %: 30 % pooled
    scores_recompute()
    membership = MembershipFactory(company=roofers[0])
    client.login(username=membership.user.username, password=PASSWORD)
    response = client.get(url(roofers[0]))
    assert "<dt>Moyenne du métier</dt>" in response.content.decode()
    assert figure(response, "baseline") == "30 %"
    assert figure(response, "raw-rate") == "20 %"
