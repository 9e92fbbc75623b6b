"""Run every benchmark, print a table and a summary, and write build/bench.json."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from . import cards, hot_path, memory, periods, storage, transfer, voice, web
from .common import BOUND, REPORT, Figure, problems

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench.json"
#: In this order: the hot path first, right after the CPU warm-up it starts with.
SCENARIOS = (("hot path", hot_path.run), ("flush and ranking", storage.run), ("cards", cards.run),
             ("voice", voice.run), ("import", transfer.run), ("weekly board", periods.run),
             ("web leaderboard", web.run), ("memory", memory.run))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def summary(figures: list[Figure]) -> tuple[int, int, list[Figure]]:
    """How many goals were met, out of how many (reports have none), and the ones missed."""
    goals = [f for f in figures if f.kind != REPORT]
    missed = [f for f in goals if not f.met]
    return len(goals) - len(missed), len(goals), missed


def number(value: float) -> str:
    """A figure's number as people read it: 650,000 rather than 650000 or 6.5e+05."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def table(figures: list[Figure]) -> str:
    width = max(len(f.name) for f in figures)
    lines = [f"{'benchmark':<{width}}  {'value':>9} {'unit':<7} {'worst':>9}  {'goal':<50} {'met':<12} baseline"]
    for f in figures:
        met = "-" if f.kind == REPORT else ("yes" if f.met else "NO")
        if f.ratio is not None and f.kind != REPORT:
            met += f" ({f.ratio:.2f})"
        worst = "" if f.worst is None else number(f.worst)
        base = f"{number(f.baseline)} ({f.baseline_name})" if f.baseline is not None else ""
        lines.append(f"{f.name:<{width}}  {number(f.value):>9} {f.unit:<7} {worst:>9}  {f.goal:<50} {met:<12} {base}")
        if f.note:
            lines.append(f"{'':<{width}}  {f.note}")
    return "\n".join(lines)


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    started = datetime.now(timezone.utc)
    figures: list[Figure] = []
    took = {}
    for name, scenario in SCENARIOS:
        print(f"running: {name} ...", flush=True)
        start = time.perf_counter()
        try:
            figures.extend(asyncio.run(scenario()))
        except Exception as exc:  # the other scenarios still run; the failure counts as a missed goal
            traceback.print_exc()
            figures.append(Figure(f"{name}: the benchmark ran to the end", 0, "runs", "1 run", False, kind=BOUND,
                                  note=f"failed: {exc!r}"))
        took[name] = round(time.perf_counter() - start, 1)
    met, goals, missed = summary(figures)
    ill_formed = problems(figures)
    where = machine()
    print(f"\nMachine: {where}\nDate: {started:%Y-%m-%d %H:%M} UTC\n")
    print(table(figures))
    print(f"\n{met} of {goals} goals met" + (":" if missed else "."))
    for f in missed:
        print(f"  missed: {f.name}: {number(f.value)} {f.unit} (goal {f.goal})")
    for problem in ill_formed:
        print(f"  not an honest goal: {problem}")
    print("Time taken: " + ", ".join(f"{name} {seconds:g} s" for name, seconds in took.items())
          + f"; {sum(took.values()) / 60:.1f} min in all")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"date": started.isoformat(timespec="seconds"), "machine": where,
                               "goals": goals, "met": met, "missed": [f.name for f in missed],
                               "problems": ill_formed, "seconds": took,
                               "figures": [f.as_json() for f in figures]}, indent=2, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    print(f"Written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
