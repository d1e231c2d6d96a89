"""The client's pages: writing the review from the invitation, opting out,
asking without an invitation, and the author's private page (update,
withdraw, appeal)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from common.client_ip import client_ip
from common.signed_links import LinkError, LinkExpired
from directory.models import Company

from ..forms import (
    AppealForm,
    ManageLinkForm,
    ReviewForm,
    ReviewRequestForm,
    ReviewResubmitForm,
    UpdateForm,
)
from ..links import resubmit_token
from ..models import (
    Appeal,
)
from ..services import appeals, invitations, requests, reviews
from ..text_checks import held_message


@require_http_methods(["GET", "HEAD", "POST"])
def write(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitations.invitation_from_token(token)
    except LinkError as error:
        return render(request, "reviews/write.html", {"error": error.message}, status=400)
    invitations.invitation_opened(invitation)
    invoice = invitation.invoice
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.review_submit(
                invitation=invitation,
                fields=form.service_fields(),
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "reviews/thanks.html", {"review": review})
    return render(
        request,
        "reviews/write.html",
        {"form": form, "company": invoice.company, "invoice": invoice},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def resubmit(request: HttpRequest, token: str) -> HttpResponse:
    """The author corrects a review refused for a fixable reason and sends
    it again, once, from the link of the decision e-mail or of their page."""
    try:
        decision = reviews.rejection_from_resubmit_token(token)
    except LinkError as error:
        return render(request, "reviews/write.html", {"error": error.message}, status=400)
    review = decision.review
    initial = {name: getattr(review, name) for name in ReviewResubmitForm.Meta.fields}
    form = ReviewResubmitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.review_resubmit(decision=decision, fields=form.service_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return render(request, "reviews/thanks.html", {"review": review, "resubmitted": True})
    context = {
        "form": form,
        "company": review.company,
        "invoice": review.invoice,
        "decision": decision,
    }
    return render(request, "reviews/write.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST stops the invitations of this invoice."""
    if request.method != "POST":  # GET or HEAD: ask, change nothing
        return render(request, "reviews/opt_out.html", {"token": token})
    try:
        invitations.invitation_opt_out(token=token)
    except LinkError as error:
        return render(request, "reviews/opt_out.html", {"error": error.message}, status=400)
    return render(request, "reviews/opt_out.html", {"done": True})


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """The author's private page: add a dated update, withdraw, appeal."""
    try:
        review = appeals.review_from_manage_token(token)
    except LinkExpired as error:
        context = {"error": error.message, "renew_form": ManageLinkForm(), "token": token}
        return render(request, "reviews/manage.html", context, status=400)
    except LinkError as error:
        return render(request, "reviews/manage.html", {"error": error.message}, status=400)
    action = request.POST.get("action")
    update_form = UpdateForm(request.POST if action == "update" else None)
    appeal_form = AppealForm(request.POST if action == "appeal" else None)
    if request.method == "POST":
        try:
            if action == "withdraw":
                appeals.review_withdraw(review=review)
                messages.success(request, _("Your review is withdrawn."))
            elif action == "update" and update_form.is_valid():
                update = appeals.review_add_update(
                    review=review, text=update_form.cleaned_data["text"]
                )
                if update.is_published:
                    messages.success(request, _("Your update is added."))
                else:
                    messages.warning(request, held_message(update.moderation_reason_labels))
            elif action == "appeal" and appeal_form.is_valid():
                appeals.appeal_create(
                    review=review, by=Appeal.By.AUTHOR, text=appeal_form.cleaned_data["text"]
                )
                messages.success(request, _("Your appeal is sent; you will get an e-mail."))
            else:
                raise ValidationError(_("Check the form."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("reviews:manage", token=token)
    fixable = reviews.fixable_rejection(review)
    return render(
        request,
        "reviews/manage.html",
        {
            "review": review,
            "update_form": update_form,
            "appeal_form": appeal_form,
            "fixable": fixable,
            "resubmit_token": resubmit_token(review, fixable.pk) if fixable else "",
            "appeal_first": bool(fixable) and reviews.appeal_pending(review),
        },
    )


def _manage_token(group: str, request: HttpRequest) -> str:
    """The rate-limit key of one review's link (its token)."""
    return str((request.resolver_match.kwargs if request.resolver_match else {}).get("token"))


@ratelimit(group="manage-renew", key="ip", rate="5/h", method="POST", block=False)
@ratelimit(group="manage-renew-link", key=_manage_token, rate="3/d", method="POST", block=False)
@require_POST
def manage_renew(request: HttpRequest, token: str) -> HttpResponse:
    """From an expired manage link: a fresh one is mailed to the review's
    author if the address typed is theirs. The answer is the same in
    every case (nothing is revealed); 5 asks an hour from one address, 3
    a day for one link."""
    form = ManageLinkForm(request.POST)
    context: dict[str, object] = {"error": _("This link has expired."), "token": token}
    if getattr(request, "limited", False):
        form.add_error(None, _("Too many requests from you in a short time. Try again later."))
    elif form.is_valid():
        appeals.manage_link_renew(token=token, email=form.cleaned_data["email"])
        context["renew_sent"] = True
        return render(request, "reviews/manage.html", context)
    context["renew_form"] = form
    return render(request, "reviews/manage.html", context, status=400)


# Review requests without an invitation, per visitor address; only valid
# requests count (see ``request_review``).
REVIEW_REQUEST_RATE = "5/h"


def _review_request_limited(request: HttpRequest, *, consume: bool) -> bool:
    return is_ratelimited(
        request,
        group="review-request",
        key="ip",
        rate=REVIEW_REQUEST_RATE,
        method="POST",
        increment=consume,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def request_review(request: HttpRequest, slug: str) -> HttpResponse:
    """A client without an invitation starts from the company page."""

    company = get_object_or_404(Company.objects.listed(), slug=slug)
    form = ReviewRequestForm(request.POST or None)
    if request.method == "POST":
        too_many = _("Too many requests from you in a short time. Try again later.")
        if _review_request_limited(request, consume=False) or (
            form.is_valid() and _review_request_limited(request, consume=True)
        ):
            form.add_error(None, too_many)
        elif form.is_valid():
            requests.review_request_create(company=company, fields=form.cleaned_data)
            return render(request, "reviews/request.html", {"company": company, "sent": True})
    return render(request, "reviews/request.html", {"company": company, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
def request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST proves the address and matches."""
    if request.method != "POST":  # GET or HEAD: ask, change nothing
        return render(request, "reviews/request_confirm.html", {"token": token})
    try:
        review_request = requests.review_request_confirm(token=token)
    except LinkError as error:
        return render(request, "reviews/request_confirm.html", {"error": error.message}, status=400)
    return render(request, "reviews/request_confirm.html", {"review_request": review_request})
