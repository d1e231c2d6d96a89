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
]
