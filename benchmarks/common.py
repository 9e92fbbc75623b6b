"""Figures, timing helpers and the event-loop stall probe.

Every figure says what kind of goal it has, because only two kinds are honest on a shared machine
whose speed changes from day to day:

- a *ratio* to a baseline measured in the same run (the baseline moves with the machine);
- a *stall*: how long a user-visible wait (the event loop not answering) lasted, in absolute
  milliseconds, since a user feels milliseconds whatever the machine.

Bounds on quantities that do not follow the machine's speed (memory, a cache's size) may stay
absolute; figures with no goal are *reports*. :meth:`Figure.problems` says what is wrong with a
figure (a ratio without its baseline, an absolute time bound that is not a stall), and
``make bench`` prints it.
"""
from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Awaitable, Callable, Iterable, Optional

#: The benchmarks' large guild and its members' ids: snowflake-sized, so keys, index entries and
#: file sizes are what a real server's are.
GUILD = 1_113_345_678_901_234_567
FIRST_USER = 1_000_000_000_000_000_000
USER_STEP = 7_919


def member_id(number: int) -> int:
    """The id of the benchmarks' ``number``-th member (distinct, increasing)."""
    return FIRST_USER + number * USER_STEP


#: The kinds of goal (see the module's docstring).
RATIO = "ratio"
STALL = "stall"
BOUND = "bound"
REPORT = "report"
KINDS = (RATIO, STALL, BOUND, REPORT)
#: Units of time: a figure in one of them is a ratio, a stall or a report, never an absolute bound.
TIME_UNITS = frozenset({"ns", "µs", "us", "ms", "s"})


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
    #: The worst case beside a median (same unit as ``value``), wherever a user waits.
    worst: Optional[float] = None
    #: One of :data:`KINDS`; guessed from the goal when not given (see :func:`kind_of`).
    kind: str = ""
    #: The goal's number: the largest ratio for a ratio, the bound (in ``unit``) otherwise.
    limit: Optional[float] = None

    def __post_init__(self) -> None:
        if not self.kind:
            self.kind = kind_of(self.name, self.goal)

    @property
    def ratio(self) -> Optional[float]:
        """``value`` over ``baseline``, for a ratio goal or a report that has a baseline (the
        baseline of an absolute bound is context, not a denominator)."""
        if self.kind not in (RATIO, REPORT) or self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline

    def problems(self) -> list[str]:
        """What makes this figure dishonest or unreadable; empty when it is well-formed."""
        found = []
        if self.kind not in KINDS:
            found.append(f"unknown kind {self.kind!r}")
        if not self.name or not self.unit or not self.goal:
            found.append("a figure needs a name, a unit and a goal ('report' when it has none)")
        if not isinstance(self.value, (int, float)) or self.value != self.value:
            found.append(f"value {self.value!r} is not a number")
        if self.kind == RATIO:
            if self.baseline is None or not self.baseline > 0:
                found.append("a ratio goal without its baseline (a positive value measured in the same run)")
            if not self.baseline_name:
                found.append("a ratio goal must name its baseline")
        elif self.kind == STALL:
            if self.unit != "ms":
                found.append("a stall is stated in ms")
        elif self.kind == BOUND and self.unit in TIME_UNITS:
            found.append("an absolute time bound that is not a user-visible stall: "
                         "state it as a ratio to a baseline measured in the same run")
        elif self.kind == REPORT and not self.met:
            found.append("a report has no goal to miss")
        if self.worst is not None and self.worst < self.value:
            found.append(f"worst case {self.worst} below the figure {self.value}")
        return found

    def as_json(self) -> dict:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return data


def kind_of(name: str, goal: str) -> str:
    """The kind of a goal written as text: ``report``, ``<= 1.5 x a bare upsert`` (ratio), a stall
    (the name says so), else an absolute bound."""
    text = goal.strip().lower()
    if text == "report":
        return REPORT
    if " x " in f" {text} ":
        return RATIO
    if "stall" in name.lower():
        return STALL
    return BOUND


def ratio_figure(name: str, value: float, baseline: float, limit: float, *, unit: str, against: str,
                 baseline_name: str, worst: Optional[float] = None, note: str = "", digits: int = 1) -> Figure:
    """A figure whose goal is ``value <= limit x baseline``, both measured in this run (in ``unit``).

    ``against`` names the baseline in the goal ("its floor"); the note starts with the ratio (and
    the worst case's ratio to the same baseline)."""
    ratio = value / baseline
    said = f"ratio {ratio:.2f}"
    if worst is not None:
        said += f", worst {worst / baseline:.2f}"
    return Figure(name, round(value, digits), unit, f"<= {limit:g} x {against}", ratio <= limit,
                  baseline=round(baseline, digits), baseline_name=baseline_name,
                  note=f"{said}; {note}" if note else said,
                  worst=None if worst is None else round(worst, digits), kind=RATIO, limit=limit)


def stall_figure(name: str, seconds: float, limit_ms: float, note: str = "") -> Figure:
    """The event loop's longest stall while something ran: a user-visible wait, absolute bound."""
    ms = seconds * 1000
    return Figure(name, round(ms, 2), "ms", f"< {limit_ms:g} ms", ms < limit_ms, note=note, kind=STALL,
                  limit=limit_ms)


def problems(figures: Iterable[Figure]) -> list[str]:
    """Every problem of every figure, each prefixed with its figure's name."""
    return [f"{f.name}: {p}" for f in figures for p in f.problems()]


class Samples(list):
    """Timings of one thing over rounds (seconds): its median, never its best, and its worst."""

    @property
    def median(self) -> float:
        return statistics.median(self)

    @property
    def worst(self) -> float:
        return max(self)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


async def timed_async(awaitable: Awaitable[object]) -> float:
    start = time.perf_counter()
    await awaitable
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    return statistics.median(timed(fn) for _ in range(repeat))


async def median_time_async(fn: Callable[[], Awaitable[object]], repeat: int = 5) -> float:
    return statistics.median([await timed_async(fn()) for _ in range(repeat)])


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
