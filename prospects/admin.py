"""The pipeline in the admin: read-only, for everyone. Prospects,
interactions, histories and referrers change only through
``prospects.services`` (the transitions table, the write-once history, the
duplicate check). A prospect's contact details are personal: masked but
for superusers, in the list and the page. Staff who are not superusers
(the ``sales`` group) see the platform's pipeline only, never a
company's leads."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyMixin, mask_email, mask_phone

from .models import Interaction, Pipeline, Prospect, ProspectEvent, Referrer
from .scoring import reasons_text

CONTACT_FIELDS = ("email", "email_key", "phone")

# "type: ignore[type-arg]": Django's admin classes take no type arguments at
# run time (as in eligibility.admin).


class InteractionInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = Interaction
    extra = 0
    can_delete = False
    fields = ["happened_at", "kind", "author", "next_follow_up", "origin", "origin_ref"]
    readonly_fields = ["origin", "origin_ref"]


_EVENT_FIELDS: tuple[str, ...] = (
    "created_at",
    "kind",
    "actor",
    "from_status",
    "to_status",
    "lost_reason",
    "reason",
    "origin",
    "origin_ref",
)


class ProspectEventInline(ReadOnlyMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = ProspectEvent
    extra = 0
    can_delete = False
    fields = _EVENT_FIELDS
    readonly_fields = _EVENT_FIELDS


def _platform_only(request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
    if getattr(request.user, "is_superuser", False):
        return queryset
    return queryset.filter(pipeline=Pipeline.PLATFORM)


@admin.register(Prospect)
class ProspectAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "pipeline",
        "company",
        "stage",
        "score",
        "score_reasons_shown",
        "owner",
        "next_follow_up",
        "email_masked",
        "phone_masked",
    ]
    list_filter = ["pipeline", "stage", "source", "lost_reason", "score_model"]
    search_fields = ["name", "organisation", "siren", "company__trade_name"]
    raw_id_fields = ["company", "owner", "referrer", "profession"]
    # The nightly score (prospects.scoring): not editable, shown worded.
    readonly_fields = ["score", "score_model", "scored_at", "score_reasons_shown"]
    inlines = [ProspectEventInline, InteractionInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Prospect]:
        return _platform_only(request, super().get_queryset(request)).select_related(
            "company", "owner"
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = list(super().get_list_display(request))
        if getattr(request.user, "is_superuser", False):
            plain = {"email_masked": "email", "phone_masked": "phone"}
            shown = [plain.get(name, name) if isinstance(name, str) else name for name in shown]
        return shown

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        excluded = list(super().get_exclude(request, obj) or [])
        if not getattr(request.user, "is_superuser", False):
            excluded += CONTACT_FIELDS
        return excluded

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not getattr(request.user, "is_superuser", False):
            fields += ["email_masked", "phone_masked"]
        return fields

    @admin.display(description=_("e-mail"))
    def email_masked(self, obj: Prospect) -> str:
        return mask_email(obj.email)

    @admin.display(description=_("score reasons"))
    def score_reasons_shown(self, obj: Prospect) -> SafeString:
        return format_html_join(
            "", "<div>{}</div>", ((text,) for text in reasons_text(obj.score_reasons or []))
        )

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Prospect) -> str:
        return mask_phone(obj.phone)


@admin.register(Referrer)
class ReferrerAdmin(ReadOnlyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "pipeline", "company", "code", "email_masked", "created_at"]
    list_filter = ["pipeline"]
    search_fields = ["name", "code", "company__trade_name"]
    raw_id_fields = ["company", "user", "prospect"]
    exclude = ["email", "email_key", "phone"]
    readonly_fields = ["email_masked", "phone_masked"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Referrer]:
        return _platform_only(request, super().get_queryset(request)).select_related("company")

    @admin.display(description=_("e-mail"))
    def email_masked(self, obj: Referrer) -> str:
        return mask_email(obj.email)

    @admin.display(description=_("phone"))
    def phone_masked(self, obj: Referrer) -> str:
        return mask_phone(obj.phone)
