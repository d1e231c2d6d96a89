"""What people type matches trades like the singular: plurals, elisions,
articles, hyphens (directory.search.trades.trade_text)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.text import normalize
from directory.models import Profession
from directory.search import trades as search_trades
from directory.search.query import SearchQuery
from directory.search.service import search_companies
from directory.search.trades import match_trades, trade_key, trade_text
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def top(text: str) -> tuple[str, float] | None:
    matches = match_trades(text)
    if not matches:
        return None
    return Profession.objects.get(pk=matches[0].profession_id).slug, matches[0].score


def slugs(text: str) -> set[str]:
    ids = [match.profession_id for match in match_trades(text)]
    return set(Profession.objects.filter(pk__in=ids).values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("typed", "singular"),
    [
        ("peintres", "peintre"),
        ("électriciens", "électricien"),
        ("l'électricien", "électricien"),
        ("L’Électricien", "électricien"),  # typographic apostrophe
        ("d'électricien", "électricien"),
        ("un électricien", "électricien"),
        ("des électriciens", "électricien"),
        ("maçons", "maçon"),
        ("les maçons", "maçon"),
        ("couvreurs", "couvreur"),
        ("nounous", "nounou"),
        ("des nounous", "nounou"),
        ("plombiers", "plombier"),
        ("chauffagistes", "chauffagiste"),
        ("chauffagiste's", "chauffagiste"),
        ("architectes d'intérieur", "architecte d'intérieur"),
        ("géomètres-experts", "géomètre-expert"),
        ("panneau solaire", "panneaux solaires"),  # the term is the plural
        ("travaux de peintures", "travaux de peinture"),
        ("carreleurs", "carreleur"),
        ("ostéopathes", "ostéopathe"),
        ("serruriers", "serrurier"),
    ],
)
def test_plurals_and_elisions_match_like_the_singular(taxonomy, typed, singular):
    assert match_trades(typed) == match_trades(singular)
    assert match_trades(typed), f"{singular} matches no trade"


def test_peintres_is_the_house_painter(taxonomy):
    assert top("peintres") == ("peintre-batiment", 0.92)  # "peintre…": typed early


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("électriciens", ("electricien", 1.0)),
        ("l'électricien", ("electricien", 1.0)),
        ("d'électricien", ("electricien", 1.0)),
        ("maçons", ("macon", 1.0)),
        ("couvreurs", ("couvreur", 1.0)),
        ("nounous", ("garde-enfants", 1.0)),
        ("chauffagiste's", ("installateur-chauffage", 1.0)),
        ("architectes d'intérieur", ("architecte-interieur", 1.0)),
    ],
)
def test_a_plural_or_elided_trade_is_an_exact_match(taxonomy, typed, expected):
    assert top(typed) == expected


def test_two_plural_trades_are_both_trades(taxonomy):
    assert slugs("plombiers chauffagistes") == {"plombier", "installateur-chauffage"}
    assert match_trades("plombiers chauffagistes") == match_trades("plombier chauffagiste")


def test_a_hyphenated_pair_is_a_trade_and_a_word(taxonomy):
    assert slugs("serruriers-dépanneurs") == {"serrurier"}


def test_inner_elisions_stay_part_of_a_term(taxonomy):
    assert top("fuites d'eau") == ("plombier", 1.0)


def test_plural_rules_leave_short_words_and_meet_in_the_middle():
    assert trade_key("des") == "des"
    assert trade_key("gaz") == "gaz"
    assert trade_key("chevaux") == trade_key("cheval") == "cheva"
    assert trade_key("bureaux") == trade_key("bureau") == "burea"
    assert trade_text("l electricien") == "electricien"
    assert trade_text("chauffagiste s") == "chauffagiste"
    assert trade_text("l") == "l"  # never emptied


@pytest.fixture
def painters(taxonomy, places):
    return [
        CompanyFactory(
            trade_name="Couleurs Martin", primary_profession=taxonomy["peintre-batiment"]
        ),
        CompanyFactory(trade_name="Lumière Rhône", primary_profession=taxonomy["electricien"]),
        CompanyFactory(
            trade_name="Eaux Vives",
            primary_profession=taxonomy["plombier"],
            other_professions=[taxonomy["installateur-chauffage"]],
        ),
        CompanyFactory(trade_name="Clés Minute", primary_profession=taxonomy["serrurier"]),
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("peintres", ["Couleurs Martin"]),
        ("électriciens", ["Lumière Rhône"]),
        ("l'électricien", ["Lumière Rhône"]),
        ("d'électricien", ["Lumière Rhône"]),
        ("plombiers chauffagistes", ["Eaux Vives"]),
        ("serruriers-dépanneurs", ["Clés Minute"]),
        ("Eaux Vives", ["Eaux Vives"]),  # names keep their own words
        ("eaux vives plombiers", ["Eaux Vives"]),
    ],
)
def test_plural_searches_find_the_singulars_companies(painters, typed, expected):
    result = search_companies(SearchQuery(text=typed, place="Lyon"))
    assert [company.trade_name for company in result.page.object_list] == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_trade_name_in_the_plural_designates_that_trade(taxonomy, data):
    profession = data.draw(st.sampled_from(sorted(Profession.objects.public(), key=str)))
    words = normalize(profession.name_fr).split()
    # Words of three letters or fewer are left alone ("dj", "de").
    plural = " ".join(
        word + ("x" if word.endswith("eau") else "s") if len(word) > 3 else word for word in words
    )
    assert profession.pk in [match.profession_id for match in match_trades(plural)]


_WORDS = st.text(alphabet="abcdeilnoprstu ", min_size=0, max_size=14)


@settings(max_examples=200, deadline=None)
@given(
    text=_WORDS,
    terms=st.lists(_WORDS, min_size=0, max_size=30),
    threshold=st.sampled_from([60.0, 75.0, 85.0, 92.0]),
)
def test_scoring_all_terms_at_once_finds_the_terms_scored_one_by_one(text, terms, threshold):
    """The matrix of scores (rapidfuzz cdist) keeps exactly the terms the
    one-by-one rules of ``_term_score`` would keep."""
    phrases = search_trades._phrases(" ".join(text.split()))
    pairs = [(term, index) for index, term in enumerate(terms)]
    expected = [
        index
        for index, (term, _id) in enumerate(pairs)
        if max(
            search_trades._term_score(phrase, term, whole=weight == 1.0) * weight
            for phrase, weight in phrases
        )
        >= threshold
    ]
    assert search_trades._candidate_terms(phrases, pairs, threshold) == expected
