"""The pipeline screens, twice: the platform's under /equipe/prospects/
(sales staff), each company's under /espace-pro/<company_id>/prospects/
(its members). Names: ``staff-prospects-<screen>`` and
``pro-prospects-<screen>`` (``prospects.scope.Scope.url``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views
from .analytics.urls import urlpatterns as analytics_urlpatterns

app_name = "prospects"

# (screen, path under the pipeline's root, view)
SCREENS: list[tuple[str, str, views.View]] = [
    ("board", "", views.board),
    ("follow-ups", "a-relancer/", views.follow_up_lists),
    ("create", "nouveau/", views.create),
    ("stage", "etape/<str:stage>/", views.stage),
    ("detail", "<int:prospect_id>/", views.detail),
    ("edit", "<int:prospect_id>/modifier/", views.edit),
    ("move", "<int:prospect_id>/deplacer/", views.move),
    ("interaction", "<int:prospect_id>/interactions/", views.interaction),
    ("merge", "<int:prospect_id>/fusionner/<int:other_id>/", views.merge),
]

urlpatterns: list[URLPattern] = [
    *(
        path(f"equipe/prospects/{route}", views.platform(view), name=f"staff-prospects-{name}")
        for name, route, view in SCREENS
    ),
    *(
        path(
            f"espace-pro/<int:company_id>/prospects/{route}",
            views.company(view),
            name=f"pro-prospects-{name}",
        )
        for name, route, view in SCREENS
    ),
    # The pre-filled application link: made by sales staff, opened by anyone.
    path(
        "equipe/prospects/<int:prospect_id>/lien-candidature/",
        views.platform(views.application_link),
        name="staff-prospects-application-link",
    ),
    path("rejoindre/invitation/<str:token>/", views.application_link_open, name="application-link"),
    *analytics_urlpatterns,
]
