"""A queryset compiled to SQL once and run again with another value in one
place: for a hot read whose shape never changes (the partner API's key
look-up, its company profile), where compiling the queryset on every
request cost more CPU than reading the row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

# Stands for the value of each run in the compiled parameters: no value a
# caller looks up (a slug, a key prefix) holds a NUL.
MARKER = "\x00value\x00"


@dataclass(frozen=True)
class CompiledQuery:
    """The SQL and parameters of a queryset filtered on :data:`MARKER`,
    and the marker's position among the parameters."""

    sql: str
    params: tuple[Any, ...]
    value_at: int

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> CompiledQuery:
        """Compile ``queryset``, which must take :data:`MARKER` as exactly
        one of its parameters (raises ``ImproperlyConfigured`` otherwise)."""
        sql, compiled = queryset.query.sql_with_params()
        params = list(compiled)
        if params.count(MARKER) != 1:
            raise ImproperlyConfigured(
                f"{queryset.model.__name__}: the query must take MARKER once."
            )
        return cls(sql, tuple(params), params.index(MARKER))

    def params_with(self, value: Any) -> list[Any]:
        """The parameters of a run, ``value`` in the marker's place."""
        params = list(self.params)
        params[self.value_at] = value
        return params
