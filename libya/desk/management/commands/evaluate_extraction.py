"""``manage.py evaluate_extraction``: the extractor against the curated corpus; EXTRACTION.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from libya.desk.extraction import evaluation, report

OWN_TEXTS = Path(settings.BASE_DIR) / "tests" / "data" / "extraction"


class Command(BaseCommand):
    help = "Score the extractor on the five sources (curated claims as gold) and on own texts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "EXTRACTION.md",
            help="Where to write the report (default: EXTRACTION.md at the project root).",
        )
        parser.add_argument("--texts", type=Path, default=OWN_TEXTS, help="Hand-written texts.")

    def handle(self, *args, output, texts, **options):
        corpus = evaluation.evaluate(evaluation.corpus_cases())
        own = evaluation.evaluate(evaluation.own_cases(texts))
        held_out = [r for r in own if r[0].held_out]
        for title, results in (("corpus", corpus), ("own texts", own), ("held out", held_out)):
            self.stdout.write(f"{title}:")
            for key, tally in evaluation.totals(results).items():
                rate = "n/a" if tally.rate is None else f"{tally.rate:.3f}"
                self.stdout.write(f"  {key:18} {tally.hits:3} / {tally.total:3}  {rate}")
        output.write_text(report.render(corpus, own), encoding="utf-8")
        self.stdout.write(f"Wrote {output}")
