"""Fixture loading is atomic: a corpus with one invalid object, loaded by ``manage.py
load_corpus`` or by ``manage.py seed``, leaves every table as it was, and the error names
the object.

The invalid object is the corpus's last claim, so that every other row has been written
when the load fails: only the rollback can put them back. Each load runs in a process of
its own, as from a shell, so that its transaction is a real one, not a savepoint.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.scoreboard import record
from tests.snapshots import table_fingerprints

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(settings.FIXTURE_DIRS[0]) / "corpus.json"
LOADERS = {
    "load_corpus": ["load_corpus"],
    "seed": ["seed", "--reload", "--fixture"],
}


def span_mismatch(fields: dict) -> None:
    fields["text"] += " (sic)"


def invalid_choice(fields: dict) -> None:
    fields["status"] = "rumoured"


def unknown_reference(fields: dict) -> None:
    # Django takes it for a forward reference and tries again after the last row.
    fields["event"] = ["no-such-event"]


BREAKAGES = [span_mismatch, invalid_choice, unknown_reference]
# seed loads through the same load_corpus; what it adds is its own enclosing transaction
# (around import_sources too), which the latest failure of all shows.
RUNS = [("load_corpus", breakage) for breakage in BREAKAGES] + [("seed", unknown_reference)]


def broken_corpus(directory: Path, breakage) -> tuple[Path, str]:
    """The corpus with its last claim broken, and how the error must name that claim."""
    rows = json.loads(CORPUS.read_text())
    claim = [row for row in rows if row["model"] == "desk.claim"][-1]["fields"]
    key = (claim["article"][0], claim["span_start"], claim["span_end"])
    breakage(claim)
    path = directory / f"{breakage.__name__}.json"
    path.write_text(json.dumps(rows, ensure_ascii=False))
    return path, f"desk.Claim {key!r}"


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.reliability
@pytest.mark.django_db
def test_a_fixture_with_one_invalid_object_changes_nothing_and_names_it(
    test_database_url, tmp_path
):
    before = table_fingerprints()
    results = []
    for loader, breakage in RUNS:
        fixture, name = broken_corpus(tmp_path, breakage)
        done = manage(test_database_url, *LOADERS[loader], str(fixture))
        lines = done.stderr.replace(f"{tmp_path}/", "").splitlines()
        error = next((line for line in lines if line.startswith("CommandError:")), "")
        results.append(
            {
                "loader": loader,
                "case": breakage.__name__,
                "refused": done.returncode != 0 and bool(error),
                "unchanged": table_fingerprints() == before,
                "names_object": name in error,
                "error": error,
            }
        )

    assert [r for r in results if not (r["refused"] and r["unchanged"])] == []
    assert [r for r in results if not r["names_object"]] == []
    record(
        "fixture-atomicity",
        loaders=sorted(LOADERS),
        cases=[b.__name__ for b in BREAKAGES],
        runs=len(results),
        unchanged=sum(r["unchanged"] for r in results),
        error_names_object=all(r["names_object"] for r in results),
        tables=len(before),
        objects_in_fixture=len(json.loads(CORPUS.read_text())),
        errors=[f"{r['loader']}/{r['case']}: {r['error'][:200]}" for r in results],
    )
