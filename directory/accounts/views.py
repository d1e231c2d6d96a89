"""The consumer account (``/mon-compte/``): requests, data export, deletion."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from common.types import AuthenticatedHttpRequest
from directory.accounts.forms import AccountDeleteForm
from directory.quotes.models import QuoteRequest

from . import services


@login_required
@require_safe
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    quotes = (
        QuoteRequest.objects.filter(requester=request.user)
        .select_related("company")
        .order_by("-created_at")
    )
    return render(request, "directory/account/home.html", {"quotes": quotes})


@login_required
@require_safe
def account_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = services.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    filename = f"plusquepro-donnees-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
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
