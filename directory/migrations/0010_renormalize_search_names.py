"""Recompute the companies' normal-form names after ``common.text.normalize``
learnt to spell every Latin letter ("Yıldız" was stored as "y ld z").

Companies only: their trade rows (CompanyProfession) carry no name, and
places are re-read from the gazetteer by ``load_places``. The current
``normalize`` is imported on purpose: the stored names must be the ones
search compares with today. Re-running it changes nothing.
"""

from django.db import migrations

# Rows read per database round trip and written per UPDATE batch: a few
# hundred kilobytes of names, whatever the size of the table.
BATCH_SIZE = 2000


def compute_search_name(trade_name: str, legal_name: str) -> str:
    # Same rule as Company.compute_search_name (historical models have no
    # methods).
    from common.text import normalize

    trade, legal = normalize(trade_name), normalize(legal_name)
    return trade if legal in ("", trade) else f"{trade} {legal}"


def renormalize(apps, schema_editor):
    Company = apps.get_model("directory", "Company")
    rows = Company.objects.only("pk", "trade_name", "legal_name", "search_name").order_by("pk")
    changed = []
    for company in rows.iterator(chunk_size=BATCH_SIZE):
        search_name = compute_search_name(company.trade_name, company.legal_name)
        if search_name != company.search_name:
            company.search_name = search_name
            changed.append(company)
        if len(changed) >= BATCH_SIZE:
            Company.objects.bulk_update(changed, ["search_name"])
            changed = []
    if changed:
        Company.objects.bulk_update(changed, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0009_place_name_trigram_index"),
    ]

    operations = [
        migrations.RunPython(renormalize, migrations.RunPython.noop, elidable=True),
    ]
