from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    path("espace-pro/<int:company_id>/prestations/", views.session_list, name="sessions"),
    path(
        "espace-pro/<int:company_id>/prestations/import/",
        views.session_import,
        name="session-import",
    ),
    path(
        "espace-pro/<int:company_id>/prestations/modele.csv",
        views.session_template,
        name="session-template",
    ),
    path(
        "espace-pro/<int:company_id>/prestations/controles/",
        views.session_audit_list,
        name="session-audits",
    ),
    path(
        "espace-pro/<int:company_id>/prestations/controles/scans/<int:scan_id>/",
        views.session_audit_scan,
        name="session-audit-scan",
    ),
    path("equipe/prestations/controles/", views.staff_session_audits, name="staff-session-audits"),
]
