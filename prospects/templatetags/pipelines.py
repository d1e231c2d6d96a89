"""``{% pipeline_url scope "detail" prospect.pk %}``: a screen's URL in
the pipeline a page works on (``prospects.scope.Scope``)."""

from __future__ import annotations

from typing import Any

from django import template

from ..models import STAGE_TRANSITIONS
from ..scope import Scope

register = template.Library()


@register.simple_tag
def pipeline_url(scope: Scope, name: str, *args: Any) -> str:
    return scope.url(name, *args)


@register.filter
def stage_label(value: str) -> str:
    """The label of a stage's value ("warm" → "Tiède")."""
    return STAGE_TRANSITIONS.label(value)
