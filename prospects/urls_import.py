"""The prospect import's pages, for the platform's pipeline (sales staff)
and each company's (its members). Full paths, like the other apps' URL
lists; the names are the ``prospects`` namespace's."""

from django.urls import path

from . import views_import as views

app_name = "prospects"

urlpatterns = [
    path("equipe/prospects/import/", views.platform_import, name="platform-import"),
    path(
        "equipe/prospects/import/<int:job_id>/",
        views.platform_import_job,
        name="platform-import-job",
    ),
    path(
        "equipe/prospects/import/modele.csv",
        views.platform_import_template,
        {"extension": "csv"},
        name="platform-import-template-csv",
    ),
    path(
        "equipe/prospects/import/modele.xlsx",
        views.platform_import_template,
        {"extension": "xlsx"},
        name="platform-import-template-xlsx",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/",
        views.company_import,
        name="company-import",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/<int:job_id>/",
        views.company_import_job,
        name="company-import-job",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/modele.csv",
        views.company_import_template,
        {"extension": "csv"},
        name="company-import-template-csv",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/import/modele.xlsx",
        views.company_import_template,
        {"extension": "xlsx"},
        name="company-import-template-xlsx",
    ),
]
