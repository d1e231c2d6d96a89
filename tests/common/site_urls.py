"""Every URL of the site, discovered from the URL configuration, with its
parameters filled from a small cast of rows: the crawler that the hostile
input and HEAD tests walk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Not ours, or not pages: Django's admin, the language switch, sitemaps
# and uploaded media.
SKIPPED_PREFIXES = ("admin:",)
SKIPPED_NAMES = {"set_language", "sitemap-section", None}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    params: tuple[str, ...]  # the route's parameter names


def routes() -> Iterator[Route]:
    """Every named route of the project (admin excluded)."""

    def walk(patterns: list, namespace: str) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}{pattern.namespace}:"
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else None
                if name in SKIPPED_NAMES or (name or "").startswith(SKIPPED_PREFIXES):
                    continue
                if pattern.name in SKIPPED_NAMES:
                    continue
                params = tuple(getattr(pattern.pattern, "converters", {}).keys())
                if not params and pattern.pattern.regex.groupindex:
                    params = tuple(pattern.pattern.regex.groupindex)
                yield Route(name=name, params=params)

    seen = set()
    for route in walk(get_resolver().url_patterns, ""):
        if route not in seen:
            seen.add(route)
            yield route


def url_of(route: Route, values: dict[str, object]) -> str:
    """The route's URL with ``values`` for its parameters (a ``KeyError``
    names a parameter the cast does not cover yet)."""
    kwargs = {}
    for param in route.params:
        key = f"{route.name}.{param}"
        kwargs[param] = values[key] if key in values else values[param]
    return reverse(route.name, kwargs=kwargs)


@dataclass
class Form:
    method: str  # "get" or "post"
    action: str
    fields: list[dict[str, str]]  # each: tag, type, name, value, and options


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            self._form = Form(method=method, action=a.get("action", ""), fields=[])
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "button" and a.get("name"):
            self._form.fields.append({"tag": tag, **a, "type": "submit", "options": ""})
        elif tag in ("input", "textarea") and a.get("name"):
            self._form.fields.append(
                {"tag": tag, "type": a.get("type", "text").lower(), **a, "options": ""}
            )
        elif tag == "select" and a.get("name"):
            self._select = {"tag": "select", "type": "select", **a, "options": ""}
            self._form.fields.append(self._select)
        elif (
            tag == "option"
            and self._select is not None
            and a.get("value")
            and not self._select["options"]
        ):
            self._select["options"] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def page_forms(html: str) -> list[Form]:
    """The forms of a page, with their fields."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def visitors(client, cast):
    """(role, log in) for each kind of visitor."""
    return [
        ("anonymous", client.logout),
        ("owner", lambda: client.force_login(cast.owner_a)),
        ("staff", lambda: client.force_login(cast.staff)),
    ]


def walk(client, cast, site):
    """(role, route, url) of every page the role may open."""
    for role, login in visitors(client, cast):
        login()
        for route in sorted(routes(), key=lambda route: route.name):
            yield role, login, route, url_of(route, site)
