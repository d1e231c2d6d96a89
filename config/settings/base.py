"""Settings shared by every environment.

Every value that differs between machines is read here, once, from the
environment through django-environ's typed getters; booleans are strict
(``environment.Env``: a typo stops start-up). With nothing set, the project
runs on its *embedded default*: a SQLite file, eager Celery tasks, a
local-memory cache and console email (see ``local.py``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from common.error_reporting import init_error_reporting
from common.log_filters import with_token_masking

from .environment import Env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = Env()
# A local .env file is convenient on a developer machine; the real
# deployment passes variables through its process manager instead.
Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime files of the embedded default (SQLite database, uploaded media,
# generated dev secret) live here, outside version control.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused by the CSRF check: the site's page asking to reload it.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

SITE_NAME = "Plus que pro"
# Absolute links in e-mails sent by workers, which have no request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "django_ratelimit",
    "post_office",
    "rest_framework",
    # Only for its abstract key model: partners.PartnerKey is the key table.
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from our static files
    # The shared library is an app only so that its outbox tasks are
    # discovered by Celery and its admin is loaded; it owns no table.
    "common",
    "partners",
    "directory",
    "eligibility",
    "reviews",
    "loyalty",
    "prospects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # taxonomy_version read once per request (the search and its fragments).
    "directory.taxonomy.middleware.TaxonomyVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # An API path with a control character: the API's 404 problem.
    "partners.api.problems.ApiPathMiddleware",
    # No NUL or other control character reaches a form or a view (issue 10).
    "common.middleware.ControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Paths whose views parse their own body: common.middleware's
# ControlCharactersMiddleware leaves request.POST unread there.
CONTROL_CHARACTERS_OWN_BODY_PATHS = ["/api/"]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                # In a public page kept for every visitor (common.page_cache),
                # the CSRF token is a placeholder replaced per visitor.
                "common.page_cache.csrf_placeholder",
            ],
        },
    },
]

# --- Content-Security-Policy (django-csp 4) ---------------------------------

# Everything comes from this site: scripts only from our static files (no
# inline script or event handler, no eval), no inline style either (bars
# are drawn in SVG), images and fonts from here, no plugin, no framing
# (clickjacking), forms post only here. Enforced everywhere, never
# report-only: a violation is a bug the browser tests catch
# (tests/browser/test_csp.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Data stores ------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL switches the cache and the Celery broker to Redis together.
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, falling back to this process's memory
            # while Redis is unreachable (common/cache.py): a Redis outage
            # degrades the site instead of breaking it.
            "BACKEND": "common.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "pqp",
            "TIMEOUT": 300,
            # Seconds; a dead or unreachable server costs at most this.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "plusquepro",
        }
    }

# This process's own memory, for template fragments that change only with a
# deployment (the site's navigation links in each language, base.html) or
# whose key holds the version of what they show (taxonomy_version: the
# trade suggestions, the filter selects, the sector menu): no round trip
# to Redis and back for the same HTML on every page (issue 16).
CACHES["process"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "plusquepro-process",
    "TIMEOUT": None,
    # Each selected trade's <select> in each language: some 400 fragments
    # (~10 KB each) per taxonomy version; older versions are culled.
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# Whole public pages built for a visitor who is not logged in (the search,
# a company, a trade), kept this many seconds in each process's memory and
# served again to the next such visitor, unless a row they show is written
# meanwhile (common.page_cache). 0 turns it off. Some 300 pages of ~60 KB
# per process; the oldest third is culled when full.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "plusquepro-pages",
    "TIMEOUT": PAGE_CACHE_SECONDS,
    "OPTIONS": {"MAX_ENTRIES": 300},
}

# django-ratelimit predates Django's own Redis backend, whose incr() is
# atomic (Redis INCR): its "not officially supported" warning is moot.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# --- Celery -----------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
# Without a broker, tasks run in-process so the embedded default needs no
# worker. Tasks are always queued with ``delay_on_commit`` so a worker
# never sees rows that are not committed yet.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process dies (kill -9, out of memory) is acked, not
# retried, unless it sets ``reject_on_worker_lost=True`` itself: only the
# tasks that are safe to run twice do (the file imports, their sweepers).
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that grows past this (KiB) is replaced after its task:
# one hostile upload or a leak cannot keep a worker swollen (issue 10).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 11 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Paris"
# One queue per kind of work (issue 16 §4), so that a long nightly job or a
# large import never holds up an e-mail or a webhook: docker-compose runs a
# worker for the light queues (default, mail, webhooks) and one each for
# imports and nightly work; a worker started without -Q serves them all.
# Every task has a route (tests/common/test_queues.py checks it).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {
    name: {"exchange": name, "routing_key": name}
    for name in ("default", "mail", "webhooks", "imports", "nightly")
}
CELERY_TASK_ROUTES = {
    # E-mails: the outbox's sends and sweeps, and the jobs that only fill it.
    "common.tasks.send_outbox_email": {"queue": "mail"},
    "common.tasks.outbox_sweep": {"queue": "mail"},
    "reviews.tasks.send_reminders": {"queue": "mail"},
    "prospects.tasks.send_follow_up_digests": {"queue": "mail"},
    # Webhook deliveries and their sweeper (partners.webhooks).
    "partners.tasks.deliver_webhook": {"queue": "webhooks"},
    "partners.tasks.send_due_webhooks": {"queue": "webhooks"},
    # File imports: their runs, checks, sweepers and purges.
    "*.run_*_import": {"queue": "imports"},
    "*.check_*_import": {"queue": "imports"},
    "*.sweep_*_imports": {"queue": "imports"},
    "*.purge_*_imports": {"queue": "imports"},
    # The night's chain (its start and each step), checks and retention.
    "common.tasks.nightly_start": {"queue": "nightly"},
    "common.tasks.nightly_step": {"queue": "nightly"},
    "reviews.tasks.verify_review_log": {"queue": "nightly"},
    "reviews.tasks.apply_retention": {"queue": "nightly"},
    "prospects.tasks.anonymise_lost_prospects": {"queue": "nightly"},
    "partners.tasks.purge_idempotency_records": {"queue": "nightly"},
    "partners.tasks.purge_webhook_log": {"queue": "nightly"},
    "directory.quotes.tasks.purge_unconfirmed_quote_requests": {"queue": "nightly"},
    "common.tasks.outbox_purge": {"queue": "nightly"},
}
# --- The night's chain (issue 16 §2; common.nightly) -------------------------
#
# One chain, started at NIGHTLY_START (Paris time), its steps in this
# order because each reads what the previous ones wrote: fraud scores and
# audits (missed audits exclude sessions and strike companies), the review
# figures, the loyalty scores (trust = reviews and loyalty), the prospect
# scores (before the owners' 8:00 digest), the re-screening, and last the
# search keys copied onto the trade rows. ``run``: a function returning a
# ``common.nightly.StepResult``.
#
# Time limits, in seconds, sized from ``make bench-nightly`` (issue 16 §3:
# 1,000,000 companies, 2,000,000 reviews, 5,000,000 sessions, 200,000
# prospects, on the 2-core benchmark machine): the hard limit is about ten
# times the slowest time a step took there, never under 3 minutes, the
# soft limit a minute before it so that the step records its failure
# before the worker is killed. Measured on 2026-12-02 (a quiet machine,
# first night / same night again, s): review-audits 31.0 / 30.3,
# session-audits 0.02 / 0.02, review-stats 6.8 / 6.8, loyalty-scores
# 60.0 / 17.3, prospect-scores 26.7 / 15.5, eligibility 1.2 / 1.4,
# vetting-checks 17.1 (a million due dates written) / 2.0, search-keys
# 5.3 / 5.8. A step that outgrows its limit fails, is recorded (JobRun)
# and shows in /healthz; raise its limit from a new benchmark. The limits
# add up to 36 minutes, done by 1:51 after a 1:15 start, long before the
# 8:00 digests; the lease of a step is its hard limit and a minute
# (common.jobs).
NIGHTLY_START = {"hour": 1, "minute": 15}
NIGHTLY_STEPS = {
    "review-audits": {
        "run": "reviews.tasks.nightly_review_audits",
        "label": _("Fraud scores and document audits"),
        "soft_time_limit": 5 * 60,
        "time_limit": 6 * 60,
    },
    "session-audits": {
        "run": "loyalty.tasks.nightly_session_audits",
        "label": _("Session audits"),
        "soft_time_limit": 2 * 60,
        "time_limit": 3 * 60,
    },
    "review-stats": {
        "run": "reviews.tasks.nightly_review_stats",
        "label": _("Review figures of companies"),
        "soft_time_limit": 2 * 60,
        "time_limit": 3 * 60,
    },
    "loyalty-scores": {
        "run": "loyalty.tasks.nightly_loyalty_scores",
        "label": _("Loyalty scores and baselines"),
        "soft_time_limit": 9 * 60,
        "time_limit": 10 * 60,
    },
    "prospect-scores": {
        "run": "prospects.tasks.nightly_prospect_scores",
        "label": _("Prospect scores"),
        "soft_time_limit": 4 * 60,
        "time_limit": 5 * 60,
    },
    "eligibility": {
        "run": "eligibility.tasks.nightly_rescreen",
        "label": _("Eligibility re-screening"),
        "soft_time_limit": 2 * 60,
        "time_limit": 3 * 60,
    },
    "vetting-checks": {
        "run": "eligibility.tasks.nightly_checks",
        "label": _("Vetting checks: reminders and expiries"),
        "soft_time_limit": 2 * 60,
        "time_limit": 3 * 60,
    },
    "search-keys": {
        "run": "directory.companies.tasks.nightly_search_keys",
        "label": _("Search keys"),
        "soft_time_limit": 2 * 60,
        "time_limit": 3 * 60,
    },
}

# The whole periodic schedule lives here. ``expires`` drops a run that a
# busy or stopped worker picks up too late instead of piling them up.
CELERY_BEAT_SCHEDULE = {
    "directory-refresh-profession-counts": {
        "task": "directory.taxonomy.tasks.refresh_profession_counts",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
    # The night's chain, its steps in order (NIGHTLY_STEPS, common.nightly):
    # audits, review figures, loyalty, prospect scores, re-screening, vetting checks,
    # search keys.
    "nightly-chain": {
        "task": "common.tasks.nightly_start",
        "schedule": crontab(**NIGHTLY_START),
        "options": {"expires": 3 * 60 * 60},
    },
    "reviews-send-reminders": {
        "task": "reviews.tasks.send_reminders",
        "schedule": crontab(hour=10, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    # The tamper-evident record of the reviews: every chain checked, each
    # break logged (reviews.services.ledger).
    "reviews-verify-log": {
        "task": "reviews.tasks.verify_review_log",
        "schedule": crontab(hour=4, minute=10),
        "options": {"expires": 3 * 60 * 60},
    },
    # Removed reviews anonymised and their evidence deleted after
    # REVIEW_RETENTION_DAYS; unreviewed invoices' client data erased.
    "reviews-apply-retention": {
        "task": "reviews.tasks.apply_retention",
        "schedule": crontab(hour=4, minute=40),
        "options": {"expires": 3 * 60 * 60},
    },
    # The API's Idempotency-Key records, kept 24 h for replays
    # (partners.api.idempotency): the expired ones deleted.
    "partners-purge-idempotency-records": {
        "task": "partners.tasks.purge_idempotency_records",
        "schedule": crontab(hour=5, minute=5),
        "options": {"expires": 3 * 60 * 60},
    },
    # Prospects lost for 3 years: their personal data erased
    # (prospects.services.prospects_anonymise_lost).
    "prospects-anonymise-lost": {
        "task": "prospects.tasks.anonymise_lost_prospects",
        "schedule": crontab(hour=4, minute=50),
        "options": {"expires": 3 * 60 * 60},
    },
    # Each owner's overdue and today's follow-ups, one e-mail at 8:00 Paris
    # time (issue 15; prospects.services.digests_send). Expires before noon:
    # a morning digest read in the afternoon is no longer one.
    "prospects-send-follow-up-digests": {
        "task": "prospects.tasks.send_follow_up_digests",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 4 * 60 * 60},
    },
    # Long jobs whose worker died: re-queued or failed within minutes
    # (common.leases); the invoice files' client data purged after
    # INVOICE_IMPORT_RETENTION whatever happened.
    "reviews-sweep-invoice-imports": {
        "task": "reviews.tasks.sweep_invoice_imports",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "reviews-purge-invoice-imports": {
        "task": "reviews.tasks.purge_invoice_imports",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
    # The same for the session files (loyalty.services.imports).
    "loyalty-sweep-session-imports": {
        "task": "loyalty.tasks.sweep_session_imports",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "loyalty-purge-session-imports": {
        "task": "loyalty.tasks.purge_session_imports",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
    # And for the prospect files (prospects.imports).
    "prospects-sweep-prospect-imports": {
        "task": "prospects.tasks.sweep_prospect_imports",
        "schedule": 60,
        "options": {"expires": 55},
    },
    "prospects-purge-prospect-imports": {
        "task": "prospects.tasks.purge_prospect_imports",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
    # Periodic runs whose worker died (common.jobs): queued again or,
    # after JOB_RUN_MAX_ATTEMPTS claims, failed (admin: Job runs).
    "common-job-runs-sweep": {
        "task": "common.tasks.job_runs_sweep",
        "schedule": 2 * 60,
        "options": {"expires": 100},
    },
    "common-outbox-sweep": {
        "task": "common.tasks.outbox_sweep",
        "schedule": 60,
        "options": {"expires": 50},
    },
    "common-outbox-purge": {
        "task": "common.tasks.outbox_purge",
        "schedule": crontab(hour=4, minute=10),
        "options": {"expires": 3 * 60 * 60},
    },
    # Partner webhooks: retries whose time came, new deliveries left by a
    # broker outage (partners.tasks).
    "partners-send-due-webhooks": {
        "task": "partners.tasks.send_due_webhooks",
        "schedule": 60,
        "options": {"expires": 50},
    },
    "partners-purge-webhook-log": {
        "task": "partners.tasks.purge_webhook_log",
        "schedule": crontab(hour=4, minute=20),
        "options": {"expires": 3 * 60 * 60},
    },
    "directory-purge-unconfirmed-quote-requests": {
        "task": "directory.quotes.tasks.purge_unconfirmed_quote_requests",
        "schedule": 60 * 60,
        "options": {"expires": 30 * 60},
    },
}

# --- Email ------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Plus que pro <contact@plusquepro.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Outbox (every e-mail is a row first; common/outbox.py) ----------------
#
# Services write an e-mail as a django-post-office ``Email`` row in their own
# transaction; a worker claims and sends it (common.tasks.send_outbox_email,
# queued on commit), the sweeper re-queues rows left unsent (broker down,
# worker lost). Post Office's own sending loop and Celery hook stay off: we
# claim rows one by one and never let a broker error reach the request.
POST_OFFICE = {
    "CELERY_ENABLED": False,
    "LOG_LEVEL": 1,  # a Log row per failure only (exception type and text, never the body)
    "MESSAGE_ID_ENABLED": False,
}
# A failed attempt is retried after OUTBOX_RETRY_SECONDS × 2^(attempt-1)
# (1, 2, 4, 8, 16 minutes…); after OUTBOX_MAX_ATTEMPTS the row is "failed",
# listed for staff in the admin (action "re-send").
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=60)
# A worker that claimed a row has this long to send it; a row claimed by a
# worker that died is swept again after it.
OUTBOX_LEASE_SECONDS = 5 * 60
# A new row is swept only if its own on-commit task has not sent it within this.
OUTBOX_SWEEP_GRACE_SECONDS = 60
# Sent and failed messages hold personal data: deleted after this many days.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)

# --- Authentication ---------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "directory:account"
# django-allauth: e-mail only, verified before the first log-in. Its own
# rate limits (log-in failures, sign-up, password reset…) stay on with
# their defaults; customisation goes through directory.accounts.adapter.
ACCOUNT_ADAPTER = "directory.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "directory:home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Plus que pro] "
ACCOUNT_USER_DISPLAY = "directory.accounts.adapter.user_display"
# allauth's forms with the site's checks of a typed e-mail address (254
# characters at most, no accents before the @, a real domain, no control
# character): directory.accounts.forms.
ACCOUNT_FORMS = {
    "signup": "directory.accounts.forms.SignupForm",
    "add_email": "directory.accounts.forms.AddEmailForm",
    "login": "directory.accounts.forms.LoginForm",
    "reset_password": "directory.accounts.forms.ResetPasswordForm",
}
# What a person's data export holds besides their account (GDPR art. 20):
# section name -> a function(user) -> JSON-ready list, owned by each app.
PERSONAL_DATA_SECTIONS = {
    "memberships": "directory.team.selectors.personal_data",
    "reviews": "reviews.selectors.personal_data",
    "quote_requests": "directory.quotes.selectors.personal_data",
}
# What the pro space (directory.pro) shows from the apps above directory,
# which it may not import: name -> function, typed in directory.pro.facts.
# Vetting checks (issue 17): a listed company that predates them has this
# many days to pass its required checks before it is flagged; passes that
# end are told to the company this many days before (each threshold once).
VETTING_CHECKS_GRACE_DAYS = env.int("VETTING_CHECKS_GRACE_DAYS", default=90)
VETTING_REMINDER_DAYS = (30, 7)

PRO_SPACE_SOURCES = {
    "review_figures": "reviews.dashboard.review_figures",
    "session_audit_figures": "loyalty.selectors.session_audit_figures",
    "application_state": "eligibility.pro_space.application_state",
    "suspension": "eligibility.pro_space.suspension",
    "check_figures": "eligibility.pro_space.check_figures",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Proof documents: outside MEDIA_ROOT, never served without a permission check.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
# Public media (logos, photos) are served by Django itself unless a proxy or
# object store takes over in front of it.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Logging ----------------------------------------------------------------

# Warnings and errors are condensed by kind: the first in full, then one
# line a minute with the number held back (common/log_condense.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"condense": {"()": "common.log_condense.CondenseRepeats", "window": 60}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["condense"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Bearer tokens out of logs (issue 10) ----------------------------------
# Signed links in paths ("/avis/<token>/", "Not Found: …") are masked on
# every handler and on django.server (runserver's request lines);
# gunicorn's access log masks them in gunicorn.conf.py.
LOGGING = with_token_masking(LOGGING)
# --- Degraded operation: outages, proxies, error reports (issue 10) --------

# Optional error reporting (sentry-sdk), without personal data
# (common/error_reporting.py). Unset: nothing is sent, and the error
# pages do not claim that anyone was alerted.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
ERROR_REPORTING = init_error_reporting(
    dsn=SENTRY_DSN,
    environment=env.str("SENTRY_ENVIRONMENT", default=""),
    release=env.str("SENTRY_RELEASE", default=""),
)

# How many reverse proxies of ours stand in front of the application,
# each appending to X-Forwarded-For: the client is the address the
# outermost one saw (common/client_ip.py). 0 (direct access, the default)
# ignores the header; a wrong count lets visitors choose their address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Every per-IP limit and recorded address uses that one function.
RATELIMIT_IP_META_KEY = "common.client_ip.client_ip"
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # the adapter uses client_ip too
# When a counter can be neither read nor written, django-ratelimit lets
# the request through (a local counter takes over first, see CACHES).
RATELIMIT_FAIL_OPEN = True
# allauth's defaults, stated: 10 failed log-ins a minute per client, and 5
# per 5 minutes per account *and client* (the adapter puts the client's
# address into the key): a stranger cannot lock the real user out.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# /healthz answers within this many seconds, naming what did not answer.
HEALTHZ_TIMEOUT_SECONDS = 1.0

# --- Directory --------------------------------------------------------------

# A pro declares how far it travels; no trade in scope travels further.
DIRECTORY_MAX_INTERVENTION_RADIUS_KM = 200
DIRECTORY_DEFAULT_SEARCH_RADIUS_KM = 50
DIRECTORY_SEARCH_RADIUS_CHOICES_KM = (10, 20, 50, 100, 200)
DIRECTORY_RESULTS_PER_PAGE = 20
# Pages beyond this are refused: nobody reads them, and deep OFFSETs are slow.
DIRECTORY_MAX_RESULT_PAGES = 50
# An owner's invitation to join a company is valid this long.
DIRECTORY_INVITATION_MAX_AGE_DAYS = 7

# --- Partner API (issue 14) -----------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.api.auth.PartnerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["partners.api.permissions.HasScopes"],
    # JSON only: the browsable API's inline scripts break the site's CSP.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["partners.api.parsers.JSONParser"],  # problems in fr and en
    # 406 for an Accept or a ?format= we cannot meet, worded in fr and en.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "partners.api.negotiation.ContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": [],  # per key and scope: partners.api.ratelimit
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,  # the path says /api/v1/
    "EXCEPTION_HANDLER": "partners.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PAGINATION_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plus que pro — API partenaires",
    "DESCRIPTION": (
        "Read the directory of vetted professionals and their invoice-verified reviews; send "
        "the invoices and sessions of the companies that connected you (safe retries with "
        "`Idempotency-Key`). "
        "Authenticate with `Authorization: Api-Key <key>`; each operation names the scope "
        "it needs. Errors are RFC 9457 problem details (`application/problem+json`), in "
        "French, or English with `Accept-Language: en`. Every response of an authenticated "
        "request carries the `RateLimit-Policy` and `RateLimit` headers."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"SessionStatusEnum": "loyalty.models.SessionStatus"},
}
# Requests per key and window, per scope of the endpoint ("default": an
# endpoint without a scope). "N/minute", "N/hour", "N/day", "N/5minute".
API_RATE_LIMITS = {
    "default": env.str("API_RATE_DEFAULT", default="600/minute"),
    "directory:read": env.str("API_RATE_DIRECTORY_READ", default="600/minute"),
    "reviews:read": env.str("API_RATE_REVIEWS_READ", default="600/minute"),
    "invoices:write": env.str("API_RATE_INVOICES_WRITE", default="120/minute"),
    "sessions:write": env.str("API_RATE_SESSIONS_WRITE", default="120/minute"),
    "webhooks:manage": env.str("API_RATE_WEBHOOKS_MANAGE", default="60/minute"),
}
# Windows (limit/offset) of the lists: no deeper than the search pages go
# (DIRECTORY_RESULTS_PER_PAGE × DIRECTORY_MAX_RESULT_PAGES), no COUNT.
API_MAX_LIMIT = 50
# What a company's profile (GET /api/v1/companies/{slug}) shows from the
# apps above directory, which directory.api may not import: section name
# -> dotted path of a directory.api.CompanySection (its annotations read
# in the profile's one query, its render(company) -> dict or None).
API_COMPANY_SECTIONS = {
    "reviews": "reviews.api.REVIEW_FIGURES_SECTION",
    "loyalty": "loyalty.api.LOYALTY_SECTION",
}
API_MAX_OFFSET = 1000

# --- Eligibility ------------------------------------------------------------

# The screening thresholds (seed 000), in one place: fewer than 5 new
# clients a day, an amount generally above €1,000; beyond twice a
# threshold a failure is clear, within it a person decides.
ELIGIBILITY_THRESHOLDS = {
    "max_new_clients_per_day": 5,
    "min_amount_eur": 1000,
    "clear_failure_ratio": 2.0,
}
# The reply time told to applicants (step 4, the "application received"
# e-mail) is measured: the median delay of the vetting team's first reply
# over the applications first sent in the last WINDOW days. Until MIN_SAMPLES
# replies were measured, it is the team's own figure, REPLY_DAYS.
ELIGIBILITY_REPLY_DAYS = env.int("ELIGIBILITY_REPLY_DAYS", default=3)
ELIGIBILITY_REPLY_WINDOW_DAYS = 90
ELIGIBILITY_REPLY_MIN_SAMPLES = 5

# --- Reviews ----------------------------------------------------------------

# An invitation to review is valid about four months, with one reminder.
REVIEW_INVITATION_DAYS = env.int("REVIEW_INVITATION_DAYS", default=122)
REVIEW_REMINDER_DAYS = env.int("REVIEW_REMINDER_DAYS", default=10)
# Invoices older than this are registered (a service done, for loyalty) but
# their client is not invited: a review tells of a recent experience
# (reviews.services.invitations.invoice_too_old; shown on the transparency page).
REVIEW_INVOICE_MAX_AGE_DAYS = env.int("REVIEW_INVOICE_MAX_AGE_DAYS", default=365)
# A review that fails an automatic check waits for a person, who decides
# within this many days at most: the promise of the transparency page, next
# to the real delays by rating (reviews.transparency.pending_ages counts the
# reviews waiting longer).
REVIEW_MODERATION_MAX_DAYS = env.int("REVIEW_MODERATION_MAX_DAYS", default=7)
# Share of newly published reviews whose invoice is audited each night.
REVIEW_AUDIT_RATE = env.float("REVIEW_AUDIT_RATE", default=0.05)
# A company that misses this many document audits (no invoice sent within
# 15 days) within the window gets an automatic public warning (issue 12).
REVIEW_STRIKES_WARNING = env.int("REVIEW_STRIKES_WARNING", default=2)
REVIEW_STRIKES_WINDOW_DAYS = env.int("REVIEW_STRIKES_WINDOW_DAYS", default=365)
# Removed reviews and their evidence are kept at least this long (never
# fewer than 365 days), then anonymised, their evidence deleted
# (reviews.services.retention, nightly: reviews.tasks.apply_retention).
REVIEW_RETENTION_DAYS = 366
# The client data of an invoice never reviewed is erased this long after
# its invitation could no longer be used (REVIEW_INVITATION_DAYS).
REVIEW_CLIENT_DATA_MARGIN_DAYS = 30
# File imports (common.file_imports): the client data of an invoice or
# sessions file is deleted when its import ends, and after this long
# whatever became of the import (reviews.tasks.purge_invoice_imports,
# loyalty.tasks.purge_session_imports, prospects.tasks.purge_prospect_imports).
# One period for every file, the one the privacy notice states.
INVOICE_IMPORT_RETENTION = timedelta(hours=24)
# The author's private "manage" link (update, withdraw, appeal) works this
# long, about 18 months; an expired one gets a fresh link by e-mail from
# its page (issue 10: bearer links must not live forever).
REVIEW_MANAGE_LINK_DAYS = env.int("REVIEW_MANAGE_LINK_DAYS", default=548)

# --- Loyalty (issue 13; seed 002, the Wecasa model) -------------------------
# The secret of the clients' keys (loyalty.identity.client_key, HMAC-SHA256):
# set in each settings module (production requires it; changing it splits
# every client's history in two, so it is never rotated lightly).
LOYALTY_CLIENT_KEY = ""
# A company's score counts only from this many completed sessions (seed 002:
# "calculé uniquement après 30 prestations réalisées").
LOYALTY_MIN_SESSIONS = env.int("LOYALTY_MIN_SESSIONS", default=30)
# A new client "returned" with another completed session on a later day
# within this many days of the first (seed 002: 6 months).
LOYALTY_RETURN_DAYS = env.int("LOYALTY_RETURN_DAYS", default=180)
# Share of the sessions recorded without an invoice (form, file) drawn each
# night for a document audit, as reviews are (REVIEW_AUDIT_RATE; issue 13).
LOYALTY_AUDIT_RATE = env.float("LOYALTY_AUDIT_RATE", default=0.05)
# At most this many audits opened for one company in one night, whatever it
# recorded the day before. The sample draws from the sessions *created* that
# day: a file of 20,000 past sessions imported at once opened 246 audits for
# one company (246 invoices to find within 15 days, each missed one a strike).
# Three a night still checks a big importer every night it records sessions.
LOYALTY_AUDITS_PER_COMPANY_MAX = env.int("LOYALTY_AUDITS_PER_COMPANY_MAX", default=3)

# --- Prospect scores (prospects.scoring, issue 15) --------------------------

# A pipeline scores its prospects with a naive-Bayes model learned from its
# own history once it holds at least this many won and this many lost
# prospects (issue 15: 50 and 50); before, with the documented rules.
PROSPECT_SCORE_MIN_WON = env.int("PROSPECT_SCORE_MIN_WON", default=50)
PROSPECT_SCORE_MIN_LOST = env.int("PROSPECT_SCORE_MIN_LOST", default=50)
# Laplace smoothing of the model's frequencies: pseudo-count added to every
# (feature value, outcome) pair (1 = Laplace, as Odoo's lead scoring does).
PROSPECT_SCORE_ALPHA = env.float("PROSPECT_SCORE_ALPHA", default=1.0)
# A pre-filled application link sent to a sales prospect works this many
# days (prospects.application_links); a new link or a revocation ends it.
PROSPECT_APPLICATION_LINK_DAYS = env.int("PROSPECT_APPLICATION_LINK_DAYS", default=14)
# A prospects file of more lines than this is previewed by a worker (its
# page shows the check's progress); a smaller one in the request.
PROSPECT_IMPORT_SYNC_MAX_ROWS = env.int("PROSPECT_IMPORT_SYNC_MAX_ROWS", default=2000)
# Sending that link by e-mail again within this many seconds of the last
# send is refused: a double submit, or two salespeople at once, send it once.
PROSPECT_APPLICATION_LINK_RESEND_SECONDS = env.int(
    "PROSPECT_APPLICATION_LINK_RESEND_SECONDS", default=60
)

# --- Partner portal (/partenaires/) ------------------------------------------

# A rotated key keeps working this long beside its successor, so the
# partner can deploy the new one without an outage.
PARTNER_KEY_ROTATION_OVERLAP_DAYS = env.int("PARTNER_KEY_ROTATION_OVERLAP_DAYS", default=7)
# A connection code a partner gives a company works once, within this time.
PARTNER_CONNECTION_CODE_DAYS = env.int("PARTNER_CONNECTION_CODE_DAYS", default=7)
# Tries of a connection code from the pro space, per account and per IP
# (django-ratelimit): 50 random bits are not guessed at this pace.
PARTNER_CONNECTION_RATE_PER_USER = env.str("PARTNER_CONNECTION_RATE_PER_USER", default="10/h")
PARTNER_CONNECTION_RATE_PER_IP = env.str("PARTNER_CONNECTION_RATE_PER_IP", default="30/h")
# Submissions of the portal's webhook endpoint form, per account
# (django-ratelimit): each resolves the URL's host name for the SSRF check,
# and its refusal tells whether a name resolves to a private address.
PARTNER_WEBHOOK_CREATE_RATE = env.str("PARTNER_WEBHOOK_CREATE_RATE", default="20/h")

# --- Quote requests ---------------------------------------------------------

# Per visitor IP and per account, on the public quote form (django-ratelimit).
QUOTE_RATE_PER_IP = env.str("QUOTE_RATE_PER_IP", default="5/h")
QUOTE_RATE_PER_USER = env.str("QUOTE_RATE_PER_USER", default="10/d")
# An anonymous request waits this long for its e-mail confirmation.
QUOTE_CONFIRMATION_MAX_AGE_HOURS = 48

# --- Partner webhooks -------------------------------------------------------

# The SSRF guard of webhook endpoints (common.webhooks.targets): both off in
# production, where a partner's URL must be https:// and every address its
# host resolves to public. The embedded default turns them on (local.py) so
# that a developer can receive webhooks on http://127.0.0.1; never set them
# in production: they let a partner's URL reach our internal services.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# After a secret rotation, the previous secret keeps signing this long
# (every delivery then carries both signatures).
WEBHOOK_SECRET_OVERLAP = timedelta(hours=env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24))
# Secrets that sign a delivery at once during rotations (Standard Webhooks
# sends one signature per secret): a retried rotation keeps the deployed
# secret signing; more rotations stop the oldest.
WEBHOOK_SIGNING_SECRETS_MAX = env.int("WEBHOOK_SIGNING_SECRETS_MAX", default=4)
# An endpoint whose every attempt failed for this long is disabled and its
# partner e-mailed (the retry schedule of one delivery lasts about 3 days).
WEBHOOK_DISABLE_AFTER = timedelta(days=3)
# A new delivery is sent by its own task when its transaction commits; the
# sweeper takes it after this if that never happened (broker down).
WEBHOOK_SWEEP_GRACE = timedelta(seconds=60)
WEBHOOK_ENDPOINTS_MAX = env.int("WEBHOOK_ENDPOINTS_MAX", default=10)
# Events and their delivery log are kept this long (partners replay from it).
WEBHOOK_LOG_RETENTION_DAYS = env.int("WEBHOOK_LOG_RETENTION_DAYS", default=30)
