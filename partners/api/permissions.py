"""Scopes: each view names the scopes its key must hold (``required_scopes``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from partners.models import PartnerKey


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"


def required_scopes(view: Any) -> tuple[str, ...]:
    return tuple(getattr(view, "required_scopes", ()))


class IsPartner(BasePermission):
    """The request carries a valid key (authentication said so)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, PartnerKey):
            raise exceptions.NotAuthenticated()
        return True


class HasScopes(IsPartner):
    """The key holds every scope of the view's ``required_scopes``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        super().has_permission(request, view)
        key: PartnerKey = request.auth
        missing = [scope for scope in required_scopes(view) if not key.has_scope(scope)]
        if missing:
            raise InsufficientScope(
                _("This API key lacks the scope %(scopes)s.") % {"scopes": ", ".join(missing)}
            )
        return True
