"""Python code run as `make run` runs the site: a fresh process (settings
are read once per process) on ``config.settings.local``, with none of the
environment's services (no DATABASE_URL, REDIS_URL or broker: the
embedded default) and the assignments of the Makefile's `runserver` line."""

from __future__ import annotations

import itertools
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def demo_environment() -> dict[str, str]:
    """The variables `make run` puts before `manage.py runserver`."""
    makefile = (ROOT / "Makefile").read_text()
    defaults = dict(re.findall(r"^(\w+) \?= ?(.*)$", makefile, re.MULTILINE))
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    line = next(line for line in recipe.splitlines() if "runserver" in line)
    line = re.sub(r"\$\((\w+)\)", lambda match: defaults.get(match.group(1), ""), line)
    assignments = itertools.takewhile(lambda word: "=" in word, shlex.split(line))
    return dict(word.split("=", 1) for word in assignments)


def run_as_demo(code: str, var_dir: Path, *, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    """``code`` run by this Python as the demo would run it, its files in
    ``var_dir``; the finished process (stdout and stderr as text)."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    environment.update(demo_environment())
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    environment["VAR_DIR"] = str(var_dir)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
