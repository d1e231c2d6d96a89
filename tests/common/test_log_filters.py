"""Bearer tokens never reach a log line (issue 10): Django's request and
server logs through the configured handlers, and gunicorn's access log."""

from __future__ import annotations

import importlib.util
import io
import logging
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from common.log_filters import MASK, mask_tokens

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def tokens(site) -> list[str]:
    return [
        site["reviews:write.token"],
        site["reviews:manage.token"],
        site["directory:quote-confirm.token"],
        site["directory:invitation.token"],
    ]


def test_every_signed_link_of_the_site_is_masked(site):
    for token in tokens(site):
        for path in [
            reverse("reviews:write", args=[token]),
            reverse("reviews:opt-out", args=[token]),
            reverse("reviews:manage", args=[token]),
            reverse("reviews:request-confirm", args=[token]),
            reverse("directory:quote-confirm", args=[token]),
            reverse("directory:invitation", args=[token]),
            "/en" + reverse("reviews:write", args=[token]),
            f"/compte/login/?next=/invitation/{token}/",
            reverse("reviews:write", args=[token]).replace(":", "%3A"),
            f"https://plusquepro.fr/avis/{token}/",
        ]:
            masked = mask_tokens(f"GET {path} HTTP/1.1")
            assert token.split(":")[-1] not in masked
            assert MASK in masked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET /compte/confirm-email/MQ:1xXsKj:abcdefghijklmnopqrstuvwxyz012/ HTTP/1.1",
            f"GET /compte/confirm-email/{MASK}/ HTTP/1.1",
        ),
        (
            "GET /compte/password/reset/key/1-c5k3ns-0123456789abcdef/ HTTP/1.1",
            f"GET /compte/password/reset/key/{MASK}/ HTTP/1.1",
        ),
    ],
)
def test_allauth_keys_are_masked(text, expected):
    assert mask_tokens(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GET /entreprises/alpha-electricite/ HTTP/1.1",
        "GET /recherche/?q=plombier&ou=Lyon HTTP/1.1",
        "[30/Nov/2026:04:38:42 +0100] 12:30:45",
        "2001:db8::1 - GET / 200",
        "GET /recherche/?q=a:b:c HTTP/1.1",
        "Task reviews.emails.send_review_invitation[7224c37e-5144-462c] succeeded",
    ],
)
def test_text_without_a_token_is_unchanged(text):
    assert mask_tokens(text) == text


@pytest.fixture
def log_output():
    """What the configured handlers (settings.LOGGING) write."""
    handlers = {
        handler
        for name in ("", "django.server")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)
    }
    assert handlers
    out = io.StringIO()
    streams = {handler: handler.setStream(out) for handler in handlers}
    yield out
    for handler, stream in streams.items():
        handler.setStream(stream)


def test_django_request_warnings_do_not_carry_the_token(client, site, log_output):
    """A refused link is logged ("Bad Request: /avis/…/"): masked."""
    token = site["reviews:write.token"]
    forged = token[:-3] + "abc"
    assert client.get(reverse("reviews:write", args=[forged])).status_code == 400
    assert client.get(f"/avis/gerer/{token}x/inconnu/").status_code == 404
    output = log_output.getvalue()
    assert "/avis/" in output
    assert token.split(":")[-1][:20] not in output
    assert MASK in output


def test_runserver_request_lines_do_not_carry_the_token(site, log_output):
    token = site["reviews:manage.token"]
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /avis/gerer/{token}/ HTTP/1.1", "200", "5120"
    )
    output = log_output.getvalue()
    assert f"GET /avis/gerer/{MASK}/ HTTP/1.1" in output
    assert token not in output


def gunicorn_logger():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = Config()
    config.set("accesslog", None)
    return module.logger_class(config), config


def test_gunicorn_access_lines_do_not_carry_the_token(site):
    token = site["reviews:write.token"]
    logger, config = gunicorn_logger()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/avis/{token}/?utm=mail",
        "PATH_INFO": f"/avis/{token}/",
        "QUERY_STRING": "utm=mail",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://plusquepro.fr/avis/{token}/",
        "HTTP_USER_AGENT": "curl/8",
    }
    response = SimpleNamespace(
        status="302 Found", sent=0, headers=[("Location", f"/compte/login/?next=/avis/{token}/")]
    )
    request = SimpleNamespace(headers=[("REFERER", f"https://plusquepro.fr/avis/{token}/")])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    line = config.access_log_format % SafeAtoms(atoms)
    line += " " + " ".join(str(value) for value in atoms.values())
    assert token not in line
    assert f"GET /avis/{MASK}/?utm=mail HTTP/1.1" in line
