"""The API's JSON parser: DRF's, whose refusals (``parse_error``) say
what is wrong in the request's language, as every other problem does.
DRF's own detail is English and Python's ("JSON parse error - Expecting
value: line 1 column 1 (char 0)"); here it is "Le corps de la requête
n'est pas du JSON valide : une valeur est attendue (ligne 1, colonne 1)."
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import get_encoding
from rest_framework.utils.json import strict_constant

# Python's messages (json.decoder), each as we say it.
_REASONS = {
    "Expecting value": gettext_lazy("a value is expected"),
    "Expecting property name enclosed in double quotes": gettext_lazy(
        "a property name in double quotes is expected"
    ),
    "Expecting ',' delimiter": gettext_lazy("a comma is expected"),
    "Expecting ':' delimiter": gettext_lazy("a colon is expected"),
    "Unterminated string starting at": gettext_lazy("a string is not closed"),
    "Invalid control character at": gettext_lazy("a string holds a control character"),
    "Invalid \\escape": gettext_lazy("a string holds an invalid escape"),
    "Invalid \\uXXXX escape": gettext_lazy("a string holds an invalid \\u escape"),
    "Extra data": gettext_lazy("something follows the JSON document"),
    "Illegal trailing comma before end of object": gettext_lazy("a comma ends an object"),
    "Illegal trailing comma before end of array": gettext_lazy("a comma ends a list"),
}


# A repeated key is named, cut to this length (a key may be any string).
KEY_SHOWN_MAX = 100


class DuplicateKey(ValueError):
    """An object of the body holds the same key twice. JSON leaves it to
    the reader (RFC 8259 § 4: names "SHOULD be unique"): Python keeps the
    last value, other readers the first, so ``{"number": "F-1", "number":
    "F-2"}`` would register an invoice the partner's own tools never
    showed. Refused, naming the key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: the object, or :class:`DuplicateKey`."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def parse_error_detail(cause: BaseException | None) -> str:
    """The detail of a body the parser refused, translated."""
    if isinstance(cause, DuplicateKey):
        return _(
            "The request body is not valid JSON for us: the key “%(key)s” appears twice in "
            "one object. Send each key once."
        ) % {"key": cause.key[:KEY_SHOWN_MAX]}
    if isinstance(cause, json.JSONDecodeError):
        reason = _REASONS.get(cause.msg)
        if reason is None:
            return _("The request body is not valid JSON (line %(line)d, column %(column)d).") % {
                "line": cause.lineno,
                "column": cause.colno,
            }
        return _(
            "The request body is not valid JSON: %(reason)s (line %(line)d, column %(column)d)."
        ) % {"reason": reason, "line": cause.lineno, "column": cause.colno}
    if isinstance(cause, UnicodeError):
        return _("The request body is not text in its declared charset (UTF-8 by default).")
    if isinstance(cause, LookupError):
        return _("The charset of the Content-Type header is not supported: send UTF-8.")
    if isinstance(cause, ValueError):
        # DRF's parse_constant: NaN, Infinity and -Infinity.
        return _("The request body is not valid JSON: NaN and Infinity are not JSON numbers.")
    return _("The request body is not valid JSON.")


class JSONParser(parsers.JSONParser):
    """DRF's parser (the request's charset, NaN and Infinity refused), with
    a key repeated in an object refused too (:class:`DuplicateKey`), and
    every refusal worded by :func:`parse_error_detail`."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            encoding = get_encoding(parser_context or {})
        except ParseError as error:
            # An unknown or non-text charset: DRF's English detail, its
            # cause (LookupError) worded here.
            cause = error.__cause__ or error.__context__
            raise ParseError(parse_error_detail(cause)) from cause
        try:
            decoded_stream = codecs.getreader(encoding)(stream)
            return json.load(
                decoded_stream, parse_constant=strict_constant, object_pairs_hook=unique_keys
            )
        except (ValueError, LookupError) as error:
            raise ParseError(parse_error_detail(error)) from error
