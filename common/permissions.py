"""View decorators for staff pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponseBase

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def staff_required(permission: str) -> Callable[[_View], _View]:
    """Log-in required, then ``permission`` (``"app.codename"``) or 403.

    Staff groups and their permissions: ``directory.accounts.services.STAFF_GROUPS``.
    """

    def decorator(view: _View) -> _View:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator
