"""The professional space (/espace-pro/): every view resolves the company
among the user's memberships, so another company's id is a 404."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import services
from ..files import private_file_response
from ..forms import (
    CertificationForm,
    CompanyProfileForm,
    InvitationForm,
    PhotoForm,
    QuoteReplyForm,
    QuoteStatusForm,
)
from ..models import Certification, Membership, QuoteStatus
from ..selectors import (
    companies_of,
    membership_for,
    profile_gaps,
    quote_request_for_member,
    quote_requests_for_company,
)

LATEST_QUOTES = 5


def member_view(view):
    """Log-in required, then the user's membership of ``company_id`` or 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, company_id: int, *args, **kwargs):
        membership = membership_for(request.user, company_id)
        return view(request, membership, *args, **kwargs)

    return wrapper


def _require_owner(membership: Membership) -> None:
    if not membership.is_owner:
        raise PermissionDenied(_("Only an owner of the company can do this."))


def _context(membership: Membership, **extra) -> dict:
    return {"membership": membership, "company": membership.company, **extra}


@login_required
@require_GET
def pro_home(request: HttpRequest) -> HttpResponse:
    companies = list(companies_of(request.user))
    if len(companies) == 1:
        return redirect("directory:pro-dashboard", company_id=companies[0].pk)
    return render(request, "directory/pro/home.html", {"companies": companies})


@member_view
@require_GET
def dashboard(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    quotes = quote_requests_for_company(company)
    return render(
        request,
        "directory/pro/dashboard.html",
        _context(
            membership,
            gaps=profile_gaps(company),
            latest_quotes=quotes[:LATEST_QUOTES],
            new_quotes=quotes.filter(status=QuoteStatus.NEW).count(),
        ),
    )


@member_view
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    form = CompanyProfileForm(request.POST or None, request.FILES or None, instance=company)
    if request.method == "POST" and form.is_valid():
        services.company_profile_update(
            company=company,
            fields=form.service_fields(),
            other_professions=form.cleaned_data["other_professions"],
            place=form.place,
            logo=form.logo_change,
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("directory:pro-profile", company_id=company.pk)
    return render(request, "directory/pro/profile.html", _context(membership, form=form))


@member_view
@require_http_methods(["GET", "POST"])
def photos(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.company_photo_add(
            company=company, upload=form.cleaned_data["image"], caption=form.cleaned_data["caption"]
        )
        messages.success(request, _("The photo is added."))
        return redirect("directory:pro-photos", company_id=company.pk)
    return render(
        request,
        "directory/pro/photos.html",
        _context(membership, form=form, photos=company.photos.all()),
    )


@member_view
@require_POST
def photo_action(request: HttpRequest, membership: Membership, photo_id: int, action: str):
    photo = get_object_or_404(membership.company.photos, pk=photo_id)
    if action == "delete":
        services.company_photo_delete(photo=photo)
        messages.success(request, _("The photo is deleted."))
    elif action in ("up", "down"):
        services.company_photo_move(photo=photo, offset=-1 if action == "up" else 1)
    else:
        raise Http404
    return redirect("directory:pro-photos", company_id=membership.company_id)


@member_view
@require_http_methods(["GET", "POST"])
def certifications(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    form = CertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.certification_add(company=company, fields=form.cleaned_data)
        messages.success(request, _("The certification is added."))
        return redirect("directory:pro-certifications", company_id=company.pk)
    return render(
        request,
        "directory/pro/certifications.html",
        _context(membership, form=form, certifications=company.certifications.all()),
    )


@member_view
@require_POST
def certification_delete(request: HttpRequest, membership: Membership, certification_id: int):
    certification = get_object_or_404(membership.company.certifications, pk=certification_id)
    services.certification_delete(certification=certification)
    messages.success(request, _("The certification is deleted."))
    return redirect("directory:pro-certifications", company_id=membership.company_id)


@login_required
@require_GET
def certification_proof(request: HttpRequest, company_id: int, certification_id: int):
    """A proof document, to the company's members and to staff only."""
    certification = get_object_or_404(Certification, pk=certification_id, company_id=company_id)
    return private_file_response(
        request,
        certification.proof,
        company_id=company_id,
        staff_permission="directory.view_certification",
    )


@member_view
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        _require_owner(membership)
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
        _context(
            membership,
            form=form,
            members=company.memberships.select_related("user").order_by("created_at"),
            invitations=company.invitations.filter(accepted_at__isnull=True),
        ),
    )


@member_view
@require_POST
def member_remove(request: HttpRequest, membership: Membership, member_id: int):
    _require_owner(membership)
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
def invitation_revoke(request: HttpRequest, membership: Membership, invitation_id: int):
    _require_owner(membership)
    invitation = get_object_or_404(
        membership.company.invitations, pk=invitation_id, accepted_at__isnull=True
    )
    invitation.delete()
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("directory:pro-team", company_id=membership.company_id)


@member_view
@require_GET
def quotes(request: HttpRequest, membership: Membership) -> HttpResponse:
    requests = quote_requests_for_company(membership.company)
    status = request.GET.get("statut", "")
    if status in QuoteStatus.values:
        requests = requests.filter(status=status)
    return render(
        request,
        "directory/pro/quotes.html",
        _context(
            membership,
            quotes=requests[:200],
            status=status,
            statuses=[s for s in QuoteStatus if s != QuoteStatus.UNCONFIRMED],
        ),
    )


@member_view
@require_http_methods(["GET", "POST"])
def quote(request: HttpRequest, membership: Membership, quote_id: int) -> HttpResponse:
    quote = quote_request_for_member(membership, quote_id)
    form = QuoteReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_reply_create(
                quote=quote, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your answer is sent by e-mail."))
            return redirect(
                "directory:pro-quote", company_id=membership.company_id, quote_id=quote.pk
            )
    if request.method == "GET":
        services.quote_request_mark_read(quote=quote)
    return render(request, "directory/pro/quote.html", _context(membership, quote=quote, form=form))


@member_view
@require_POST
def quote_status(request: HttpRequest, membership: Membership, quote_id: int):
    quote = quote_request_for_member(membership, quote_id)
    form = QuoteStatusForm(request.POST)
    if form.is_valid():
        services.quote_request_set_status(quote=quote, status=form.cleaned_data["status"])
    return redirect("directory:pro-quote", company_id=membership.company_id, quote_id=quote.pk)
