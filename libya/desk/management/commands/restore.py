"""``manage.py restore PATH``: replace a database's contents with a ``manage.py backup`` archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from libya import backup


class Command(BaseCommand):
    help = (
        "Restore a backup (pg_restore --clean, in one transaction: a failure changes nothing) "
        "into the configured database, or into --database-url."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="Archive written by manage.py backup.")
        parser.add_argument(
            "--database-url", help="Restore into this database instead of the configured one."
        )
        parser.add_argument(
            "--create", action="store_true", help="Create the target database first (a new one)."
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation before replacing an existing database.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args, path: Path, database_url, create, interactive, database, **options):
        if database_url:
            params = backup.url_params(database_url)
        else:
            params = backup.connection_params(connections[database].settings_dict)
        target = backup.describe(params)
        if interactive and not create and not self.confirmed(target, path):
            raise CommandError("Restore cancelled.")
        try:
            backup.restore(path, params, create=create)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path} restored into {target}.")

    def confirmed(self, target: str, path: Path) -> bool:
        answer = input(
            f"This replaces the contents of {target} with {path}.\n"
            "Type 'yes' to continue, or 'no' to cancel: "
        )
        return answer.strip().lower() == "yes"
