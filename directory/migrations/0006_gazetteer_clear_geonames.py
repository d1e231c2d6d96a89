"""The geonames gazetteer is replaced by the official geographic code: its
rows are dropped (companies keep their city, postal code and coordinates;
0008 re-attaches them to the new places)."""

from django.db import migrations


def clear_geonames_places(apps, schema_editor):
    apps.get_model("directory", "Company").objects.update(place=None)
    apps.get_model("directory", "Place").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("directory", "0005_review_aggregates")]

    operations = [migrations.RunPython(clear_geonames_places, migrations.RunPython.noop)]
