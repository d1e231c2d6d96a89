"""The reviews in the admin: staff read them, nobody writes them here.

Reviews, their decisions, replies (with their previous texts), updates,
flags, appeals, audits, strikes, sanctions and status histories are
changed only by the services (``reviews.services``), which check the
rules, record the history and tell the people concerned. Here no one,
superusers included, adds, changes or deletes them, one by one or through
the bulk "delete" action. An invoice with a review is the review's proof:
it is never deleted here and its proof fields are read-only; an invoice
without one may still be corrected or deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyMixin, SirenSearchMixin, mask_email, mask_phone

from .models import (
    Appeal,
    Audit,
    AuditEvent,
    Invoice,
    ModerationDecision,
    Reply,
    ReplyRevision,
    Review,
    ReviewEvent,
    ReviewFlag,
    ReviewInvitation,
    ReviewLogEntry,
    ReviewUpdate,
    Sanction,
    Strike,
)

# Client data is personal. Only the moderation group (reviews.view_invoice)
# opens invoices here, and it needs the client's name (compared with the
# review's author in audits) but never writes to the client: their e-mail
# and phone are masked for everyone but superusers, in the list and the
# form; the company reads them in its own pages.
CLIENT_CONTACT_FIELDS = ("client_email", "client_phone")


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    show_full_result_count = False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


# What an invoice proves about its review's author: fixed once reviewed.
INVOICE_PROOF_FIELDS = ["company", "number", "issued_on", "client_name", "client_company"]


@admin.register(Invoice)
class InvoiceAdmin(SirenSearchMixin, admin.ModelAdmin):
    """Client data is personal: staff search invoices by company or number;
    the client's e-mail and phone are masked but for superusers. An invoice
    with a review cannot be deleted (alone or in a bulk delete) and its
    proof fields are read-only."""

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

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and Review.objects.filter(invoice=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["client_email_masked", "client_phone_masked"]
        if obj is not None and Review.objects.filter(invoice=obj).exists():
            fields += [f for f in INVOICE_PROOF_FIELDS if f not in fields]
        return fields

    def get_deleted_objects(self, objs, request):
        """The bulk delete's confirmation: a selection holding a reviewed
        invoice is refused whole, as protected (nothing is deleted)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        reviewed = Invoice.objects.filter(pk__in=[obj.pk for obj in objs], review__isnull=False)
        protected = [*protected, *(str(obj) for obj in reviewed if str(obj) not in protected)]
        return deleted, counts, perms_needed, protected

    def delete_queryset(self, request, queryset) -> None:
        # Never reached with a reviewed invoice (see get_deleted_objects);
        # kept so that no other caller of this admin deletes one.
        reviewed = Review.objects.filter(invoice=OuterRef("pk"))
        super().delete_queryset(request, queryset.exclude(Exists(reviewed)))


@admin.register(ReviewInvitation)
class ReviewInvitationAdmin(admin.ModelAdmin):
    list_display = ["invoice", "sent_at", "reminded_at", "used_at", "opted_out_at", "expires_at"]
    raw_id_fields = ["invoice"]
    readonly_fields = ["nonce"]


class DecisionInline(ReadOnlyInline):
    model = ModerationDecision
    readonly_fields = ["decision", "reason", "note", "decided_by", "created_at"]


class EventInline(ReadOnlyInline):
    """The review's status history (``reviews.services.transitions``)."""

    model = ReviewEvent
    readonly_fields = ["created_at", "from_status", "to_status", "actor", "reason"]


class UpdateInline(ReadOnlyInline):
    model = ReviewUpdate
    readonly_fields = ["created_at", "text"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """Read-only: the text is the author's; decisions go through moderation,
    and the status changes only through ``reviews.services.transitions``."""

    list_display = ["pk", "company", "rating", "status", "name_match", "created_at"]
    list_filter = ["status", "rating", "name_match"]
    search_fields = ["company__trade_name", "title"]
    inlines = [DecisionInline, EventInline, UpdateInline]


class RevisionInline(ReadOnlyInline):
    """The texts an edit replaced, oldest first."""

    model = ReplyRevision
    readonly_fields = ["written_at", "author", "text", "replaced_at"]


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    list_display = ["review", "created_at", "edited_at"]
    raw_id_fields = ["review"]
    inlines = [RevisionInline]


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyAdmin):
    list_display = ["review", "decision", "reason", "decided_by", "created_at"]
    list_filter = ["decision", "reason"]


@admin.register(ReviewEvent)
class ReviewEventAdmin(ReadOnlyAdmin):
    list_display = ["review", "from_status", "to_status", "actor", "created_at"]


@admin.register(ReviewUpdate)
class ReviewUpdateAdmin(ReadOnlyAdmin):
    list_display = ["review", "created_at"]


@admin.register(ReplyRevision)
class ReplyRevisionAdmin(ReadOnlyAdmin):
    list_display = ["reply", "written_at", "replaced_at"]


@admin.register(ReviewFlag)
class ReviewFlagAdmin(ReadOnlyAdmin):
    list_display = ["review", "reason", "by_company", "created_at", "resolved_at"]
    list_filter = ["reason", "by_company"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["review", "by", "status", "created_at", "decided_at"]
    list_filter = ["by", "status"]


class AuditEventInline(ReadOnlyInline):
    model = AuditEvent
    readonly_fields = ["created_at", "from_status", "to_status", "actor", "reason"]


@admin.register(Audit)
class AuditAdmin(ReadOnlyAdmin):
    list_display = ["review", "reason", "status", "opened_at", "due_at", "decided_at"]
    list_filter = ["status", "reason"]
    inlines = [AuditEventInline]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["audit", "from_status", "to_status", "actor", "created_at"]


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ["company", "audit", "created_at"]


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    """Decided and lifted from the staff pages (``reviews.services.sanctions``)."""

    list_display = ["company", "created_at", "decided_by", "lifted_at"]


@admin.register(ReviewLogEntry)
class ReviewLogEntryAdmin(ReadOnlyAdmin):
    """The hash-chained record of each review (``reviews.services.ledger``);
    ``verify_review_log`` checks it."""

    list_display = ["review", "seq", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["review"]
