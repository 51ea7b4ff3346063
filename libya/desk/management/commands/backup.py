"""``manage.py backup``: the whole database as a pg_dump archive, by default under backups/."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from libya import backup

BACKUP_DIR = "backups"


class Command(BaseCommand):
    help = (
        "Dump the database (pg_dump custom format, history included) to "
        "backups/<database>-<UTC time>.dump, or to --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive to write (default: backups/…).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args, output: Path | None, database: str, **options) -> None:
        params = backup.connection_params(connections[database].settings_dict)
        path = output or default_path(params["dbname"])
        try:
            backup.backup(path, params)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        self.stdout.write(f"{backup.describe(params)} backed up to {path} ({size:,} bytes).")


def default_path(database: str) -> Path:
    """``backups/<database>-<UTC time>.dump`` in the project (git-ignored)."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%SZ")
    return Path(settings.BASE_DIR) / BACKUP_DIR / f"{database}-{stamp}.dump"
