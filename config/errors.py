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
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

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
