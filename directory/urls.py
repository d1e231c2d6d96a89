from django.urls import path

from .accounts import legal
from .accounts import views as accounts
from .companies import views as companies
from .connections import views as connections
from .places import views as places
from .pro import views as pro
from .quotes import views as quotes
from .search import views as search
from .taxonomy import views as taxonomy
from .team import views as team

app_name = "directory"

urlpatterns = [
    path("", search.home, name="home"),
    path("recherche/", search.search, name="search"),
    path("entreprises/<slug:slug>/", companies.company_detail, name="company"),
    path("entreprises/<slug:slug>/devis/", quotes.quote_request, name="quote-request"),
    path("entreprises/<slug:slug>/devis/envoye/", quotes.quote_sent, name="quote-sent"),
    path("devis/confirmer/<str:token>/", quotes.quote_confirm, name="quote-confirm"),
    path("metiers/", taxonomy.profession_index, name="professions"),
    path("metiers/<slug:slug>/", taxonomy.profession_detail, name="profession"),
    path("secteurs/<slug:slug>/", taxonomy.sector_detail, name="sector"),
    path("pourquoi-nous-faire-confiance/", companies.trust, name="trust"),
    path("conditions-d-utilisation/", legal.terms, name="terms"),
    path("confidentialite/", legal.privacy, name="privacy"),
    path("lieux/suggestions/", places.place_autocomplete, name="place-autocomplete"),
    # The consumer account
    path("mon-compte/", accounts.account, name="account"),
    path("mon-compte/demandes/<int:quote_id>/", quotes.account_quote, name="account-quote"),
    path("mon-compte/export.json", accounts.account_export, name="account-export"),
    path("mon-compte/supprimer/", accounts.account_delete, name="account-delete"),
    path("invitation/<str:token>/", team.invitation, name="invitation"),
    # The professional space
    path("espace-pro/", pro.pro_home, name="pro-home"),
    path("espace-pro/<int:company_id>/", pro.dashboard, name="pro-dashboard"),
    path("espace-pro/<int:company_id>/profil/", companies.profile, name="pro-profile"),
    path("espace-pro/<int:company_id>/photos/", companies.photos, name="pro-photos"),
    path(
        "espace-pro/<int:company_id>/photos/<int:photo_id>/<str:action>/",
        companies.photo_action,
        name="pro-photo-action",
    ),
    path(
        "espace-pro/<int:company_id>/certifications/",
        companies.certifications,
        name="pro-certifications",
    ),
    path(
        "espace-pro/<int:company_id>/certifications/<int:certification_id>/supprimer/",
        companies.certification_delete,
        name="pro-certification-delete",
    ),
    path(
        "espace-pro/<int:company_id>/certifications/<int:certification_id>/preuve/",
        companies.certification_proof,
        name="pro-certification-proof",
    ),
    path("espace-pro/<int:company_id>/equipe/", team.team, name="pro-team"),
    path(
        "espace-pro/<int:company_id>/equipe/<int:member_id>/retirer/",
        team.member_remove,
        name="pro-member-remove",
    ),
    path(
        "espace-pro/<int:company_id>/equipe/invitations/<int:invitation_id>/retirer/",
        team.invitation_revoke,
        name="pro-invitation-revoke",
    ),
    path(
        "espace-pro/<int:company_id>/applications/",
        connections.connections,
        name="pro-connections",
    ),
    path(
        "espace-pro/<int:company_id>/applications/<int:connection_id>/deconnecter/",
        connections.disconnect,
        name="pro-connection-disconnect",
    ),
    path("espace-pro/<int:company_id>/demandes/", quotes.quotes, name="pro-quotes"),
    path("espace-pro/<int:company_id>/demandes/<int:quote_id>/", quotes.quote, name="pro-quote"),
    path(
        "espace-pro/<int:company_id>/demandes/<int:quote_id>/statut/",
        quotes.quote_status,
        name="pro-quote-status",
    ),
]
