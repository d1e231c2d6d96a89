"""``{% pipeline_url scope "detail" prospect.pk %}``: a screen's URL in
the pipeline a page works on (``prospects.scope.Scope``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from ..models import LINK_OPENED_OUTCOME, LINK_SENT_OUTCOME, STAGE_TRANSITIONS
from ..scope import Scope

register = template.Library()


@register.simple_tag
def pipeline_url(scope: Scope, name: str, *args: Any) -> str:
    return scope.url(name, *args)


@register.filter
def stage_label(value: str) -> str:
    """The label of a stage's value ("warm" → "Tiède")."""
    return STAGE_TRANSITIONS.label(value)


@register.filter
def interaction_outcome(value: str) -> str:
    """An interaction's outcome as shown: the ones the system writes in
    plain English (``models.LINK_SENT_OUTCOME``…) in the reader's
    language, any other as typed."""
    system = {
        LINK_SENT_OUTCOME: _("application link sent by e-mail"),
        LINK_OPENED_OUTCOME: _("opened the application link"),
    }
    return system.get(value, value)
