"""Names that differ only by a number are different prospects (branches,
"Agence 1" / "Agence 2", numbered lists), in the create form's proposal,
in the pipeline's duplicates of an import and inside one file; real near
duplicates (word order, accents, case, legal forms, a typo) still match."""

from __future__ import annotations

import pytest

from prospects import services
from prospects.selectors import Match, name_key, names_similar

from .test_import import HEADER, platform_url, report_of, sales, upload  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

DIFFERENT = [
    ("Redis import 1", "Redis import 2"),
    ("Agence 1", "Agence 2"),
    ("Agence Lyon 3", "Agence Lyon 4"),
    ("Dupont Plomberie", "Dupont Plomberie 2"),
    ("Boulangerie 12 rue Victor Hugo", "Boulangerie 14 rue Victor Hugo"),
    ("SARL Martin 2019", "SARL Martin 2020"),
]
SAME = [
    ("Dupont Plomberie", "Plomberie Dupont"),
    ("Électricité Générale", "electricite generale"),
    ("SARL Dupont & Fils", "Dupont"),
    ("Jean Dupont", "Jean Dupond"),
    ("Agence 1", "AGENCE 1"),
    ("Agence 01", "Agence 1"),
    ("Redis import 2", "Redis Import 2"),
]


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_names_differing_by_a_number_are_not_similar(first, second):
    assert not names_similar(name_key(first), name_key(second))
    assert not names_similar(name_key(second), name_key(first))


@pytest.mark.parametrize(("first", "second"), SAME)
def test_near_duplicates_are_still_similar(first, second):
    assert names_similar(name_key(first), name_key(second))


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_the_create_form_does_not_propose_another_branch(make, first, second):
    make(name=first, town="Lyon")
    assert make(force=False, name=second, town="Lyon").pk


@pytest.mark.parametrize(("first", "second"), SAME[:3])
def test_the_create_form_still_proposes_a_near_duplicate(make, first, second):
    existing = make(name=first, town="Lyon")
    with pytest.raises(services.PossibleDuplicates) as proposed:
        make(force=False, name=second, town="Lyon")
    assert [(c.prospect.pk, c.matches) for c in proposed.value.candidates] == [
        (existing.pk, (Match.NAME,))
    ]


def test_numbered_lines_of_one_town_are_not_duplicates_inside_the_file(sales):  # noqa: F811
    content = HEADER + (
        "Redis import 1;;;;Lyon;;;;;;\n"
        "Redis import 2;;;;Lyon;;;;;;\n"
        "Agence 1;;;;Lyon;;;;;;\n"
        "Agence 2;;;;Lyon;;;;;;\n"
        "Agence 2;;;;Lyon;;;;;;\n"
        "Plomberie Dupont;;;;Lyon;;;;;;\n"
        "Dupont Plomberie;;;;Lyon;;;;;;\n"
    )
    report = report_of(upload(sales, platform_url(), content))
    found = {line.line: (line.status, line.file_line) for line in report.lines}
    assert found == {
        2: ("new", None),
        3: ("new", None),
        4: ("new", None),
        5: ("new", None),
        6: ("file_duplicate", 5),  # the same branch twice: the second "Agence 2"
        7: ("new", None),
        8: ("file_duplicate", 7),
    }


def test_numbered_names_are_not_the_pipeline_s_duplicates_in_an_import(sales, make, cast):  # noqa: F811
    from prospects.models import Pipeline

    make(name="Agence 1", town="Lyon", pipeline=Pipeline.PLATFORM, actor=None)
    content = HEADER + "Agence 2;;;;Lyon;;;;;;\nAgence 1;;;;Lyon;;;;;;\n"
    report = report_of(upload(sales, platform_url(), content))
    statuses = {line.line: line.status for line in report.lines}
    assert statuses == {2: "new", 3: "duplicate"}
