from django.urls import path

from .views import author, pro, public, staff

app_name = "reviews"

urlpatterns = [
    path("espace-pro/<int:company_id>/factures/", pro.invoices, name="invoices"),
    path(
        "espace-pro/<int:company_id>/factures/regle/",
        pro.invoice_settings,
        name="invoice-settings",
    ),
    path("espace-pro/<int:company_id>/factures/import/", pro.invoice_import, name="invoice-import"),
    path(
        "espace-pro/<int:company_id>/factures/modele.<str:kind>",
        pro.invoice_template,
        name="invoice-template",
    ),
    path(
        "espace-pro/<int:company_id>/factures/import/<int:job_id>/",
        pro.invoice_import_job,
        name="invoice-import-job",
    ),
    path(
        "espace-pro/<int:company_id>/factures/<int:invoice_id>/scan/",
        pro.invoice_scan,
        name="invoice-scan",
    ),
    path(
        "espace-pro/<int:company_id>/controles/scans/<int:scan_id>/",
        pro.audit_scan,
        name="audit-scan",
    ),
    path("espace-pro/<int:company_id>/avis/", pro.pro_reviews, name="pro-reviews"),
    path(
        "espace-pro/<int:company_id>/avis/<int:review_id>/reponse/",
        pro.pro_reply,
        name="pro-reply",
    ),
    path(
        "espace-pro/<int:company_id>/avis/<int:review_id>/signaler/",
        pro.pro_flag,
        name="pro-flag",
    ),
    path("espace-pro/<int:company_id>/controles/", pro.pro_audits, name="pro-audits"),
    path("equipe/controles/", staff.staff_audits, name="staff-audits"),
    path("equipe/avis/", staff.moderation_queue, name="moderation"),
    path("equipe/avis/<int:review_id>/", staff.moderation_detail, name="moderation-detail"),
    path(
        "equipe/avis/textes/<str:kind>/<int:addition_id>/",
        staff.addition_decide,
        name="addition-decide",
    ),
    path(
        "equipe/avis/signalements/<int:flag_id>/clore/",
        staff.flag_dismiss,
        name="flag-dismiss",
    ),
    path("avis-publies/<int:review_id>/signaler/", public.public_flag, name="flag"),
    path("comment-nous-verifions-les-avis/", public.how, name="how"),
    path(
        "espace-pro/<int:company_id>/avis/<int:review_id>/contestation/",
        pro.pro_appeal,
        name="pro-appeal",
    ),
    path("equipe/avis/contestations/<int:appeal_id>/", staff.appeal_decide, name="appeal-decide"),
    path("equipe/entreprises/<int:company_id>/sanction/", staff.sanction, name="sanction"),
    path("entreprises/<slug:slug>/donner-mon-avis/", author.request_review, name="request"),
    path("avis/demande/<str:token>/", author.request_confirm, name="request-confirm"),
    path("avis/gerer/<str:token>/", author.manage, name="manage"),
    path("avis/gerer/<str:token>/nouveau-lien/", author.manage_renew, name="manage-renew"),
    path("avis/corriger/<str:token>/", author.resubmit, name="resubmit"),
    path("avis/<str:token>/", author.write, name="write"),
    path("avis/<str:token>/desinscription/", author.opt_out, name="opt-out"),
]
