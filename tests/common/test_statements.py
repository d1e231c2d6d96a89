"""common.statements: a queryset compiled once, run with another value."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from common.statements import MARKER, CompiledQuery
from directory.models import Company

pytestmark = pytest.mark.django_db


def test_a_compiled_query_runs_with_each_value_as_its_queryset_would(cast):
    compiled = CompiledQuery.of(Company.objects.filter(slug=MARKER).order_by())
    for company in Company.objects.all()[:3]:
        found = list(Company.objects.raw(compiled.sql, compiled.params_with(company.slug)))
        assert [c.pk for c in found] == [company.pk]
    assert list(Company.objects.raw(compiled.sql, compiled.params_with("nobody"))) == []
    assert MARKER in compiled.params  # the compiled parameters are never changed


@pytest.mark.parametrize(
    "rows",
    [
        lambda: Company.objects.all(),
        lambda: Company.objects.filter(Q(slug=MARKER) | Q(trade_name=MARKER)),
    ],
    ids=["none", "twice"],
)
def test_a_query_must_take_the_marker_exactly_once(rows):
    with pytest.raises(ImproperlyConfigured, match="MARKER once"):
        CompiledQuery.of(rows())
