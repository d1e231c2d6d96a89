from __future__ import annotations

from django.contrib import admin
from django.db import models

from common.admin import SirenSearchMixin
from common.forms import SirenField
from directory.companies.models import Certification, Company, CompanyPhoto, CompanyProfession
from directory.companies.services import company_search_keys_sync
from directory.places.models import Place, PlaceName, PostalCode
from directory.quotes.models import QuoteReply, QuoteRequest, QuoteRequestEvent
from directory.taxonomy.models import Profession, Sector
from directory.team.models import Invitation, Membership


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "slug", "position"]
    prepopulated_fields = {"slug": ["name_fr"]}


@admin.register(Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = [
        "name_fr",
        "sector",
        "eligibility_category",
        "is_trust_profession",
        "listed_company_count",
    ]
    list_filter = ["sector", "eligibility_category", "is_trust_profession"]
    search_fields = ["name_fr", "name_en", "slug"]
    list_select_related = ["sector"]
    prepopulated_fields = {"slug": ["name_fr"]}


class PlaceNameInline(admin.TabularInline):
    model = PlaceName
    fields = ["name", "kind", "population"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class PostalCodeInline(admin.TabularInline):
    model = PostalCode
    fields = ["code"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """Reference data from load_places: read, not edited by hand."""

    list_display = ["name", "insee_code", "kind", "department_code", "population"]
    search_fields = ["search_name", "insee_code", "names__search_name", "postal_codes__code"]
    list_filter = ["kind", "department_code"]
    readonly_fields = ["parent"]
    inlines = [PlaceNameInline, PostalCodeInline]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        queryset, _duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


class CompanyProfessionInline(admin.TabularInline):
    model = CompanyProfession
    autocomplete_fields = ["profession"]
    extra = 1


class CompanyPhotoInline(admin.TabularInline):
    model = CompanyPhoto
    extra = 0


@admin.register(Company)
class CompanyAdmin(SirenSearchMixin, admin.ModelAdmin):
    """The status is read-only here: it moves only through vetting
    (approval, suspension, reinstatement at /equipe/), which records who,
    when and why (eligibility.models.COMPANY_TRANSITIONS)."""

    list_display = ["trade_name", "siren", "primary_profession", "city", "status", "created_at"]
    list_filter = ["status", "serves_consumers", "serves_businesses"]
    search_fields = ["siren", "trade_name", "legal_name"]
    list_select_related = ["primary_profession"]
    autocomplete_fields = ["primary_profession", "place"]
    prepopulated_fields = {"slug": ["trade_name"]}
    inlines = [CompanyProfessionInline, CompanyPhotoInline]
    show_full_result_count = False
    readonly_fields = ["status", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "siren":
            return SirenField(help_text="")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if notice := form.fields["siren"].notice():
            self.message_user(request, notice)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # The trade rows (inline) get the company's search keys.
        company_search_keys_sync(company_ids=[form.instance.pk])


@admin.register(Membership)
class MembershipAdmin(SirenSearchMixin, admin.ModelAdmin):
    siren_lookup = "company__siren"
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "company__trade_name", "company__siren"]
    raw_id_fields = ["user", "company"]
    list_select_related = ["user", "company"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "company", "role", "created_at", "accepted_at"]
    search_fields = ["email", "company__trade_name"]
    raw_id_fields = ["company", "invited_by", "accepted_by"]
    readonly_fields = ["nonce", "created_at", "accepted_at", "accepted_by"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["company", "kind", "label", "expires_on"]
    list_filter = ["kind"]
    search_fields = ["company__trade_name", "label"]
    raw_id_fields = ["company"]


class QuoteReplyInline(admin.TabularInline):
    model = QuoteReply
    extra = 0
    readonly_fields = ["author", "body", "created_at"]
    can_delete = False


class QuoteRequestEventInline(admin.TabularInline):
    """The request's status history (write-once, shown read-only)."""

    model = QuoteRequestEvent
    fields = ["created_at", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuoteRequest)
class QuoteRequestAdmin(admin.ModelAdmin):
    """Staff read quote requests to handle complaints; personal data, so
    read-only here."""

    list_display = ["pk", "company", "status", "city", "created_at"]
    list_filter = ["status", "timeframe", "budget"]
    search_fields = ["company__trade_name", "email"]
    list_select_related = ["company"]
    raw_id_fields = ["company", "requester", "profession"]
    inlines = [QuoteReplyInline, QuoteRequestEventInline]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
