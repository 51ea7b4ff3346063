"""Speed and memory of ``extract`` on a ~3 KB article, once the French model is loaded.

    python bench/extraction.py [--runs 50] [--size 3000]

Needs DATABASE_URL with the seeded desk (``make bench-extraction`` does it all).
The article is the curated bodies end to end, cut at the first paragraph end
after ``--size`` characters. Prints the model's load time, p50/p95/max
milliseconds per call, wall clock and CPU (the CPU time of this process is what
a call costs on an idle machine; the wall time also holds the waits of a busy
one), the load average, and the process's resident memory (goals: p95 ≤ 300 ms,
RSS ≤ 600 MB).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libya.settings")


def rss_mb() -> float:
    """Resident set size now (VmRSS), and its peak (VmHWM), in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def article(size: int) -> str:
    """The curated bodies end to end, cut at the first paragraph end after ``size`` characters."""
    from libya.desk.models import Article

    text = "\n\n".join(Article.objects.order_by("source").values_list("body", flat=True))
    cut = text.find("\n", size)
    return text[:cut] if cut != -1 else text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--size", type=int, default=3000)
    args = parser.parse_args()

    import django

    django.setup()
    from libya.desk.extraction import extract, nlp

    body = article(args.size)
    before, _ = rss_mb()
    started = time.perf_counter()
    nlp.pipeline()
    load = time.perf_counter() - started
    extract(body)  # first call: caches warm, connection open
    wall, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        extract(body)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    now, peak = rss_mb()
    print(f"article: {len(body)} characters ({len(body.encode())} bytes), {args.runs} runs")
    print(f"model load: {load:.1f} s; RSS before load {before:.0f} MB")
    for label, times in (("wall", wall), ("cpu", cpu)):
        print(f"extract {label}: {summary(times)}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"RSS: {now:.0f} MB (peak {peak:.0f} MB)")


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    return f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms"


if __name__ == "__main__":
    main()
