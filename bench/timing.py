"""What the benchmarks share: the median of repeated runs (machines here are noisy; medians, never single runs)."""
from __future__ import annotations

import statistics
import time


def median_time(action, runs: int) -> float:
    """The median wall time, in seconds, of ``runs`` calls of ``action``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
