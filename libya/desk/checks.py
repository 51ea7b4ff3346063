"""System checks: the database features the desk relies on, and room for its connections."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError, connection

from libya import serving

# Slots the server keeps for superusers and, from PostgreSQL 16, for pg_use_reserved_connections.
AVAILABLE_SLOTS = """
    SELECT current_setting('max_connections')::int
         - current_setting('superuser_reserved_connections')::int
         - coalesce(current_setting('reserved_connections', true)::int, 0)
"""


@register(Tags.database)
def check_postgresql(app_configs, **kwargs):
    """Full-text search, trigram matching and generated columns need PostgreSQL."""
    if connection.vendor != "postgresql":
        return [
            Error(
                "The Libya desk needs PostgreSQL (full-text search, pg_trgm).",
                hint="Set DATABASE_URL to a postgres:// URL, or unset it for the embedded server.",
                id="desk.E001",
            )
        ]
    return []


@register(Tags.database)
def check_connection_budget(app_configs, databases=None, **kwargs):
    """Gunicorn's threads, each holding a persistent connection, must fit in max_connections.

    A server out of slots answers "too many clients" to the request that
    needed one, so the rule is: workers x threads + DESK_DB_CONNECTION_RESERVE
    (manage.py commands, backups, psql) <= the slots an ordinary role may use.
    Database checks run with ``migrate`` and ``check --database default``, so
    the container's entrypoint refuses to start an oversized configuration.
    """
    if "default" not in (databases or []) or connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(AVAILABLE_SLOTS)
            available = cursor.fetchone()[0]
    except DatabaseError:
        return []  # unreachable or unreadable: migrate itself reports that
    try:
        web = serving.database_connections()
    except ValueError as exc:
        return [Error(str(exc), id="desk.E002")]
    if web + settings.DESK_DB_CONNECTION_RESERVE <= available:
        return []
    return [
        Error(
            f"Gunicorn may hold {web} database connections ({serving.workers()} workers x "
            f"{serving.threads()} threads) plus a reserve of {settings.DESK_DB_CONNECTION_RESERVE}"
            f", but the server accepts {available}.",
            hint="Lower WEB_CONCURRENCY or GUNICORN_THREADS, or raise max_connections.",
            id="desk.E002",
        )
    ]
