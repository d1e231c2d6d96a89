"""The embedded default: runs with no environment at all (``make run``)."""

from __future__ import annotations

import warnings

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])


def _dev_secret_key() -> str:
    """A secret generated once per checkout, so sessions survive restarts."""
    path = VAR_DIR / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _dev_secret_key()
# The clients' keys of the loyalty score (loyalty.identity): derived from
# this checkout's secret unless given.
LOYALTY_CLIENT_KEY = env.str("LOYALTY_CLIENT_KEY", default="") or f"loyalty:{SECRET_KEY}"

# WhiteNoise serves static files from the app folders (its "finders"), and
# re-reads them when they change, with DEBUG on or off: `make run` runs the
# demo with DEBUG off so that it shows the site's own error pages (Makefile,
# DEMO_ENV). collectstatic's folder only exists in the real deployment.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
warnings.filterwarnings("ignore", message="No directory at")

# django-ratelimit prefers a cache shared by every process; the embedded
# default runs one process, where the local-memory cache is exact.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "django_ratelimit.E003"]  # noqa: F405

# Webhooks to a developer's own machine (http://127.0.0.1:…/): the SSRF
# guard stays in the code and its tests, with the checks turned off here
# only (base.py, "Partner webhooks").
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=True)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=True)
