"""The Idempotency-Key machinery (partners.api.idempotency), business-free:
fingerprints, the 24-hour life of a record, a claim in progress (409, and
for real on PostgreSQL: a second request while the first is blocked), a
dead request's claim, the nightly purge."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from partners.api import idempotency
from partners.models import IdempotencyRecord
from reviews.models import Invoice, ReviewInvitation
from tests.partners.writes import (
    assert_problem,
    connected_setup,
    invoice_insert_uncommitted,
    post,
)

URL = "/api/v1/companies/alpha-electricite/invoices"


def invoice(number: str = "F-1") -> dict:
    return {
        "number": number,
        "issued_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "client_name": "Sophie Martin",
        "client_email": "sophie@example.org",
    }


def test_the_fingerprint_ignores_key_order_and_spacing_not_values():
    a = idempotency.request_fingerprint("post", "/x", {"a": 1, "b": [1, {"c": "é"}]})
    b = idempotency.request_fingerprint("POST", "/x", {"b": [1, {"c": "é"}], "a": 1})
    assert a == b
    assert len(a) == 64
    assert a != idempotency.request_fingerprint("POST", "/y", {"a": 1, "b": [1, {"c": "é"}]})
    assert a != idempotency.request_fingerprint("POST", "/x", {"a": 2, "b": [1, {"c": "é"}]})
    # A lone surrogate stays escaped: no UnicodeEncodeError.
    assert idempotency.request_fingerprint("POST", "/x", {"a": "\ud800"})


@pytest.mark.django_db
def test_a_quoted_key_is_the_same_key(partner):
    setup = connected_setup(partner)
    first = post(setup.client, URL, invoice(), key="abc-123")
    second = post(setup.client, URL, invoice(), key='"abc-123"')
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content


@pytest.mark.django_db
def test_the_record_holds_the_response_for_24_hours(partner):
    setup = connected_setup(partner)
    before = timezone.now()
    response = post(setup.client, URL, invoice(), key="k")
    record = IdempotencyRecord.objects.get()
    assert (record.partner, record.key, record.status_code) == (partner, "k", 201)
    assert json.loads(record.response_body) == response.json()
    assert record.response_headers == {"Location": response["Location"]}
    assert before + timedelta(hours=24) <= record.expires_at <= timezone.now() + timedelta(hours=24)
    assert "sophie" not in str(record.response_body)


@pytest.mark.django_db
def test_an_expired_record_no_longer_replays(partner):
    setup = connected_setup(partner)
    post(setup.client, URL, invoice(), key="k")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    again = post(setup.client, URL, invoice("F-2"), key="k")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Invoice.objects.count() == 2
    assert IdempotencyRecord.objects.get().expires_at > timezone.now()


@pytest.mark.django_db
def test_a_claim_in_progress_is_a_409_until_its_lease_lapses(partner):
    setup = connected_setup(partner)
    now = timezone.now()
    fingerprint = idempotency.request_fingerprint("POST", URL, invoice())
    record = IdempotencyRecord.objects.create(
        partner=partner,
        key="k",
        fingerprint=fingerprint,
        created_at=now,
        expires_at=now + idempotency.TTL,
    )
    assert_problem(post(setup.client, URL, invoice(), key="k"), 409, "idempotency_key_in_progress")
    # Another body with the key is a 422 even while the first runs.
    assert_problem(post(setup.client, URL, invoice("F-2"), key="k"), 422, "idempotency_key_reused")
    assert not Invoice.objects.exists()
    # A request that died: its transaction never committed, its claim lapses.
    record.created_at = now - idempotency.IN_PROGRESS_LEASE - timedelta(seconds=1)
    record.save()
    assert post(setup.client, URL, invoice(), key="k").status_code == 201
    assert IdempotencyRecord.objects.get().status_code == 201


@pytest.mark.django_db
def test_the_nightly_purge_deletes_expired_records_only(partner):
    now = timezone.now()
    for key, expires in (("old", now - timedelta(minutes=1)), ("new", now + timedelta(hours=1))):
        IdempotencyRecord.objects.create(
            partner=partner, key=key, fingerprint="0" * 64, status_code=201, expires_at=expires
        )
    assert idempotency.idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_the_purge_is_a_nightly_job(partner):
    from partners import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["partners-purge-idempotency-records"]
    assert entry["task"] == "partners.tasks.purge_idempotency_records"
    assert entry["task"] in celery_app.tasks
    IdempotencyRecord.objects.create(
        partner=partner, key="old", fingerprint="0" * 64, expires_at=timezone.now()
    )
    assert tasks.purge_idempotency_records.apply(task_id="beat-1").result == {"deleted": 1}
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_second_request_while_the_first_runs_is_a_409(partner):
    """Request A claims the key, then blocks on the invoice's unique number,
    held by an uncommitted insert of another connection. Request B with the
    same key meanwhile: 409. Once the blocker rolls back, A ends (201); a
    third request replays it."""
    setup = connected_setup(partner)
    blocker = invoice_insert_uncommitted(setup.company, "F-1")
    answers: dict[str, object] = {}

    def first() -> None:
        try:
            answers["a"] = post(setup.client, URL, invoice(), key="race")
        except BaseException as error:  # reported in the test's thread
            answers["a"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not IdempotencyRecord.objects.filter(key="race").exists():
            assert time.monotonic() < deadline, "request A never claimed the key"
            time.sleep(0.05)
        time.sleep(0.3)  # A is now waiting on the number's lock
        assert "a" not in answers
        assert_problem(post(setup.client, URL, invoice(), key="race"), 409)
    finally:
        blocker.rollback()
        blocker.close()
        thread.join(timeout=30)
    first_response = answers["a"]
    assert not isinstance(first_response, BaseException), first_response
    assert first_response.status_code == 201, first_response.content
    replay = post(setup.client, URL, invoice(), key="race")
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first_response.content
    assert Invoice.objects.count() == 1
    assert ReviewInvitation.objects.count() == 1
