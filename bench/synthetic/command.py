"""``bench/generate_corpus.py``: fill the database with a deterministic synthetic corpus."""

from argparse import SUPPRESS

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from synthetic import MARKERS, TIERS
from synthetic.load import CorpusNotEmpty, load_corpus
from synthetic.rows import Corpus


class Command(BaseCommand):
    help = (
        "Load a synthetic corpus with COPY: tier S (20k articles, 100k claims), "
        "M (200k, 1M) or L (2M, 10M). History triggers are skipped for the load."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tier", choices=list(TIERS), default="S", metavar="{S,M,L}")
        parser.add_argument("--seed", type=int, default=2020, help="Random seed (default 2020).")
        parser.add_argument("--reset", action="store_true", help="Empty the desk tables first.")
        parser.add_argument("--no-progress", action="store_true", help=SUPPRESS)

    def handle(self, *args, tier, seed, reset, no_progress, **options):
        corpus = Corpus(TIERS[tier], seed=seed, sources_dir=settings.SOURCES_DIR)
        self.stdout.write(f"Tier {tier} (seed {seed}): {TIERS[tier]}")
        try:
            timing = load_corpus(
                corpus, reset=reset, progress=not no_progress, log=self.stdout.write
            )
        except CorpusNotEmpty as exc:
            raise CommandError(f"{exc} Use --reset.") from exc
        indexes = sum(timing.indexes.values())
        self.stdout.write(f"  {len(timing.indexes)} indexes rebuilt in {indexes:.1f} s")
        self.stdout.write(f"  ANALYZE {timing.analyze:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Loaded in {timing.total:.1f} s."))
        terms = ", ".join(f"{word} ({share:.2%})" for word, share in MARKERS.items())
        self.stdout.write(f"Marker terms (share of articles): {terms}")
