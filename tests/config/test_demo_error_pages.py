"""`make run` (the demo) shows the site's own error pages, never Django's
debug page that lists every URL, and still serves its static files.

The demo's settings are read as `make run` sets them: the environment
assignments of the Makefile's `runserver` line, over
``config.settings.local``, in a fresh process (settings are read once per
process)."""

from __future__ import annotations

import json

import pytest

from tests.config.demo_process import demo_environment, run_as_demo

PROBE = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from django.test import Client
client = Client()
pages = {}
for path in ("/cette-page-n-existe-pas/", "/entreprises/nobody-here/", "/static/css/site.css"):
    response = client.get(path)
    body = b"".join(response) if response.streaming else response.content
    pages[path] = {"status": response.status_code, "body": body.decode("utf-8", "replace")}
print(json.dumps({"debug": settings.DEBUG, "pages": pages}))
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    result = run_as_demo(PROBE, tmp_path_factory.mktemp("demo-var"), timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_turns_debug_off(demo):
    assert demo_environment()["DEBUG"] == "false"
    assert demo["debug"] is False


@pytest.mark.parametrize("path", ["/cette-page-n-existe-pas/", "/entreprises/nobody-here/"])
def test_unknown_url_shows_the_sites_own_404_page(demo, path):
    page = demo["pages"][path]
    assert page["status"] == 404
    assert "Page introuvable" in page["body"]
    assert "Retour à la recherche" in page["body"]
    # Django's technical 404 names the URL patterns it tried.
    assert "URLconf" not in page["body"]
    assert "entreprises/&lt;slug:slug&gt;" not in page["body"]


def test_static_files_are_served_without_debug(demo):
    page = demo["pages"]["/static/css/site.css"]
    assert page["status"] == 200
    assert ".contact-bar" in page["body"]
