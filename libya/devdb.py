"""Start, locate and stop the embedded PostgreSQL used when DATABASE_URL is unset.

The Makefile runs ``python -m libya.devdb url`` and exports what it prints as
DATABASE_URL, so settings never need to know whether the server is embedded.
Usage: ``python -m libya.devdb url|stop|status``.
"""

import argparse
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "libya"
# PostgreSQL's default 128 MB of shared buffers holds a fifth of the tier-M article
# table; searches that visit thousands of its pages then read each from the kernel
# (make bench measured 5 % term searches 2 to 3 times slower). 1 GB is modest on a
# development machine; a deployment sizes its own server (docker-compose.yml).
SERVER_SETTINGS = {"shared_buffers": "1GB"}


def start() -> str:
    """Start the server if it is not running (a stale postmaster.pid is ignored)."""
    import pgserver

    # cleanup_mode=None: the server must outlive this short-lived process;
    # `stop` ends it when `make run` or `make test` finishes.
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    if _configure(server):
        stop()  # shared_buffers takes effect at the next start only
        server.ensure_postgres_running()
    info = server.get_postmaster_info()
    _ensure_database(server)
    socket_dir = quote(str(info.socket_dir), safe="/")
    return f"postgres://postgres@/{DATABASE_NAME}?host={socket_dir}&port={info.port}"


def _configure(server) -> bool:
    """Write SERVER_SETTINGS that differ into postgresql.auto.conf; True if any changed."""
    changed = False
    for name, value in SERVER_SETTINGS.items():
        if value not in server.psql(f"SHOW {name};"):
            server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
            changed = True
    return changed


def _ensure_database(server) -> None:
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")


def stop() -> None:
    """Stop the server cleanly if it runs; a no-op otherwise."""
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(DATA_DIR)
    if info is None or not info.is_running():
        return
    user = "pgserver" if _running_as_root() else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=DATA_DIR, user=user)
    except subprocess.CalledProcessError:
        info.process.terminate()


def bin_dir() -> Path | None:
    """Where the embedded server's programs are (pg_dump, pg_restore...), if it is installed."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


def serves(host: str) -> bool:
    """Whether a libpq `host` (a name or a socket directory) is the embedded server."""
    if not host.startswith("/") or bin_dir() is None:
        return False
    from pgserver.utils import PostmasterInfo

    sockets = {DATA_DIR.resolve()}
    info = PostmasterInfo.read_from_pgdata(DATA_DIR)
    if info is not None and info.socket_dir is not None:
        sockets.add(info.socket_dir.resolve())
    return Path(host).resolve() in sockets


def _running_as_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m libya.devdb")
    parser.add_argument("action", choices=["url", "stop", "status"])
    action = parser.parse_args(argv).action
    if action == "url":
        print(start())
    elif action == "stop":
        stop()
    else:
        from pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(DATA_DIR)
        print("running" if info and info.is_running() else "stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
