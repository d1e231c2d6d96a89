"""The partner API, version 1 (``/api/v1/``): each app's ``api.py``."""

from __future__ import annotations

from django.urls import path, re_path

from directory import api as directory_api
from loyalty import api as loyalty_api
from partners.api import webhooks as webhooks_api
from partners.api.problems import not_found
from reviews import api as reviews_api

app_name = "api"

urlpatterns = [
    path("professions", directory_api.ProfessionList.as_view(), name="professions"),
    path("sectors", directory_api.SectorList.as_view(), name="sectors"),
    path("places", directory_api.PlaceList.as_view(), name="places"),
    path("companies", directory_api.CompanyList.as_view(), name="companies"),
    path("companies/<slug:slug>", directory_api.CompanyDetail.as_view(), name="company"),
    path(
        "companies/<slug:slug>/reviews",
        reviews_api.CompanyReviewList.as_view(),
        name="company-reviews",
    ),
    path(
        "companies/<slug:slug>/invoices",
        reviews_api.CompanyInvoiceCreate.as_view(),
        name="company-invoices",
    ),
    path(
        "companies/<slug:slug>/invoices/batch",
        reviews_api.CompanyInvoiceBatch.as_view(),
        name="company-invoices-batch",
    ),
    path(
        "companies/<slug:slug>/invoices/<int:invoice_id>",
        reviews_api.CompanyInvoiceDetail.as_view(),
        name="company-invoice",
    ),
    path(
        "companies/<slug:slug>/sessions",
        loyalty_api.CompanySessionCreate.as_view(),
        name="company-sessions",
    ),
    path(
        "companies/<slug:slug>/sessions/batch",
        loyalty_api.CompanySessionBatch.as_view(),
        name="company-sessions-batch",
    ),
    path(
        "companies/<slug:slug>/sessions/<int:session_id>",
        loyalty_api.CompanySessionDetail.as_view(),
        name="company-session",
    ),
    path("reviews", reviews_api.ReviewFeed.as_view(), name="reviews"),
    path("webhooks", webhooks_api.EndpointList.as_view(), name="webhooks"),
    path("webhooks/events", webhooks_api.EventTypeList.as_view(), name="webhook-events"),
    path("webhooks/<str:endpoint_id>", webhooks_api.EndpointDetail.as_view(), name="webhook"),
    path(
        "webhooks/<str:endpoint_id>/rotate-secret",
        webhooks_api.EndpointSecretRotate.as_view(),
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries",
        webhooks_api.DeliveryList.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/replay",
        webhooks_api.DeliveryReplay.as_view(),
        name="webhook-replay",
    ),
    # Anything else under /api/v1/ is a problem, not the site's HTML 404.
    re_path(r"^.*$", not_found),
]
