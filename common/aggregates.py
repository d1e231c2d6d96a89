"""Aggregates Django has for one database only, written for both the
production database (PostgreSQL) and the embedded default (SQLite)."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, JSONField


class JSONArrayAgg(Aggregate):
    """The rows' values as one JSON array (``JSONB_AGG`` on PostgreSQL,
    ``JSON_GROUP_ARRAY`` on SQLite), read back as a Python list; order
    unspecified. With ``JSONObject(...)`` as its expression, a subquery
    returns a company's trades or certifications as a list of dicts in the
    company's own row, instead of a query of their own (a prefetch)."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)
