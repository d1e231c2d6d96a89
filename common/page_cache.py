"""Whole public pages shared by the visitors who are not logged in.

The search page and a company page cost some 10 ms of Python and, on a
large directory, 5 to 25 ms of SQL each; the same few searches ("plombier"
+ a big city) and the same popular companies come back all day, and a
visitor without a session sees exactly what every other one sees. A page
built for such a visitor is kept, for ``settings.PAGE_CACHE_SECONDS``
(60), in this process's own memory (``CACHES["pages"]``: no round trip,
bounded by its ``MAX_ENTRIES``) and served again to the next one; this is
the microcache a reverse proxy would keep in front of the site, done where
the application knows what a page depends on (issue 16 §1).

What makes a page shareable (:func:`shared_with_visitors`, a view
decorator): a GET or HEAD from a visitor with no session cookie and no
message cookie (so not logged in, no flash message, no form state), while
``PAGE_CACHE_SECONDS`` is positive. A page is kept only when it is a
complete 200 HTML answer that saved no session and queued no message.

What a kept page never holds:

- the visitor's CSRF token: the page is built with a random placeholder
  in its place (a context processor, :func:`csrf_placeholder`), and each
  answer, built or served again, carries that visitor's own token;
- anything stale: the key holds :func:`pages_version`, a token that
  changes when a row a public page shows is written (the models each app
  passes to :func:`watch`, at once and again on commit, so that a page
  built from rows not yet committed is kept under the old token), at the
  end of each step of the night that changed rows (``common.nightly``),
  and when the taxonomy changes (``taxonomy_changed``); a service whose
  write sends no signal (an ``UPDATE`` of a queryset) calls
  :func:`pages_written`; other such writes (the admin's bulk actions, a
  shell, raw SQL outside the night) show within ``PAGE_CACHE_SECONDS``.
  The key also holds the language, the scheme, the host, the full path
  with its query string and the local date (a check that expires today).

The version lives in the shared cache (Redis in production: one GET per
shareable request), so a write on one worker is seen by all. While Redis
is unreachable each process draws its own version and a write is seen by
other processes only once their pages expire.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from uuid import uuid4

from django.apps import AppConfig
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

# The shared cache's key of the version of the public pages.
PAGES_VERSION_CACHE_KEY = "pages:version"
# Where the pages are kept (this process's memory, settings.CACHES).
PAGES_CACHE_ALIAS = "pages"
# Set on a request whose page is being built to be kept: the placeholder
# that stands for the CSRF token in it.
_PLACEHOLDER_ATTRIBUTE = "_shared_page_csrf_placeholder"


def pages_version() -> str:
    """A short token that changes whenever a row shown by a public page is
    written (see the module). Kept in the shared cache with no expiry;
    when it is lost, a new one is drawn (every kept page is built again)."""
    version: str | None = cache.get(PAGES_VERSION_CACHE_KEY)
    if version is None:
        cache.add(PAGES_VERSION_CACHE_KEY, uuid4().hex[:12], timeout=None)
        version = cache.get(PAGES_VERSION_CACHE_KEY) or "unversioned"
    return version


def pages_changed() -> None:
    """Draw a new :func:`pages_version`: no page kept before is served
    again."""
    cache.set(PAGES_VERSION_CACHE_KEY, uuid4().hex[:12], timeout=None)


def pages_written() -> None:
    """Rows a public page shows were written: a new :func:`pages_version`
    at once, for what reads in this transaction (the writer's own next
    page), and again on commit, for the pages other requests built
    meanwhile from the rows as they were before it. What a watched model's
    save or delete does (:func:`watch`); a service that writes such rows
    with no signal (a queryset ``UPDATE`` or ``bulk_update``) calls it."""
    pages_changed()
    transaction.on_commit(pages_changed)


def _row_written(sender: type[models.Model], **kwargs: Any) -> None:
    pages_written()


def watch(app: AppConfig, *, private: Iterable[type[models.Model]] = ()) -> None:
    """Draw a new pages version whenever a row of one of ``app``'s models
    but the ``private`` ones (which no public page shows) is saved or
    deleted, or one of their many-to-many relations changes. Called from
    the app's ``ready()``."""
    uid = app.label
    hidden = set(private)
    for model in app.get_models():
        if model in hidden:
            continue
        for signal in (post_save, post_delete):
            signal.connect(
                _row_written,
                sender=model,
                dispatch_uid=f"{uid}-pages-{model._meta.label}-{signal is post_save}",
            )
        for relation in model._meta.local_many_to_many:
            m2m_changed.connect(
                _row_written,
                sender=relation.remote_field.through,
                dispatch_uid=f"{uid}-pages-{model._meta.label}-{relation.name}",
            )


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: in a page being built to be shared, the CSRF
    token is a placeholder, replaced by each visitor's own token when the
    page is served. Listed after Django's ``csrf`` processor, which it
    overrides then only."""
    placeholder = getattr(request, _PLACEHOLDER_ATTRIBUTE, None)
    return {"csrf_token": placeholder} if placeholder else {}


def _shareable(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _key(request: HttpRequest) -> str:
    address = "\n".join((request.scheme or "", request.get_host(), request.get_full_path())).encode(
        "utf-8", "surrogateescape"
    )
    return ":".join(
        (
            "page",
            pages_version(),
            translation.get_language() or "",
            timezone.localdate().isoformat(),
            hashlib.sha256(address).hexdigest(),
        )
    )


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and not response.has_header("Cache-Control")
        and not response.cookies
        and not (session is not None and session.modified)
        and not getattr(get_messages(request), "added_new", False)
    )


def shared_with_visitors(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """View decorator: a shareable request (see the module) is answered
    with the page kept for its key when there is one, else the page is
    built by ``view`` and kept when it can be. Every other request goes to
    ``view`` untouched."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _shareable(request):
            return view(request, *args, **kwargs)
        pages = caches[PAGES_CACHE_ALIAS]
        key = _key(request)
        kept: tuple[str, bytes, str] | None = pages.get(key)
        if kept is None:
            placeholder = secrets.token_hex(16)
            setattr(request, _PLACEHOLDER_ATTRIBUTE, placeholder)
            try:
                response = view(request, *args, **kwargs)
            finally:
                delattr(request, _PLACEHOLDER_ATTRIBUTE)
            if not isinstance(response, HttpResponse) or response.streaming:
                return response
            if _keepable(request, response):
                pages.set(
                    key,
                    (placeholder, response.content, response["Content-Type"]),
                    timeout=settings.PAGE_CACHE_SECONDS,
                )
            response.content = _with_token(request, response.content, placeholder)
            return response
        placeholder, content, content_type = kept
        return HttpResponse(_with_token(request, content, placeholder), content_type=content_type)

    return wrapped


def _with_token(request: HttpRequest, content: bytes, placeholder: str) -> bytes:
    marker = placeholder.encode()
    if marker not in content:
        return content
    return content.replace(marker, get_token(request).encode())
