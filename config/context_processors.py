from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from directory.taxonomy.selectors import taxonomy_version


def site(request: HttpRequest) -> dict[str, object]:
    """The site's name, and the taxonomy's version for the ``{% cache %}``
    keys of fragments built from it (read from the cache once, and only by
    a page that has such a fragment)."""
    return {"SITE_NAME": settings.SITE_NAME, "taxonomy_version": SimpleLazyObject(taxonomy_version)}
