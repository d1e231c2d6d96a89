from __future__ import annotations

from django.contrib import admin

from common.admin import SirenSearchMixin

from .models import (
    Invoice,
    ModerationDecision,
    Reply,
    Review,
    ReviewEvent,
    ReviewInvitation,
    Sanction,
)


@admin.register(Invoice)
class InvoiceAdmin(SirenSearchMixin, admin.ModelAdmin):
    """Client data is personal: staff search invoices by company or number."""

    list_display = ["number", "company", "issued_on", "amount", "source"]
    search_fields = ["number", "company__trade_name", "company__siren"]
    siren_lookup = "company__siren"
    raw_id_fields = ["company", "created_by"]
    show_full_result_count = False


@admin.register(ReviewInvitation)
class ReviewInvitationAdmin(admin.ModelAdmin):
    list_display = ["invoice", "sent_at", "reminded_at", "used_at", "opted_out_at", "expires_at"]
    raw_id_fields = ["invoice"]
    readonly_fields = ["nonce"]


class DecisionInline(admin.TabularInline):
    model = ModerationDecision
    extra = 0
    can_delete = False
    readonly_fields = ["decision", "reason", "note", "decided_by", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    """The review's status history (``reviews.services.transitions``)."""

    model = ReviewEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "actor", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Read-only: the text is the author's; decisions go through moderation,
    and the status changes only through ``reviews.services.transitions``."""

    list_display = ["pk", "company", "rating", "status", "name_match", "created_at"]
    list_filter = ["status", "rating", "name_match"]
    search_fields = ["company__trade_name", "title"]
    readonly_fields = ["status", "status_changed_at", "published_at"]
    inlines = [DecisionInline, EventInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(Reply)
admin.site.register(Sanction)
