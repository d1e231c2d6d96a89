"""Rewriting a column under a unique constraint, for data migrations that
bring old rows to today's written form (``reviews`` 0022, ``loyalty``
0010): two rows the new form makes equal cannot both take it."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.db import IntegrityError, transaction

# A clash renamed past " (1000)" is no clash but another refusal: raise it.
SUFFIX_ATTEMPTS_MAX = 1000


def suffixed(value: str, number: int, max_length: int) -> str:
    """``value`` with " (2)", " (3)"… after it, cut to fit ``max_length``."""
    suffix = f" ({number})"
    return value[: max_length - len(suffix)] + suffix


def rewrite_values(
    model: type[Any], field: str, changes: list[tuple[int, str]], *, max_length: int
) -> int:
    """Give each row ``(pk, value)`` of ``changes`` its new ``value``: one
    UPDATE when the model's unique constraints accept them all (the usual
    case); else row by row in the order given, a value already taken (by
    a row outside ``changes``, or by one given earlier) becoming "value
    (2)", "value (3)"…, the first free. The database's constraint decides
    what is taken, with its own comparison (``Lower`` included). Returns
    how many rows were renamed so. Runs inside the caller's transaction
    (savepoints only)."""
    if not changes:
        return 0
    try:
        with transaction.atomic():
            model.objects.bulk_update([model(pk=pk, **{field: v}) for pk, v in changes], [field])
        return 0
    except IntegrityError:
        pass
    renamed = 0
    for pk, value in changes:
        for attempt in count(1):
            written = value if attempt == 1 else suffixed(value, attempt, max_length)
            try:
                with transaction.atomic():
                    model.objects.filter(pk=pk).update(**{field: written})
            except IntegrityError:
                if attempt >= SUFFIX_ATTEMPTS_MAX:
                    raise
                continue
            renamed += attempt > 1
            break
    return renamed
