"""Time load, resolve and check of a reader; print the figures.

Usage: python scripts/bench_check.py [ROOT] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

from coursepack.pipeline import read_reader


def main() -> None:
    """Run the benchmark and print one line of figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default=str(Path(__file__).parents[1]))
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        reader, report = read_reader(args.root)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    read_reader(args.root)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if reader is None:
        print(report.format())
        raise SystemExit(1)
    annotations = reader.annotation_count
    print(
        f"check of {args.root}: {len(reader.readings)} readings, {annotations} annotations; "
        f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms "
        f"over {args.runs} runs; peak Python memory {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
