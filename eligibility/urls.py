from django.urls import path

from . import views

app_name = "eligibility"

urlpatterns = [
    path("rejoindre/", views.apply, name="apply"),
    path("rejoindre/etape/<int:step>/", views.apply_step, name="step"),
    path("rejoindre/suivi/", views.follow, name="follow"),
    path("equipe/candidatures/", views.queue, name="queue"),
    path("equipe/candidatures/<int:application_id>/", views.detail, name="detail"),
    path("equipe/candidatures/<int:application_id>/decision/", views.decide, name="decide"),
    path("equipe/candidatures/<int:application_id>/attribution/", views.assign, name="assign"),
    path(
        "equipe/candidatures/<int:application_id>/controles/<str:code>/",
        views.check_decide,
        name="check-decide",
    ),
    path(
        "equipe/entreprises/<int:company_id>/controles/",
        views.company_checks,
        name="company-checks",
    ),
    path("pieces/<int:evidence_id>/", views.evidence_file, name="evidence-file"),
    path("espace-pro/<int:company_id>/verifications/", views.pro_checks, name="pro-checks"),
    path("equipe/entreprises/", views.companies, name="companies"),
    path(
        "equipe/entreprises/<int:company_id>/statut/<str:status>/",
        views.company_status,
        name="company-status",
    ),
    path(
        "equipe/entreprises/<int:company_id>/historique/",
        views.company_history,
        name="company-history",
    ),
    path("equipe/signalements/<int:flag_id>/clore/", views.flag_resolve, name="flag-resolve"),
]
