"""Invoices keep their client's canonical e-mail (common.email_addresses), the
client's identity across invoices; existing rows are filled in batches."""

from django.db import migrations, models

# Rows read per database round trip and written per UPDATE batch.
BATCH_SIZE = 2000


def fill_canonical_emails(apps, schema_editor):
    # The current rule on purpose: the stored keys must be the ones the
    # services compare with today. Re-running it changes nothing.
    from common.email_addresses import canonical_email

    Invoice = apps.get_model("reviews", "Invoice")
    rows = Invoice.objects.only("pk", "client_email", "client_email_canonical").order_by("pk")
    changed = []
    for invoice in rows.iterator(chunk_size=BATCH_SIZE):
        canonical = canonical_email(invoice.client_email)
        if canonical != invoice.client_email_canonical:
            invoice.client_email_canonical = canonical
            changed.append(invoice)
        if len(changed) >= BATCH_SIZE:
            Invoice.objects.bulk_update(changed, ["client_email_canonical"])
            changed = []
    if changed:
        Invoice.objects.bulk_update(changed, ["client_email_canonical"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="client_email_canonical",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(fill_canonical_emails, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                fields=["company", "client_email_canonical"], name="invoice_client_idx"
            ),
        ),
    ]
