"""Backups of a whole database as pg_dump archives, and their restore (``manage.py backup``).

The archive is pg_dump's custom format: compressed, and restorable object by object,
history tables and triggers included. pg_dump and pg_restore come from the embedded
server's install when it is the one in use, else from PATH; either must be at least
the server's major version, or the dump could silently miss what it does not know.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import environ
import psycopg
from psycopg import sql

from libya import devdb

# Django's connection settings that libpq also reads from the environment.
LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
RESTORE_OPTIONS = [
    "--clean",
    "--if-exists",
    "--no-owner",
    "--single-transaction",
    "--exit-on-error",
]


class BackupError(Exception):
    """A backup or restore that cannot run or did not complete; the message says why."""


def connection_params(settings_dict: dict) -> dict[str, str]:
    """libpq parameters for a Django DATABASES entry (socket directories given in OPTIONS too)."""
    options = settings_dict.get("OPTIONS", {})
    params = {
        "dbname": settings_dict.get("NAME"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "host": settings_dict.get("HOST") or options.get("host"),
        "port": settings_dict.get("PORT") or options.get("port"),
    }
    params |= {key: options[key] for key in LIBPQ_ENV if key not in params and key in options}
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def url_params(url: str) -> dict[str, str]:
    """libpq parameters for a DATABASE_URL."""
    return connection_params(environ.Env.db_url_config(url))


def describe(params: dict[str, str]) -> str:
    """``name on host:port``, for messages (never the password)."""
    where = params.get("host", "localhost") + (f":{params['port']}" if "port" in params else "")
    return f"{params.get('dbname', '?')} on {where}"


def backup(path: Path, params: dict[str, str]) -> Path:
    """Dump the database at `params` to `path` (custom format); returns the path.

    The dump is written beside `path` and renamed when complete, so that an
    interrupted backup never leaves a truncated file that looks like a good one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    program = client_program("pg_dump", params)
    try:
        run([program, "--format=custom", "--no-password", f"--file={partial}"], params)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(path: Path, params: dict[str, str], *, create: bool = False) -> None:
    """Replace the contents of the database at `params` with the archive at `path`, in one
    transaction: an error leaves the database as it was. ``create`` makes the database first.
    """
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    program = client_program("pg_restore", params)
    if create:
        create_database(params)
    try:
        run(
            [program, *RESTORE_OPTIONS, "--no-password", f"--dbname={params['dbname']}", path],
            params,
        )
    except BackupError:
        if create:  # the database is new and empty: leave the server as it was
            drop_database(params)
        raise
    # pg_restore leaves the planner without statistics until autovacuum comes by.
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("ANALYZE")


def create_database(params: dict[str, str]) -> None:
    """Create the (new, empty) database named in `params` on its server."""
    with _maintenance_connection(params) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["dbname"])))


def drop_database(params: dict[str, str]) -> None:
    """Drop the database named in `params`, closing its other connections first."""
    with _maintenance_connection(params) as conn:
        name = sql.Identifier(params["dbname"])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def _maintenance_connection(params: dict[str, str]) -> psycopg.Connection:
    return psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True)


def client_program(name: str, params: dict[str, str]) -> Path:
    """The `name` program to use against the server at `params`, refused if older than it."""
    program = find_program(name, params.get("host", ""))
    client, server = program_major(program), server_major(params)
    if client < server:
        raise BackupError(
            f"{program} is PostgreSQL {client}, older than the server ({server}): "
            f"install the PostgreSQL {server} client tools and put them first on PATH."
        )
    return program


def find_program(name: str, host: str) -> Path:
    """The embedded server's `name` when it serves `host`, else the one on PATH.

    pgserver is a requirement, so its programs also serve when PATH has none.
    """
    embedded = devdb.bin_dir()
    if embedded is not None and devdb.serves(host):
        return embedded / name
    found = shutil.which(name)
    if found:
        return Path(found)
    if embedded is not None and (embedded / name).exists():
        return embedded / name
    raise BackupError(f"{name} not found: install the PostgreSQL client tools.")


def program_major(program: Path) -> int:
    """Major version of a PostgreSQL client program (``pg_dump (PostgreSQL) 18.3`` → 18)."""
    output = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"\)\s*(\d+)", output)
    if match is None:
        raise BackupError(f"Cannot read the version of {program}: {output!r}")
    return int(match.group(1))


def server_major(params: dict[str, str]) -> int:
    """Major version of the server at `params` (asked of its maintenance database when the
    named one does not exist yet)."""
    try:
        try:
            conn = psycopg.connect(**params)
        except psycopg.OperationalError:
            conn = _maintenance_connection(params)
    except psycopg.OperationalError as exc:
        raise BackupError(f"Cannot connect to {describe(params)}: {exc}") from exc
    with conn:
        return conn.info.server_version // 10000


def run(command: list, params: dict[str, str]) -> None:
    """Run a client program against `params` (passed through the environment, password
    included, so that it never shows in a process listing)."""
    env = {**os.environ, **{LIBPQ_ENV[key]: value for key, value in params.items()}}
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
