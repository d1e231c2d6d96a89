"""Signed links of quote request confirmations (see :mod:`common.signed_links`)."""

from __future__ import annotations

from common.signed_links import make_token
from directory.quotes.models import QuoteRequest

QUOTE_SALT = "directory.quote-request"


def quote_confirmation_token(quote: QuoteRequest) -> str:
    return make_token(QUOTE_SALT, quote.pk, quote.nonce)
