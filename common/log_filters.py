"""Bearer tokens out of logs.

A signed link (``common.signed_links``: review, manage, opt-out, request
and quote confirmations, team invitations) is a bearer token: whoever
reads an access log line or a "Not Found: /avis/…" warning could use it.
:func:`mask_tokens` replaces each token in a text with ``[token]``:

- every Django signed value (``payload:timestamp:signature``, the form of
  all our links and of allauth's e-mail confirmation keys), in a path, a
  query string or a referrer, with ``:`` written plain or as ``%3A``;
- the key of allauth's password reset links (``…/reset/key/<uid>-<key>/``).

:class:`MaskTokensFilter` applies it to log records (``LOGGING``, on the
handlers and ``django.server``); ``gunicorn.conf.py`` to access logs.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from typing import Any

MASK = "[token]"
_COLON = r"(?::|%3[Aa])"
# base64url payload (a leading "." marks a compressed one), base62
# timestamp, base64url signature of at least 20 characters.
_SIGNED = re.compile(rf"\.?[A-Za-z0-9_-]+{_COLON}[A-Za-z0-9]+{_COLON}[A-Za-z0-9_-]{{20,}}")
_RESET_KEY = re.compile(r"(/reset/key/)[^/?#\s\"']+")


def mask_tokens(text: str) -> str:
    """``"GET /avis/eyJp…:1xXsKj:1zLL…/ HTTP/1.1"`` →
    ``"GET /avis/[token]/ HTTP/1.1"``; text without a token unchanged."""
    return _RESET_KEY.sub(rf"\g<1>{MASK}", _SIGNED.sub(MASK, text))


class MaskTokensFilter(logging.Filter):
    """Masks tokens in a record's message (formatted with its arguments,
    which are then dropped). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the formatter
            return True
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def with_token_masking(config: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a ``LOGGING`` dict whose every handler masks tokens, and
    whose ``django.server`` logger (runserver's request lines, which
    otherwise has a handler of its own) writes through those handlers."""
    masked: dict[str, Any] = copy.deepcopy(dict(config))
    masked.setdefault("filters", {})["mask_tokens"] = {"()": f"{__name__}.MaskTokensFilter"}
    for handler in masked.get("handlers", {}).values():
        handler.setdefault("filters", []).insert(0, "mask_tokens")
    masked.setdefault("loggers", {})["django.server"] = {
        "handlers": list(masked.get("handlers", {})),
        "level": "INFO",
        "propagate": False,
    }
    return masked
