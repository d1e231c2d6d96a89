"""Place suggestions ("Lyom" → Lyon) now search every name of a place:
the trigram index moves to PlaceName, on PostgreSQL only (see 0002)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS directory_placename_search_name_trgm "
    "ON directory_placename USING gin (search_name gin_trgm_ops)"
)
DROP = "DROP INDEX IF EXISTS directory_placename_search_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("directory", "0008_gazetteer_reattach_companies")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
