"""Write N synthetic articles as JSON Lines, the input of ``manage.py import_articles``.

The articles come from the synthetic corpus of a tier (bench/run.py loads the same
tier into the bench database), so their bodies name that tier's actors and the
import's mention linking has real work to do. Source ids start with the prefix
given, so that a run creates new articles beside the corpus's own.

Usage: python bench/feed.py OUT.jsonl --count 10000 [--tier S] [--prefix feed]
"""

import argparse
import os
import sys
from datetime import date
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from synthetic.rows import TIERS, Corpus  # noqa: E402

SHAPES = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def published(day: date | None, precision: str) -> str:
    return day.strftime(SHAPES[precision]) if day and precision in SHAPES else ""


def write_feed(out: Path, count: int, tier: str = "S", prefix: str = "feed") -> int:
    """Write ``count`` articles; past the tier's own number the texts repeat under new ids."""
    # generate_corpus's seed: the names in the texts are those of the bench database's actors.
    corpus = Corpus(TIERS[tier], seed=2020, sources_dir=ROOT / "sources")
    names = {actor.id: actor.name for actor in corpus.actors}
    written = 0
    with out.open("wb") as handle:
        while written < count:
            for batch in corpus.article_batches():
                for article in batch.articles:
                    if written == count:
                        return written
                    record = {
                        "source_id": f"{prefix}/{written:09d}",
                        "title": article["title"],
                        "text": article["body"],
                        "url": f"https://feed.example/{prefix}/{written}",
                        "published": published(
                            article["published_on"], article["published_precision"]
                        ),
                        "language": "fr",
                        "publisher": names.get(article["publisher_id"], ""),
                    }
                    handle.write(orjson.dumps(record) + b"\n")
                    written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--tier", default=os.environ.get("TIER", "S"), choices=sorted(TIERS))
    parser.add_argument("--prefix", default="feed")
    args = parser.parse_args()
    print(write_feed(args.out, args.count, args.tier, args.prefix), "articles")


if __name__ == "__main__":
    main()
