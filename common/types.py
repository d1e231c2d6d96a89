"""Types for annotations shared by the apps: who acts, and the request of
a logged-in person (as healthchecks does in hc/accounts/http.py).

Views and services read ``.email`` or ``.memberships`` on the people they
are given; typed as ``AbstractBaseUser`` (Django's declared type of
``request.user``) they could not, and ``mypy --strict`` would refuse them.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import User as _ConcreteUser
from django.http import HttpRequest

User: TypeAlias = _ConcreteUser
"""The concrete user model: ``AUTH_USER_MODEL`` is Django's ``auth.User``.
Annotate actors, applicants and assignees with it; should the project
swap its user model, this alias is the one line to change."""


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required`` (or
    ``common.permissions.staff_required``): its ``user`` is a ``User``, never
    ``AnonymousUser``. For annotations only; Django builds plain
    ``HttpRequest`` objects, the decorator is what makes this true."""

    user: User
