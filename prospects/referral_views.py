"""The referrers' pages (issue 15, "Referrers and ambassadors") and the
digest setting, for a ``Scope`` like the other pipeline screens: served
by ``prospects/urls.py`` (``SCREENS``) to sales staff for the platform's
pipeline and to a company's members for its own. A referrer is only ever
looked up among its pipeline's rows: another pipeline's is a 404.

Also the digest's one-click opt-out (RFC 8058), reached by its signed
link without logging in."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from common.ids import get_by_id_or_404
from common.signed_links import LinkError
from common.types import AuthenticatedHttpRequest

from . import links, services
from .models import DigestSubscription, Referrer, Stage
from .referral_forms import DigestForm, ReferrerForm
from .referrers import leaderboard, referral_revenue, referrals_of, scope_referrers
from .scope import Scope

LEADERBOARD_PAGE_SIZE = 50
# Referrals listed on a referrer's page (newest first).
REFERRALS_SHOWN = 200


def _referrer(scope: Scope, referrer_id: object) -> Referrer:
    return get_by_id_or_404(scope_referrers(scope).select_related("company"), str(referrer_id))


@require_safe
def referrers(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """The pipeline's referrers, best first: leads, clients, revenue."""
    page = Paginator(leaderboard(scope), LEADERBOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    revenue = referral_revenue(scope, [referrer.pk for referrer in page.object_list])
    rows = [(referrer, revenue.get(referrer.pk)) for referrer in page.object_list]
    return render(request, "prospects/referrers.html", scope.context(page=page, rows=rows))


@require_safe
def referrer_detail(
    request: AuthenticatedHttpRequest, scope: Scope, referrer_id: int
) -> HttpResponse:
    """One referrer: their details, personal link and what they brought."""
    referrer = _referrer(scope, referrer_id)
    referrals = referrals_of(scope, referrer, limit=REFERRALS_SHOWN)
    total = None if scope.is_platform else sum(r.revenue or 0 for r in referrals)
    return render(
        request,
        "prospects/referrer.html",
        scope.context(
            referrer=referrer,
            referrals=referrals,
            total=total,
            clients=sum(1 for r in referrals if r.prospect.stage == Stage.CLIENT),
            referral_url=links.referral_url(referrer),
        ),
    )


def _fields(form: ReferrerForm) -> dict[str, object]:
    return {name: form.cleaned_data[name] for name in services.REFERRER_EDITABLE_FIELDS}


def _add_errors(form: ReferrerForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "HEAD", "POST"])
def referrer_create(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """A new referrer; referrers that may be the same person (e-mail,
    phone, name) are shown first, "create anyway" (``force``) saves it
    all the same."""
    form = ReferrerForm(request.POST if request.method == "POST" else None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        try:
            referrer = services.referrer_create(
                pipeline=scope.pipeline,
                company=scope.company,
                force=request.POST.get("force") == "1",
                **_fields(form),  # type: ignore[arg-type]
            )
        except services.PossibleReferrerDuplicates as error:
            duplicates = error.candidates
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Referrer created."))
            return redirect(scope.url("referrer", referrer.pk))
    return render(
        request,
        "prospects/referrer_form.html",
        scope.context(form=form, referrer=None, duplicates=duplicates),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def referrer_edit(
    request: AuthenticatedHttpRequest, scope: Scope, referrer_id: int
) -> HttpResponse:
    referrer = _referrer(scope, referrer_id)
    initial = {name: getattr(referrer, name) for name in services.REFERRER_EDITABLE_FIELDS}
    form = ReferrerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.referrer_update(referrer=referrer, fields=_fields(form))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Referrer saved."))
            return redirect(scope.url("referrer", referrer.pk))
    return render(
        request, "prospects/referrer_form.html", scope.context(form=form, referrer=referrer)
    )


@require_http_methods(["GET", "HEAD", "POST"])
def digest_setting(request: AuthenticatedHttpRequest, scope: Scope) -> HttpResponse:
    """The visitor's own choice: the 8:00 digest on or off (for every
    pipeline they work: one e-mail a day at most)."""
    subscription = DigestSubscription.objects.filter(user=request.user).first()
    enabled = subscription is None or subscription.enabled
    form = DigestForm(
        request.POST if request.method == "POST" else None, initial={"enabled": enabled}
    )
    if request.method == "POST" and form.is_valid():
        services.digest_set(user=request.user, enabled=form.cleaned_data["enabled"])
        messages.success(
            request,
            _("The digest is on.") if form.cleaned_data["enabled"] else _("The digest is off."),
        )
        return redirect(scope.url("digest"))
    return render(request, "prospects/digest_setting.html", scope.context(form=form))


# The one-click opt-out is POSTed by the mail client itself (RFC 8058,
# body "List-Unsubscribe=One-Click"), without the site's CSRF cookie: the
# signed token is what authorises it, and all it can do is stop e-mails.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def digest_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners follow links), POST opts out. A link that
    cannot work says so at once, with no button."""
    template = "prospects/digest_opt_out.html"
    if request.method != "POST":
        try:
            services.digest_opt_out_subscription(token=token)
        except LinkError as error:
            return render(request, template, {"error": error.message}, status=400)
        return render(request, template, {"token": token})
    try:
        services.digest_opt_out(token=token)
    except LinkError as error:
        return render(request, template, {"error": error.message}, status=400)
    return render(request, template, {"done": True})
