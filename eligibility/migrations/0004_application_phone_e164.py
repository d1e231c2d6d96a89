"""Applications' phone numbers in E.164 ("+33699056090"), as the form now
stores them (common.forms.PhoneNumberField). A number that cannot be read
as a valid one is left as it was typed: shown unchanged by |phone, and
corrected by the applicant or the vetter, never lost."""

import phonenumbers
from django.db import migrations

BATCH = 500


def _e164(raw):
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_e164(apps, schema_editor):
    Application = apps.get_model("eligibility", "Application")
    changed = []
    for application in Application.objects.exclude(phone="").only("pk", "phone").iterator():
        e164 = _e164(application.phone)
        if e164 and e164 != application.phone:
            application.phone = e164
            changed.append(application)
        if len(changed) >= BATCH:
            Application.objects.bulk_update(changed, ["phone"])
            changed = []
    Application.objects.bulk_update(changed, ["phone"])


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0003_application_language")]

    operations = [migrations.RunPython(to_e164, migrations.RunPython.noop)]
