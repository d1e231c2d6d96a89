"""Every audit scan kept (AuditScan, one file each), the invoice amount
optional, and the markers of the retention job (reviews.services.retention).

The scan an audit received so far sat on its invoice (``Invoice.scan``),
each new one replacing the last: it moves to an AuditScan of that audit,
dated by the audit's last "submitted" event, and leaves the invoice. The
file itself stays where it is; only the row naming it changes."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import common.models
import common.validators


def move_audit_scans(apps, schema_editor):
    Audit = apps.get_model("reviews", "Audit")
    AuditEvent = apps.get_model("reviews", "AuditEvent")
    AuditScan = apps.get_model("reviews", "AuditScan")
    Invoice = apps.get_model("reviews", "Invoice")
    audits = (
        Audit.objects.exclude(status="open")
        .exclude(review__invoice__scan="")
        .values_list("pk", "review__invoice_id", "review__invoice__scan", "opened_at")
    )
    for audit_id, invoice_id, name, opened_at in audits.iterator():
        event = (
            AuditEvent.objects.filter(audit_id=audit_id, to_status="submitted")
            .order_by("-created_at", "-pk")
            .values_list("created_at", "actor_id")
            .first()
        )
        sent_at, sent_by = event if event else (opened_at, None)
        AuditScan.objects.create(audit_id=audit_id, file=name, sent_at=sent_at, sent_by_id=sent_by)
        Invoice.objects.filter(pk=invoice_id).update(scan="")


def put_back_audit_scans(apps, schema_editor):
    AuditScan = apps.get_model("reviews", "AuditScan")
    Invoice = apps.get_model("reviews", "Invoice")
    for scan in AuditScan.objects.order_by("sent_at", "pk").select_related("audit__review"):
        Invoice.objects.filter(pk=scan.audit.review.invoice_id).update(scan=scan.file.name)
    AuditScan.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0009_update_reply_moderation_invoice_age"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="client_data_erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=10,
                null=True,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="amount incl. tax (€)",
            ),
        ),
        migrations.CreateModel(
            name="AuditScan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(
                        storage=common.models.private_storage,
                        upload_to=common.models.private_upload_to,
                        validators=[
                            django.core.validators.FileExtensionValidator(
                                ("pdf", "jpg", "jpeg", "png")
                            ),
                            common.validators.validate_document,
                        ],
                        verbose_name="scan of the invoice",
                    ),
                ),
                (
                    "sent_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "audit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="scans",
                        to="reviews.audit",
                    ),
                ),
                (
                    "sent_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "audit scan",
                "verbose_name_plural": "audit scans",
                "ordering": ["sent_at", "pk"],
            },
        ),
        migrations.RunPython(move_audit_scans, put_back_audit_scans),
    ]
