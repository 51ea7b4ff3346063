"""``manage.py import_sources``: create or update Articles from the documents in sources/."""

from pathlib import Path

from django.core.management.base import CommandError

from libya.desk import ingest
from libya.desk.management.tracked import TrackedCommand


class Command(TrackedCommand):
    help = "Parse the documents in sources/ and create or update their Articles (by content hash)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "files", nargs="*", help="File names to import (default: every manifest document)."
        )
        parser.add_argument(
            "--sources", type=Path, help="Directory holding the documents and manifest.toml."
        )

    def handle(self, *args, files, sources, verbosity, **options):
        try:
            report = ingest.import_sources(sources, only=files or None)
        except ingest.SourceError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 2:
            self._show_stripped(report)
        for source, claims in report.unanchored.items():
            ids = ", ".join(str(claim.pk) for claim in claims)
            self.stderr.write(f"{source}: claims whose text is no longer in the body: {ids}")
        for source in report.suggestions_failed:
            self.stderr.write(f"{source}: imported, but suggesting claims failed (see the log)")
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged; "
            f"{sum(report.suggested.values())} suggestions proposed"
        )

    def _show_stripped(self, report: ingest.ImportReport) -> None:
        for source, stripped in report.stripped.items():
            self.stdout.write(source)
            for item in stripped:
                self.stdout.write(f"  [{item.rule}] {item.text[:100]}")
