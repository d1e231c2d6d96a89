from django.urls import path

from .views import account, pro, public, quotes

app_name = "directory"

urlpatterns = [
    path("", public.home, name="home"),
    path("recherche/", public.search, name="search"),
    path("entreprises/<slug:slug>/", public.company_detail, name="company"),
    path("entreprises/<slug:slug>/devis/", quotes.quote_request, name="quote-request"),
    path("entreprises/<slug:slug>/devis/envoye/", quotes.quote_sent, name="quote-sent"),
    path("devis/confirmer/<str:token>/", quotes.quote_confirm, name="quote-confirm"),
    path("metiers/", public.profession_index, name="professions"),
    path("metiers/<slug:slug>/", public.profession_detail, name="profession"),
    path("secteurs/<slug:slug>/", public.sector_detail, name="sector"),
    path("pourquoi-nous-faire-confiance/", public.trust, name="trust"),
    path("lieux/suggestions/", public.place_autocomplete, name="place-autocomplete"),
    # The consumer account
    path("mon-compte/", account.account, name="account"),
    path("mon-compte/demandes/<int:quote_id>/", account.account_quote, name="account-quote"),
    path("mon-compte/export.json", account.account_export, name="account-export"),
    path("mon-compte/supprimer/", account.account_delete, name="account-delete"),
    path("invitation/<str:token>/", account.invitation, name="invitation"),
    # The professional space
    path("espace-pro/", pro.pro_home, name="pro-home"),
    path("espace-pro/<int:company_id>/", pro.dashboard, name="pro-dashboard"),
    path("espace-pro/<int:company_id>/profil/", pro.profile, name="pro-profile"),
    path("espace-pro/<int:company_id>/photos/", pro.photos, name="pro-photos"),
    path(
        "espace-pro/<int:company_id>/photos/<int:photo_id>/<str:action>/",
        pro.photo_action,
        name="pro-photo-action",
    ),
    path(
        "espace-pro/<int:company_id>/certifications/",
        pro.certifications,
        name="pro-certifications",
    ),
    path(
        "espace-pro/<int:company_id>/certifications/<int:certification_id>/supprimer/",
        pro.certification_delete,
        name="pro-certification-delete",
    ),
    path(
        "espace-pro/<int:company_id>/certifications/<int:certification_id>/preuve/",
        pro.certification_proof,
        name="pro-certification-proof",
    ),
    path("espace-pro/<int:company_id>/equipe/", pro.team, name="pro-team"),
    path(
        "espace-pro/<int:company_id>/equipe/<int:member_id>/retirer/",
        pro.member_remove,
        name="pro-member-remove",
    ),
    path(
        "espace-pro/<int:company_id>/equipe/invitations/<int:invitation_id>/retirer/",
        pro.invitation_revoke,
        name="pro-invitation-revoke",
    ),
    path("espace-pro/<int:company_id>/demandes/", pro.quotes, name="pro-quotes"),
    path("espace-pro/<int:company_id>/demandes/<int:quote_id>/", pro.quote, name="pro-quote"),
    path(
        "espace-pro/<int:company_id>/demandes/<int:quote_id>/statut/",
        pro.quote_status,
        name="pro-quote-status",
    ),
]
