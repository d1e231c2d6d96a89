"""The schema and its documentation pages, served offline (the sidecar's
Swagger UI and ReDoc from our static files) under the site's CSP: our
own templates hold no inline script or style; a static file
(static/js/api-docs.js) starts each viewer. Relaxed on these pages only:
both draw icons as ``data:`` SVG images; ReDoc (styled-components)
inserts its styles as <style> elements, which only 'unsafe-inline' or a
nonce its bundle cannot read allows, and runs its search in a ``blob:``
worker. Scripts stay 'self' only. ReDoc's footer logo, an <img> from
cdn.redoc.ly that no option removes, is blocked by img-src: the page
works without it."""

from __future__ import annotations

from csp.decorators import csp_update
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
