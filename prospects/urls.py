"""The pipeline screens, twice: the platform's under /equipe/prospects/
(sales staff), each company's under /espace-pro/<company_id>/prospects/
(its members). Names: ``staff-prospects-<screen>`` and
``pro-prospects-<screen>`` (``prospects.scope.Scope.url``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import referral_views, views
from .analytics.urls import urlpatterns as analytics_urlpatterns
from .urls_import import urlpatterns as import_urlpatterns

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
    ("personal-data", "<int:prospect_id>/donnees-personnelles/", views.personal_data_export),
    ("erase", "<int:prospect_id>/effacer/", views.personal_data_erase),
    ("referrers", "parrains/", referral_views.referrers),
    ("referrer-create", "parrains/nouveau/", referral_views.referrer_create),
    ("referrer", "parrains/<int:referrer_id>/", referral_views.referrer_detail),
    ("referrer-edit", "parrains/<int:referrer_id>/modifier/", referral_views.referrer_edit),
    ("digest", "recapitulatif/", referral_views.digest_setting),
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
    path(
        "equipe/prospects/<int:prospect_id>/lien-candidature/envoyer/",
        views.platform(views.application_link_email),
        name="staff-prospects-application-link-email",
    ),
    path("rejoindre/invitation/<str:token>/", views.application_link_open, name="application-link"),
    *analytics_urlpatterns,
    *import_urlpatterns,
    # The digest's one-click opt-out (signed link, no log-in).
    path(
        "prospects/recapitulatif/<str:token>/desinscription/",
        referral_views.digest_opt_out,
        name="digest-opt-out",
    ),
]
