"""A demo partner of the API, so that ``make run`` shows the fourth kind
of user at work (issue 14's "done when").

:func:`seed_partner` (``manage.py seed_demo_partner``) creates, once:

- the partner **Facturo (démo)**, an invoicing software, whose member
  ``partenaire@demo.plusquepro.test`` (password ``DEMO_PASSWORD``) opens
  the partner portal at ``/partenaires/``;
- its consent from a few listed demo companies (``CONNECTED_COMPANIES``,
  never the demo pro's own company: the demo pro connects it by hand,
  with the code below, from "Applications connectées").

and on every run:

- a fresh **API key** with every scope (the previous demo key is revoked:
  a key is shown once, so each run prints a working one);
- a usable **connection code**, printed, unless one is still usable.

It names companies only through the directory's models and calls the
partners app's services, as staff and partners would.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.db import transaction

from directory.companies.models import Company, CompanyStatus
from directory.team.models import Membership
from partners.models import (
    Connection,
    ConnectionCode,
    Partner,
    PartnerKey,
    PartnerKind,
    Scope,
)
from partners.services import (
    connection_code_create,
    connection_create,
    partner_key_create,
    partner_key_revoke,
)

PARTNER_NAME = "Facturo (démo)"
PARTNER_EMAIL = "partenaire@demo.plusquepro.test"
DEMO_KEY_NAME = "Clé de démonstration"
DEMO_PRO_EMAIL = "pro@demo.plusquepro.test"
# Listed demo companies (by SIREN order, after the demo pro's) that have
# already connected the demo partner.
CONNECTED_COMPANIES = 3


@dataclass(frozen=True)
class PartnerDemo:
    """What a run made: the partner, its new key's secret (shown once), a
    usable connection code (grouped, as people read it) and the slugs of
    the companies connected to it."""

    partner: Partner
    key: str
    code: str
    connected: list[str]


@transaction.atomic
def seed_partner(password: str) -> PartnerDemo:
    """Create the demo partner if missing, then a new key and, if none is
    usable, a new connection code. Idempotent otherwise: the same partner,
    member and connections on every run."""
    partner, _created = Partner.objects.get_or_create(
        name=PARTNER_NAME,
        defaults={"kind": PartnerKind.INVOICING_SOFTWARE, "contact_email": PARTNER_EMAIL},
    )
    member, created = User.objects.get_or_create(
        username=PARTNER_EMAIL, defaults={"email": PARTNER_EMAIL}
    )
    if created:
        member.set_password(password)
        member.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=member, email=PARTNER_EMAIL, defaults={"verified": True, "primary": True}
    )
    partner.members.add(member)

    for old in PartnerKey.objects.filter(partner=partner, name=DEMO_KEY_NAME, revoked=False):
        partner_key_revoke(key=old)
    _key, secret = partner_key_create(partner=partner, name=DEMO_KEY_NAME, scopes=Scope.values)

    code = ConnectionCode.objects.usable().filter(partner=partner).first()
    if code is None:
        code = connection_code_create(partner=partner, created_by=member)

    own = Membership.objects.filter(user__username=DEMO_PRO_EMAIL).values("company_id")
    companies = list(
        Company.objects.filter(status=CompanyStatus.LISTED)
        .exclude(pk__in=own)
        .order_by("siren")[:CONNECTED_COMPANIES]
    )
    for company in companies:
        # Never connected before: a disconnection made in the demo stays.
        if not Connection.objects.filter(partner=partner, company=company).exists():
            connection_create(partner=partner, company_id=company.pk, connected_by=None)
    return PartnerDemo(
        partner=partner, key=secret, code=code.grouped, connected=[c.slug for c in companies]
    )
