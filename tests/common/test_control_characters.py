"""Control characters (NUL and the other C0 controls, DEL) never reach a
stored row nor turn a request into a 500: every form of the site, found by
walking the URL configuration as three kinds of visitor, is submitted with
them in every text field (issue 10: a NUL is a psycopg ``DataError`` on
PostgreSQL; run this module with ``DATABASE_URL`` set to check there)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models

from common.control_characters import (
    strip_control_characters,
    strip_control_characters_deep,
)
from tests.factories import recent_date

from .site_urls import page_forms, walk

pytestmark = pytest.mark.django_db

# Every C0 control but tab, LF and CR, and DEL.
CONTROLS = "".join(chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
TEXT = f"Du{CONTROLS}pont"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def test_strip_keeps_tab_and_line_breaks_only():
    assert strip_control_characters(f"a{CONTROLS}b\tc\nd\r\ne") == "ab\tc\nd\r\ne"
    assert strip_control_characters("Éloïse 😀 ‮") == "Éloïse 😀 ‮"  # not C0: kept
    assert strip_control_characters_deep({"n\x00": ["a\x1b", 1, None, {"k": "\x7fv"}]}) == {
        "n": ["a", 1, None, {"k": "v"}]
    }


# A plausible value per kind of field, so that forms are valid once the
# control characters are gone (and store them where nothing strips them).
PLAUSIBLE = {
    "email": "jean.dupont@example.org",
    "url": "https://example.org/",
    "tel": "06 12 34 56 78",
    "number": "5",
    "date": recent_date(59).isoformat(),
    "password": "correct horse battery staple",
}
PLAUSIBLE_BY_NAME = {
    "siren": "732 829 320",
    "postcode": "69003",
    "postal_code": "69003",
    "phone": "06 12 34 56 78",
    "client_phone": "06 12 34 56 78",
    "issued_on": recent_date(59).isoformat(),
    "amount": "900",
}
LONG_TEXT = "Travail soigné, chantier propre, délais tenus. Je recommande cette entreprise."


def hostile_data(form, controls: str) -> dict[str, object]:
    """Each typed field of ``form`` holds a plausible value with
    ``controls`` inside it; choices and hidden fields keep a value the
    form offers."""
    data: dict[str, object] = {}
    for field in form.fields:
        name, kind, value = field["name"], field["type"], field.get("value", "")
        if name in data or kind == "file":
            continue
        if kind in ("hidden", "submit", "radio"):
            data[name] = value
        elif kind == "checkbox":
            data[name] = value or "on"
        elif kind == "select":
            data[name] = field["options"]
        else:
            if field["tag"] == "textarea":
                plain = f"{LONG_TEXT}\nligne\t2"
            else:
                plain = value or PLAUSIBLE_BY_NAME.get(name) or PLAUSIBLE.get(kind) or "Dupont"
            data[name] = plain[:2] + controls + plain[2:]
    return data


def rows_with_controls() -> list[str]:
    found = []
    for model in apps.get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model._default_manager.values_list("pk", *names):
            for name, value in zip(names, row[1:], strict=True):
                if value is not None and CONTROL.search(str(value)):
                    found.append(f"{model._meta.label}#{row[0]}.{name}: {value!r}")
    return found


@pytest.mark.parametrize(
    "controls", [CONTROLS, CONTROLS.replace("\x00", "")], ids=["with-nul", "without-nul"]
)
def test_every_form_takes_control_characters_without_a_500_or_a_stored_one(
    client, cast, site, controls
):
    errors, submitted, accepted = [], set(), 0
    for role, login, _route, url in walk(client, cast, site):
        login()
        page = client.get(url)
        if page.status_code >= 500:
            errors.append(f"GET {role} {url}: {page.status_code}")
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        for form in page_forms(page.content.decode()):
            target = urlsplit(form.action).path or url
            key = (role, form.method, target, tuple(sorted(f["name"] for f in form.fields)))
            if key in submitted:
                continue
            submitted.add(key)
            login()
            data = hostile_data(form, controls)
            send = client.post if form.method == "post" else client.get
            response = send(target, data)
            if response.status_code >= 500:
                errors.append(f"{form.method} {role} {target} {sorted(data)}: 500")
            accepted += form.method == "post" and response.status_code == 302
    assert not errors
    # The walk reached the site's forms, and many took the data.
    assert len(submitted) > 20
    assert accepted > 10
    assert not rows_with_controls()


@pytest.mark.parametrize("path", ["/entreprises/alpha%00/", "/avis/abc%1b/", "/metiers/x%7f/"])
def test_a_path_with_a_control_character_names_nothing(client, cast, path):
    assert client.get(path).status_code == 400


def test_query_strings_lose_their_control_characters(client, cast):
    response = client.get("/recherche/", {"q": "élec\x00tricien", "ou": "Lyon\x1b"})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()
