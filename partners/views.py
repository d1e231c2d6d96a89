"""The partner portal (``/partenaires/``): a partner's own people manage
its API keys, see the companies that connected it, give them one-time
connection codes, subscribe webhook endpoints, read their delivery log
and replay deliveries (issue 14).

Every page is for a logged-in member of the partner named in the URL:
anyone else gets a 404 (the partner's existence is not revealed), an
anonymous visitor the log-in page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from common.ids import get_by_id_or_404, id_parse

from . import selectors, services
from . import webhooks as webhooks_service
from .forms import DeliveryFilterForm, PartnerKeyForm, WebhookEndpointForm
from .models import Partner, PartnerKey, WebhookDelivery, WebhookEndpoint

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
        _context(partner, keys=partner.keys.select_related("successor").order_by("-created")),
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
    """GET asks to confirm; POST makes the successor and shows it once. A
    key already rotated (or revoked, or expired) is not rotated again: the
    keys' page, with why."""
    key = _key_or_404(partner, prefix)
    if not key.revoked and not key.has_expired and key.rotated:
        messages.error(
            request,
            _(
                "The key “%(name)s” was already renewed: renew its successor (prefix "
                "%(prefix)s) instead."
            )
            % {"name": key.name, "prefix": key.successor.prefix if key.successor else ""},
        )
        return redirect("partners:keys", partner_id=partner.pk)
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


# --- Webhooks -------------------------------------------------------------------------

# The signing secret of an endpoint just made, or just rotated, waits here
# until the next page shows it once.
WEBHOOK_SECRET_SESSION_KEY = "partners:new-webhook-secret"  # noqa: S105 (a name, not a secret)


def _endpoint_or_404(partner: Partner, raw: str) -> WebhookEndpoint:
    """The partner's endpoint ``raw`` (from the path); another partner's,
    or a value that is not an id, is a 404."""
    return get_by_id_or_404(partner.webhook_endpoints.all(), raw)


def _delivery_or_404(endpoint: WebhookEndpoint, raw: str) -> WebhookDelivery:
    return get_by_id_or_404(
        WebhookDelivery.objects.select_related("event", "endpoint"), raw, endpoint=endpoint
    )


@partner_view
@require_safe
def webhooks(request: HttpRequest, partner: Partner) -> HttpResponse:
    request.session.pop(WEBHOOK_SECRET_SESSION_KEY, None)
    return render(
        request,
        "partners/webhooks.html",
        _context(
            partner,
            endpoints=selectors.webhook_endpoints(partner),
            endpoints_max=settings.WEBHOOK_ENDPOINTS_MAX,
        ),
    )


def _rate_webhook_create(group: str, request: HttpRequest) -> str:
    return str(settings.PARTNER_WEBHOOK_CREATE_RATE)


@partner_view
@ratelimit(
    group="partner-webhook-create",
    key="user",
    rate=_rate_webhook_create,
    method="POST",
    block=False,
)
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_create(request: HttpRequest, partner: Partner) -> HttpResponse:
    """The form; POST subscribes the URL and shows its secret once. Each
    POST resolves the URL's host name (the SSRF check): limited per
    account, so the form is no tool to probe names."""
    form = WebhookEndpointForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many tries in a short time. Try again later."))
            status = 429
        elif form.is_valid():
            try:
                endpoint, secret = webhooks_service.endpoint_create(
                    partner=partner,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    scope=form.cleaned_data["scope"],
                    description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                _errors_on_fields(form, error)
            else:
                return _show_webhook_secret_next(request, partner, endpoint, secret, None)
        if status == 200:
            status = 400
    return render(
        request,
        "partners/webhook_form.html",
        _context(partner, form=form),
        status=status,
    )


def _errors_on_fields(form: WebhookEndpointForm, error: ValidationError) -> None:
    """A service's refusal on the form: each message on its field when the
    form has it, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _show_webhook_secret_next(
    request: HttpRequest,
    partner: Partner,
    endpoint: WebhookEndpoint,
    secret: str,
    previous_until: datetime | None,
) -> HttpResponse:
    request.session[WEBHOOK_SECRET_SESSION_KEY] = {
        "endpoint": endpoint.pk,
        "secret": secret,
        "previous_until": previous_until.isoformat() if previous_until else None,
    }
    return redirect("partners:webhook-secret", partner_id=partner.pk, endpoint_id=endpoint.pk)


@partner_view
@require_safe
def webhook_secret(request: HttpRequest, partner: Partner, endpoint_id: str) -> HttpResponse:
    """The signing secret just made (creation or rotation), once: taken
    out of the session as it is shown."""
    endpoint = _endpoint_or_404(partner, endpoint_id)
    waiting = request.session.get(WEBHOOK_SECRET_SESSION_KEY)
    secret = previous_until = None
    if isinstance(waiting, dict) and waiting.get("endpoint") == endpoint.pk:
        secret = waiting.get("secret")
        if waiting.get("previous_until"):
            previous_until = datetime.fromisoformat(waiting["previous_until"])
        del request.session[WEBHOOK_SECRET_SESSION_KEY]
    response = render(
        request,
        "partners/webhook_secret.html",
        _context(partner, endpoint=endpoint, secret=secret, previous_until=previous_until),
    )
    response["Cache-Control"] = "no-store"
    return response


@partner_view
@require_safe
def webhook(request: HttpRequest, partner: Partner, endpoint_id: str) -> HttpResponse:
    """An endpoint and its delivery log, newest first, filtered by outcome
    and event type, paged by id (``avant``: older than, ``apres``: newer
    than)."""
    endpoint = _endpoint_or_404(partner, endpoint_id)
    filters = DeliveryFilterForm(request.GET)
    page = selectors.webhook_deliveries(
        endpoint,
        **filters.filters(),
        before=id_parse(request.GET.get("avant")),
        after=id_parse(request.GET.get("apres")),
        size=selectors.DELIVERIES_PER_PAGE,
    )
    return render(
        request,
        "partners/webhook.html",
        _context(
            partner,
            endpoint=endpoint,
            filters=filters,
            filtered=any(filters.filters().values()),
            page=page,
            paged=bool(request.GET.get("avant") or request.GET.get("apres")),
        ),
    )


@partner_view
@require_safe
def webhook_delivery(
    request: HttpRequest, partner: Partner, endpoint_id: str, delivery_id: str
) -> HttpResponse:
    """A delivery: what its endpoint received, its attempts so far."""
    endpoint = _endpoint_or_404(partner, endpoint_id)
    delivery = _delivery_or_404(endpoint, delivery_id)
    return render(
        request,
        "partners/webhook_delivery.html",
        _context(
            partner,
            endpoint=endpoint,
            delivery=delivery,
            body=selectors.webhook_delivery_body(delivery),
        ),
    )


@partner_view
@require_POST
def webhook_replay(
    request: HttpRequest, partner: Partner, endpoint_id: str, delivery_id: str
) -> HttpResponse:
    """Send a finished delivery again (:func:`partners.webhooks.delivery_replay`);
    its refusals (endpoint disabled, still being attempted) as messages."""
    endpoint = _endpoint_or_404(partner, endpoint_id)
    delivery = _delivery_or_404(endpoint, delivery_id)
    try:
        with transaction.atomic():
            webhooks_service.delivery_replay(delivery=delivery)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The delivery is sent again, from its first attempt, with the same webhook-id."),
        )
    return redirect(
        "partners:webhook-delivery",
        partner_id=partner.pk,
        endpoint_id=endpoint.pk,
        delivery_id=delivery.pk,
    )


@partner_view
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_rotate(request: HttpRequest, partner: Partner, endpoint_id: str) -> HttpResponse:
    """GET asks to confirm; POST makes a new secret and shows it once."""
    endpoint = _endpoint_or_404(partner, endpoint_id)
    if request.method == "POST":
        secret, until = webhooks_service.endpoint_secret_rotate(endpoint=endpoint)
        return _show_webhook_secret_next(request, partner, endpoint, secret.secret, until)
    overlap_hours = int(settings.WEBHOOK_SECRET_OVERLAP.total_seconds() // 3600)
    return render(
        request,
        "partners/webhook_confirm.html",
        _context(partner, endpoint=endpoint, action="rotate", overlap_hours=overlap_hours),
    )


@partner_view
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_delete(request: HttpRequest, partner: Partner, endpoint_id: str) -> HttpResponse:
    """GET asks to confirm; POST deletes the endpoint with its log."""
    endpoint = _endpoint_or_404(partner, endpoint_id)
    if request.method == "POST":
        webhooks_service.endpoint_delete(endpoint=endpoint)
        messages.success(
            request,
            _("The endpoint %(url)s is deleted: nothing more is sent to it.")
            % {"url": endpoint.url},
        )
        return redirect("partners:webhooks", partner_id=partner.pk)
    return render(
        request,
        "partners/webhook_confirm.html",
        _context(partner, endpoint=endpoint, action="delete"),
    )
