"""Referral codes as they arrive in a link (``?parrain=<code>``) or are
typed: cleaned the same way everywhere, before anyone looks them up. The
apps that receive a code (quote requests, applications) keep only its
cleaned form; the pipeline (``prospects``) knows whose it is."""

from __future__ import annotations

import re

# The longest code stored (``prospects.models.Referrer.code``).
REFERRAL_CODE_MAX_LENGTH = 16
# The query parameter of a referral link.
REFERRAL_PARAMETER = "parrain"
_CODE = re.compile(r"[0-9A-Z]{4,16}")


def clean_referral_code(raw: object) -> str:
    """The code in canonical form (upper case, no spaces or dashes), or ""
    for anything that cannot be one (too long, other characters, not a
    string). Never raises: an unusable code is ignored, silently."""
    if not isinstance(raw, str) or len(raw) > 64:
        return ""
    code = re.sub(r"[\s-]", "", raw).upper()
    return code if _CODE.fullmatch(code) else ""
