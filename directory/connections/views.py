"""Connected applications, in the pro space: every member sees them; only
an owner connects or disconnects one."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from common.types import AuthenticatedHttpRequest
from directory.team.decorators import member_view, pro_context, require_owner
from directory.team.models import Membership
from partners import selectors as partner_selectors
from partners import services as partner_services

from .forms import ConnectionCodeForm


def _rate_per_user(group: str, request: HttpRequest) -> str:
    return str(settings.PARTNER_CONNECTION_RATE_PER_USER)


def _rate_per_ip(group: str, request: HttpRequest) -> str:
    return str(settings.PARTNER_CONNECTION_RATE_PER_IP)


# The limits of connect attempts: (group, key, rate), as decorated below.
_LIMITS = (
    ("connection-code-user", "user", _rate_per_user),
    ("connection-code-ip", "ip", _rate_per_ip),
)


def _wait_seconds(request: HttpRequest) -> int:
    """Seconds until the limits that refused ``request`` let it try again
    (the longest of them), at least 1."""
    waits = [
        usage["time_left"]
        for group, key, rate in _LIMITS
        if (usage := get_usage(request, group=group, key=key, rate=rate, method="POST"))
        and usage["should_limit"]
    ]
    return max(max(waits, default=1), 1)


def _applications(company_id: int) -> list[dict[str, object]]:
    applications = []
    for connection in partner_selectors.company_connections(company_id):
        scopes = partner_selectors.partner_scopes(connection.partner)
        applications.append(
            {
                "connection": connection,
                "partner": connection.partner,
                "abilities": partner_selectors.scope_labels_for_company(scopes),
            }
        )
    return applications


@member_view
@ratelimit(
    group="connection-code-user", key="user", rate=_rate_per_user, method="POST", block=False
)
@ratelimit(group="connection-code-ip", key="ip", rate=_rate_per_ip, method="POST", block=False)
@require_http_methods(["GET", "HEAD", "POST"])
def connections(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The connected applications; POST (owners) connects one with a code."""
    company = membership.company
    form = ConnectionCodeForm(request.POST or None)
    status = 200
    retry_after: int | None = None
    if request.method == "POST":
        require_owner(membership)
        if getattr(request, "limited", False):
            # Says when, in the page as in Retry-After (as the API's 429 does).
            retry_after = _wait_seconds(request)
            minutes = math.ceil(retry_after / 60)
            form.add_error(
                None,
                ngettext(
                    "Too many tries in a short time. Try again in %(minutes)d minute.",
                    "Too many tries in a short time. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            status = 429
        elif form.is_valid():
            try:
                connection = partner_services.connection_code_redeem(
                    code=form.cleaned_data["code"], company=company, actor=request.user
                )
            except ValidationError as error:
                form.add_error("code", error)
            else:
                messages.success(
                    request,
                    _("%(partner)s is connected.") % {"partner": connection.partner.name},
                )
                return redirect("directory:pro-connections", company_id=company.pk)
        if status == 200 and not form.is_valid():
            status = 400
    response = render(
        request,
        "directory/pro/connections.html",
        pro_context(membership, form=form, applications=_applications(company.pk)),
        status=status,
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def disconnect(
    request: AuthenticatedHttpRequest, membership: Membership, connection_id: int
) -> HttpResponse:
    """GET asks to confirm; POST (owners) disconnects."""
    require_owner(membership)
    connection = get_object_or_404(
        partner_selectors.company_connections(membership.company_id), pk=connection_id
    )
    if request.method == "POST":
        partner_services.connection_disconnect(connection=connection, company=membership.company)
        messages.success(
            request,
            _("%(partner)s is disconnected: it can no longer send your data.")
            % {"partner": connection.partner.name},
        )
        return redirect("directory:pro-connections", company_id=membership.company_id)
    return render(
        request,
        "directory/pro/connection_disconnect.html",
        pro_context(membership, connection=connection),
    )
