"""The analytics pages' URL patterns, part of the namespace ``prospects``
(prospects/urls.py adds them to its list)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "espace-pro/<int:company_id>/prospects/analyse/",
        views.company_analytics,
        name="analytics",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/analyse/marge/",
        views.margin_rate_update,
        name="analytics-margin",
    ),
    path(
        "espace-pro/<int:company_id>/prospects/analyse/cout/",
        views.client_cost_update,
        name="analytics-cost",
    ),
    path("equipe/prospects/analyse/", views.platform_analytics, name="platform-analytics"),
]
