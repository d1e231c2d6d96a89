"""Admin helpers shared by the apps, and the outbox's admin: staff see
every e-mail with its status, attempts and errors, read-only, and re-send
the failed ones; the runs of periodic jobs, read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# Importing post_office's admin registers its own Email admin, replaced below.
from post_office.admin import EmailAdmin
from post_office.models import Email

from .company_numbers import siren_in
from .models import JobRun
from .tasks import outbox_resend

if TYPE_CHECKING:  # what the mixin is mixed into, for the type checker only
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin[Any]
    _JobRunAdminBase = ModelAdmin[JobRun]
else:
    _AdminBase = object
    _JobRunAdminBase = admin.ModelAdmin


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


class ReadOnlyMixin(_AdminBase):
    """No add, change or delete, for anyone: the page shows the record."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SirenSearchMixin(_AdminBase):
    """Admin search also finds a SIREN as staff type it: "732 829 320",
    "732.829.320" or a SIRET (its first nine digits)."""

    siren_lookup = "siren"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if siren := siren_in(search_term):
            found |= queryset.filter(**{self.siren_lookup: siren})
        return found, may_have_duplicates


@admin.action(description=_("Re-send the selected failed e-mails"), permissions=["resend"])
def resend_failed(
    modeladmin: OutboxEmailAdmin, request: HttpRequest, queryset: QuerySet[Email]
) -> None:
    count = outbox_resend(emails=queryset)
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d failed e-mail given back to the workers.",
            "%(count)d failed e-mails given back to the workers.",
            count,
        )
        % {"count": count},
        messages.SUCCESS if count else messages.WARNING,
    )


class OutboxEmailAdmin(EmailAdmin):  # type: ignore[misc]  # post_office is untyped
    """Post Office's admin, read-only: what was queued is what is sent. The
    one write is "re-send" of failed rows, which puts them back in the
    queue (never a send from the web request)."""

    list_display = [
        "id",
        "to_display",
        "shortened_subject",
        "status",
        "number_of_retries",
        "scheduled_time",
        "created",
        "last_updated",
    ]
    list_filter = ["status"]
    date_hierarchy = "created"
    actions = [resend_failed]

    def has_change_permission(self, request: HttpRequest, obj: Email | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Email | None = None) -> bool:
        """Staff with ``view_email`` see the list; one message (its body,
        which may hold a sign-in link) only a superuser opens."""
        if obj is not None and not request.user.is_superuser:
            return False
        return bool(super().has_view_permission(request, obj))

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("post_office.change_email")

    def resend(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Post Office's "resend" button, made a re-send through the queue."""
        if not self.has_resend_permission(request):
            return HttpResponseRedirect(reverse("admin:post_office_email_change", args=[pk]))
        outbox_resend(emails=Email.objects.filter(pk=pk))
        return HttpResponseRedirect(reverse("admin:post_office_email_change", args=[pk]))


admin.site.unregister(Email)
admin.site.register(Email, OutboxEmailAdmin)


@admin.register(JobRun)
class JobRunAdmin(_JobRunAdminBase):
    """The runs of periodic jobs (:mod:`common.jobs`), read-only: staff see
    which ran, which failed and why (a failed run
    is not retried; the job's next slot runs)."""

    list_display = [
        "name",
        "slot",
        "status",
        "attempts",
        "started_at",
        "finished_at",
        "rows_read",
        "rows_changed",
        "result",
    ]
    list_filter = ["status", "name"]
    search_fields = ["name", "slot"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False
