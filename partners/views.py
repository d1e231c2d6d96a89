"""The partner portal (``/partenaires/``): a partner's own people manage
its API keys, see the companies that connected it and give them one-time
connection codes. Webhook pages are added beside these (issue 14).

Every page is for a logged-in member of the partner named in the URL:
anyone else gets a 404 (the partner's existence is not revealed), an
anonymous visitor the log-in page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import selectors, services
from .forms import PartnerKeyForm
from .models import Partner, PartnerKey

# The secret of a key just made waits here, in the creator's session, until
# the next page shows it once.
SECRET_SESSION_KEY = "partners:new-key-secret"  # noqa: S105 (a name, not a secret)


def partner_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log-in required, then the user's partner ``partner_id`` or 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, partner_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        partner = selectors.partners_of(request.user).filter(pk=partner_id).first()
        if partner is None:
            raise Http404
        return view(request, partner, *args, **kwargs)

    return wrapper


def _context(partner: Partner, **extra: Any) -> dict[str, Any]:
    return {"partner": partner, **extra}


@login_required
@require_safe
def portal_home(request: HttpRequest) -> HttpResponse:
    """One partner: its home. Several: a choice. None: not for this account."""
    partners = list(selectors.partners_of(request.user))
    if not partners:
        raise PermissionDenied(_("This space is for the members of a partner of the API."))
    if len(partners) == 1:
        return redirect("partners:home", partner_id=partners[0].pk)
    return render(request, "partners/choose.html", {"partners": partners})


@partner_view
@require_safe
def home(request: HttpRequest, partner: Partner) -> HttpResponse:
    return render(
        request,
        "partners/home.html",
        _context(partner, figures=selectors.partner_home(partner)),
    )


@partner_view
@require_safe
def keys(request: HttpRequest, partner: Partner) -> HttpResponse:
    # A secret whose page was never opened does not linger in the session.
    request.session.pop(SECRET_SESSION_KEY, None)
    return render(
        request,
        "partners/keys.html",
        _context(partner, keys=partner.keys.order_by("-created")),
    )


@partner_view
@require_http_methods(["GET", "HEAD", "POST"])
def key_create(request: HttpRequest, partner: Partner) -> HttpResponse:
    form = PartnerKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, secret = services.partner_key_create(
                partner=partner,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expiry_date=form.expiry_datetime(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _show_secret_next(request, partner, key, secret)
    return render(request, "partners/key_form.html", _context(partner, form=form))


def _show_secret_next(
    request: HttpRequest, partner: Partner, key: PartnerKey, secret: str
) -> HttpResponse:
    request.session[SECRET_SESSION_KEY] = {"prefix": key.prefix, "secret": secret}
    return redirect("partners:key-created", partner_id=partner.pk, prefix=key.prefix)


@partner_view
@require_safe
def key_created(request: HttpRequest, partner: Partner, prefix: str) -> HttpResponse:
    """The new key's secret, once: taken out of the session as it is shown."""
    key = get_object_or_404(partner.keys, prefix=prefix)
    waiting = request.session.get(SECRET_SESSION_KEY)
    secret = None
    if isinstance(waiting, dict) and waiting.get("prefix") == key.prefix:
        secret = waiting.get("secret")
        del request.session[SECRET_SESSION_KEY]
    response = render(
        request, "partners/key_created.html", _context(partner, key=key, secret=secret)
    )
    response["Cache-Control"] = "no-store"
    return response


def _key_or_404(partner: Partner, prefix: str) -> PartnerKey:
    key: PartnerKey = get_object_or_404(partner.keys, prefix=prefix)
    return key


@partner_view
@require_http_methods(["GET", "HEAD", "POST"])
def key_revoke(request: HttpRequest, partner: Partner, prefix: str) -> HttpResponse:
    """GET asks to confirm; POST revokes for good."""
    key = _key_or_404(partner, prefix)
    if request.method == "POST":
        if services.partner_key_revoke(key=key):
            text = _("The key “%(name)s” is revoked: it no longer works.")
            messages.success(request, text % {"name": key.name})
        else:
            messages.info(request, _("This key was already revoked."))
        return redirect("partners:keys", partner_id=partner.pk)
    return render(request, "partners/key_confirm.html", _context(partner, key=key, action="revoke"))


@partner_view
@require_http_methods(["GET", "HEAD", "POST"])
def key_rotate(request: HttpRequest, partner: Partner, prefix: str) -> HttpResponse:
    """GET asks to confirm; POST makes the successor and shows it once."""
    key = _key_or_404(partner, prefix)
    context = _context(
        partner,
        key=key,
        action="rotate",
        overlap_days=settings.PARTNER_KEY_ROTATION_OVERLAP_DAYS,
    )
    if request.method == "POST":
        try:
            new_key, secret = services.partner_key_rotate(key=key)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("partners:keys", partner_id=partner.pk)
        return _show_secret_next(request, partner, new_key, secret)
    return render(request, "partners/key_confirm.html", context)


@partner_view
@require_safe
def companies(request: HttpRequest, partner: Partner) -> HttpResponse:
    scopes = [
        scope for scope in selectors.partner_scopes(partner) if scope in selectors.WRITE_SCOPES
    ]
    return render(
        request,
        "partners/companies.html",
        _context(
            partner,
            connections=selectors.connected_companies(partner),
            write_scopes=scopes,
        ),
    )


@partner_view
@require_http_methods(["GET", "HEAD", "POST"])
def codes(request: HttpRequest, partner: Partner) -> HttpResponse:
    """The usable codes; POST makes a new one."""
    if request.method == "POST":
        if not partner.is_active:
            messages.error(request, _("Your partner account is suspended: no new code."))
        else:
            code = services.connection_code_create(partner=partner, created_by=request.user)
            messages.success(
                request,
                _("New code: %(code)s. Give it to the company; it works once.")
                % {"code": code.grouped},
            )
        return redirect("partners:codes", partner_id=partner.pk)
    return render(
        request,
        "partners/codes.html",
        _context(
            partner,
            codes=partner.connection_codes.usable().select_related("created_by"),
            days=settings.PARTNER_CONNECTION_CODE_DAYS,
        ),
    )


@partner_view
@require_POST
def code_revoke(request: HttpRequest, partner: Partner, code_id: int) -> HttpResponse:
    code = get_object_or_404(partner.connection_codes, pk=code_id)
    if services.connection_code_revoke(code=code):
        messages.success(request, _("The code %(code)s is withdrawn.") % {"code": code.grouped})
    else:
        messages.info(request, _("This code was already used or withdrawn."))
    return redirect("partners:codes", partner_id=partner.pk)
