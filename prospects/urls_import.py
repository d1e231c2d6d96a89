"""The prospect import's pages, for the platform's pipeline (sales staff)
and each company's (its members). Full paths, like the other apps' URL
lists; prospects/urls.py adds them to the ``prospects`` namespace."""

from django.urls import path

from . import views_import as views

urlpatterns = [
    path("equipe/prospects/import/", views.platform_import, name="staff-prospects-import"),
    path(
        "equipe/prospects/import/<int:job_id>/",
        views.platform_import_job,
        name="staff-prospects-import-job",
    ),
    path(
        "equipe/prospects/import/modele.csv",
        views.platform_import_template,
        {"extension": "csv"},
        name="staff-prospects-import-template-csv",
    ),
    path(
        "equipe/prospects/import/modele.xlsx",
        views.platform_import_template,
        {"extension": "xlsx"},
        name="staff-prospects-import-template-xlsx",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/",
        views.company_import,
        name="pro-prospects-import",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/<int:job_id>/",
        views.company_import_job,
        name="pro-prospects-import-job",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/modele.csv",
        views.company_import_template,
        {"extension": "csv"},
        name="pro-prospects-import-template-csv",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/modele.xlsx",
        views.company_import_template,
        {"extension": "xlsx"},
        name="pro-prospects-import-template-xlsx",
    ),
]
