"""Boolean settings refuse a malformed value at start-up instead of reading
it as False (django-environ reads ``ture`` as False)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.environment import Env, parse_bool

from .test_settings import PRODUCTION_ENV, manage


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("True", True),
        (" TRUE ", True),
        ("1", True),
        ("yes", True),
        ("On", True),
        ("false", False),
        ("False", False),
        ("0", False),
        (" no", False),
        ("OFF\n", False),
    ],
)
def test_the_usual_spellings_are_read(raw, expected):
    assert parse_bool("DEBUG", raw) is expected


@pytest.mark.parametrize("raw", ["ture", "flase", "", "  ", "2", "y", "ok", "enabled", "-1"])
def test_anything_else_is_refused_with_the_variable_and_the_value(raw):
    with pytest.raises(ImproperlyConfigured) as refused:
        parse_bool("SECURE_SSL_REDIRECT", raw)
    assert "SECURE_SSL_REDIRECT" in str(refused.value)
    assert repr(raw) in str(refused.value)


def test_an_unset_boolean_takes_its_default(monkeypatch):
    monkeypatch.delenv("PQP_TEST_FLAG", raising=False)
    assert Env().bool("PQP_TEST_FLAG", default=True) is True
    assert Env().bool("PQP_TEST_FLAG", default=False) is False


def test_a_set_boolean_wins_over_its_default(monkeypatch):
    monkeypatch.setenv("PQP_TEST_FLAG", "off")
    assert Env().bool("PQP_TEST_FLAG", default=True) is False


def test_a_boolean_without_default_is_required(monkeypatch):
    monkeypatch.delenv("PQP_TEST_FLAG", raising=False)
    with pytest.raises(ImproperlyConfigured, match="PQP_TEST_FLAG"):
        Env().bool("PQP_TEST_FLAG")


def test_production_refuses_to_start_with_a_typo_in_a_boolean():
    result = manage("check", env={**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "ture"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECURE_SSL_REDIRECT='ture'" in result.stderr


def test_production_reads_a_spelled_out_boolean():
    script = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT)"
    result = manage("shell", "-c", script, env={**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": " No "})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False"


@pytest.mark.parametrize("name", ["DEBUG", "SERVE_MEDIA"])
def test_the_embedded_default_refuses_a_typo_in_a_boolean(tmp_path, name):
    result = manage("check", env={"VAR_DIR": str(tmp_path), name: "yess"})
    assert result.returncode != 0
    assert f"{name}='yess'" in result.stderr
