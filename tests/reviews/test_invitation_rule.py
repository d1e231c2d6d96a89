"""The invitation rule is on the record, and its effect is public (issue 12,
"Invitation rule"): every change is written once (who, when, from, to), and
the company page shows the invited / invoiced ratio of the last 12 months."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reviews.models import InvitationRuleChange, Invoice, ReviewSettings
from reviews.selectors import invitation_ratio
from reviews.services import invoices
from tests.conftest import PASSWORD
from tests.factories import recent_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(client, cast):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    return client


def save_rule(client, cast, **data):
    return client.post(reverse("reviews:invoice-settings", args=[cast.company_a.pk]), data)


def rule_changes(company):
    return list(
        InvitationRuleChange.objects.filter(company=company).values_list(
            "changed_by__email", "from_policy", "from_min_amount", "to_policy", "to_min_amount"
        )
    )


def test_each_change_of_the_rule_is_recorded_with_who_from_and_to(owner, cast, time_machine):
    time_machine.move_to("2026-11-02 10:00 +0100", tick=False)
    save_rule(owner, cast, policy="min_amount", min_amount="1500")
    time_machine.move_to("2026-11-20 10:00 +0100", tick=False)
    owner.login(username=cast.member_a.username, password=PASSWORD)
    save_rule(owner, cast, policy="min_amount", min_amount="800")
    save_rule(owner, cast, policy="all", min_amount="800")
    assert rule_changes(cast.company_a) == [
        ("owner-a@example.fr", "all", None, "min_amount", Decimal("1500.00")),
        ("member-a@example.fr", "min_amount", Decimal("1500.00"), "min_amount", Decimal("800.00")),
        ("member-a@example.fr", "min_amount", Decimal("800.00"), "all", Decimal("800.00")),
    ]
    first = InvitationRuleChange.objects.order_by("pk").first()
    assert first.changed_at == timezone.now() - timedelta(days=18)
    rule = ReviewSettings.objects.get(company=cast.company_a)
    assert (rule.policy, rule.min_amount) == ("all", Decimal("800.00"))


def test_saving_the_same_rule_records_nothing(owner, cast):
    save_rule(owner, cast, policy="min_amount", min_amount="1500")
    save_rule(owner, cast, policy="min_amount", min_amount="1500.00")
    save_rule(owner, cast, policy="all")  # the rule as never saved: every client
    save_rule(owner, cast, policy="all")
    assert [(c[1], c[3]) for c in rule_changes(cast.company_a)] == [
        ("all", "min_amount"),
        ("min_amount", "all"),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"policy": "min_amount", "min_amount": ""},
        {"policy": "min_amount", "min_amount": "abc"},
        {"policy": "everyone"},
        {},
    ],
)
def test_an_invalid_rule_changes_nothing_and_says_why(owner, cast, data):
    save_rule(owner, cast, policy="min_amount", min_amount="1500")
    response = save_rule(owner, cast, **data)
    assert response.status_code == 302
    page = owner.get(response["Location"]).content.decode()
    assert 'class="notice error"' in page or 'class="message error"' in page, page
    assert len(rule_changes(cast.company_a)) == 1
    rule = ReviewSettings.objects.get(company=cast.company_a)
    assert (rule.policy, rule.min_amount) == ("min_amount", Decimal("1500.00"))


def test_another_company_cannot_change_the_rule(client, cast):
    client.login(username=cast.owner_b.username, password=PASSWORD)
    response = save_rule(client, cast, policy="min_amount", min_amount="1")
    assert response.status_code in (403, 404)
    assert not InvitationRuleChange.objects.exists()


def test_a_rule_change_is_write_once(cast):
    change = invoices.invitation_rule_save(
        company=cast.company_a, actor=cast.owner_a, policy="min_amount", min_amount=Decimal(10)
    )
    change.to_min_amount = Decimal(1)
    with pytest.raises(ValidationError):
        change.save()


# --- The invited / invoiced ratio, public ----------------------------------------


def register(company, number, amount, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invoices.invoice_create(
            company=company,
            fields={
                "number": number,
                "issued_on": recent_date(60).isoformat(),
                "amount": amount,
                "client_name": "Luc Petit",
                "client_email": f"{number}@example.org",
            },
            actor=None,
        )


def test_the_company_page_shows_the_rule_and_the_ratio(
    client, cast, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to("2026-11-02 10:00 +0100", tick=False)
    invoices.invitation_rule_save(
        company=cast.company_a, actor=cast.owner_a, policy="min_amount", min_amount=Decimal(1250)
    )
    time_machine.move_to("2026-11-20 10:00 +0100", tick=False)
    for number, amount in (("A", "2000"), ("B", "1250"), ("C", "300")):
        register(cast.company_a, number, amount, django_capture_on_commit_callbacks)
    old = register(cast.company_a, "OLD", "5000", django_capture_on_commit_callbacks)
    Invoice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=366))
    page = " ".join(client.get(cast.company_a.get_absolute_url()).content.decode().split())
    assert "Qui est invité à donner son avis" in page
    assert (
        "Règle de l'entreprise : les clients de chaque facture d'au moins 1 250,00 € sont"
        " invités." in page.replace("\u202f", " ").replace("\xa0", " ")
    )
    assert "Règle modifiée le 02/11/2026." in page
    assert (
        "Sur les 12 derniers mois, 2 des 3 factures enregistrées ont donné lieu à une"
        " invitation (67 %)." in page
    )


def test_the_default_rule_and_every_client_invited(
    client, cast, django_capture_on_commit_callbacks
):
    register(cast.company_a, "A", "10", django_capture_on_commit_callbacks)
    page = " ".join(client.get(cast.company_a.get_absolute_url()).content.decode().split())
    assert "Règle de l'entreprise : le client de chaque facture est invité." in page
    assert "Règle modifiée" not in page
    assert "1 des 1 factures enregistrées ont donné lieu à une invitation (100 %)" in page


def test_no_ratio_without_invoices_in_the_window(client, cast):
    assert invitation_ratio(cast.company_a) is None
    page = client.get(cast.company_a.get_absolute_url()).content.decode()
    assert "Qui est invité" not in page


def test_the_ratio_counts_only_the_company_and_the_window(
    cast, django_capture_on_commit_callbacks, django_assert_num_queries
):
    invoices.invitation_rule_save(
        company=cast.company_a, actor=cast.owner_a, policy="min_amount", min_amount=Decimal(100)
    )
    for n in range(6):
        register(
            cast.company_a, f"A{n}", "50" if n % 3 else "500", django_capture_on_commit_callbacks
        )
    register(cast.company_b, "B1", "10", django_capture_on_commit_callbacks)
    edge = register(cast.company_a, "EDGE", "900", django_capture_on_commit_callbacks)
    now = timezone.now()
    Invoice.objects.filter(pk=edge.pk).update(created_at=now - timedelta(days=365, seconds=1))
    with django_assert_num_queries(1):
        ratio = invitation_ratio(cast.company_a, now=now)
    assert (ratio["invoiced"], ratio["invited"], ratio["percent"]) == (6, 2, 33)
    assert (ratio["policy"], ratio["min_amount"]) == ("min_amount", Decimal("100.00"))
    Invoice.objects.filter(pk=edge.pk).update(created_at=now - timedelta(days=364))
    assert invitation_ratio(cast.company_a, now=now)["invoiced"] == 7


def test_the_ratio_of_a_hand_built_year_counts_every_invoice_and_invites_by_the_rules(
    client, cast, django_capture_on_commit_callbacks, time_machine, settings
):
    """Exact figures: the invoices registered over the last 12 months count,
    whatever became of them; only those the rules let through were invited:
    the company's rule (an amount of at least 1 000 €, from the day it was
    saved) and the age limit (``REVIEW_INVOICE_MAX_AGE_DAYS``: issued more
    than 365 days before registration, never invited)."""
    assert settings.REVIEW_INVOICE_MAX_AGE_DAYS == 365
    today = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))

    def on(days_ago: int) -> None:
        time_machine.move_to(today - timedelta(days=days_ago), tick=False)

    def add(company, number, amount, *, issued_days_before: int = 5):
        issued_on = (timezone.localdate() - timedelta(days=issued_days_before)).isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            return invoices.invoice_create(
                company=company,
                fields={
                    "number": number,
                    "issued_on": issued_on,
                    "amount": amount,
                    "client_name": "Luc Petit",
                    "client_email": f"{number.lower()}@example.org",
                },
                actor=None,
            )

    on(400)  # registered before the window: not counted, though invited
    add(cast.company_a, "OUT", "800")
    on(200)  # the rule as never saved: every client is invited
    add(cast.company_a, "SMALL", "300")
    on(100)
    invoices.invitation_rule_save(
        company=cast.company_a, actor=cast.owner_a, policy="min_amount", min_amount=Decimal(1000)
    )
    on(50)
    add(cast.company_a, "BIG", "2000")
    add(cast.company_a, "EXACT", "1000.00")  # at least the amount: invited
    add(cast.company_a, "UNDER", "999.99")  # the rule leaves it out
    add(cast.company_a, "OLD", "5000", issued_days_before=366)  # too old to invite
    add(cast.company_a, "EDGE", "3000", issued_days_before=365)  # still in time
    add(cast.company_b, "OTHER-1", "5000")  # another company's
    add(cast.company_b, "OTHER-2", "5000")
    on(0)

    invited = set(Invoice.objects.filter(invitation__isnull=False).values_list("number", flat=True))
    assert invited == {"OUT", "SMALL", "BIG", "EXACT", "EDGE", "OTHER-1", "OTHER-2"}
    # A client who declines was still invited.
    invitation = Invoice.objects.get(number="BIG").invitation
    invitation.opted_out_at = timezone.now()
    invitation.save()

    ratio = invitation_ratio(cast.company_a)
    assert ratio == {
        "invoiced": 6,  # SMALL, BIG, EXACT, UNDER, OLD, EDGE
        "invited": 4,  # SMALL, BIG, EXACT, EDGE
        "percent": 67,
        "policy": "min_amount",
        "min_amount": Decimal("1000.00"),
        "changed_at": today - timedelta(days=100),
    }
    page = " ".join(client.get(cast.company_a.get_absolute_url()).content.decode().split())
    page = page.replace("\u202f", " ").replace("\xa0", " ")
    assert (
        "Règle de l'entreprise : les clients de chaque facture d'au moins 1 000,00 € sont"
        " invités. Règle modifiée le 12/08/2026." in page
    )
    assert (
        "Sur les 12 derniers mois, 4 des 6 factures enregistrées ont donné lieu à une"
        " invitation (67 %)." in page
    )
    # Company B: its own figures, on its own page.
    assert (
        invitation_ratio(cast.company_b)["invoiced"],
        invitation_ratio(cast.company_b)["invited"],
    ) == (2, 2)
