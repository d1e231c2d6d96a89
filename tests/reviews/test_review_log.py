"""The tamper-evident record of every review (issue 12): the chain each flow
appends to, its backfill, ``verify_review_log`` (and the nightly job) on
every kind of tampering, the history staff read."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews import tasks
from reviews.models import Audit, Review, ReviewLogEntry
from reviews.services import appeals, audits, ledger, moderation, sanctions
from tests.conftest import PASSWORD
from tests.factories import UserFactory, recent_date
from tests.pdfs import minimal_pdf

from .conftest import REVIEW, review_path

pytestmark = pytest.mark.django_db


def tamper(queryset: models.QuerySet, **values) -> int:
    """What someone with write access to the database does: an UPDATE past
    the ORM's write-once guard (``common.models.WriteOnceQuerySet``)."""
    return models.QuerySet.update(queryset, **values)


@pytest.fixture
def moderator(db):
    user = UserFactory(email="moderation@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="moderation"))
    return user


@pytest.fixture
def pending(client, invited):
    client.post(review_path(), {**REVIEW, "author_name": "Paul Bernard"})
    return Review.objects.get()


@pytest.fixture
def published(client, invited):
    client.post(review_path(), REVIEW)
    return Review.objects.get()


def chain(review: Review) -> list[tuple[str, dict]]:
    return [(e.kind, e.payload) for e in review.log_entries.order_by("seq")]


def kinds(review: Review) -> list[str]:
    return [kind for kind, _payload in chain(review)]


def verify(*reviews: Review) -> tuple[int, str]:
    """Run the command: (exit status, what it printed)."""
    out, err = StringIO(), StringIO()
    args = [arg for review in reviews for arg in ("--review", str(review.pk))]
    try:
        call_command("verify_review_log", *args, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.fixture
def long_chain(pending, moderator):
    """A review with five entries: submitted (pending), rejected (decision,
    status), appealed by its author, the appeal dismissed."""
    moderation.review_moderate(
        review=pending, actor=moderator, decision="reject", reason="name_mismatch", note="Vu."
    )
    pending.refresh_from_db()
    appeal = appeals.appeal_create(
        review=pending, by="author", text="J'ai réglé la facture au nom de ma compagne."
    )
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=False, note="Non.")
    assert kinds(pending) == ["status", "decision", "status", "appeal", "appeal"]
    return pending


# --- Each flow appends -------------------------------------------------------


def test_publishing_chains_the_submission_the_decision_and_the_move(pending, moderator):
    moderation.review_moderate(review=pending, actor=moderator, decision="publish")
    entries = list(pending.log_entries.order_by("seq"))
    assert [(e.seq, e.kind) for e in entries] == [(1, "status"), (2, "decision"), (3, "status")]
    assert [e.payload.get("to") for e in entries] == ["pending", None, "published"]
    assert entries[1].payload["decision"] == "publish"
    assert entries[1].actor == moderator
    assert entries[2].actor == moderator
    assert entries[0].prev_hash == ledger.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    for entry in entries:
        assert entry.hash == ledger.entry_hash(entry.prev_hash, entry.payload)
    assert verify(pending) == (0, "1 chains verified, none broken.\n")


def test_a_published_review_starts_its_chain(published):
    assert chain(published) == [
        (
            "status",
            {
                "event": published.events.get().pk,
                "from": "",
                "to": "published",
                "actor": None,
                "at": ledger.iso(published.events.get().created_at),
                "reason_sha256": ledger.digest(published.events.get().reason),
            },
        )
    ]


def test_a_rejection_chains_its_reason_and_no_free_text(pending, moderator):
    moderation.review_moderate(
        review=pending,
        actor=moderator,
        decision="reject",
        reason="name_mismatch",
        note="Le nom Paul Bernard ne correspond pas.",
    )
    decision = pending.log_entries.get(kind="decision")
    assert decision.payload["reason"] == "name_mismatch"
    stored = str([e.payload for e in pending.log_entries.all()])
    assert "Paul" not in stored  # only digests of the texts
    assert "Bernard" not in stored
    assert kinds(pending)[-1] == "status"
    assert pending.log_entries.order_by("seq").last().payload["to"] == "rejected"


def test_an_audit_chains_each_of_its_moves(client, cast, published, settings, moderator):
    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    audit = Audit.objects.get()
    scan = SimpleUploadedFile("facture.pdf", minimal_pdf(), "application/pdf")
    audits.audit_submit_scan(audit=audit, upload=scan, actor=cast.member_a)
    audits.audit_decide(audit=audit, actor=moderator, passed=False, note="Autre client.")
    moves = [(p["from"], p["to"]) for kind, p in chain(published) if kind in ("audit", "status")]
    assert moves == [
        ("", "published"),
        ("", "open"),
        ("open", "submitted"),
        ("submitted", "failed"),
        ("published", "unpublished"),
    ]
    assert kinds(published) == ["status", "audit", "audit", "audit", "status"]
    assert verify(published)[0] == 0


def test_a_missed_audit_chains_the_system_moves(published, settings, time_machine):
    settings.REVIEW_AUDIT_RATE = 1.0
    time_machine.move_to("2026-11-23 02:00 +0100", tick=False)
    audits.audits_open(now=timezone.now(), seed=1)
    time_machine.move_to("2026-12-09 02:00 +0100", tick=False)
    assert audits.audits_close_overdue() == 1
    last = published.log_entries.order_by("-seq")[:2]
    # A missed audit leaves the review published: the audit's move only.
    assert [(e.kind, e.payload["to"], e.actor) for e in last] == [
        ("audit", "missed", None),
        ("audit", "open", None),
    ]
    published.refresh_from_db()
    assert published.status == "published"
    assert verify(published)[0] == 0


def test_an_upheld_appeal_chains_the_appeal_and_the_reversal(pending, moderator):
    moderation.review_moderate(
        review=pending, actor=moderator, decision="reject", reason="name_mismatch"
    )
    pending.refresh_from_db()
    appeal = appeals.appeal_create(
        review=pending, by="author", text="J'ai réglé la facture au nom de ma compagne."
    )
    appeals.appeal_decide(appeal=appeal, actor=moderator, upheld=True, note="Couple vérifié.")
    tail = chain(pending)[3:]
    assert [(kind, p.get("status") or p.get("to") or p.get("decision")) for kind, p in tail] == [
        ("appeal", "open"),
        ("status", "pending"),
        ("decision", "publish"),
        ("status", "published"),
        ("appeal", "upheld"),
    ]
    assert tail[0][1]["appeal"] == appeal.pk
    assert tail[0][1]["by"] == "author"
    assert verify(pending)[0] == 0


def test_a_company_appeal_through_its_page_is_chained(client, cast, published):
    client.login(username=cast.owner_a.username, password=PASSWORD)
    client.post(
        reverse("reviews:pro-appeal", args=[cast.company_a.pk, published.pk]),
        {"text": "Ce client n'a jamais été facturé pour ce chantier."},
    )
    kind, payload = chain(published)[-1]
    assert (kind, payload["by"], payload["status"], payload["actor"]) == (
        "appeal",
        "company",
        "open",
        cast.owner_a.pk,
    )


def test_a_sanction_is_chained_to_every_review_of_the_company(
    client, cast, published, moderator, django_capture_on_commit_callbacks
):
    from reviews.services import invoices

    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-2",
                "issued_on": recent_date(51).isoformat(),
                "amount": "1000",
                "client_name": "Luc Petit",
                "client_email": "luc@example.org",
            },
            actor=None,
        )
    client.post(review_path(), {**REVIEW, "author_name": "Luc Petit"})
    second = Review.objects.exclude(pk=published.pk).get()
    client.login(username=moderator.username, password=PASSWORD)
    client.post(
        reverse("reviews:sanction", args=[cast.company_a.pk]),
        {"reason": "Faux avis détectés.", "review": published.pk},
    )
    sanction = cast.company_a.review_sanctions.get()
    for review in (published, second):
        assert chain(review)[-1][1]["action"] == "given"
        assert chain(review)[-1][1]["sanction"] == sanction.pk
    sanctions.sanction_lift(sanction=sanction, actor=moderator)
    sanctions.sanction_lift(sanction=sanction, actor=moderator)  # already lifted: nothing
    for review in (published, second):
        assert [p.get("action") for k, p in chain(review) if k == "sanction"] == ["given", "lifted"]
    assert verify(published, second)[0] == 0


def test_entries_are_write_once_and_a_chain_cannot_fork(pending):
    entry = pending.log_entries.get()
    entry.payload = {"to": "published"}
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewLogEntry.objects.create(
            review=pending, seq=1, kind="status", payload={}, prev_hash="0", hash="0"
        )


def test_appends_in_one_batch_follow_each_other(pending):
    at = timezone.now()
    rows = ledger.append(
        [
            ledger.appeal_entry(
                review_id=pending.pk, appeal_id=n, by="author", status="open", actor_id=None, at=at
            )
            for n in (1, 2)
        ]
    )
    assert [r.seq for r in rows] == [2, 3]
    assert rows[1].prev_hash == rows[0].hash


# --- Every kind of tampering is found -----------------------------------------


def entry(review: Review, seq: int) -> ReviewLogEntry:
    return review.log_entries.get(seq=seq)


def test_an_intact_chain_verifies(long_chain):
    assert verify(long_chain) == (0, "1 chains verified, none broken.\n")


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_an_altered_payload_is_found(long_chain, seq):
    payload = {**entry(long_chain, seq).payload, "actor": 999}
    tamper(ReviewLogEntry.objects.filter(review=long_chain, seq=seq), payload=payload)
    status, out = verify(long_chain)
    assert status == 1
    assert f"review {long_chain.pk}: chain broken at entry {seq}: altered" in out


def test_a_rewritten_hash_is_found(long_chain):
    tamper(ReviewLogEntry.objects.filter(review=long_chain, seq=2), hash="f" * 64)
    # Entry 2 no longer matches its payload (and 3 no longer links to it).
    assert f"review {long_chain.pk}: chain broken at entry 2: altered" in verify(long_chain)[1]


@pytest.mark.parametrize("seq", [1, 2, 4])
def test_a_deleted_entry_is_found(long_chain, seq):
    ReviewLogEntry.objects.filter(review=long_chain, seq=seq).delete()
    status, out = verify(long_chain)
    assert status == 1
    assert f"review {long_chain.pk}: chain broken at entry {seq}: missing" in out


def test_a_deleted_last_status_entry_is_found(long_chain):
    ReviewLogEntry.objects.filter(review=long_chain, seq__gte=3).delete()
    # The chain is sound, but ends on "pending" when the review is rejected.
    assert f"review {long_chain.pk}: chain broken at entry 3: missing" in verify(long_chain)[1]


def test_a_review_without_its_chain_is_found(long_chain):
    long_chain.log_entries.all().delete()
    assert f"review {long_chain.pk}: chain broken at entry 1: missing" in verify(long_chain)[1]


def test_a_deleted_entry_renumbered_is_found(long_chain):
    ReviewLogEntry.objects.filter(review=long_chain, seq=2).delete()
    for seq in (3, 4, 5):
        tamper(ReviewLogEntry.objects.filter(review=long_chain, seq=seq), seq=seq - 1)
    assert f"review {long_chain.pk}: chain broken at entry 2: missing" in verify(long_chain)[1]


@pytest.mark.parametrize(("first", "second"), [(2, 3), (1, 5), (4, 5)])
def test_swapped_entries_are_found(long_chain, first, second):
    rows = ReviewLogEntry.objects.filter(review=long_chain)
    tamper(rows.filter(seq=first), seq=99)
    tamper(rows.filter(seq=second), seq=first)
    tamper(rows.filter(seq=99), seq=second)
    status, out = verify(long_chain)
    assert status == 1
    assert f"review {long_chain.pk}: chain broken at entry {first}: reordered" in out


@pytest.mark.parametrize("seq", [1, 4])
def test_an_edited_link_is_found(long_chain, seq):
    tamper(ReviewLogEntry.objects.filter(review=long_chain, seq=seq), prev_hash="a" * 64)
    status, out = verify(long_chain)
    assert status == 1
    assert f"review {long_chain.pk}: chain broken at entry {seq}: link" in out


def test_every_chain_is_checked_and_only_broken_ones_reported(long_chain, moderator, cast):
    others = Review.objects.exclude(pk=long_chain.pk)
    assert not others.exists()
    ReviewLogEntry.objects.filter(review=long_chain, seq=2).delete()
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 broken chain"):
        call_command("verify_review_log", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [
        f"review {long_chain.pk}: chain broken at entry 2: missing (entrée manquante)"
    ]
    assert "1/1" in err.getvalue()  # the progress bar


def test_verification_streams_in_two_queries(long_chain, django_assert_num_queries):
    with django_assert_num_queries(2):
        found = list(ledger.chains_check(chunk_size=2))
    assert found == [(long_chain.pk, None)]


def test_the_nightly_job_logs_a_break_without_personal_data(long_chain, caplog):
    assert "reviews-verify-log" in django_settings.CELERY_BEAT_SCHEDULE
    task = django_settings.CELERY_BEAT_SCHEDULE["reviews-verify-log"]["task"]
    assert task == "reviews.tasks.verify_review_log"
    assert tasks.verify_review_log.run() == {"broken": 0, "reviews": []}
    tamper(ReviewLogEntry.objects.filter(review=long_chain, seq=3), payload={"to": "published"})
    with caplog.at_level(logging.ERROR, logger="reviews.services.ledger"):
        result = ledger.chains_verify()
    assert [str(b) for b in result] == [f"review {long_chain.pk}: entry 3: altered"]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"review {long_chain.pk}, entry 3, altered" in logged
    for private in ("Paul", "Bernard", "sophie", "Martin", "@"):
        assert private not in logged


# --- The backfill migration ---------------------------------------------------


def test_the_backfill_rebuilds_the_same_chains_from_the_history(long_chain):
    """The chains the services wrote, erased then rebuilt by the migration's
    function from the events: the same entries, the same hashes."""
    before = list(
        ReviewLogEntry.objects.order_by("review", "seq").values_list(
            "review", "seq", "kind", "payload", "prev_hash", "hash"
        )
    )
    ReviewLogEntry.objects.all().delete()
    migration = importlib.import_module("reviews.migrations.0012_review_log_backfill")
    migration.backfill(django_apps, None)
    after = list(
        ReviewLogEntry.objects.order_by("review", "seq").values_list(
            "review", "seq", "kind", "payload", "prev_hash", "hash"
        )
    )
    assert after == before
    assert verify(long_chain)[0] == 0


def backfill_again() -> None:
    ReviewLogEntry.objects.all().delete()
    importlib.import_module("reviews.migrations.0012_review_log_backfill").backfill(
        django_apps, None
    )


def test_the_backfill_covers_audits_and_sanctions(
    client, cast, published, moderator, settings, django_capture_on_commit_callbacks
):
    from reviews.services import invoices

    settings.REVIEW_AUDIT_RATE = 1.0
    audits.audits_open(seed=1)
    sanction = sanctions.sanction_create(company=cast.company_a, actor=moderator, reason="Faux.")
    sanctions.sanction_lift(sanction=sanction, actor=moderator)
    # A review written after the sanction: not in its chain.
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-2",
                "issued_on": recent_date(51).isoformat(),
                "amount": "1000",
                "client_name": "Luc Petit",
                "client_email": "luc@example.org",
            },
            actor=None,
        )
    client.post(review_path(), {**REVIEW, "author_name": "Luc Petit"})
    later = Review.objects.exclude(pk=published.pk).get()
    before = chain(published), chain(later)
    assert [k for k, _p in before[0]] == ["status", "audit", "sanction", "sanction"]
    assert [k for k, _p in before[1]] == ["status"]
    backfill_again()
    assert (chain(published), chain(later)) == before


def test_the_backfill_keeps_a_decision_before_its_move_at_one_instant(
    pending, moderator, time_machine
):
    time_machine.move_to(timezone.now() + timedelta(days=1), tick=False)
    moderation.review_moderate(
        review=pending, actor=moderator, decision="reject", reason="name_mismatch"
    )
    before = chain(pending)
    assert [k for k, _p in before] == ["status", "decision", "status"]
    assert before[1][1]["at"] == before[2][1]["at"]  # the same instant
    backfill_again()
    assert chain(pending) == before


# --- What staff see -----------------------------------------------------------


def test_staff_read_the_history_in_order_with_a_verified_chain(client, long_chain, moderator):
    client.login(username=moderator.username, password=PASSWORD)
    url = reverse("reviews:moderation-detail", args=[long_chain.pk])
    page = client.get(url).content.decode()
    history = page.split('<section class="card review-history"')[1].split("</section>")[0]
    assert "Chaîne vérifiée (5 entrées)." in history
    lines = history.split("<li")[1:]
    assert len(lines) == 5
    expected = [
        "Statut : En cours de modération ·",
        "Décision de modération : Refuser · Le nom de l&#x27;auteur ne correspond pas",
        "Statut : En cours de modération → Refusée ·",
        "Contestation (L&#x27;auteur) : Ouverte ·",
        "Contestation (L&#x27;auteur) : Rejetée : la décision est maintenue ·",
    ]
    for line, (n, what) in zip(lines, enumerate(expected, start=1), strict=True):
        assert f'id="history-{n}"' in line
        assert what in line
    assert "moderation@plusquepro.fr" in lines[1]
    assert "Nom de l&#x27;auteur différent de celui de la facture" in lines[0]  # why it waited
    assert "Chaîne rompue" not in page


def test_staff_see_where_a_chain_breaks(client, long_chain, moderator):
    tamper(ReviewLogEntry.objects.filter(review=long_chain, seq=3), payload={"to": "published"})
    client.login(username=moderator.username, password=PASSWORD)
    page = client.get(reverse("reviews:moderation-detail", args=[long_chain.pk])).content.decode()
    assert "Chaîne rompue à l'entrée 3 (entrée modifiée)" in page
    assert 'id="history-3" class="chain-broken"' in page
    assert "Chaîne vérifiée" not in page


def test_staff_see_a_status_text_changed_behind_the_record(client, long_chain, moderator):
    event = long_chain.events.order_by("pk").last()
    tamper(type(event).objects.filter(pk=event.pk), reason="Texte réécrit.")
    client.login(username=moderator.username, password=PASSWORD)
    page = client.get(reverse("reviews:moderation-detail", args=[long_chain.pk])).content.decode()
    assert "Texte réécrit. <strong>(texte modifié depuis son enregistrement)</strong>" in page


def test_the_history_page_queries_do_not_grow_with_the_chain(client, pending, moderator):
    client.login(username=moderator.username, password=PASSWORD)
    url = reverse("reviews:moderation-detail", args=[pending.pk])
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    moderation.review_moderate(
        review=pending, actor=moderator, decision="reject", reason="name_mismatch"
    )
    pending.refresh_from_db()
    appeals.appeal_create(
        review=pending, by="author", text="J'ai réglé la facture au nom de ma compagne."
    )
    with CaptureQueriesContext(connection) as long:
        client.get(url)
    assert len(long.captured_queries) == len(short.captured_queries)


def test_the_backfill_migration_runs_on_existing_reviews(long_chain):
    """The migration's function with its historical models (the state
    after 0009), on reviews that have a history and no record yet."""
    from django.db.migrations.loader import MigrationLoader

    expected = chain(long_chain)
    state = MigrationLoader(connection).project_state(
        ("reviews", "0011_review_log_and_invitation_rule_changes")
    )
    ReviewLogEntry.objects.all().delete()
    migration = importlib.import_module("reviews.migrations.0012_review_log_backfill")
    migration.backfill(state.apps, None)
    assert chain(long_chain) == expected
    assert verify(long_chain)[0] == 0


def test_the_hash_is_sha256_of_the_link_and_the_canonical_payload():
    """The algorithm chains already written rely on (a fixed vector): keys
    sorted, no spaces, UTF-8, dates in UTC."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    at = datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("Europe/Paris"))
    payload = {"to": "publiée", "at": ledger.iso(at), "actor": None}
    assert ledger.canonical(payload) == (
        '{"actor":null,"at":"2026-11-30T06:00:00.000000+00:00","to":"publiée"}'
    )
    assert ledger.entry_hash(ledger.GENESIS, payload) == (
        "3e2ebe37284e3483d58253989856b9b77936e15ca4e1f066d45f1415c13d2caa"
    )
    assert ledger.iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000+00:00"
