"""`make run` (the demo) shows the site's own error pages, never Django's
debug page that lists every URL, and still serves its static files.

The demo's settings are read as `make run` sets them: the environment
assignments of the Makefile's `runserver` line, over
``config.settings.local``, in a fresh process (settings are read once per
process)."""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

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


def demo_environment() -> dict[str, str]:
    """The variables `make run` puts before `manage.py runserver`."""
    makefile = (ROOT / "Makefile").read_text()
    defaults = dict(re.findall(r"^(\w+) \?= ?(.*)$", makefile, re.MULTILINE))
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    line = next(line for line in recipe.splitlines() if "runserver" in line)
    line = re.sub(r"\$\((\w+)\)", lambda match: defaults.get(match.group(1), ""), line)
    assignments = itertools.takewhile(lambda word: "=" in word, shlex.split(line))
    return dict(word.split("=", 1) for word in assignments)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "DATABASE_URL", "REDIS_URL"))
    }
    environment.update(demo_environment())
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    environment["VAR_DIR"] = str(tmp_path_factory.mktemp("demo-var"))
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
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
