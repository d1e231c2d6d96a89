from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.home, name="home"),
    path("recherche/", views.search, name="search"),
    path("entreprises/<slug:slug>/", views.company_detail, name="company"),
    path("metiers/", views.profession_index, name="professions"),
    path("metiers/<slug:slug>/", views.profession_detail, name="profession"),
    path("secteurs/<slug:slug>/", views.sector_detail, name="sector"),
    path("pourquoi-nous-faire-confiance/", views.trust, name="trust"),
    path("lieux/suggestions/", views.place_autocomplete, name="place-autocomplete"),
]
