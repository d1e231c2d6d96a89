"""The team page of the pro space, and accepting an invitation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.signed_links import LinkError
from common.types import AuthenticatedHttpRequest
from directory.team.forms import InvitationForm
from directory.team.models import Membership

from . import services
from .decorators import member_view, pro_context, require_owner


@require_http_methods(["GET", "HEAD", "POST"])
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


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def team(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        require_owner(membership)
        if form.is_valid():
            try:
                services.invitation_create(
                    company=company,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    invited_by=request.user,
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("directory:pro-team", company_id=company.pk)
    return render(
        request,
        "directory/pro/team.html",
        pro_context(
            membership,
            form=form,
            members=company.memberships.select_related("user").order_by("created_at"),
            invitations=company.invitations.filter(accepted_at__isnull=True),
        ),
    )


@member_view
@require_POST
def member_remove(request: AuthenticatedHttpRequest, membership: Membership, member_id: int):
    require_owner(membership)
    target = get_object_or_404(membership.company.memberships, pk=member_id)
    try:
        services.membership_remove(membership=target)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(email)s is removed.") % {"email": target.user.email})
    if target.pk == membership.pk:
        return redirect("directory:pro-home")
    return redirect("directory:pro-team", company_id=membership.company_id)


@member_view
@require_POST
def invitation_revoke(
    request: AuthenticatedHttpRequest, membership: Membership, invitation_id: int
):
    require_owner(membership)
    invitation = get_object_or_404(
        membership.company.invitations, pk=invitation_id, accepted_at__isnull=True
    )
    invitation.delete()
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("directory:pro-team", company_id=membership.company_id)
