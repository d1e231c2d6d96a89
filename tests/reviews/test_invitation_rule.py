"""The invitation rule is on the record, and its effect is public (issue 12,
"Invitation rule"): every change is written once (who, when, from, to), and
the company page shows the invited / invoiced ratio of the last 12 months."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reviews.models import InvitationRuleChange, Invoice, ReviewSettings
from reviews.selectors import invitation_ratio
from reviews.services import invoices
from tests.conftest import PASSWORD

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
                "issued_on": "2026-10-01",
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
