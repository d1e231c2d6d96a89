from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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


def mask_email(address: str) -> str:
    """ "sophie.martin@example.org" → "s•••@e•••.org": enough to tell two
    addresses apart, not to write to one."""
    local, _at, domain = address.partition("@")
    if not local:
        return ""
    name, _dot, tld = domain.rpartition(".")
    return f"{local[:1]}•••@{name[:1]}•••.{tld}" if name else f"{local[:1]}•••@•••"


def mask_phone(number: str) -> str:
    """ "+33699056090" → "•• •• •• •• 90"."""
    return f"•• •• •• •• {number[-2:]}" if number else ""


# Client data is personal. Only the moderation group (reviews.view_invoice)
# opens invoices here, and it needs the client's name (compared with the
# review's author in audits) but never writes to the client: their e-mail
# and phone are masked for everyone but superusers, in the list and the
# form; the company reads them in its own pages.
CLIENT_CONTACT_FIELDS = ("client_email", "client_phone")


@admin.register(Invoice)
class InvoiceAdmin(SirenSearchMixin, admin.ModelAdmin):
    """Client data is personal: staff search invoices by company or number;
    the client's e-mail and phone are masked but for superusers."""

    list_display = ["number", "company", "issued_on", "amount", "client_email_masked", "source"]
    search_fields = ["number", "company__trade_name", "company__siren"]
    siren_lookup = "company__siren"
    raw_id_fields = ["company", "created_by"]
    show_full_result_count = False

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if request.user.is_superuser:
            shown = ["client_email" if name == "client_email_masked" else name for name in shown]
        return shown

    @admin.display(description=_("client e-mail"))
    def client_email_masked(self, obj: Invoice) -> str:
        return mask_email(obj.client_email)

    @admin.display(description=_("client phone"))
    def client_phone_masked(self, obj: Invoice) -> str:
        return mask_phone(obj.client_phone)

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser:
            excluded += CLIENT_CONTACT_FIELDS
        return excluded

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["client_email_masked", "client_phone_masked"]
        return readonly


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
