"""``manage.py suggest FILE``: what the extractor proposes for a text, printed, nothing saved."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from libya.desk import cleaning, ingest
from libya.desk.extraction import extract


class Command(BaseCommand):
    help = "Print the extractor's suggestions for an article text as JSON; saves nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A UTF-8 text file: the article body.")
        parser.add_argument(
            "--published",
            default="",
            help="Publication date, YYYY, YYYY-MM or YYYY-MM-DD: resolves 'hier', 'lundi'...",
        )
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument(
            "--clean",
            action="store_true",
            help="Apply the import cleaning rules first; spans then refer to the printed body.",
        )

    def handle(self, *args, file, published, clean, **options):
        try:
            text = file.read_text(encoding="utf-8")
            published_on, precision = ingest.parse_published(published)
        except (OSError, UnicodeDecodeError, ingest.SourceError) as exc:
            raise CommandError(str(exc)) from exc
        body = cleaning.parse(text).body if clean else text
        extraction = extract(body, published_on, precision)
        for message in extraction.messages:
            self.stderr.write(message)
        output = {
            "suggestions": [p.as_json() for p in extraction.proposals],
            "messages": extraction.messages,
        }
        if clean:
            output["body"] = body
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
