"""The database every benchmark fills: a PostgreSQL database of its own,
named ``…_bench`` so that no benchmark ever writes into a real one, created
when missing and brought to the current schema and reference data before a
fill. Used by the ``bench_*`` commands of every app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg import sql


def bench_database(fills: str) -> dict[str, Any]:
    """Django's ``default`` database settings, once checked to be a
    PostgreSQL database whose name ends in ``_bench``.

    ``fills``: what the benchmark writes into it, for the error message
    ("generated companies and reviews"). Raises ``CommandError`` otherwise:
    a benchmark's fill must never land in the site's own database."""
    database: dict[str, Any] = settings.DATABASES["default"]
    if connection.vendor != "postgresql" or not str(database["NAME"]).endswith("_bench"):
        raise CommandError(
            "Point DATABASE_URL to a PostgreSQL database whose name ends in _bench: "
            f"the benchmark fills it with {fills}."
        )
    return database


def bench_database_ready(database: dict[str, Any], show: Callable[[str], object]) -> None:
    """Create ``database`` if it does not exist (saying so through
    ``show``), migrate it and load the trades and the gazetteer (kept when
    already loaded): what every fill starts from."""
    if create_database(database):
        show(f"Created database {database['NAME']}.")
    call_command("migrate", verbosity=0)
    call_command("load_professions", verbosity=0)
    call_command("load_places", if_empty=True, verbosity=0)


def create_database(database: dict[str, Any]) -> bool:
    """Create the PostgreSQL database of Django's settings ``database`` (a
    ``DATABASES`` entry) if it does not exist, connected to the server's
    ``postgres`` database. Returns whether it was created."""
    params = {
        "dbname": "postgres",
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v}) as admin:
        if admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone():
            return False
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
    return True
