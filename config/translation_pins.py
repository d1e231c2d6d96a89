"""Django's own French wording, pinned in the project's catalogue.

Django REST framework is an installed app, and an app's catalogue outranks
Django's core one: for these messages, which the site's forms show, DRF's
French differs ("adresse e-mail" for "adresse de courriel"…). Marked here
so that makemessages keeps them in locale/fr, where the project's catalogue
(LOCALE_PATHS, first of all) gives back Django's wording: installing DRF
changes no page. Found by comparing the two catalogues; check again when
DRF is upgraded."""

from __future__ import annotations

from django.utils.translation import gettext_noop

PINNED_DJANGO_MESSAGES = (
    gettext_noop("Enter a valid email address."),
    gettext_noop("No file was submitted."),
    gettext_noop(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_noop("Value must be valid JSON."),
)
