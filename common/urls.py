from django.urls import path

from . import views

app_name = "common"

urlpatterns = [
    path("equipe/nuits/", views.nightly_runs, name="nightly-runs"),
]
