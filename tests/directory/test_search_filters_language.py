"""The search page's trade and sector filters speak the page's language."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


@pytest.mark.parametrize("query", ["", "&metier=plombier", "&secteur=habitat", "&metier=nope"])
def test_the_trades_and_sectors_are_named_in_english_on_the_english_page(client, taxonomy, query):
    english = client.get(f"/en/recherche/?q=x{query}").content.decode()
    trades = options(english, "metier")
    assert trades[0] == "All trades"
    assert "Plumber" in trades
    assert "Plombier" not in trades
    assert trades[1:] == sorted(trades[1:], key=str.casefold)
    sectors = options(english, "secteur")
    assert sectors[0] == "All sectors"
    assert "Housing and building work" in sectors
    assert "Habitat et travaux" not in sectors

    french = client.get(f"/recherche/?q=x{query}").content.decode()
    trades = options(french, "metier")
    assert trades[0] == "Tous les métiers"
    assert "Plombier" in trades
    assert "Plumber" not in trades
    # Accents ignored: "Électricien" among the E's, not after the Z's.
    assert trades.index("Électricien") < trades.index("Plombier")


def test_the_chosen_trade_stays_selected_in_either_language(client, taxonomy):
    for prefix, name in (("", "Plombier"), ("/en", "Plumber")):
        html = client.get(f"{prefix}/recherche/?q=x&metier=plombier").content.decode()
        assert re.search(rf'<option value="plombier" selected>{name}</option>', html), prefix
