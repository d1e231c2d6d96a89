"""The pro space's loyalty page, under the pro space's paths."""

from django.urls import path

from .views.dashboard import loyalty_dashboard

app_name = "loyalty"

urlpatterns = [
    path("espace-pro/<int:company_id>/fidelite/", loyalty_dashboard, name="dashboard"),
]
