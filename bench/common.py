"""Shared benchmark helpers: timing with medians, and a results table with ratios to a floor."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str  # what was measured
    seconds: float  # median time of the measured operation
    floor_name: str = ""  # the floor it is compared with (raw reader, no-op callback, ...)
    floor_seconds: float | None = None
    target: str = ""  # the target from the issue, e.g. "< 1.5x floor", "< 2 s"
    extra: str = ""  # rows/s, peak memory, ...

    @property
    def ratio(self) -> float | None:
        if not self.floor_seconds:
            return None
        return self.seconds / self.floor_seconds


def median_time(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs after ``warmup`` unmeasured runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _fmt_s(s: float | None) -> str:
    if s is None:
        return ""
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def print_results(results: list[Result]) -> None:
    """Print a Markdown table (paste-able into the README)."""
    print("| benchmark | median | floor | floor median | ratio | target | notes |")
    print("|---|---:|---|---:|---:|---|---|")
    for r in results:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        print(
            f"| {r.name} | {_fmt_s(r.seconds)} | {r.floor_name} | {_fmt_s(r.floor_seconds)} "
            f"| {ratio} | {r.target} | {r.extra} |"
        )
