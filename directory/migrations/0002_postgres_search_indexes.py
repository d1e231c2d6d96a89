"""Trigram indexes for typo-tolerant name search, on PostgreSQL only.

They are not declared on the models: an ``OpClass`` index cannot be
created on SQLite, the embedded default. ``CreateExtension`` is a no-op
off PostgreSQL; the raw SQL is guarded by vendor.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "directory_company_search_name_trgm": (
        "CREATE INDEX IF NOT EXISTS directory_company_search_name_trgm "
        "ON directory_company USING gin (search_name gin_trgm_ops) "
        "WHERE status = 'listed'"
    ),
    "directory_place_search_name_trgm": (
        "CREATE INDEX IF NOT EXISTS directory_place_search_name_trgm "
        "ON directory_place USING gin (search_name gin_trgm_ops)"
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in INDEXES.values():
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
