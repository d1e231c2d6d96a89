"""The pro space's door: every pro-space view looks the company up among
the user's memberships, so another company's URL is a 404."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from directory.team.models import Membership
from directory.team.selectors import membership_for


def member_view(view):
    """Log-in required, then the user's membership of ``company_id`` or 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, company_id: int, *args, **kwargs):
        membership = membership_for(request.user, company_id)
        return view(request, membership, *args, **kwargs)

    return wrapper


def require_owner(membership: Membership) -> None:
    if not membership.is_owner:
        raise PermissionDenied(_("Only an owner of the company can do this."))


def pro_context(membership: Membership, **extra) -> dict:
    return {"membership": membership, "company": membership.company, **extra}
