"""Phone numbers of companies and quote requests stored in E.164
("+33699056090"), as the forms now clean them (common.forms.PhoneNumberField).

Numbers without a country code are read as French. Text that is not a
valid number is left as it was (``|phone`` shows it unchanged). The logic
is copied here, not imported, so that this migration keeps meaning what it
meant when later code changes.
"""

from __future__ import annotations

import phonenumbers
from django.db import migrations

BATCH = 1000  # rows per UPDATE round trip; a few hundred kB of memory


def _e164(raw: str) -> str | None:
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _normalise(model) -> None:
    changed = []
    for row in model.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=BATCH):
        number = _e164(row.phone)
        if number is not None and number != row.phone:
            row.phone = number
            changed.append(row)
        if len(changed) >= BATCH:
            model.objects.bulk_update(changed, ["phone"])
            changed = []
    model.objects.bulk_update(changed, ["phone"])


def forwards(apps, schema_editor) -> None:
    _normalise(apps.get_model("directory", "Company"))
    _normalise(apps.get_model("directory", "QuoteRequest"))


class Migration(migrations.Migration):
    dependencies = [("directory", "0012_quote_request_delivery")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
