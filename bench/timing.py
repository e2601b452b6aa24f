"""The one timing helper the benchmarks share: a median over repeated calls, after warming up."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):  # imports, template and font caches, memo structures
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000
