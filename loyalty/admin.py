"""Completed sessions, their audits and strikes in the admin: read-only
(recorded by the services, from invoices, forms, imports and the API;
audits move only through ``loyalty.services.audits``; scores and
baselines are written by the nightly job, ``loyalty.recompute``). The client is a
key: nothing here names a person."""

from __future__ import annotations

from django.contrib import admin

from common.admin import ReadOnlyMixin

from .models import LoyaltyScore, ServiceSession, SessionAudit, SessionStrike, TradeBaseline


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Shown, never written from the admin."""

    show_full_result_count = False


@admin.register(SessionAudit)
class SessionAuditAdmin(ReadOnlyAdmin):
    list_display = ["session", "status", "opened_at", "due_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["session", "decided_by"]


@admin.register(SessionStrike)
class SessionStrikeAdmin(ReadOnlyAdmin):
    list_display = ["company", "audit", "missed", "created_at"]
    list_filter = ["missed"]
    raw_id_fields = ["company", "audit"]


@admin.register(ServiceSession)
class ServiceSessionAdmin(ReadOnlyAdmin):
    list_display = ["company", "performed_on", "status", "source", "reference", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["company__trade_name", "reference"]
    raw_id_fields = ["company", "invoice", "created_by"]


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


@admin.register(TradeBaseline)
class TradeBaselineAdmin(ReadOnlyAdmin):
    list_display = ["profession", "mean", "prior_strength", "companies", "source", "computed_at"]
    list_filter = ["source"]
