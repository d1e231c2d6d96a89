"""The rules of the tamper-evident record (``reviews.services.ledger``),
pinned value by value: the text that is hashed, the hash, what each kind of
entry holds, how entries are appended and how a chain is judged. Chains
already written rely on every one of these (the module's docstring: "never
change them"), so a test fails on any change, not only on a broken page.
Written against the surviving mutants of the mutation pass (``make
mutation``)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from reviews.models import LedgerKind, Review, ReviewLogEntry
from reviews.services import appeals, invoices, ledger
from reviews.services import reviews as review_services
from reviews.services.ledger import GENESIS, Break, BreakKind, _Row, chain_check

from .conftest import REVIEW

PARIS = timezone(timedelta(hours=1))
AT = datetime(2026, 11, 23, 10, 30, 15, 123456, tzinfo=PARIS)
AT_UTC = "2026-11-23T09:30:15.123456+00:00"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- What is hashed ---------------------------------------------------------


def test_the_genesis_hash_is_64_zeros():
    assert GENESIS == "0000000000000000000000000000000000000000000000000000000000000000"


def test_the_canonical_text_sorts_keys_has_no_spaces_and_keeps_accents():
    payload = {"b": [1, 2], "a": "é", "c": None}
    assert ledger.canonical(payload) == '{"a":"é","b":[1,2],"c":null}'


def test_the_hash_is_the_sha256_of_the_previous_hash_then_the_canonical_payload():
    payload = {"b": [1, 2], "a": "é"}
    expected = "8d9cd0599e5356d922dcd7bdef098755a59aebe6ccfaac6bbd03e01d5a984b73"
    assert ledger.entry_hash(GENESIS, payload) == expected
    assert expected == sha256(GENESIS + '{"a":"é","b":[1,2]}')
    assert ledger.entry_hash("a" * 64, payload) == sha256("a" * 64 + '{"a":"é","b":[1,2]}')


def test_a_free_text_is_stored_as_the_sha256_of_its_stripped_text():
    assert ledger.digest("  Vu.\n") == sha256("Vu.")
    assert (
        ledger.digest("Vu.") == "aea1659d8e2c7bf1ddaa7c70c443584456881a9ae819c58d36ee8661391a14aa"
    )
    assert ledger.digest("") == sha256("")


def test_dates_are_written_in_utc_to_the_microsecond():
    assert ledger.iso(AT) == AT_UTC
    assert ledger.iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000+00:00"


# --- What each entry holds ---------------------------------------------------


def test_a_status_entry():
    entry = ledger.status_entry(
        review_id=7, event_id=3, from_status="pending", to="published", actor_id=5,
        reason=" Conforme. ", at=AT,
    )  # fmt: skip
    assert entry == ledger.Entry(
        7,
        LedgerKind.STATUS,
        {
            "event": 3,
            "from": "pending",
            "to": "published",
            "actor": 5,
            "at": AT_UTC,
            "reason_sha256": sha256("Conforme."),
        },
        5,
        AT,
    )


def test_an_audit_entry():
    entry = ledger.audit_entry(
        review_id=7, audit_id=2, event_id=4, from_status="open", to="missed", actor_id=None,
        reason="Facture non envoyée.", at=AT,
    )  # fmt: skip
    assert entry == ledger.Entry(
        7,
        LedgerKind.AUDIT,
        {
            "audit": 2,
            "event": 4,
            "from": "open",
            "to": "missed",
            "actor": None,
            "at": AT_UTC,
            "reason_sha256": sha256("Facture non envoyée."),
        },
        None,
        AT,
    )


def test_a_decision_entry_keeps_the_reason_code_and_only_the_digest_of_the_note():
    entry = ledger.decision_entry(
        review_id=7, decision_id=9, decision="reject", reason="name_mismatch",
        note="Le nom ne correspond pas.", actor_id=5, at=AT,
    )  # fmt: skip
    assert entry == ledger.Entry(
        7,
        LedgerKind.DECISION,
        {
            "decision_id": 9,
            "decision": "reject",
            "reason": "name_mismatch",
            "note_sha256": sha256("Le nom ne correspond pas."),
            "actor": 5,
            "at": AT_UTC,
        },
        5,
        AT,
    )


def test_an_appeal_entry():
    entry = ledger.appeal_entry(
        review_id=7, appeal_id=1, by="author", status="open", actor_id=None, at=AT
    )
    assert entry == ledger.Entry(
        7,
        LedgerKind.APPEAL,
        {"appeal": 1, "by": "author", "status": "open", "actor": None, "at": AT_UTC},
        None,
        AT,
    )


def test_a_sanction_entry():
    entry = ledger.sanction_entry(
        review_id=7, sanction_id=4, action="given", kind="warning",
        reason="Deux contrôles manqués.", actor_id=None, at=AT,
    )  # fmt: skip
    assert entry == ledger.Entry(
        7,
        LedgerKind.SANCTION,
        {
            "sanction": 4,
            "kind": "warning",
            "action": "given",
            "reason_sha256": sha256("Deux contrôles manqués."),
            "actor": None,
            "at": AT_UTC,
        },
        None,
        AT,
    )


# --- How a chain is judged (pure: rows in, first break out) -----------------


def rows(*payloads: tuple[str, dict]) -> list[_Row]:
    """A valid chain of ``(kind, payload)``, linked from GENESIS."""
    chain, prev = [], GENESIS
    for seq, (kind, payload) in enumerate(payloads, start=1):
        hash_ = ledger.entry_hash(prev, payload)
        chain.append(_Row(seq, kind, payload, prev, hash_))
        prev = hash_
    return chain


def valid_chain() -> list[_Row]:
    return rows(
        ("status", {"from": "", "to": "pending"}),
        ("decision", {"decision": "reject"}),
        ("status", {"from": "pending", "to": "rejected"}),
        ("appeal", {"status": "open", "to": "published"}),  # not a status entry
        ("audit", {"from": "open", "to": "missed"}),  # not a status entry either
    )


def test_an_empty_chain_is_whole_only_for_a_review_with_no_status():
    assert chain_check(1, "", []) is None
    assert chain_check(1, "published", []) == Break(1, 1, BreakKind.MISSING)


def test_a_valid_chain_leading_to_the_review_status_has_no_break():
    assert chain_check(1, "rejected", valid_chain()) is None


def test_only_status_entries_say_where_the_review_stands():
    # The appeal and audit entries say "to" too: they do not count.
    assert chain_check(1, "published", valid_chain()) == Break(1, 6, BreakKind.MISSING)
    assert chain_check(1, "missed", valid_chain()) == Break(1, 6, BreakKind.MISSING)


def test_a_status_entry_without_a_destination_leaves_no_status():
    chain = rows(("status", {"from": "pending"}))
    assert chain_check(3, "", chain) is None
    assert chain_check(3, "pending", chain) == Break(3, 2, BreakKind.MISSING)


def test_a_gap_in_the_numbers_is_a_missing_entry_at_the_first_number_missing():
    chain = valid_chain()
    del chain[1]
    assert chain_check(1, "rejected", chain) == Break(1, 2, BreakKind.MISSING)
    assert chain_check(1, "rejected", valid_chain()[1:]) == Break(1, 1, BreakKind.MISSING)


def test_an_altered_payload_is_found_at_its_entry():
    chain = valid_chain()
    row = chain[2]
    chain[2] = _Row(row.seq, row.kind, {**row.payload, "to": "published"}, row.prev_hash, row.hash)
    assert chain_check(1, "published", chain) == Break(1, 3, BreakKind.ALTERED)


def test_an_edited_link_is_found_at_its_entry():
    chain = valid_chain()
    row = chain[3]
    chain[3] = _Row(row.seq, row.kind, row.payload, "a" * 64, row.hash)
    assert chain_check(1, "rejected", chain) == Break(1, 4, BreakKind.LINK)


def test_an_entry_linking_to_another_of_its_chain_is_reordered():
    chain = valid_chain()
    # Entry 4 rebuilt on entry 2: a valid hash, the link of the wrong entry.
    row = chain[3]
    chain[3] = _Row(
        4, row.kind, row.payload, chain[1].hash, ledger.entry_hash(chain[1].hash, row.payload)
    )
    assert chain_check(1, "rejected", chain) == Break(1, 4, BreakKind.REORDERED)


def test_a_valid_entry_linking_outside_its_chain_means_one_was_deleted():
    chain = valid_chain()
    row = chain[3]
    chain[3] = _Row(4, row.kind, row.payload, "b" * 64, ledger.entry_hash("b" * 64, row.payload))
    assert chain_check(1, "rejected", chain) == Break(1, 4, BreakKind.MISSING)


def test_the_first_entry_must_link_to_genesis():
    [row] = rows(("status", {"to": "pending"}))
    moved = _Row(1, row.kind, row.payload, "c" * 64, ledger.entry_hash("c" * 64, row.payload))
    assert chain_check(2, "pending", [moved]) == Break(2, 1, BreakKind.MISSING)


def test_a_break_reads_as_its_review_entry_and_kind():
    found = Break(12, 3, BreakKind.ALTERED)
    assert str(found) == "review 12: entry 3: altered"
    assert [BreakKind.ALTERED, BreakKind.MISSING, BreakKind.REORDERED, BreakKind.LINK] == [
        "altered",
        "missing",
        "reordered",
        "link",
    ]
    with translation.override("en"):
        assert Break(1, 1, BreakKind.LINK).label == "link to the previous entry altered"
        assert Break(1, 1, BreakKind.MISSING).label == "missing entry"
        assert Break(1, 1, BreakKind.REORDERED).label == "entries out of order"
        assert Break(1, 1, BreakKind.ALTERED).label == "altered entry"


# --- Appending and checking stored chains -----------------------------------


def publish(company, n: int) -> Review:
    invoice = invoices.invoice_create(
        company=company,
        fields={
            "number": f"L-{n}",
            "issued_on": "2026-10-01",
            "amount": "900",
            "client_name": f"Client Registre{n}",
            "client_email": f"registre{n}@example.org",
        },
        actor=None,
    )
    return review_services.review_submit(
        invitation=invoice.invitation,
        fields={
            **{key: int(value) for key, value in REVIEW.items() if key.startswith("rating")},
            "title": f"Avis {n}",
            "text": REVIEW["text"] + f" Registre {n}.",
            "author_name": f"Client Registre{n}",
        },
    )


def stored(review: Review) -> list[tuple]:
    return list(
        review.log_entries.order_by("seq").values_list(
            "seq", "kind", "payload", "actor_id", "created_at", "prev_hash", "hash"
        )
    )


def note(review_id: int, n: int, at: datetime) -> ledger.Entry:
    return ledger.Entry(review_id, LedgerKind.APPEAL, {"n": n}, None, at)


@pytest.mark.django_db
def test_nothing_to_append_costs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert ledger.append([]) == []
    assert len(queries) == 0


@pytest.mark.django_db
def test_entries_of_one_batch_follow_each_other_per_review(cast):
    first, second = publish(cast.company_a, 1), publish(cast.company_a, 2)
    n1, n2 = len(stored(first)), len(stored(second))
    head1, head2 = stored(first)[-1][-1], stored(second)[-1][-1]
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    written = ledger.append(
        [note(first.pk, 1, at), note(second.pk, 2, at), note(first.pk, 3, at + timedelta(1))]
    )
    assert [(row.review_id, row.seq) for row in written] == [
        (first.pk, n1 + 1),
        (second.pk, n2 + 1),
        (first.pk, n1 + 2),
    ]
    h2 = ledger.entry_hash(head1, {"n": 1})
    h3 = ledger.entry_hash(h2, {"n": 3})
    assert stored(first)[n1:] == [
        (n1 + 1, "appeal", {"n": 1}, None, at, head1, h2),
        (n1 + 2, "appeal", {"n": 3}, None, at + timedelta(1), h2, h3),
    ]
    assert stored(second)[n2:] == [
        (n2 + 1, "appeal", {"n": 2}, None, at, head2, ledger.entry_hash(head2, {"n": 2}))
    ]
    assert [found for _id, found in ledger.chains_check()] == [None, None]


@pytest.mark.django_db
def test_a_first_entry_links_to_genesis_and_keeps_its_actor(cast):
    review = publish(cast.company_a, 1)
    ReviewLogEntry.objects.filter(review=review).delete()
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    ledger.append([ledger.Entry(review.pk, LedgerKind.APPEAL, {"n": 1}, cast.owner_a.pk, at)])
    assert stored(review) == [
        (1, "appeal", {"n": 1}, cast.owner_a.pk, at, GENESIS, ledger.entry_hash(GENESIS, {"n": 1}))
    ]


@pytest.mark.django_db
def test_every_chain_is_checked_in_review_order_one_chunk_at_a_time(cast):
    reviews = [publish(cast.company_a, n) for n in range(1, 5)]
    # The last entry of the second review is deleted: its status is no
    # longer where its chain leads.
    reviews[1].log_entries.order_by("-seq").first().delete()
    expected = [
        (reviews[0].pk, None),
        (reviews[1].pk, Break(reviews[1].pk, 1, BreakKind.MISSING)),
        (reviews[2].pk, None),
        (reviews[3].pk, None),
    ]
    for chunk_size in (1, 2, 2000):
        assert list(ledger.chains_check(chunk_size=chunk_size)) == expected
    assert list(ledger.chains_check(review_ids=[reviews[3].pk, reviews[1].pk], chunk_size=1)) == [
        expected[1],
        expected[3],
    ]
    assert list(ledger.chains_check(review_ids=[reviews[2].pk])) == [expected[2]]
    assert ledger.review_chain_break(reviews[1]) == expected[1][1]
    assert ledger.review_chain_break(reviews[0]) is None


@pytest.mark.django_db
def test_the_verification_logs_and_returns_each_break_and_counts_every_review(cast, caplog):
    reviews = [publish(cast.company_a, n) for n in range(1, 4)]
    reviews[2].log_entries.all().delete()
    ticks = []
    with caplog.at_level("ERROR", logger="reviews.services.ledger"):
        found = ledger.chains_verify(progress=lambda: ticks.append(1))
    assert found == [Break(reviews[2].pk, 1, BreakKind.MISSING)]
    assert len(ticks) == 3
    # One record; the log's condenser (common.log_condense) may append how
    # many similar ones it held back when other tests logged breaks before.
    [record] = caplog.records
    assert record.getMessage().startswith(
        f"review log broken: review {reviews[2].pk}, entry 1, missing"
    )
    assert ledger.chains_verify(review_ids=[reviews[0].pk]) == []


@pytest.mark.django_db
def test_entries_are_merged_per_review_whatever_their_numbers(cast):
    """A review whose chain grew after the others' were written is still
    read whole: entries are streamed by review, then number."""
    reviews = [publish(cast.company_a, n) for n in range(1, 4)]
    appeals.review_withdraw(review=reviews[0])  # its chain grows last
    reviews[0].refresh_from_db()
    assert reviews[0].status == "withdrawn"
    assert len(stored(reviews[0])) > len(stored(reviews[1]))
    assert list(ledger.chains_check(chunk_size=1)) == [(review.pk, None) for review in reviews]


@pytest.mark.django_db
def test_entries_stored_out_of_order_are_read_in_order(cast):
    review = publish(cast.company_a, 1)
    seq, head = stored(review)[-1][0], stored(review)[-1][-1]
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    second_hash = ledger.entry_hash(head, {"n": 1})
    # The later entry is inserted first: rows come back in insertion order
    # unless read by number.
    for number, payload, prev, hash_ in (
        (seq + 2, {"n": 2}, second_hash, ledger.entry_hash(second_hash, {"n": 2})),
        (seq + 1, {"n": 1}, head, second_hash),
    ):
        ReviewLogEntry.objects.create(
            review=review, seq=number, kind="appeal", payload=payload, created_at=at,
            prev_hash=prev, hash=hash_,
        )  # fmt: skip
    assert list(ledger.chains_check()) == [(review.pk, None)]
