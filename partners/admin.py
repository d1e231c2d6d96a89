"""Staff create partners and their keys here: a new key's secret is shown
once, in a message; afterwards only its prefix."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    Connection,
    ConnectionCode,
    DisabledReason,
    Partner,
    PartnerKey,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
)
from .services import partner_key_create, partner_key_revoke
from .webhooks import endpoint_disable


class PartnerKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = PartnerKey
        fields = ["partner", "name", "scopes", "expiry_date"]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    form = PartnerKeyForm
    list_display = [
        "name",
        "partner",
        "prefix",
        "scope_list",
        "created",
        "expiry_date",
        "last_used_at",
        "revoked",
    ]
    list_filter = ["revoked", "partner"]
    search_fields = ["name", "prefix", "partner__name"]
    readonly_fields = ["prefix", "created", "last_used_at", "revoked"]
    actions = ["revoke_keys"]

    @admin.display(description=_("scopes"))
    def scope_list(self, key: PartnerKey) -> str:
        return ", ".join(key.scopes)

    def get_fields(self, request: HttpRequest, obj: PartnerKey | None = None) -> list[str]:
        if obj is None:
            return ["partner", "name", "scopes", "expiry_date"]
        return [
            "partner",
            "name",
            "prefix",
            "scopes",
            "expiry_date",
            "created",
            "last_used_at",
            "revoked",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: PartnerKey | None = None) -> list[str]:
        if obj is None:
            return []
        # A key's partner and scopes are what it was issued with: issue another.
        return ["partner", "prefix", "scopes", "created", "last_used_at", "revoked"]

    def save_model(self, request: HttpRequest, obj: PartnerKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, secret = partner_key_create(
            partner=obj.partner,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            expiry_date=obj.expiry_date,
        )
        obj.pk, obj.prefix = key.pk, key.prefix
        messages.warning(
            request,
            _("The key “%(name)s” is %(secret)s — copy it now: it will not be shown again.")
            % {"name": key.name, "secret": secret},
        )

    @admin.action(description=_("Revoke the selected keys (cannot be undone)"))
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> None:
        revoked = sum(partner_key_revoke(key=key) for key in queryset)
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", revoked)
            % {"count": revoked},
        )


class PartnerKeyInline(admin.TabularInline):
    model = PartnerKey
    fields = ["name", "prefix", "scopes", "created", "expiry_date", "last_used_at", "revoked"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # keys are created on their own page, which shows the secret once


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact_email", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "contact_email"]
    filter_horizontal = ["members"]
    inlines = [PartnerKeyInline]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["partner", "company", "connected_at", "disconnected_at"]
    list_filter = ["partner"]
    raw_id_fields = ["company", "connected_by"]
    search_fields = ["partner__name", "company__trade_name"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Read-only: partners manage their endpoints through the API; staff
    see them and may disable one (its pending deliveries stop). The
    secrets are never shown."""

    list_display = ["url", "partner", "scope", "status", "disabled_reason", "created_at"]
    list_filter = ["status", "scope", "disabled_reason"]
    search_fields = ["url", "partner__name"]
    fields = [
        "partner",
        "url",
        "description",
        "events",
        "scope",
        "status",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["disable_endpoints"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Disable the selected endpoints"), permissions=["view"])
    def disable_endpoints(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        disabled = sum(
            endpoint_disable(endpoint=endpoint, reason=DisabledReason.STAFF)
            for endpoint in queryset
        )
        self.message_user(
            request,
            ngettext("%(n)d endpoint disabled.", "%(n)d endpoints disabled.", disabled)
            % {"n": disabled},
            messages.SUCCESS,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log, read-only (ids and public data only)."""

    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "status_code",
        "error_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["event__id", "endpoint__url"]
    raw_id_fields = ["event", "endpoint"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConnectionCode)
class ConnectionCodeAdmin(admin.ModelAdmin):
    """Read only: partners make and withdraw their codes in their portal."""

    list_display = ["partner", "created_at", "expires_at", "used_at", "revoked_at"]
    list_filter = ["partner"]
    # The code itself is not shown: it connects a company to the partner.
    exclude = ["code"]
    readonly_fields = [
        "partner",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "used_at",
        "used_by_company",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
