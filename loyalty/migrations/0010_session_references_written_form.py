"""Session references recorded before references were kept in one
written form (``common.text.identifier_text``: NFKC, every dash "-",
every run of spaces one space, none around) are rewritten in it. The
sessions of invoices already follow their invoice's number (``reviews``
0022); this one rewrites the others (partner API, imports, the form).

Set-based, in batches, as ``reviews`` 0022: the database selects the
rows the rule can change, :data:`BATCH` at a time by primary key; Python
applies the rule to those; each batch is one UPDATE.

Clashes: a reference whose written form another session of the company
and source already has (``session_reference_unique``, case kept): the
session already in that form keeps it — it is the one a partner's retry
finds (``session_record``) — and the old one becomes "S-1 (2)" (" (3)" if
taken…). Both are kept, not merged: they may be one session recorded
twice (the fault the written form fixed), or two; deleting one would
change a loyalty score and its audit trail without anyone deciding it,
while the suffix leaves both visible to the pro, who may delete the
double. Two old references with one written form: the first recorded
(lowest id) takes it. A form past 100 characters is left as it is."""

import re
import unicodedata

from django.db import migrations
from django.db.models import Q

from common.unique_rewrites import rewrite_values

BATCH = 500
REFERENCE_MAX = 100
# What the written form can change (reviews 0022).
MAY_CHANGE = r"[^ -~]|^ | $|  "
# common.text's dashes and spaces.
DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
SPACES = re.compile(r"\s+")


def written_form(text):
    """``common.text.identifier_text`` as of this migration."""
    folded = DASHES.sub("-", unicodedata.normalize("NFKC", text))
    return SPACES.sub(" ", folded).strip()


def references_written_form(apps, schema_editor):
    ServiceSession = apps.get_model("loyalty", "ServiceSession")
    after = 0
    while True:
        rows = list(
            ServiceSession.objects.filter(pk__gt=after, invoice__isnull=True)
            .filter(Q(reference__regex=MAY_CHANGE))
            .order_by("pk")
            .values_list("pk", "reference")[:BATCH]
        )
        if not rows:
            break
        after = rows[-1][0]
        changes = [
            (pk, form)
            for pk, reference in rows
            if (form := written_form(reference)) != reference and 0 < len(form) <= REFERENCE_MAX
        ]
        rewrite_values(ServiceSession, "reference", changes, max_length=REFERENCE_MAX)


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0009_session_reference_visible_characters"),
        ("reviews", "0022_invoice_numbers_written_form"),
    ]

    operations = [
        migrations.RunPython(references_written_form, migrations.RunPython.noop, elidable=True),
    ]
