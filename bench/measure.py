"""Timing: run an operation with warm-up and repeats, and summarise the samples.

Benchmarks report; they never fail on a slow machine. Every figure is printed next to the
same work done with raw SQL in the same run (the floor), so the ratio holds on a noisy
machine even when absolute times do not.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Figure:
    """One measured quantity of a scenario: latency samples, or a throughput."""

    name: str
    unit: str  # "ms" (lower is better) or "/s" (higher is better)
    median: float
    p95: float | None = None
    floor: float | None = None  # the same work in raw SQL, same unit
    target: str = ""  # what we hold ourselves to, e.g. "p95 <= 10 ms"
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times the floor's cost this is (1.0 = as fast as raw SQL)."""
        if self.floor in (None, 0) or self.median == 0:
            return None
        if self.unit == "/s":
            return self.floor / self.median
        return self.median / self.floor

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "median": self.median,
            "p95": self.p95,
            "floor": self.floor,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class Scenario:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "skipped": self.skipped,
            "figures": [f.as_dict() for f in self.figures],
        }


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latencies(
    operation: Callable[[], Any], *, repeats: int, warmup: int = 3, budget_s: float = 30.0
) -> list[float]:
    """Milliseconds per call of ``operation``, after ``warmup`` untimed calls; stops early
    once ``budget_s`` seconds have gone (bounded in count and in time)."""
    for _ in range(warmup):
        operation()
    samples = []
    deadline = time.perf_counter() + budget_s
    for _ in range(repeats):
        started = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - started) * 1000)
        if time.perf_counter() > deadline:
            break
    return samples


def latency_figure(
    name: str,
    samples: list[float],
    floor: list[float] | None = None,
    *,
    target_p95_ms: float | None = None,
    note: str = "",
) -> Figure:
    p95 = percentile(samples, 0.95)
    return Figure(
        name=name,
        unit="ms",
        median=statistics.median(samples),
        p95=p95,
        floor=statistics.median(floor) if floor else None,
        target=f"p95 <= {target_p95_ms:g} ms" if target_p95_ms is not None else "",
        met=None if target_p95_ms is None else p95 <= target_p95_ms,
        note=note,
    )


def rate_figure(
    name: str,
    count: int,
    seconds: float,
    floor_rate: float | None = None,
    *,
    target_rate: float | None = None,
    note: str = "",
) -> Figure:
    rate = count / seconds if seconds else 0.0
    return Figure(
        name=name,
        unit="/s",
        median=rate,
        floor=floor_rate,
        target=f">= {target_rate:,.0f}/s" if target_rate is not None else "",
        met=None if target_rate is None else rate >= target_rate,
        note=note,
    )


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
