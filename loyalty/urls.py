"""The pro space's loyalty pages (recorded sessions, their audits, the
score) and the staff queue of session audits."""

from django.urls import path

from .views import dashboard
from .views import sessions as views

app_name = "loyalty"

urlpatterns = [
    path("espace-pro/<int:company_id>/fidelite/", dashboard.loyalty_dashboard, name="dashboard"),
    path("espace-pro/<int:company_id>/prestations/", views.session_list, name="sessions"),
    path(
        "espace-pro/<int:company_id>/prestations/import/",
        views.session_import,
        name="session-import",
    ),
    path(
        "espace-pro/<int:company_id>/prestations/import/<int:job_id>/",
        views.session_import_job,
        name="session-import-job",
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
