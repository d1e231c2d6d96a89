"""What issue 16 caches to cut a page's Python work must never show a
visitor something stale or someone else's: the navigation fragments (per
language, anonymous only), the untouched filter column, this process's
copy of the trades and trade terms (per taxonomy version), the trade box
written out, and the taxonomy version read once per request."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.utils import translation

from directory.search.forms import SearchForm
from directory.taxonomy.selectors import TAXONOMY_VERSION_CACHE_KEY

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/?q=electricien&ou=Lyon"


def nav(html: str) -> str:
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S)[0]


def filters(html: str) -> str:
    return re.search(r'<details class="card filters".*?</details>', html, re.S)[0]


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card result">(.*?)</li>', html, re.S)


def test_the_navigation_follows_who_is_logged_in_and_the_language(client, cast, lyon):
    anonymous = nav(client.get("/").content.decode())
    assert "Se connecter" in anonymous
    assert "S'inscrire" in anonymous
    assert "Vérification" not in anonymous

    client.force_login(cast.staff)  # vetting staff
    staff = nav(client.get("/").content.decode())
    assert "Vérification" in staff
    assert "Se déconnecter" in staff
    assert "Se connecter" not in staff

    client.force_login(cast.consumer)
    consumer = nav(client.get("/").content.decode())
    assert "Vérification" not in consumer
    assert "Mon compte" in consumer

    client.logout()
    english = nav(client.get("/en/").content.decode())
    assert 'href="/en/metiers/"' in english
    assert "Log in" in english
    assert "Se connecter" not in english
    assert "Vérification" not in nav(client.get("/").content.decode())


def test_the_csrf_token_and_the_next_path_stay_per_request(client, lyon, django_user_model):
    first = client.get("/").content.decode()
    other = type(client)()
    second = other.get(SEARCH).content.decode()

    def token(html):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]

    assert token(first) != token(second)
    assert '<input name="next" type="hidden" value="/">' in first
    assert '<input name="next" type="hidden" value="/recherche/?q=electricien&amp;ou=Lyon">' in (
        second
    )


def test_a_company_change_shows_on_the_next_search(
    client, lyon, taxonomy, django_capture_on_commit_callbacks
):
    assert "Lumière Lyon" in client.get(SEARCH).content.decode()
    lyon.trade_name = "Lumière & Fils"
    lyon.rating_average, lyon.review_count = 3.5, 12
    lyon.save()
    card = cards(client.get(SEARCH).content.decode())[0]
    assert "Lumière &amp; Fils" in card
    assert "3,5" in card
    assert "12 avis vérifiés" in card

    # Its primary trade changes: the card names the new one.
    lyon.primary_profession = taxonomy["plombier"]
    lyon.save()
    card = cards(client.get("/recherche/?ou=Lyon").content.decode())[0]
    assert "Plombier · Lyon (69)" in " ".join(re.sub(r"<[^>]+>", " ", card).split())

    # The trade is renamed (its version drawn again on commit): the
    # card and the matched trades read the new name at once.
    with django_capture_on_commit_callbacks(execute=True):
        plumber = taxonomy["plombier"]
        plumber.name_fr = "Plombier sanitaire"
        plumber.save()
    html = client.get("/recherche/?ou=Lyon").content.decode()
    assert "Plombier sanitaire · Lyon (69)" in " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_new_synonym_is_searchable_at_once(
    client, lyon, taxonomy, django_capture_on_commit_callbacks
):
    assert "Lumière Lyon" not in client.get("/recherche/?q=lumineux&ou=Lyon").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        electrician = taxonomy["electricien"]
        electrician.synonyms = [*electrician.synonyms, "lumineux"]
        electrician.save()
    assert "Lumière Lyon" in client.get("/recherche/?q=lumineux&ou=Lyon").content.decode()


def test_the_untouched_filters_are_those_of_the_language_and_taxonomy(
    client, lyon, taxonomy, django_capture_on_commit_callbacks
):
    french = filters(client.get(SEARCH).content.decode())
    assert '<option value="plombier">Plombier</option>' in french
    assert 'value="plombier" selected' not in french
    assert '<option value="relevance">Pertinence</option>' in french
    english = filters(client.get("/en" + SEARCH).content.decode())
    assert '<option value="relevance">Relevance</option>' in english
    # The query string's text and place are the page's, not the cached ones.
    other = client.get("/recherche/?q=plombier&ou=Lyon").content.decode()
    assert '<input type="hidden" name="q" value="plombier">' in filters(other)

    with django_capture_on_commit_callbacks(execute=True):
        plumber = taxonomy["plombier"]
        plumber.name_fr = "Plombier sanitaire"
        plumber.save()
    assert '<option value="plombier">Plombier sanitaire</option>' in filters(
        client.get(SEARCH).content.decode()
    )


@pytest.mark.parametrize(
    "query",
    ["tri=rating", "rayon=", "avis=on", "metier=plombier", "clientele=b2b", "secteur=habitat"],
)
def test_a_filter_in_the_query_string_is_shown_as_chosen(client, lyon, query):
    """Any filter key, even empty, leaves the cached untouched column: an
    empty value selects the empty option, which an absent one does not."""
    html = filters(client.get(f"{SEARCH}&{query}").content.decode())
    name, _, value = query.partition("=")
    if name == "avis":
        assert 'name="avis" id="id_avis" checked' in html
    else:
        assert re.search(rf'<option value="{value}"[^>]* selected>', html), html


@pytest.mark.parametrize(
    "form",
    [
        SearchForm(),
        SearchForm(initial={"q": "Électricien"}),
        SearchForm({"q": "plombier", "ou": "Lyon"}),
        SearchForm({"q": "", "ou": "Lyon"}),
        SearchForm({"ou": "Lyon"}),
        SearchForm({"q": '"><script>alert(1)</script> & co'}),
        SearchForm({"q": "x" * 250}),  # too long: invalid
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_trade_box_is_the_fields_own_widget(rf, form, language):
    from django.template.loader import render_to_string

    form.is_valid()
    with translation.override(language):
        html = render_to_string("includes/search_form.html", {"form": form}, rf.get("/"))
        widget = str(form["q"])
    assert re.search(r'<input type="text" name="q".*?>', html)[0] == widget


def test_a_page_reads_the_taxonomy_version_once(client, lyon, monkeypatch, settings):
    settings.PAGE_CACHE_SECONDS = 0  # each page built (common.page_cache)
    client.get(SEARCH)
    reads = []
    original = cache.get

    def spy(key, *args, **kwargs):
        if key == TAXONOMY_VERSION_CACHE_KEY:
            reads.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", spy)
    for url in (SEARCH, "/", "/metiers/electricien/"):
        reads.clear()
        assert client.get(url).status_code == 200
        assert len(reads) == 1, url
