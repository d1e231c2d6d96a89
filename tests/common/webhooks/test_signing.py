"""Our signatures, checked by the Standard Webhooks reference library
(``standardwebhooks`` on PyPI), which none of us wrote."""

from __future__ import annotations

import base64
import re
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from common.webhooks import signing
from common.webhooks.signing import SecretInvalid, SignatureInvalid

BODY = b'{"type":"review.published","timestamp":"2026-11-30T12:00:00Z","data":{"id":42}}'


def test_generated_secrets_follow_the_spec_and_differ():
    first, second = signing.secret_generate(), signing.secret_generate()
    assert first != second
    for secret in (first, second):
        assert secret.startswith("whsec_")
        raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        assert 24 <= len(raw) <= 64


def test_message_ids_are_unique_sortable_and_dot_free():
    ids = [signing.message_id_generate() for _ in range(500)]
    assert len(set(ids)) == 500
    assert all(re.fullmatch(r"msg_[0-9A-HJKMNP-TV-Z]{26}", message_id) for message_id in ids)
    earlier = signing.message_id_generate()
    time.sleep(0.002)
    assert signing.message_id_generate()[:14] > earlier[:14]  # the time part sorts


def test_known_answer_vector_of_the_reference_library():
    # libraries/python/tests/test_webhooks.py, test_sign_function
    # (standard-webhooks/standard-webhooks): the published vector.
    signature = signing.sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_known_answer_vector_verifies_with_our_verifier():
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    signing.verify(
        headers, b'{"test": 2432232314}', "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now=1614265330
    )
    # The reference suite's "invalid signature" differs in its last byte only.
    headers["webhook-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify(
            headers,
            b'{"test": 2432232314}',
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            now=1614265330,
        )
    assert caught.value.reason == "no-match"


def test_the_reference_library_accepts_our_headers():
    secret = signing.secret_generate()
    headers = signing.headers_for(signing.message_id_generate(), int(time.time()), BODY, [secret])
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(BODY, headers)["data"] == {"id": 42}


def test_during_rotation_the_reference_library_accepts_either_secret():
    new, old = signing.secret_generate(), signing.secret_generate()
    headers = signing.headers_for(signing.message_id_generate(), int(time.time()), BODY, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (new, old):
        assert Webhook(secret).verify(BODY, headers)["data"] == {"id": 42}
        signing.verify(headers, BODY, secret)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_generate()).verify(BODY, headers)


def test_a_secret_listed_twice_signs_once():
    secret = signing.secret_generate()
    headers = signing.headers_for("msg_1", 1_700_000_000, BODY, [secret, secret])
    assert len(headers["webhook-signature"].split(" ")) == 1


def test_the_reference_library_refuses_a_tampered_body():
    secret = signing.secret_generate()
    headers = signing.headers_for(signing.message_id_generate(), int(time.time()), BODY, [secret])
    tampered = BODY.replace(b"42", b"43")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify(headers, tampered, secret)
    assert caught.value.reason == "no-match"


def test_a_changed_id_or_timestamp_breaks_the_signature():
    secret = signing.secret_generate()
    now = int(time.time())
    headers = signing.headers_for("msg_a", now, BODY, [secret])
    for changed in (
        {**headers, "webhook-id": "msg_b"},
        {**headers, "webhook-timestamp": str(now + 1)},
    ):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(BODY, changed)
        with pytest.raises(SignatureInvalid):
            signing.verify(changed, BODY, secret)


def test_the_wrong_secret_is_refused():
    headers = signing.headers_for("msg_a", int(time.time()), BODY, [signing.secret_generate()])
    other = signing.secret_generate()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(BODY, headers)
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify(headers, BODY, other)
    assert caught.value.reason == "no-match"


def test_an_old_or_future_timestamp_is_refused():
    secret = signing.secret_generate()
    now = int(time.time())
    old = signing.headers_for("msg_a", now - 301, BODY, [secret])
    future = signing.headers_for("msg_a", now + 301, BODY, [secret])
    for headers, reason in ((old, "too-old"), (future, "too-new")):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(BODY, headers)
        with pytest.raises(SignatureInvalid) as caught:
            signing.verify(headers, BODY, secret, now=now)
        assert caught.value.reason == reason
    # Within the tolerance, the same headers pass.
    signing.verify(old, BODY, secret, now=now - 2)
    signing.verify(old, BODY, secret, tolerance=600, now=now)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"webhook-id": ""}, "missing-headers"),
        ({"webhook-signature": ""}, "missing-headers"),
        ({"webhook-timestamp": "soon"}, "bad-timestamp"),
        ({"webhook-timestamp": "-5"}, "bad-timestamp"),
        ({"webhook-timestamp": "1e9"}, "bad-timestamp"),
        ({"webhook-id": "msg.a"}, "missing-headers"),
        ({"webhook-signature": "v1a,AAAA v2,AAAA v1,not*base64 garbage"}, "no-match"),
    ],
)
def test_malformed_headers_are_refused_with_a_reason(change, reason):
    secret = signing.secret_generate()
    now = int(time.time())
    headers = {**signing.headers_for("msg_a", now, BODY, [secret]), **change}
    with pytest.raises(SignatureInvalid) as caught:
        signing.verify(headers, BODY, secret, now=now)
    assert caught.value.reason == reason


def test_header_names_are_matched_in_any_case():
    secret = signing.secret_generate()
    now = int(time.time())
    headers = {
        name.title(): value
        for name, value in signing.headers_for("msg_a", now, BODY, [secret]).items()
    }
    signing.verify(headers, BODY, secret, now=now)


def test_our_signature_is_found_among_other_versions():
    secret = signing.secret_generate()
    now = int(time.time())
    headers = signing.headers_for("msg_a", now, BODY, [secret])
    headers["webhook-signature"] = (
        "v1a,AAAA v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + headers["webhook-signature"]
    )
    signing.verify(headers, BODY, secret, now=now)
    Webhook(secret).verify(BODY, headers)


@pytest.mark.parametrize(
    "secret",
    [
        "whsec_",
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"x" * 23).decode(),  # too short
        "whsec_" + base64.b64encode(b"x" * 65).decode(),  # too long
    ],
)
def test_unusable_secrets_are_refused(secret):
    with pytest.raises(SecretInvalid):
        signing.headers_for("msg_a", 1_700_000_000, BODY, [secret])


def test_an_unpadded_secret_without_prefix_is_read_like_the_reference_library():
    # The reference suite's "needs two padding" case: 34 characters.
    raw = signing.secret_bytes("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr")
    assert raw == base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr==")


def test_no_secret_no_signature():
    with pytest.raises(SecretInvalid):
        signing.headers_for("msg_a", 1_700_000_000, BODY, [])


@pytest.mark.parametrize(
    ("message_id", "timestamp"),
    [("msg.a", 1), ("", 1), ("msg a", 1), ("msg_a", -1), ("msg_a", True)],
)
def test_ids_and_timestamps_that_would_break_the_signed_content_are_refused(message_id, timestamp):
    with pytest.raises(ValueError, match=r"webhook (id|timestamp)"):
        signing.headers_for(message_id, timestamp, BODY, [signing.secret_generate()])
