"""The example of a connection code that people read (the pro space's
help text, the partner guide) comes from the generator: it has the real
codes' length, alphabet and grouping, and it is accepted as a code's shape
by the redeem service (unknown, not malformed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from directory.connections.forms import ConnectionCodeForm
from partners.models import CONNECTION_CODE_ALPHABET, CONNECTION_CODE_LENGTH
from partners.services import (
    connection_code_create,
    connection_code_example,
    connection_code_redeem,
    connection_code_well_formed,
)

ROOT = Path(__file__).resolve().parents[2]
HALF = CONNECTION_CODE_LENGTH // 2
SHAPE = re.compile(
    rf"^[{CONNECTION_CODE_ALPHABET}]{{{HALF}}}-[{CONNECTION_CODE_ALPHABET}]{{{HALF}}}$"
)


def test_the_example_has_the_shape_of_a_real_code(db, partner):
    example = connection_code_example()
    real = connection_code_create(partner=partner, created_by=None).grouped
    assert SHAPE.match(real)
    assert SHAPE.match(example)
    assert connection_code_well_formed(example)
    assert example == connection_code_example()  # stable: docs and tests can quote it


def test_the_example_is_an_unknown_code_not_a_malformed_one(db, cast):
    with pytest.raises(ValidationError) as caught:
        connection_code_redeem(code=connection_code_example(), company=cast.company_a, actor=None)
    assert caught.value.messages == ["Ce code est inconnu. Vérifiez-le auprès du partenaire."]


@pytest.mark.parametrize("old", ["ABCDE-12345"])
def test_the_pro_space_help_text_quotes_the_example(old):
    help_text = str(ConnectionCodeForm().fields["code"].help_text)
    assert connection_code_example() in help_text
    assert old not in help_text


def test_every_code_quoted_in_the_guides_and_the_readme_has_the_real_shape():
    quoted = re.compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")
    for name in ("docs/api.md", "docs/api.en.md", "README.md"):
        for code in quoted.findall((ROOT / name).read_text(encoding="utf-8")):
            assert SHAPE.match(code), f"{name}: {code}"
            assert code == connection_code_example(), f"{name}: quote the generator's example"
