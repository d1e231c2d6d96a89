"""Company names in a search: the words that are not a trade or a place
are looked up in company names, by whole words (a full-text index on
PostgreSQL, trigram similarity for typos; padded substrings on SQLite).
Names are matched on their own words, normalised but not keyed: "Eaux
Vives" is not "Eau Vive"."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery as TextQuery
from django.contrib.postgres.search import SearchVectorField, TrigramWordSimilarity
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Func,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat

from directory.companies.models import Company

# Word similarity (pg_trgm) from which a company name matches; the
# extension's default of 0.6 misses one-letter typos in short names. Set on
# every PostgreSQL connection (:func:`name_similarity_threshold_set`).
NAME_SIMILARITY_THRESHOLD = 0.5


def name_similarity_threshold_set(
    sender: object, connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    """``connection_created`` receiver: pg_trgm's word-similarity
    threshold (``NAME_SIMILARITY_THRESHOLD``) for the session, so that a
    search sets nothing per request (it took a transaction and two more
    round trips to set it locally). A session setting of the extension's,
    accepted before the extension is loaded; it concerns only the
    ``%>``/``<%`` operators of the name look-ups."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {NAME_SIMILARITY_THRESHOLD:f}")


# Words that do not narrow a search by company name: articles, legal
# forms, and what people add to a trade ("un électricien pas cher").
NAME_STOP_WORDS = frozenset(
    """
    a au aux d de des du en et l la le les sur un une pour par avec chez moi ma mon mes
    fils cie sa sarl sas sasu eurl ei sci
    pas cher chere pres proche autour urgent urgence rapide bon bonne meilleur meilleure
    devis gratuit qualite
    c j m n qu s t
    """.split()
)


MAX_NAME_WORDS = 4


def name_words(words: Sequence[str]) -> list[str]:
    """The words of a name worth looking up, most selective (longest) first."""
    significant = [w for w in dict.fromkeys(words) if w not in NAME_STOP_WORDS]
    return sorted(significant, key=len, reverse=True)[:MAX_NAME_WORDS]


class NameVector(Func):
    """The words of a company's normalised name, as PostgreSQL's full-text
    index on ``directory_company`` holds them (migration 0003): the SQL
    must stay identical for the index to be used."""

    template = "to_tsvector('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def exactly_named(words: Sequence[str]) -> QuerySet[Company]:
    """Listed companies whose name holds every one of ``words`` (normalised)
    as whole words: PostgreSQL looks them up in a full-text index (about a
    millisecond at a million companies for a rare word; a bitmap of every
    holder for a frequent one, ~5 ms for 14,000 names); SQLite tests them
    by substring on the padded name."""
    companies = Company.objects.listed()
    if connection.vendor == "postgresql":
        return companies.annotate(name_vector=NameVector("search_name")).filter(
            name_vector=TextQuery(" & ".join(words), config="simple", search_type="raw")
        )
    companies = companies.annotate(padded_name=Concat(Value(" "), "search_name", Value(" ")))
    for word in words:
        companies = companies.filter(padded_name__contains=f" {word} ")
    return companies


def typos_supported() -> bool:
    """Whether names are also looked up despite typos (pg_trgm): on
    PostgreSQL only."""
    return connection.vendor == "postgresql"


def nearly_named(words: Sequence[str]) -> QuerySet[Company]:
    """Listed companies whose name holds words *like* every one of
    ``words`` (pg_trgm word similarity from ``NAME_SIMILARITY_THRESHOLD``,
    through the trigram index): what a search by name reads only when no
    listed company holds the words exactly. PostgreSQL only
    (:func:`typos_supported`)."""
    companies = Company.objects.listed()
    for word in words:
        companies = companies.filter(search_name__trigram_word_similar=word)
    return companies


def typo_name_score(normalized: str):
    """The text score of a name found despite a typo: how close it is
    (pg_trgm word similarity). Every exact match scores 1 alike."""
    return TrigramWordSimilarity(Value(normalized), "search_name")
