from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.admin import SirenSearchMixin

from .models import Application, ApplicationEvent, CompanyEvent, CompanyScreening, EligibilityFlag

# "type: ignore[type-arg]": Django's admin classes take no type arguments at
# run time (django-stubs-ext's monkeypatch would make that a dependency).


class ApplicationEventInline(admin.TabularInline):  # type: ignore[type-arg]
    """The history is write-once: shown, never edited here."""

    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "from_status", "to_status", "note", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Application | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(SirenSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Decisions go through the vetting pages (/equipe/), which keep the
    state machine and history; the admin only reads."""

    list_display = ["legal_name", "siren", "status", "verdict", "submitted_at", "assignee"]
    list_filter = ["status", "verdict"]
    search_fields = ["legal_name", "siren", "city", "applicant__email"]
    inlines = [ApplicationEventInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CompanyEvent)
class CompanyEventAdmin(SirenSearchMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    siren_lookup = "company__siren"
    list_display = ["company", "from_status", "to_status", "actor", "created_at"]
    search_fields = ["company__trade_name", "company__siren"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EligibilityFlag)
class EligibilityFlagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["company", "rule", "created_at", "resolved_at"]
    list_filter = ["rule"]
    raw_id_fields = ["company", "resolved_by"]


@admin.register(CompanyScreening)
class CompanyScreeningAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["company", "verdict", "screened_at"]
    raw_id_fields = ["company"]
