"""``manage.py seed``: import sources/, then load the curated corpus into a fresh desk."""

from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from libya.desk import corpus
from libya.desk.management.tracked import TrackedCommand
from libya.desk.models import Claim


class Command(TrackedCommand):
    help = "Import sources/ and load fixtures/corpus.json (skipped once loaded, unless --reload)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Load the corpus even if the desk already holds claims (overwrites edits).",
        )
        parser.add_argument(
            "--fixture", type=Path, help="Load this file instead of fixtures/corpus.json."
        )

    def handle(self, *args, reload, fixture, verbosity, **options):
        # One transaction: a seed that fails halfway leaves the desk as it was.
        with transaction.atomic():
            call_command(
                "import_sources", verbosity=verbosity, stdout=self.stdout, stderr=self.stderr
            )
            # Reloading over an edited desk would overwrite editors' work and bump
            # every record's version, which API mirrors would read as a change.
            if Claim.objects.exists() and not reload:
                self.stdout.write("Corpus already loaded; use --reload to load it again.")
                return
            corpus.load_corpus(fixture or "corpus")
        self.stdout.write(f"Corpus loaded: {Claim.objects.count()} claims.")
