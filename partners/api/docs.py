"""The schema and its documentation pages, served offline (the sidecar's
Swagger UI and ReDoc from our static files) under the site's CSP: our
own templates hold no inline script or style; a static file
(static/js/api-docs.js) starts each viewer. Relaxed on these pages only:
both draw icons as ``data:`` SVG images; ReDoc (styled-components)
inserts its styles as <style> elements, which only 'unsafe-inline' or a
nonce its bundle cannot read allows, and runs its search in a ``blob:``
worker. Scripts stay 'self' only. ReDoc's footer logo, an <img> from
cdn.redoc.ly that no option removes, is swapped for our own copy by
static/js/api-docs.js before it is fetched: nothing leaves the site.

The partner guide (docs/api.md in French, docs/api.en.md in English) is
served as it is written, Markdown in a page of the site, at
/api/docs/guide/ and /api/docs/guide/en/: one text for the repository and
the site, which tests/partners/test_guide.py keeps true to the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

DATA_IMAGES = method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")


class ApiSchema(SpectacularAPIView):
    pass


@DATA_IMAGES
class ApiDocs(SpectacularSwaggerView):
    template_name = "api/swagger_ui.html"


@method_decorator(
    csp_update({"img-src": ["data:"], "style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}),
    name="dispatch",
)
class ApiRedoc(SpectacularRedocView):
    template_name = "api/redoc.html"


GUIDES = {"fr": "docs/api.md", "en": "docs/api.en.md"}
GUIDE_TITLES = {
    "fr": "Guide du partenaire — API Plus que pro",
    "en": "Partner guide — Plus que pro API",
}


def guide_path(language: str) -> Path:
    return Path(settings.BASE_DIR) / GUIDES[language]


def api_guide(request: HttpRequest, language: str = "fr", **kwargs: Any) -> HttpResponse:
    """The partner guide in ``language`` (``fr`` or ``en``), as written."""
    return render(
        request,
        "api/guide.html",
        {
            "language": language,
            "title": GUIDE_TITLES[language],
            "source": GUIDES[language],
            "text": guide_path(language).read_text(encoding="utf-8"),
        },
    )
