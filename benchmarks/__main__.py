"""Run every benchmark, print a table and write build/bench.json."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
from pathlib import Path

from . import cards, hot_path, storage, transfer, voice
from .common import Figure

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench.json"
MEMORY_GOAL = 50 * 1024 * 1024


def memory_figures() -> list[Figure]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.memory"], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    result = json.loads(done.stdout)
    growth = result["growth"]
    return [
        Figure("memory: RSS growth, empty -> 1,000,000 members", round(growth / 1024 / 1024, 1), "MiB",
               "< 50 MiB", growth < MEMORY_GOAL, baseline=0, baseline_name="RSS before (growth from here)",
               note=f"{result['rows']:,} rows written"),
        Figure("memory: largest cache size seen", result["largest_cache"], "entries", "<= 5,000 (its bound)",
               result["largest_cache"] <= 5000),
    ]


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


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    figures: list[Figure] = []
    for name, scenario in (("hot path", hot_path.run), ("flush and ranking", storage.run),
                           ("cards", cards.run), ("voice", voice.run), ("import", transfer.run)):
        print(f"running: {name} ...", flush=True)
        figures.extend(asyncio.run(scenario()))
    print("running: memory ...", flush=True)
    figures.extend(memory_figures())
    width = max(len(f.name) for f in figures)
    print(f"\nMachine: {machine()}\n")
    print(f"{'benchmark':<{width}}  {'value':>12}  {'goal':<40} met   baseline")
    for f in figures:
        base = f"{f.baseline} ({f.baseline_name})" if f.baseline is not None else ""
        print(f"{f.name:<{width}}  {f.value:>9} {f.unit:<3}  {f.goal:<40} {'yes' if f.met else 'NO '}  {base}")
        if f.note:
            print(f"{'':<{width}}  {f.note}")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps([f.as_json() for f in figures], indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nWritten to {OUT.relative_to(ROOT)}")
    missed = [f.name for f in figures if not f.met]
    if missed:
        print("Missed goals: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
