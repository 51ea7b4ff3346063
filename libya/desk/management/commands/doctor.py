"""``manage.py doctor``: check the desk against the doctor's rules; exit 1 on any error."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from libya.desk import doctor
from libya.desk.models import Article


class Command(BaseCommand):
    help = (
        "Check the whole desk (or one article's records) against the doctor's rules. "
        "Prints each finding with its code and severity; exits 1 when there is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="output_format", choices=["text", "json"], default="text"
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=doctor.DEFAULT_LIMIT,
            help="Findings listed per rule (all are counted). Default: %(default)s.",
        )
        parser.add_argument(
            "--article",
            metavar="SOURCE",
            help="Only the rules about one article's records (its source file name).",
        )

    def handle(self, *args, output_format: str, limit: int, article: str | None, **options):
        if limit < 0:
            raise CommandError("--limit must be 0 or more.")
        scope = doctor.Scope()
        if article is not None:
            found = Article.objects.filter(source=article).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"No article has the source {article!r}.")
            scope = doctor.Scope(article_id=found)
        started = time.perf_counter()
        report = doctor.diagnose(scope, limit)
        seconds = time.perf_counter() - started
        if output_format == "json":
            self.stdout.write(json.dumps(report.as_dict() | {"seconds": round(seconds, 3)}))
        else:
            self.write_text(report, seconds)
        if report.errors:
            # The exit status is the contract (CI, the pipeline); the findings are printed.
            raise SystemExit(1)

    def write_text(self, report: doctor.Report, seconds: float) -> None:
        for result in report.results:
            if not result.total:
                continue
            rule = result.rule
            self.stdout.write(
                f"{rule.severity.upper()} {rule.code} ({result.total}): {rule.summary}"
            )
            for finding in result.findings:
                self.stdout.write(f"  - {finding.message}")
            if result.total > len(result.findings):
                self.stdout.write(f"  ... and {result.total - len(result.findings)} more")
        self.stdout.write(
            f"{report.errors} errors, {report.warnings} warnings "
            f"({len(report.results)} rules, {seconds:.2f} s)."
        )
