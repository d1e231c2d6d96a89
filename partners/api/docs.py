"""The schema and its documentation pages, served offline (the sidecar's
Swagger UI and ReDoc from our static files) under the site's CSP: our
own templates hold no inline script or style; a static file starts
each viewer."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView


class ApiSchema(SpectacularAPIView):
    pass


class ApiDocs(SpectacularSwaggerView):
    template_name = "api/swagger_ui.html"


class ApiRedoc(SpectacularRedocView):
    template_name = "api/redoc.html"
