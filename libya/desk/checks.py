"""System checks: the database features the desk relies on."""

from django.core.checks import Error, Tags, register
from django.db import connection


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
