"""Invoice client phones in E.164 ("06 99 05 60 90" → "+33699056090"), the
form every new invoice now has (common.formats). A phone that is not a
number is left as it was typed."""

from django.db import migrations


def to_e164(apps, schema_editor):
    from django.core.exceptions import ValidationError

    from common.formats import parse_phone

    Invoice = apps.get_model("reviews", "Invoice")
    rows = Invoice.objects.exclude(client_phone="").exclude(client_phone__startswith="+")
    for pk, phone in rows.values_list("pk", "client_phone").iterator(chunk_size=2000):
        try:
            e164 = parse_phone(phone)
        except ValidationError:
            continue
        Invoice.objects.filter(pk=pk).update(client_phone=e164)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0007_invitation_opened_at")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop)]
