"""Figures for RELIABILITY.md: each reliability check records what it measured.

A check calls ``record("hostile-input", requests=2011, server_errors=0)`` after
its assertions have run; the figures land in ``test-output/reliability/<name>.json``
and ``bench/reliability.py`` renders them all into one scoreboard. A check
that failed records nothing, so a stale or missing figure shows as missing.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "test-output" / "reliability"


def record(name: str, **figures) -> Path:
    """Save one check's figures (JSON-serialisable values) with the time they were taken."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    payload = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), **figures}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return path
