"""Figures, timing helpers and the event-loop stall probe."""
from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Awaitable, Callable, Optional


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: str
    met: bool
    baseline: Optional[float] = None
    baseline_name: str = ""
    note: str = ""

    def as_json(self) -> dict:
        data = asdict(self)
        return {k: v for k, v in data.items() if v not in (None, "")}


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def median_time_async(fn: Callable[[], Awaitable[object]], repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class StallProbe:
    """Measures the event loop's longest stall: a task that asks to wake every millisecond."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.longest = 0.0
        self._task: Optional[asyncio.Task] = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            late = loop.time() - before - self.interval
            self.longest = max(self.longest, late)

    async def __aenter__(self) -> "StallProbe":
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(self.interval * 3)
        self.longest = 0.0
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass


def warm_up_cpu(seconds: float = 5.0) -> None:
    """Keep one core busy for a while before timing anything.

    On the shared virtual machines these figures come from, the first few seconds of a process
    run measurably slower (the host ramps the core up); without this the first scenario's
    ratios came out 10-15% worse than the same code measured a minute later.
    """
    end = time.perf_counter() + seconds
    spins = 0
    while time.perf_counter() < end:
        spins += 1
