"""Fill the database with a deterministic synthetic corpus for load tests (dev only).

    python bench/generate_corpus.py --tier S [--reset]

A script rather than a ``manage.py`` command: the generator is benchmark tooling, and
the server's runtime neither ships nor needs it.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")

import django  # noqa: E402

django.setup()

from synthetic.command import Command  # noqa: E402

if __name__ == "__main__":
    Command().run_from_argv(["manage.py", "generate_corpus", *sys.argv[1:]])
