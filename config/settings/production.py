"""The real deployment: PostgreSQL, Redis, SMTP, HTTPS behind a proxy.

Refuses to start without ``SECRET_KEY``, ``LOYALTY_CLIENT_KEY``,
``ALLOWED_HOSTS`` and ``DATABASE_URL``; passes ``manage.py check --deploy`` without warnings.
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
# Its own secret, not derived from SECRET_KEY: rotating SECRET_KEY must not
# split every client's loyalty history (loyalty.identity.client_key).
LOYALTY_CLIENT_KEY = env.str("LOYALTY_CLIENT_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
env.str("DATABASE_URL")  # no SQLite fallback in production

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The health probe runs inside the network, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Partner webhooks go to https:// URLs of public servers only, whatever the
# environment says (base.py, "Partner webhooks"): the SSRF guard is never off here.
WEBHOOK_ALLOW_HTTP = False
WEBHOOK_ALLOW_PRIVATE_TARGETS = False
