"""The site's error pages when something broke below the views.

Django calls ``handler500`` (config/urls.py) for any uncaught exception,
wherever it was raised (a view, a middleware, a template), from inside
the ``except`` block, so the exception is still at hand:

* the database unreachable or gone (``OperationalError``,
  ``InterfaceError``): a 503 "maintenance" page with ``Retry-After``,
  the honest answer to a temporary outage (issue 10, §2);
* anything else: the 500 page, which says the error was reported only
  when error reporting is configured (``SENTRY_DSN``).

Both templates are rendered without the request: its context processors
would read the session and the user, that is the database.

A form refused by the CSRF check (``CSRF_FAILURE_VIEW``) gets the site's
own page, status 403, in the visitor's language: almost always the
session changed since the form was shown (a log-in in another tab), and
the visitor needs to reload the page, not Django's explanation of CSRF
cookies (shown below it only with ``DEBUG`` on).
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme

DATABASE_OUTAGE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_OUTAGE):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    reported = bool(getattr(settings, "ERROR_REPORTING", False))
    return HttpResponse(loader.get_template("500.html").render({"reported": reported}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    referer = request.headers.get("referer", "")
    back_to_referer = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    context = {
        "back_url": referer if back_to_referer else "",
        "reason": reason if settings.DEBUG else "",
    }
    return HttpResponse(loader.get_template("403_csrf.html").render(context, request), status=403)
