"""How many gunicorn workers and threads serve the desk, and so how many connections it holds.

libya/gunicorn.conf.py sizes gunicorn from these and the desk.E002 system check
compares them with the database server's max_connections, so the two read the
same environment and cannot disagree. No Django import: gunicorn's master loads
this before any application code.
"""

import os

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4


def workers() -> int:
    """WEB_CONCURRENCY, the variable gunicorn and most platforms already use for processes."""
    return _positive("WEB_CONCURRENCY", DEFAULT_WORKERS)


def threads() -> int:
    return _positive("GUNICORN_THREADS", DEFAULT_THREADS)


def database_connections() -> int:
    """The most connections one gunicorn instance can hold.

    With CONN_MAX_AGE, Django keeps one connection per thread that served a
    request, and a thread serves one request at a time: never more than this.
    """
    return workers() * threads()


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a positive integer, not {raw!r}.")
    return int(raw)
