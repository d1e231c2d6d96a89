from django.db.models import F, Value

from directory.search import ranking


def test_neutral_trust_without_ratings_or_loyalty():
    assert ranking.trust() == ranking.NEUTRAL


def test_few_glowing_reviews_do_not_outrank_many_good_ones():
    two_perfect = ranking.rating_component(average_rating=5.0, review_count=2)
    fifty_good = ranking.rating_component(average_rating=4.6, review_count=50)
    assert fifty_good > two_perfect > ranking.NEUTRAL


def test_closer_ranks_higher_at_equal_match_and_trust():
    near = ranking.relevance(text=1.0, proximity=ranking.proximity(2.0, 50.0))
    far = ranking.relevance(text=1.0, proximity=ranking.proximity(40.0, 50.0))
    assert near > far


def test_text_match_outweighs_distance():
    exact_far = ranking.relevance(text=1.0, proximity=0.0)
    secondary_near = ranking.relevance(text=ranking.SECONDARY_TRADE_FACTOR * 0.5, proximity=1.0)
    assert exact_far > secondary_near


def test_same_formula_builds_a_database_expression():
    expression = ranking.relevance(text=Value(1.0), proximity=ranking.proximity(F("d"), 10.0))
    assert hasattr(expression, "resolve_expression")
