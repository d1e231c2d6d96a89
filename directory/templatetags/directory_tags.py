from __future__ import annotations

import json

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# The same escapes as Django's json_script: the JSON cannot close the
# <script> element it sits in.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data: dict) -> SafeString:
    """A schema.org block: ``{% json_ld company_schema %}``."""
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308
