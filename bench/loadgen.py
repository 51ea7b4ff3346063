"""A small HTTP load generator: threads, each with one keep-alive http.client connection.

Every run is bounded by a duration and a request count, so it stops by itself;
requests in flight at the deadline are completed and counted.
"""

import http.client
import itertools
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Result:
    """What one run measured; latencies in seconds."""

    requests: int = 0
    errors: int = 0
    bytes: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def mean_bytes(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0


def run(
    port: int,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    max_requests: int = 100_000,
    headers: dict | None = None,
    warmup: int = 2,
    timeout: float = 120.0,
) -> Result:
    """GET ``paths`` in rotation from ``connections`` threads until time or count runs out."""
    result = Result()
    lock = threading.Lock()
    ticket = itertools.count()
    headers = {"Accept": "application/json", **(headers or {})}
    deadline = [0.0, 0.0]

    def set_deadline() -> None:
        deadline[1] = time.perf_counter()
        deadline[0] = deadline[1] + seconds

    start_line = threading.Barrier(connections + 1, action=set_deadline)

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        for i in range(warmup):
            _get(conn, paths[(offset + i) % len(paths)], headers)
        start_line.wait()
        latencies, statuses, sent, errors, size = [], {}, 0, 0, 0
        while time.perf_counter() < deadline[0] and next(ticket) < max_requests:
            path = paths[(offset + sent) % len(paths)]
            began = time.perf_counter()
            status, length = _get(conn, path, headers)
            latencies.append(time.perf_counter() - began)
            statuses[status] = statuses.get(status, 0) + 1
            errors += status != 200
            size += length
            sent += 1
        conn.close()
        with lock:
            result.latencies += latencies
            result.requests += sent
            result.errors += errors
            result.bytes += size
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, args=(n * 7,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    start_line.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - deadline[1]
    return result


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, int]:
    """One request; a broken connection is reopened and reported as status 0."""
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.will_close:
            conn.close()
        return response.status, len(body)
    except (OSError, http.client.HTTPException):
        conn.close()
        return 0, 0
