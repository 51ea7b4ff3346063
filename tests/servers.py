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
