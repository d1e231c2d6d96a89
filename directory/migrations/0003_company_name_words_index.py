"""Full-text index of company names (whole words), on PostgreSQL only.

Looking a word up in it costs about a millisecond at a million companies,
against twenty for the trigram index. The indexed expression must be the
one ``directory.search.names.NameVector`` renders.
"""

from django.db import migrations

INDEX = "directory_company_name_words"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON directory_company "
        "USING gin (to_tsvector('simple'::regconfig, search_name)) "
        "WHERE status = 'listed'"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_postgres_search_indexes")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
