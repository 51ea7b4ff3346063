"""``manage.py export_corpus``: regenerate fixtures/corpus.json from the database."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from libya.desk import corpus


class Command(BaseCommand):
    help = "Write the curated corpus (actors to claim links) as a natural-key fixture."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.FIXTURE_DIRS[0]) / "corpus.json",
            help="Where to write (default: fixtures/corpus.json).",
        )

    def handle(self, *args, output, **options):
        count = corpus.export_corpus(output)
        self.stdout.write(f"{count} records written to {output}")
