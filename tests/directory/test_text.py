import pytest

from directory.text import normalize, normalize_place


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Électricien", "electricien"),
        ("  L'ÉLECTRICITÉ   Dupont-Gaël ", "l electricite dupont gael"),
        ("Cœur & Maçonnerie", "coeur maconnerie"),
        ("<script>alert(1)</script>", "script alert 1 script"),
        ("", ""),
    ],
)
def test_normalize_folds_accents_case_and_punctuation(raw, expected):
    assert normalize(raw) == expected


def test_place_normalisation_spells_out_saint():
    assert normalize_place("St-Étienne") == "saint etienne"
    assert normalize_place("Ste Foy-lès-Lyon") == "sainte foy les lyon"
    assert normalize_place("Saint-Étienne") == normalize_place("saint etienne")
