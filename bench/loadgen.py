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
    # Answers by their X-Desk-Cache header (hit, miss), for the response cache's hit ratio.
    cache: dict[str, int] = field(default_factory=dict)

    @property
    def hit_ratio(self) -> float | None:
        seen = self.cache.get("hit", 0) + self.cache.get("miss", 0)
        return self.cache.get("hit", 0) / seen if seen else None

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
    spread: bool = False,
) -> Result:
    """GET ``paths`` in rotation from ``connections`` threads until time or count runs out.

    Threads start 7 paths apart, or, with ``spread``, each at its own share of a long
    sequence of paths (a random draw), so that they do not request the same URL together.
    """
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
        latencies, statuses, sent, errors, size, cached = [], {}, 0, 0, 0, {}
        while time.perf_counter() < deadline[0] and next(ticket) < max_requests:
            path = paths[(offset + sent) % len(paths)]
            began = time.perf_counter()
            status, length, cache = _get(conn, path, headers)
            latencies.append(time.perf_counter() - began)
            if cache:
                cached[cache] = cached.get(cache, 0) + 1
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
            for state, count in cached.items():
                result.cache[state] = result.cache.get(state, 0) + count

    step = len(paths) // connections if spread else 7
    threads = [threading.Thread(target=worker, args=(n * step,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    start_line.wait()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - deadline[1]
    return result


def _get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, int, str]:
    """One request: status, body size, X-Desk-Cache; a broken connection is status 0."""
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.will_close:
            conn.close()
        return response.status, len(body), response.getheader("X-Desk-Cache", "")
    except (OSError, http.client.HTTPException):
        conn.close()
        return 0, 0, ""
