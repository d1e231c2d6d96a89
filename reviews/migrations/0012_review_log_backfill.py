"""Build the tamper-evident record of the reviews that exist already, from
their history: moderation decisions, status moves, audit moves, appeals
(opened, decided) and company sanctions (given, lifted; chained to each
review the company had then), in the order they happened. Entries of the
same instant keep the order the services write them in (a decision, then
the status move it causes). The payloads and hashes are those of
``reviews.services.ledger`` (pure functions; the algorithm never changes)."""

from __future__ import annotations

from django.db import migrations

BATCH = 500
# At one instant: a decision is recorded before the move it causes.
RANK = {"decision": 0, "status": 1, "audit": 2, "appeal": 3, "sanction": 4}


def backfill(apps, schema_editor):
    from reviews.services import ledger

    Review = apps.get_model("reviews", "Review")
    ReviewEvent = apps.get_model("reviews", "ReviewEvent")
    AuditEvent = apps.get_model("reviews", "AuditEvent")
    ModerationDecision = apps.get_model("reviews", "ModerationDecision")
    Appeal = apps.get_model("reviews", "Appeal")
    Sanction = apps.get_model("reviews", "Sanction")
    ReviewLogEntry = apps.get_model("reviews", "ReviewLogEntry")

    sanctions = list(Sanction.objects.order_by("pk"))
    ids = list(Review.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        found: dict[int, list] = {pk: [] for pk in batch}

        def add(review_id, entry, pk):
            found[review_id].append((entry.at, RANK[entry.kind], pk, entry))

        for event in ReviewEvent.objects.filter(review_id__in=batch):
            entry = ledger.status_entry(
                review_id=event.review_id,
                event_id=event.pk,
                from_status=event.from_status,
                to=event.to_status,
                actor_id=event.actor_id,
                reason=event.reason,
                at=event.created_at,
            )
            add(event.review_id, entry, event.pk)
        for event in AuditEvent.objects.filter(audit__review_id__in=batch).select_related("audit"):
            entry = ledger.audit_entry(
                review_id=event.audit.review_id,
                audit_id=event.audit_id,
                event_id=event.pk,
                from_status=event.from_status,
                to=event.to_status,
                actor_id=event.actor_id,
                reason=event.reason,
                at=event.created_at,
            )
            add(event.audit.review_id, entry, event.pk)
        for decision in ModerationDecision.objects.filter(review_id__in=batch):
            entry = ledger.decision_entry(
                review_id=decision.review_id,
                decision_id=decision.pk,
                decision=decision.decision,
                reason=decision.reason,
                note=decision.note,
                actor_id=decision.decided_by_id,
                at=decision.created_at,
            )
            add(decision.review_id, entry, decision.pk)
        for appeal in Appeal.objects.filter(review_id__in=batch):
            opened = ledger.appeal_entry(
                review_id=appeal.review_id,
                appeal_id=appeal.pk,
                by=appeal.by,
                status="open",
                actor_id=appeal.appellant_id,
                at=appeal.created_at,
            )
            add(appeal.review_id, opened, appeal.pk)
            if appeal.status != "open" and appeal.decided_at is not None:
                decided = ledger.appeal_entry(
                    review_id=appeal.review_id,
                    appeal_id=appeal.pk,
                    by=appeal.by,
                    status=appeal.status,
                    actor_id=appeal.decided_by_id,
                    at=appeal.decided_at,
                )
                add(appeal.review_id, decided, appeal.pk)
        created = dict(Review.objects.filter(pk__in=batch).values_list("pk", "created_at"))
        companies = dict(Review.objects.filter(pk__in=batch).values_list("pk", "company_id"))
        for sanction in sanctions:
            moments = [("given", sanction.created_at, sanction.decided_by_id)]
            if sanction.lifted_at is not None:
                moments.append(("lifted", sanction.lifted_at, sanction.lifted_by_id))
            for review_id in batch:
                if companies[review_id] != sanction.company_id:
                    continue
                for action, at, actor_id in moments:
                    if created[review_id] <= at:
                        entry = ledger.sanction_entry(
                            review_id=review_id,
                            sanction_id=sanction.pk,
                            action=action,
                            # Every sanction before 0013 was a freeze.
                            kind="freeze",
                            reason=sanction.reason,
                            actor_id=actor_id,
                            at=at,
                        )
                        add(review_id, entry, sanction.pk)
        rows = []
        for review_id in batch:
            prev = ledger.GENESIS
            ordered = sorted(found[review_id], key=lambda item: item[:3])
            for seq, (_at, _rank, _pk, entry) in enumerate(ordered, start=1):
                digest = ledger.entry_hash(prev, entry.payload)
                rows.append(
                    ReviewLogEntry(
                        review_id=review_id,
                        seq=seq,
                        kind=entry.kind,
                        payload=entry.payload,
                        actor_id=entry.actor_id,
                        created_at=entry.at,
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                prev = digest
        ReviewLogEntry.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0011_review_log_and_invitation_rule_changes")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
