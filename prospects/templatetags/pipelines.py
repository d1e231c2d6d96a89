"""``{% pipeline_url scope "detail" prospect.pk %}``: a screen's URL in
the pipeline a page works on (``prospects.scope.Scope``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    STAGE_TRANSITIONS,
    Interaction,
    Origin,
    ProspectEvent,
)
from ..scope import Scope

register = template.Library()


@register.simple_tag
def pipeline_url(scope: Scope, name: str, *args: Any) -> str:
    return scope.url(name, *args)


@register.filter
def stage_label(value: str) -> str:
    """The label of a stage's value ("warm" → "Tiède")."""
    return STAGE_TRANSITIONS.label(value)


def _application_status(status: str) -> str:
    statuses = {
        "submitted": _("application submitted"),
        "approved": _("application approved"),
        "rejected": _("application refused"),
    }
    return statuses.get(status, _("application"))


# Origins whose reference is another record's number: without it (erased
# with the prospect's personal data), the kind of record alone.
_WITHOUT_REFERENCE: dict[str, Promise] = {
    Origin.QUOTE_REQUEST: gettext_lazy("quote request"),
    Origin.APPLICATION_LINK: gettext_lazy("application started from the application link"),
    Origin.INVOICE: gettext_lazy("invoice"),
    Origin.IMPORT: gettext_lazy("file import"),
}


@register.filter
def origin_text(row: ProspectEvent | Interaction) -> str:
    """What an automatic timeline entry came from, in the reader's
    language, from its stored origin and reference ("demande de devis
    n° 12", "candidature envoyée", "facture F-1"; without its number once
    the prospect's personal data is erased); "" if none."""
    ref = row.origin_ref
    if not ref and row.origin in _WITHOUT_REFERENCE:
        return str(_WITHOUT_REFERENCE[row.origin])
    if row.origin == Origin.QUOTE_REQUEST:
        return _("quote request n° %(number)s") % {"number": ref}
    if row.origin == Origin.APPLICATION:
        return _application_status(ref)
    if row.origin == Origin.APPLICATION_LINK:
        return _("application n° %(number)s started from the application link") % {"number": ref}
    if row.origin == Origin.INVOICE:
        return _("invoice %(number)s") % {"number": ref}
    if row.origin == Origin.LINK_SENT:
        return _("application link sent by e-mail")
    if row.origin == Origin.LINK_OPENED:
        return _("opened the application link")
    if row.origin == Origin.IMPORT:
        return _("file import n° %(number)s") % {"number": ref}
    return ""
