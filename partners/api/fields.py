"""Serializer fields shared by the API's outputs."""

from __future__ import annotations

from datetime import UTC

from rest_framework import serializers


class UtcDateTimeField(serializers.DateTimeField):
    """A moment as every response of the API writes it: ISO 8601 in UTC,
    ``Z`` suffix ("2026-11-30T09:00:00Z"), whatever the site's time zone
    (Europe/Paris, whose offset changes twice a year), as the webhooks'
    ``timestamp`` is. For outputs: an input's moment without an offset
    is read in the site's time zone by DRF's own field."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)
