"""A Unix-socket relay to PostgreSQL that can cut every connection, as a stopped server does.

Shared by the fault tests (test_faults.py, test_outage_under_load.py): Django
processes get a DATABASE_URL whose host is the relay's directory, so the test
can take the database away from them and give it back without touching the
real server, which other tests and sessions share.
"""

import contextlib
import socket
import threading
import time
from pathlib import Path


class SocketRelay:
    """A relay from a Unix socket to PostgreSQL that can cut every connection."""

    def __init__(self, listen: Path, host: str, port: int) -> None:
        self.listen, self.host, self.port = listen, host, port
        self.sockets: list[socket.socket] = []
        self.serving = threading.Event()

    def up(self) -> None:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(self.listen))
        # Every gunicorn thread reconnects at once when the database returns; a
        # full backlog would refuse some of them (EAGAIN) like an overloaded server.
        server.listen(64)
        server.settimeout(0.05)
        self.serving.set()
        threading.Thread(target=self._accept, args=[server], daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and reset the open ones, as a stopped server does."""
        self.serving.clear()
        while self.listen.exists():
            time.sleep(0.01)
        for sock in self.sockets:
            self._hang_up(sock)
        self.sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while self.serving.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            upstream = self._connect_upstream()
            self.sockets += [client, upstream]
            for source, sink in [(client, upstream), (upstream, client)]:
                threading.Thread(target=self._pump, args=[source, sink], daemon=True).start()
        server.close()
        self.listen.unlink()

    def _connect_upstream(self) -> socket.socket:
        if self.host.startswith("/"):
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(f"{self.host}/.s.PGSQL.{self.port}")
            return upstream
        return socket.create_connection((self.host, self.port))

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            SocketRelay._hang_up(sock)

    @staticmethod
    def _hang_up(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in recv()
