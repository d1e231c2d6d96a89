"""The fragments built from the taxonomy (trade suggestions, the filter
selects, the sector menu) are cached under ``taxonomy_version``: a warm page
reads no trade or sector, a change shows at once, each language and each
selected value has its own fragment, and what a visitor types never makes
a new one (issue 16)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.taxonomy.models import Profession, Sector
from directory.taxonomy.selectors import taxonomy_version
from directory.taxonomy.services import taxonomy_changed, taxonomy_load

pytestmark = pytest.mark.django_db

SEARCH = "/recherche/?q=electricien&ou=Lyon"


def taxonomy_reads(client, url: str) -> list[str]:
    """The queries of ``url`` that read the trades or the sectors as lists
    (the search's own lookups by id or slug excepted)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in captured
        if re.search(r'FROM "directory_(sector|profession)"', q["sql"])
        and "ORDER BY" in q["sql"]
        and not re.search(r'LIMIT|"(id|slug)" (IN \(|=)', q["sql"])
    ]


def option(html: str, slug: str) -> str:
    found = re.search(rf'<option value="{slug}"[^>]*>', html)
    assert found, slug
    return found[0]


def datalist(html: str) -> str:
    return re.search(r'<datalist id="trade-suggestions">(.*?)</datalist>', html, re.S)[1]


@pytest.mark.parametrize("url", ["/", "/recherche/", SEARCH, SEARCH + "&metier=plombier"])
def test_a_warm_page_reads_no_trade_list_or_sector_menu(client, lyon, url):
    assert taxonomy_reads(client, url)  # cold: built once
    assert taxonomy_reads(client, url) == []


def test_every_page_with_the_search_box_suggests_the_trades(client, lyon, taxonomy):
    """The trade page's box too, which had an empty list (its view gave none)."""
    for url in ["/", SEARCH, "/metiers/electricien/"]:
        suggestions = datalist(client.get(url).content.decode())
        assert suggestions.count("<option") == Profession.objects.public().count(), url
        assert '<option value="Électricien">' in suggestions


def test_the_selected_trade_is_the_one_of_the_search_not_of_the_cached_page(client, lyon):
    first = client.get(SEARCH + "&metier=plombier").content.decode()
    assert "selected" in option(first, "plombier")
    second = client.get(SEARCH + "&metier=electricien").content.decode()
    assert "selected" in option(second, "electricien")
    assert "selected" not in option(second, "plombier")
    none = client.get(SEARCH).content.decode()
    assert "selected" not in option(none, "plombier")
    assert "selected" not in option(none, "electricien")


def test_the_selected_radius_sort_and_audience_are_kept(client, lyon):
    html = client.get(SEARCH + "&rayon=20&tri=rating&clientele=b2b").content.decode()
    assert "selected" in option(html, "20")
    assert "selected" in option(html, "rating")
    assert "selected" in option(html, "b2b")
    html = client.get(SEARCH + "&rayon=10&tri=name").content.decode()
    assert "selected" in option(html, "10")
    assert "selected" not in option(html, "20")
    assert "selected" in option(html, "name")


def test_each_language_has_its_own_fragments(client, lyon):
    french = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert '<option value="Électricien">' in datalist(french)
    assert '<option value="Electrician">' in datalist(english)
    assert "Electrician" not in datalist(french)


def test_a_renamed_trade_shows_at_once_everywhere(
    client, lyon, taxonomy, django_capture_on_commit_callbacks
):
    client.get("/")
    client.get(SEARCH + "&metier=plombier")
    plumber = taxonomy["plombier"]
    with django_capture_on_commit_callbacks(execute=True):
        plumber.name_fr = "Plombier sanitaire"
        plumber.save()
    home = client.get("/").content.decode()
    assert '<option value="Plombier sanitaire">' in datalist(home)
    assert "Plombier sanitaire" in home  # the sector menu
    page = client.get(SEARCH + "&metier=plombier").content.decode()
    assert re.search(r'<option value="plombier" selected>Plombier sanitaire</option>', page)


def test_a_renamed_or_deleted_sector_shows_at_once(
    client, lyon, taxonomy, django_capture_on_commit_callbacks
):
    client.get("/")
    sector = Sector.objects.get(slug="habitat")
    with django_capture_on_commit_callbacks(execute=True):
        sector.name_fr = "Maison et travaux"
        sector.save()
    assert "Maison et travaux" in client.get("/").content.decode()
    empty = Sector.objects.create(slug="vide", name_fr="Vide", name_en="Empty", position=99)
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        empty.delete()
    html = client.get("/recherche/?q=electricien&ou=Lyon").content.decode()
    assert '<option value="vide"' not in html


def test_a_hidden_trade_leaves_the_lists(
    client, lyon, taxonomy, django_capture_on_commit_callbacks
):
    from directory.taxonomy.models import EligibilityCategory

    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        plumber = taxonomy["plombier"]
        plumber.eligibility_category = EligibilityCategory.EXCLUDED
        plumber.save()
    assert '<option value="Plombier">' not in datalist(client.get("/").content.decode())


def test_reloading_the_taxonomy_file_draws_a_new_version(
    taxonomy, django_capture_on_commit_callbacks
):
    before = taxonomy_version()
    assert taxonomy_version() == before  # stable between changes
    with django_capture_on_commit_callbacks(execute=True):
        taxonomy_load()
    assert taxonomy_version() != before


def test_a_lost_version_is_drawn_again_and_kept(taxonomy):
    cache.clear()
    version = taxonomy_version()
    assert version
    assert taxonomy_version() == version
    taxonomy_changed()
    assert taxonomy_version() != version


@pytest.mark.parametrize(
    "junk",
    [
        "metier=plombier%27%22%3E",
        "metier=" + "x" * 300,
        "rayon=5000",
        "rayon=010",
        "tri=best",
        "clientele=martians",
        "secteur=%00",
    ],
)
def test_what_a_visitor_types_never_makes_a_new_fragment(client, lyon, junk, monkeypatch):
    """Only valid choices are cached: a few hundred fragments at most,
    whatever the query strings sent (a flood of them cannot fill Redis)."""
    client.get(SEARCH)
    backend = caches["process"]  # the {% cache %} tags of the taxonomy fragments
    written: list[str] = []
    original = backend.set

    def spy(key, *args, **kwargs):
        written.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(backend, "set", spy)
    for n in range(5):
        for url in (f"{SEARCH}&{junk}{n}", f"/recherche/?q={'é' * 200}&{junk}{n}"):
            assert client.get(url).status_code == 200
    assert [key for key in written if key.startswith("template.cache.")] == []
    client.get(SEARCH + "&tri=name")  # a valid choice not seen yet: one more
    assert [key for key in written if key.startswith("template.cache.")] != []
