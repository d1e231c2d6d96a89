from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("partenaires/", views.portal_home, name="portal"),
    path("partenaires/<int:partner_id>/", views.home, name="home"),
    path("partenaires/<int:partner_id>/cles/", views.keys, name="keys"),
    path("partenaires/<int:partner_id>/cles/nouvelle/", views.key_create, name="key-create"),
    path(
        "partenaires/<int:partner_id>/cles/<str:prefix>/creee/",
        views.key_created,
        name="key-created",
    ),
    path(
        "partenaires/<int:partner_id>/cles/<str:prefix>/revoquer/",
        views.key_revoke,
        name="key-revoke",
    ),
    path(
        "partenaires/<int:partner_id>/cles/<str:prefix>/renouveler/",
        views.key_rotate,
        name="key-rotate",
    ),
    path("partenaires/<int:partner_id>/entreprises/", views.companies, name="companies"),
    path("partenaires/<int:partner_id>/codes/", views.codes, name="codes"),
    path(
        "partenaires/<int:partner_id>/codes/<int:code_id>/retirer/",
        views.code_revoke,
        name="code-revoke",
    ),
    path("partenaires/<int:partner_id>/webhooks/", views.webhooks, name="webhooks"),
    path(
        "partenaires/<int:partner_id>/webhooks/nouveau/",
        views.webhook_create,
        name="webhook-create",
    ),
    path(
        "partenaires/<int:partner_id>/webhooks/<str:endpoint_id>/",
        views.webhook,
        name="webhook",
    ),
    path(
        "partenaires/<int:partner_id>/webhooks/<str:endpoint_id>/secret/",
        views.webhook_secret,
        name="webhook-secret",
    ),
    path(
        "partenaires/<int:partner_id>/webhooks/<str:endpoint_id>/renouveler-le-secret/",
        views.webhook_rotate,
        name="webhook-rotate",
    ),
    path(
        "partenaires/<int:partner_id>/webhooks/<str:endpoint_id>/supprimer/",
        views.webhook_delete,
        name="webhook-delete",
    ),
    path(
        "partenaires/<int:partner_id>/webhooks/<str:endpoint_id>/livraisons/<str:delivery_id>/",
        views.webhook_delivery,
        name="webhook-delivery",
    ),
    path(
        "partenaires/<int:partner_id>/webhooks/<str:endpoint_id>/livraisons/<str:delivery_id>/renvoyer/",
        views.webhook_replay,
        name="webhook-replay",
    ),
]
