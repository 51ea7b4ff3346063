"""``manage.py seed``: import sources/, then load the curated corpus into a fresh desk."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from libya.desk import corpus
from libya.desk.models import Claim


class Command(BaseCommand):
    help = "Import sources/ and load fixtures/corpus.json (skipped once loaded, unless --reload)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Load the corpus even if the desk already holds claims (overwrites edits).",
        )

    def handle(self, *args, reload, verbosity, **options):
        call_command("import_sources", verbosity=verbosity)
        # Reloading over an edited desk would overwrite editors' work and bump
        # every record's version, which API mirrors would read as a change.
        if Claim.objects.exists() and not reload:
            self.stdout.write("Corpus already loaded; use --reload to load it again.")
            return
        corpus.load_corpus()
        self.stdout.write(f"Corpus loaded: {Claim.objects.count()} claims.")
