"""Completed sessions in the admin: read-only (recorded by the services,
from invoices, forms, imports and the API). The client is a key: nothing
here names a person."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import LoyaltyScore, ServiceSession, TradeBaseline


@admin.register(ServiceSession)
class ServiceSessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["company", "performed_on", "status", "source", "reference", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["company__trade_name", "reference"]
    raw_id_fields = ["company", "invoice", "created_by"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: ServiceSession | None = None) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: ServiceSession | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ServiceSession | None = None
    ) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Figures written by the nightly job (loyalty.recompute) only."""

    def has_add_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(LoyaltyScore)
class LoyaltyScoreAdmin(ReadOnlyAdmin):
    list_display = [
        "company",
        "sessions",
        "new_clients",
        "returned",
        "score",
        "baseline",
        "computed_at",
    ]
    list_filter = ["qualified"]
    search_fields = ["company__trade_name"]
    raw_id_fields = ["company"]
    show_full_result_count = False


@admin.register(TradeBaseline)
class TradeBaselineAdmin(ReadOnlyAdmin):
    list_display = ["profession", "mean", "prior_strength", "companies", "source", "computed_at"]
    list_filter = ["source"]
