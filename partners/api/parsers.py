"""The API's JSON parser: DRF's, whose refusals (``parse_error``) say
what is wrong in the request's language, as every other problem does.
DRF's own detail is English and Python's ("JSON parse error - Expecting
value: line 1 column 1 (char 0)"); here it is "Le corps de la requête
n'est pas du JSON valide : une valeur est attendue (ligne 1, colonne 1)."
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import parsers
from rest_framework.exceptions import ParseError

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


def parse_error_detail(cause: BaseException | None) -> str:
    """The detail of a body the parser refused, translated."""
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
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            # DRF raises inside ``except ValueError`` (or LookupError for
            # a charset): the cause is the error's context.
            cause = error.__cause__ or error.__context__
            raise ParseError(parse_error_detail(cause)) from cause
