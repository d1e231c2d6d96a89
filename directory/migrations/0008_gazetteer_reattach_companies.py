"""Existing companies are re-attached to the new gazetteer by postal code and
city. The gazetteer is loaded here only when there are companies to place
(a fresh install has none, and ``load_places`` loads it): ``migrate`` stays
fast on an empty database. Companies that cannot be placed are printed and
logged; they keep their coordinates."""

import logging

from django.db import migrations

logger = logging.getLogger("directory")


def reattach(apps, schema_editor, source=None):
    from directory.places.gazetteer import load_gazetteer, reattach_companies

    if not apps.get_model("directory", "Company").objects.exists():
        return
    if not apps.get_model("directory", "Place").objects.exists():
        load_gazetteer(apps=apps, source=source)
    report = reattach_companies(apps=apps)
    for line in report.lines():
        print(f"  {line}")
    for line in report.unplaced:
        logger.warning("Company not placed in the gazetteer: %s", line)


class Migration(migrations.Migration):
    dependencies = [("directory", "0007_gazetteer_cog")]

    operations = [migrations.RunPython(reattach, migrations.RunPython.noop)]
