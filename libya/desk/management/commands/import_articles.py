"""``manage.py import_articles PATH [PATH ...]``: articles by the thousand, from feeds."""

from pathlib import Path
from uuid import uuid4

import pghistory
import psycopg
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from procrastinate.exceptions import ConnectorException
from tqdm import tqdm

from libya.desk import bulk, ingest
from libya.desk.management.tracked import TrackedCommand
from libya.desk.models.generation import BULK_STRIPES


class Command(TrackedCommand):
    help = (
        "Import articles from JSON Lines (.jsonl), CSV (.csv) or a folder with a manifest.toml; "
        "unchanged records are skipped, bad ones reported by line."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders to import.")
        parser.add_argument("--batch-size", type=int, default=bulk.BATCH_SIZE)
        parser.add_argument(
            "--writers",
            type=int,
            default=bulk.WRITERS,
            help="Batches written at once, each on a database connection of its own.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, paths, batch_size, writers, no_progress, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not 1 <= writers <= len(BULK_STRIPES):
            raise CommandError(f"--writers must be between 1 and {len(BULK_STRIPES)}.")
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path} does not exist.")
        bar = tqdm(unit=" records", disable=no_progress or verbosity < 1, file=self.stderr)
        try:
            # Every history row of this import points to one context naming it.
            with pghistory.context(import_batch=str(uuid4()), paths=[str(p) for p in paths]):
                report = bulk.import_paths(
                    paths, batch_size=batch_size, writers=writers, progress=bar.update
                )
        except ingest.SourceError as exc:
            raise CommandError(str(exc)) from exc
        # COPY goes through psycopg's own cursor, whose errors Django does not wrap; the job
        # queue wraps its own (enrichment jobs are queued in the import's transaction).
        except (
            OperationalError,
            InterfaceError,
            psycopg.OperationalError,
            ConnectorException,
        ) as exc:
            raise CommandError(
                f"The database became unreachable after {bar.n:,} records ({exc}). "
                "Every batch before the fault is stored; run the same command again "
                "to import the rest."
            ) from exc
        finally:
            bar.close()
        for rejection in report.rejected:
            self.stderr.write(f"rejected {rejection}")
        for source, claims in report.unanchored.items():
            ids = ", ".join(map(str, claims))
            self.stderr.write(f"{source}: claims whose text is no longer in the body: {ids}")
        self.stdout.write(
            f"created: {report.created}, updated: {report.updated}, "
            f"unchanged: {report.unchanged}, rejected: {len(report.rejected)}, "
            f"queued for enrichment: {report.enqueued}"
        )
