"""The terms of use and the privacy policy: one text per language (French
first, English available), the privacy policy stating the retention
periods the platform really applies, read from the settings that drive
the purges and the links."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe


def _language() -> str:
    return "en" if (get_language() or "fr").startswith("en") else "fr"


def retention_periods() -> dict[str, int]:
    """The periods the privacy policy states, from the settings that
    enforce them: hours or days, as named."""
    return {
        "outbox_days": settings.OUTBOX_RETENTION_DAYS,
        "invoice_import_hours": int(settings.INVOICE_IMPORT_RETENTION.total_seconds() // 3600),
        "unconfirmed_quote_hours": settings.QUOTE_CONFIRMATION_MAX_AGE_HOURS,
        "review_invitation_days": settings.REVIEW_INVITATION_DAYS,
        "review_manage_link_days": settings.REVIEW_MANAGE_LINK_DAYS,
        "removed_review_days": settings.REVIEW_RETENTION_DAYS,
        "unreviewed_invoice_days": (
            settings.REVIEW_INVITATION_DAYS + settings.REVIEW_CLIENT_DATA_MARGIN_DAYS
        ),
        "team_invitation_days": settings.DIRECTORY_INVITATION_MAX_AGE_DAYS,
    }


def _context() -> dict[str, object]:
    return {
        "contact_email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        "periods": retention_periods(),
    }


@require_safe
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, f"directory/legal/terms_{_language()}.html", _context())


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, f"directory/legal/privacy_{_language()}.html", _context())
