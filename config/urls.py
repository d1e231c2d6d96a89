from __future__ import annotations

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_safe
from django.views.static import serve

from config.errors import server_error
from config.health import healthz
from directory.sitemaps import SITEMAPS
from partners.api.docs import ApiDocs, ApiRedoc, ApiSchema, api_guide


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri("/sitemap.xml")
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /recherche/",
        "Disallow: /en/recherche/",
        "Disallow: /lieux/",
        "Disallow: /compte/",
        "Disallow: /mon-compte/",
        "Disallow: /espace-pro/",
        "Disallow: /devis/",
        "Disallow: /equipe/",
        "Disallow: /avis/",
        "Disallow: /partenaires/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


# Database outages answer 503 "maintenance", other errors 500 (config/errors.py).
handler500 = server_error

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots"),
    path(
        "sitemap.xml",
        cache_page(60 * 60)(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_page(60 * 60)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The partner API (issue 14), outside i18n_patterns: the version is in
    # the path, the language in Accept-Language.
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", ApiSchema.as_view(), name="api-schema"),
    path("api/docs/", ApiDocs.as_view(url_name="api-schema"), name="api-docs"),
    path("api/docs/redoc/", ApiRedoc.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/docs/guide/", require_safe(api_guide), name="api-guide"),
    path("api/docs/guide/en/", require_safe(api_guide), {"language": "en"}, name="api-guide-en"),
]

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += i18n_patterns(
    path("compte/", include("allauth.urls")),
    path("", include("eligibility.urls")),
    path("", include("reviews.urls")),
    path("", include("loyalty.urls")),
    path("", include("directory.urls")),
    path("", include("partners.urls")),
    path("", include("prospects.urls")),
    path("", include("common.urls")),
    prefix_default_language=False,
)
