"""Invoice numbers registered before numbers were kept in one written
form (``common.text.identifier_text``, applied on every write since:
NFKC, every dash "-", every run of spaces one space, none around) are
rewritten in it, and the sessions of those invoices follow (their
reference is their invoice's number, ``loyalty.services.sessions``), as
do the numbers clients gave in their review requests (matched to them).

Set-based, in batches: the database selects the only rows the rule can
change (a character outside printable ASCII, or a space at an end or
doubled: an ASCII number without those is already in the written form),
by primary key, :data:`BATCH` at a time; Python applies the rule to those
(the rule is NFKC, which SQLite lacks and PostgreSQL's ``normalize()``
would apply with its own Unicode version) and writes each batch in one
UPDATE.

Clashes: a number whose written form another invoice of the company
already has, case aside (the ``invoice_number_unique_ci`` constraint):
the invoice already in that form keeps its number — a partner or the pro
may know the invoice by it — and the old one becomes "F-001 (2)" (" (3)"
if taken…), as migration 0020 renamed the clashes of case and spaces: no
invoice is lost or merged (each may carry an invitation and a review),
and the pro still recognises each number. Two old numbers with one
written form: the first registered (lowest id) takes it. A number whose
written form would exceed 50 characters ("ﬀ" is "ff") is left as it is:
no write can bring that form again, so it clashes with nothing."""

import re
import unicodedata

from django.db import migrations
from django.db.models import F, Q

from common.unique_rewrites import rewrite_values

BATCH = 500
# Invoice.number's max_length; ServiceSession.reference's.
NUMBER_MAX = 50
REFERENCE_MAX = 100
# What identifier_text can change: a character outside printable ASCII
# (tabs, no-break spaces, dashes, accents, full-width forms…), a space
# at either end, or two spaces.
MAY_CHANGE = r"[^ -~]|^ | $|  "
# common.text's dashes and spaces.
DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d]")
SPACES = re.compile(r"\s+")


def written_form(text):
    """``common.text.identifier_text`` as of this migration."""
    folded = DASHES.sub("-", unicodedata.normalize("NFKC", text))
    return SPACES.sub(" ", folded).strip()


def numbers_written_form(apps, schema_editor):
    Invoice = apps.get_model("reviews", "Invoice")
    after = 0
    while True:
        rows = list(
            Invoice.objects.filter(pk__gt=after, number__regex=MAY_CHANGE)
            .order_by("pk")
            .values_list("pk", "number")[:BATCH]
        )
        if not rows:
            break
        after = rows[-1][0]
        changes = [
            (pk, form)
            for pk, number in rows
            if (form := written_form(number)) != number and 0 < len(form) <= NUMBER_MAX
        ]
        rewrite_values(Invoice, "number", changes, max_length=NUMBER_MAX)
    sessions_follow_their_invoice(apps)
    requests_written_form(apps)


def requests_written_form(apps):
    """The numbers clients gave in their review requests, matched to the
    invoices' (no constraint: nothing clashes)."""
    ReviewRequest = apps.get_model("reviews", "ReviewRequest")
    after = 0
    while True:
        rows = list(
            ReviewRequest.objects.filter(pk__gt=after, invoice_number__regex=MAY_CHANGE)
            .order_by("pk")
            .values_list("pk", "invoice_number")[:BATCH]
        )
        if not rows:
            break
        after = rows[-1][0]
        changes = [
            ReviewRequest(pk=pk, invoice_number=form)
            for pk, number in rows
            if (form := written_form(number)) != number and 0 < len(form) <= NUMBER_MAX
        ]
        ReviewRequest.objects.bulk_update(changes, ["invoice_number"])


def sessions_follow_their_invoice(apps):
    """A session of an invoice has its invoice's number as reference."""
    ServiceSession = apps.get_model("loyalty", "ServiceSession")
    after = 0
    while True:
        rows = list(
            ServiceSession.objects.filter(pk__gt=after, invoice__isnull=False)
            .filter(~Q(reference=F("invoice__number")))
            .order_by("pk")
            .values_list("pk", "invoice__number")[:BATCH]
        )
        if not rows:
            break
        after = rows[-1][0]
        rewrite_values(ServiceSession, "reference", rows, max_length=REFERENCE_MAX)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0021_invoice_number_unique_case_insensitive"),
        ("loyalty", "0009_session_reference_visible_characters"),
    ]

    operations = [
        migrations.RunPython(numbers_written_form, migrations.RunPython.noop, elidable=True),
    ]
