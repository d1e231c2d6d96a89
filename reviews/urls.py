from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("espace-pro/<int:company_id>/factures/", views.invoices, name="invoices"),
    path(
        "espace-pro/<int:company_id>/factures/regle/",
        views.invoice_settings,
        name="invoice-settings",
    ),
    path(
        "espace-pro/<int:company_id>/factures/import/", views.invoice_import, name="invoice-import"
    ),
    path(
        "espace-pro/<int:company_id>/factures/modele.<str:kind>",
        views.invoice_template,
        name="invoice-template",
    ),
    path(
        "espace-pro/<int:company_id>/factures/import/<int:job_id>/",
        views.invoice_import_job,
        name="invoice-import-job",
    ),
    path(
        "espace-pro/<int:company_id>/factures/<int:invoice_id>/scan/",
        views.invoice_scan,
        name="invoice-scan",
    ),
    path("espace-pro/<int:company_id>/avis/", views.pro_reviews, name="pro-reviews"),
    path(
        "espace-pro/<int:company_id>/avis/<int:review_id>/reponse/",
        views.pro_reply,
        name="pro-reply",
    ),
    path(
        "espace-pro/<int:company_id>/avis/<int:review_id>/signaler/",
        views.pro_flag,
        name="pro-flag",
    ),
    path("espace-pro/<int:company_id>/controles/", views.pro_audits, name="pro-audits"),
    path("equipe/controles/", views.staff_audits, name="staff-audits"),
    path("equipe/avis/", views.moderation_queue, name="moderation"),
    path("equipe/avis/<int:review_id>/", views.moderation_detail, name="moderation-detail"),
    path(
        "equipe/avis/signalements/<int:flag_id>/clore/",
        views.flag_dismiss,
        name="flag-dismiss",
    ),
    path("avis-publies/<int:review_id>/signaler/", views.public_flag, name="flag"),
    path("comment-nous-verifions-les-avis/", views.how, name="how"),
    path(
        "espace-pro/<int:company_id>/avis/<int:review_id>/contestation/",
        views.pro_appeal,
        name="pro-appeal",
    ),
    path("equipe/avis/contestations/<int:appeal_id>/", views.appeal_decide, name="appeal-decide"),
    path("equipe/entreprises/<int:company_id>/sanction/", views.sanction, name="sanction"),
    path("entreprises/<slug:slug>/donner-mon-avis/", views.request_review, name="request"),
    path("avis/demande/<str:token>/", views.request_confirm, name="request-confirm"),
    path("avis/gerer/<str:token>/", views.manage, name="manage"),
    path("avis/<str:token>/", views.write, name="write"),
    path("avis/<str:token>/desinscription/", views.opt_out, name="opt-out"),
]
