"""Pagination of the API: a bounded window (``limit``/``offset``) read
one row past its end to say ``has_more`` without counting, and cursors
for feeds, whose every page costs what the first costs."""

from __future__ import annotations

from base64 import b64decode
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class WindowSerializer(serializers.Serializer):
    """``limit`` (1 to API_MAX_LIMIT) and ``offset`` (0 to API_MAX_OFFSET)."""

    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.API_MAX_LIMIT, default=20
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=settings.API_MAX_OFFSET, default=0
    )


# The keys of a cursor DRF encodes: offset, reverse, position.
CURSOR_TOKENS = frozenset({"o", "r", "p"})


class FeedCursorPagination(CursorPagination):
    """Cursor pagination on an immutable order the view names (``ordering``).
    ``page_size`` may be asked for, up to API_MAX_LIMIT. A cursor that
    does not decode is a 400, not DRF's 404."""

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = settings.API_MAX_LIMIT
    invalid_cursor_message = _("Invalid cursor.")

    def decode_cursor(self, request: Request) -> Any:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [str(error.detail)]}
            ) from error
        if cursor is not None and not self._issued_shape(request):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [str(self.invalid_cursor_message)]}
            )
        return cursor

    def _issued_shape(self, request: Request) -> bool:
        """Whether the cursor has the shape of one we issue: base64 of a
        query string holding some of ``o``, ``r`` and ``p``, nothing else.
        DRF reads anything else that decodes — ``cursor=AAAA``, an empty
        ``cursor=``, a truncated copy — as "no position", that is the
        first page, so a partner's sync with a damaged cursor would start
        the whole feed again without a word."""
        encoded = request.query_params.get(self.cursor_query_param, "")
        try:
            text = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
        except (ValueError, UnicodeError):
            return False
        tokens = parse_qs(text, keep_blank_values=True)
        return bool(tokens) and set(tokens) <= CURSOR_TOKENS

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        self._position_check(queryset, request)
        return super().paginate_queryset(queryset, request, view)

    def _position_check(self, queryset: QuerySet[Any], request: Request) -> None:
        """A cursor signed by nobody decodes to any position: the position
        must be a value of the first ordering field (a date, for the
        review feeds) that the database can take, else the cursor is
        invalid (400) — never an error in the query (500)."""
        cursor = self.decode_cursor(request)
        if cursor is None or cursor.position is None:
            return
        ordering = self.get_ordering(request, queryset, None)
        field = queryset.model._meta.get_field(ordering[0].lstrip("-"))
        try:
            value = field.get_prep_value(field.to_python(cursor.position))
            field.get_db_prep_value(value, connection, prepared=True)
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as error:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [str(self.invalid_cursor_message)]}
            ) from error

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size
