"""Every invoice registered before sessions existed becomes the completed
session it proves (issue 13), as ``loyalty.services.session_for_invoice``
does for new ones. Invoices whose client data the retention job erased
name no client any more: they get no session. Batches of 1,000."""

from django.db import migrations

from loyalty.identity import NoClientIdentity, client_key

BATCH = 1000


def backfill(apps, schema_editor):
    Invoice = apps.get_model("reviews", "Invoice")
    ServiceSession = apps.get_model("loyalty", "ServiceSession")
    rows = (
        Invoice.objects.filter(session__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "company_id",
            "number",
            "issued_on",
            "amount",
            "client_email",
            "client_phone",
            "client_name",
            "created_by_id",
            "created_at",
        )
    )
    batch = []
    for pk, company, number, issued_on, amount, email, phone, name, by, at in rows.iterator(
        chunk_size=BATCH
    ):
        try:
            key = client_key(company_id=company, email=email, phone=phone, name=name)
        except NoClientIdentity:
            continue
        batch.append(
            ServiceSession(
                company_id=company,
                client_key=key,
                performed_on=issued_on,
                amount=amount,
                status="completed",
                source="invoice",
                invoice_id=pk,
                reference=number,
                created_by_id=by,
                created_at=at,
            )
        )
        if len(batch) == BATCH:
            ServiceSession.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    ServiceSession.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_service_sessions")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
