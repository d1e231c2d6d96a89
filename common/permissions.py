"""View decorators for staff pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required


def staff_required(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Log-in required, then ``permission`` (``"app.codename"``) or 403.

    Staff groups and their permissions: ``directory.accounts.services.STAFF_GROUPS``.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator
