"""The public company page, the vetting explanation page, and the pro
space's profile, photos and certifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.page_cache import shared_with_visitors
from common.referral import REFERRAL_PARAMETER, clean_referral_code
from common.types import AuthenticatedHttpRequest
from directory.companies.forms import CertificationForm, CompanyProfileForm, PhotoForm
from directory.companies.models import Certification, Company
from directory.companies.responses import company_gone_response
from directory.companies.selectors import CompanyGone, public_company
from directory.team.decorators import member_view, pro_context
from directory.team.files import private_file_response
from directory.team.models import Membership

from . import services


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
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
    return render(request, "directory/pro/profile.html", pro_context(membership, form=form))


@member_view
@require_http_methods(["GET", "HEAD", "POST"])
def photos(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
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
        pro_context(membership, form=form, photos=company.photos.all()),
    )


@member_view
@require_POST
def photo_action(
    request: AuthenticatedHttpRequest, membership: Membership, photo_id: int, action: str
):
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
@require_http_methods(["GET", "HEAD", "POST"])
def certifications(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    form = CertificationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.certification_add(company=company, fields=form.cleaned_data)
        messages.success(request, _("The certification is added."))
        return redirect("directory:pro-certifications", company_id=company.pk)
    return render(
        request,
        "directory/pro/certifications.html",
        pro_context(membership, form=form, certifications=company.certifications.all()),
    )


@member_view
@require_POST
def certification_delete(
    request: AuthenticatedHttpRequest, membership: Membership, certification_id: int
):
    certification = get_object_or_404(membership.company.certifications, pk=certification_id)
    services.certification_delete(certification=certification)
    messages.success(request, _("The certification is deleted."))
    return redirect("directory:pro-certifications", company_id=membership.company_id)


@login_required
@require_safe
def certification_proof(request: AuthenticatedHttpRequest, company_id: int, certification_id: int):
    """A proof document, to the company's members and to staff only."""
    certification = get_object_or_404(Certification, pk=certification_id, company_id=company_id)
    return private_file_response(
        request,
        certification.proof,
        company_id=company_id,
        staff_permission="directory.view_certification",
    )


@require_safe
@shared_with_visitors
def company_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        company = public_company(
            slug,
            Company.objects.select_related("primary_profession__sector", "place").prefetch_related(
                "professions",
                "photos",
                Prefetch(
                    "certifications",
                    queryset=Certification.objects.valid(),
                    to_attr="valid_certifications",
                ),
            ),
        )
    except CompanyGone as gone:
        return company_gone_response(request, gone.company)
    canonical_url = request.build_absolute_uri(company.get_absolute_url())
    return render(
        request,
        "directory/company_detail.html",
        {
            "company": company,
            "canonical_url": canonical_url,
            "schema": company.schema_org(canonical_url),
            # A referral link to the page (?parrain=<code>) follows the
            # visitor to the quote form; anything not a code is dropped.
            "referral_code": clean_referral_code(request.GET.get(REFERRAL_PARAMETER, "")),
        },
    )


@require_safe
def trust(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/trust.html")
