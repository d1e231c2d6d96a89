"""The partners' signature-verification example of the README runs, and
tells our webhooks from forged ones."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.test import RequestFactory
from standardwebhooks.webhooks import WebhookVerificationError

from common.webhooks import signing

README = Path(__file__).resolve().parents[3] / "README.md"
BODY = b'{"type":"review.published","data":{"id":42}}'


@pytest.fixture
def example():
    text = README.read_text()
    match = re.search(
        r"<!-- webhook-verification-example .*?-->\n```python\n(.*?)```", text, re.DOTALL
    )
    assert match, "the README's webhook example is missing"
    namespace = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)  # noqa: S102
    namespace["SECRET"] = signing.secret_generate()
    return namespace


def test_the_example_accepts_our_webhook_as_a_django_request(example):
    headers = signing.headers_for(
        signing.message_id_generate(), int(time.time()), BODY, [example["SECRET"]]
    )
    request = RequestFactory().post(
        "/hook",
        BODY,
        content_type="application/json",
        headers=headers,
    )
    event = example["plusquepro_event"](request.body, request.headers)
    assert event == {"type": "review.published", "data": {"id": 42}}


def test_the_example_refuses_a_forgery_and_a_replay(example):
    other = signing.secret_generate()
    forged = signing.headers_for("msg_a", int(time.time()), BODY, [other])
    replayed = signing.headers_for("msg_a", int(time.time()) - 3600, BODY, [example["SECRET"]])
    for headers in (forged, replayed):
        with pytest.raises(WebhookVerificationError):
            example["plusquepro_event"](BODY, headers)
