from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.admin import SirenSearchMixin

from .models import (
    Application,
    ApplicationEvent,
    CheckDecision,
    CompanyChecksDue,
    CompanyEvent,
    CompanyScreening,
    EligibilityFlag,
    Evidence,
)

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


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Write-once records: decisions go through the vetting pages, documents
    through the application and the pro space; the admin only reads."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CheckDecision)
class CheckDecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "check_code",
        "state",
        "application",
        "company",
        "valid_until",
        "actor",
        "created_at",
    ]
    list_filter = ["check_code", "state"]
    raw_id_fields = ["application", "company", "evidence", "actor"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """The file is not linked here: it is served by eligibility:evidence-file."""

    list_display = ["check_code", "application", "company", "expires_on", "uploaded_at"]
    list_filter = ["check_code"]
    exclude = ["file"]
    raw_id_fields = ["application", "company", "uploaded_by"]


@admin.register(CompanyChecksDue)
class CompanyChecksDueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The due date of a company's checks may be moved (a grace extended)."""

    list_display = ["company", "due_on", "created_at"]
    raw_id_fields = ["company"]
