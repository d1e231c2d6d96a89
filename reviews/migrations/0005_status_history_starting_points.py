"""Reviews and audits written before their history was kept get one event:
their status at that point, from "" (no actor), so that every row's trail
starts somewhere. New rows get theirs from reviews.services.transitions."""

from django.db import migrations

BATCH = 2000
REASON = "Status when the history began."


def backfill(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    ReviewEvent = apps.get_model("reviews", "ReviewEvent")
    Audit = apps.get_model("reviews", "Audit")
    AuditEvent = apps.get_model("reviews", "AuditEvent")
    reviews = Review.objects.filter(events__isnull=True).values_list(
        "pk", "status", "status_changed_at", "created_at"
    )
    events = []
    for pk, status, changed_at, created_at in reviews.iterator(chunk_size=BATCH):
        events.append(
            ReviewEvent(
                review_id=pk,
                from_status="",
                to_status=status,
                reason=REASON,
                created_at=changed_at or created_at,
            )
        )
        if len(events) == BATCH:
            ReviewEvent.objects.bulk_create(events)
            events = []
    ReviewEvent.objects.bulk_create(events)
    audits = Audit.objects.filter(events__isnull=True).values_list(
        "pk", "status", "decided_at", "opened_at"
    )
    events = []
    for pk, status, decided_at, opened_at in audits.iterator(chunk_size=BATCH):
        events.append(
            AuditEvent(
                audit_id=pk,
                from_status="",
                to_status=status,
                reason=REASON,
                created_at=decided_at or opened_at,
            )
        )
        if len(events) == BATCH:
            AuditEvent.objects.bulk_create(events)
            events = []
    AuditEvent.objects.bulk_create(events)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_review_and_audit_events"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
