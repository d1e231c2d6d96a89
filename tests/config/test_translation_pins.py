"""Installing Django REST framework changes no French message of the site:
wherever DRF's catalogue and Django's translate a message differently,
the site says it as Django does (config/translation_pins.py)."""

from __future__ import annotations

import gettext
from pathlib import Path

import django
import rest_framework
from django.utils import translation


def catalogue(package) -> dict[str, str]:
    path = Path(package.__file__).parent / "locale/fr/LC_MESSAGES/django.mo"
    with path.open("rb") as file:
        return gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]


def test_djangos_french_wins_over_drfs():
    core = Path(django.__file__).parent / "conf/locale/fr/LC_MESSAGES/django.mo"
    with core.open("rb") as file:
        django_fr = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    differing = {
        msgid: wording
        for msgid, wording in catalogue(rest_framework).items()
        if isinstance(msgid, str) and msgid and msgid in django_fr and django_fr[msgid] != wording
    }
    assert differing, "DRF's catalogue no longer differs: the pins can go"
    with translation.override("fr"):
        for msgid in differing:
            assert translation.gettext(msgid) == django_fr[msgid], msgid
