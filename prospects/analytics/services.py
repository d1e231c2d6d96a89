"""Writes of the client value: a company's default margin rate and its
cost per client."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.types import User
from directory.models import Company
from loyalty.models import ServiceSession

from ..models import ClientCost, ClientValueSettings


@transaction.atomic
def margin_rate_set(*, company: Company, rate: Decimal, actor: User | None) -> ClientValueSettings:
    """Set the company's default margin rate (percent, 0–100, two
    decimals). Raises ``ValidationError`` out of range (nothing written)."""
    ClientValueSettings(company=company, margin_rate=rate).clean_fields()
    ClientValueSettings.objects.update_or_create(
        company=company, defaults={"margin_rate": rate, "updated_by": actor}
    )
    return ClientValueSettings.objects.get(company=company)


@transaction.atomic
def client_cost_set(
    *, company: Company, client_key: str, cost: Decimal | None, actor: User | None
) -> ClientCost | None:
    """Set what one client of the company cost (euros, ≥ 0), or clear it
    (``cost`` None). The client is the key of their sessions: a key with no
    session at this company is refused (``ValidationError``), so a cost is
    never attached to another company's client or to a made-up one."""
    if not ServiceSession.objects.filter(company=company, client_key=client_key).exists():
        raise ValidationError(_("This client is not one of your clients."), code="unknown_client")
    if cost is None:
        ClientCost.objects.filter(company=company, client_key=client_key).delete()
        return None
    # The fields' own rules (cost ≥ 0); the row may exist already.
    ClientCost(company=company, client_key=client_key, cost=cost).clean_fields()
    row, _created = ClientCost.objects.update_or_create(
        company=company, client_key=client_key, defaults={"cost": cost, "updated_by": actor}
    )
    return row
