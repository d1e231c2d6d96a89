"""The temperature score where prospects are shown (issue 15): the admin
today, the board and the prospect page later. ``{% load prospect_score %}``
then ``{{ prospect|score_reasons }}`` (a list of worded reasons, in the
reader's language) or ``{% prospect_score prospect %}`` (the score and its
reasons, as a small block)."""

from __future__ import annotations

from django import template

from prospects.models import Prospect
from prospects.scoring import reasons_text

register = template.Library()


@register.filter
def score_reasons(prospect: Prospect) -> list[str]:
    """The stored reasons of ``prospect``'s score, worded (↑/↓ first)."""
    return reasons_text(prospect.score_reasons or [])


@register.inclusion_tag("prospects/score.html")
def prospect_score(prospect: Prospect) -> dict[str, object]:
    return {"prospect": prospect, "reasons": score_reasons(prospect)}
