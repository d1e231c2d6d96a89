"""The consumer account (/mon-compte/) and invitation links."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.signed_links import LinkError

from .. import services
from ..forms import AccountDeleteForm
from ..models import QuoteRequest


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    quotes = (
        QuoteRequest.objects.filter(requester=request.user)
        .select_related("company")
        .order_by("-created_at")
    )
    return render(request, "directory/account/home.html", {"quotes": quotes})


@login_required
@require_GET
def account_quote(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = (
        QuoteRequest.objects.filter(requester=request.user, pk=quote_id)
        .select_related("company", "profession")
        .prefetch_related("replies")
        .first()
    )
    if quote is None:
        raise Http404
    return render(request, "directory/account/quote.html", {"quote": quote})


@login_required
@require_GET
def account_export(request: HttpRequest) -> HttpResponse:
    data = services.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    filename = f"plusquepro-donnees-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            services.user_delete(user=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, _("Your account and personal data are deleted."))
            return redirect("directory:home")
    return render(request, "directory/account/delete.html", {"form": form})


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation; accepting needs the invited account, logged in."""
    try:
        invitation = services.invitation_from_token(token)
    except LinkError as error:
        return render(request, "directory/invitation.html", {"error": error.message}, status=400)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except LinkError as error:
            return render(
                request,
                "directory/invitation.html",
                {"invitation": invitation, "error": error.message},
                status=400,
            )
        messages.success(
            request,
            _("Welcome to %(company)s.") % {"company": membership.company.trade_name},
        )
        return redirect("directory:pro-dashboard", company_id=membership.company_id)
    return render(request, "directory/invitation.html", {"invitation": invitation})
