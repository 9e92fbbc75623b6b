"""`make bench` is not run by the test suite (it takes minutes), so a benchmark could lose its
baseline, or grow an absolute time goal that a slower machine misses, unseen. These tests build
each scenario's figures from made-up measurements (no timing) and check them the way `make bench`
does, and check statically that every Figure written with a ratio goal names its baseline."""
import ast
import io
from pathlib import Path

import pytest
from PIL import Image

from benchmarks import cards, memory, transfer
from benchmarks.__main__ import summary, table
from benchmarks.common import BOUND, RATIO, REPORT, STALL, Figure, Samples, kind_of, problems, ratio_figure, \
    stall_figure

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def made_up_cards() -> cards.Measured:
    s = lambda *ms: Samples(v / 1000 for v in ms)  # noqa: E731
    return cards.Measured(cold=s(50, 54, 60), warm=s(32, 33, 34), static_floor=s(11, 12, 12),
                          animated=s(160, 170), animated_floor=s(200, 210), full_motion=s(520, 530),
                          full_motion_floor=s(220, 230), resave=0.49, frames=30, stalls=s(3, 4, 3.5), threads_stalls=s(9, 12, 10),
                          processes=2)


def made_up_memory() -> list[dict]:
    return [{"guilds": g, "before": 72 * memory.MIB, "growth": 40 * memory.MIB, "at_end": 39 * memory.MIB,
             "largest_cache": 5000, "rows": memory.MEMBERS, "guilds_found": g,
             "held": {"activity states": 20_000}} for g in memory.SHAPES]


def made_up_transfer() -> transfer.Measured:
    return transfer.Measured(took=10.0, again=6.0, bare=Samples([0.7, 0.8, 0.9]), stall=0.01,
                             rows_read=transfer.ROWS)


SCENARIOS = {"cards": lambda: cards.figures(made_up_cards()),
             "memory": lambda: memory.figures(made_up_memory()),
             "transfer": lambda: transfer.figures(made_up_transfer())}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_figure_of_a_scenario_is_well_formed(scenario):
    figures = SCENARIOS[scenario]()
    assert figures
    assert problems(figures) == []
    for f in figures:
        if f.kind == RATIO:
            assert f.baseline > 0 and f.baseline_name and f.ratio is not None, f.name
        if f.unit in ("ms", "s", "µs"):
            assert f.kind in (RATIO, STALL, REPORT), f"{f.name}: an absolute time goal"


def test_the_cards_report_cold_and_warm_with_their_worst_cases():
    figures = {f.name: f for f in cards.figures(made_up_cards())}
    cold = figures["cards: static card, cold (never drawn before)"]
    warm = figures["cards: static card, warm (drawn before)"]
    assert (cold.value, cold.worst, cold.baseline) == (54, 60, 12)
    assert (warm.value, warm.worst, warm.baseline) == (33, 34, 12)
    assert all(f.worst is not None for f in figures.values() if f.kind == RATIO)
    stall = figures["cards: longest event-loop stall, 20 renders at once"]
    assert (stall.kind, stall.limit, stall.value) == (STALL, 10, 4)


def test_a_cold_card_brings_bytes_no_cache_has_seen_but_the_same_pixels():
    background = (cards.DATA / "backgrounds" / "sunset.png").read_bytes()
    first, second = cards.cold_card(background, 1), cards.cold_card(background, 2)
    assert len({background, first.background, second.background}) == 3
    assert len({cards.AVATAR, first.avatar, second.avatar}) == 3
    assert first.name != second.name and len(first.name) == len(second.name)
    with Image.open(io.BytesIO(background)) as plain, Image.open(io.BytesIO(first.background)) as marked:
        assert plain.tobytes() == marked.convert(plain.mode).tobytes()


def test_memory_counts_rows_rather_than_trusting_them():
    results = made_up_memory()
    results[1]["rows"] = memory.MEMBERS - 1
    one_guild, many_guilds, cache = memory.figures(results)
    assert one_guild.met and not many_guilds.met
    assert "1 guild of 1,000,000" in one_guild.name and "100 guilds of 10,000" in many_guilds.name
    assert cache.kind == BOUND and cache.met


def test_problems_catch_a_lost_baseline_and_an_absolute_time_goal():
    lost = Figure("x: a card", 30.0, "ms", "<= 4 x its floor", True)
    assert lost.kind == RATIO and any("baseline" in p for p in lost.problems())
    absolute = Figure("voice: one tick", 13.0, "ms", "< 20 ms", True, baseline=0.9, baseline_name="listing")
    assert absolute.kind == BOUND and any("ratio" in p for p in absolute.problems())
    stall = Figure("flush: longest event-loop stall", 4.0, "ms", "< 5 ms", True)
    assert stall.kind == STALL and stall.problems() == []
    assert Figure("memory", 40.0, "MiB", "< 50 MiB", True).problems() == []
    assert Figure("a report", 1.0, "ms", "report", False).problems()
    assert Figure("a card", 30.0, "ms", "<= 4 x its floor", True, baseline=10, baseline_name="floor",
                  worst=20.0).problems()  # a worst case below the median


def test_the_helpers_compute_goals_from_unrounded_values():
    f = ratio_figure("c", 40.04, 10.0, 4.0, unit="ms", against="its floor", baseline_name="floor", worst=41.0)
    assert (f.kind, f.met, f.value, f.limit, f.goal) == (RATIO, False, 40.0, 4.0, "<= 4 x its floor")
    assert f.note.startswith("ratio 4.00, worst 4.10")
    s = stall_figure("loop stall", 0.00999, 10)
    assert (s.kind, s.met, s.value, s.unit) == (STALL, True, 9.99, "ms")
    assert kind_of("x", "report") == REPORT and kind_of("x", "<= 1.5 x a bare upsert") == RATIO


def test_every_figure_the_run_writes_carries_the_same_keys():
    keys = {"name", "value", "unit", "goal", "met", "baseline", "baseline_name", "note", "worst", "kind", "limit",
            "ratio"}
    for make in SCENARIOS.values():
        for f in make():
            assert set(f.as_json()) == keys


def test_the_summary_counts_goals_not_reports():
    figures = [Figure("a", 1.0, "ms", "<= 2 x b", True, baseline=1, baseline_name="b"),
               Figure("c stall", 12.0, "ms", "< 10 ms", False), Figure("d", 5.0, "msg/s", "report", True)]
    met, goals, missed = summary(figures)
    assert (met, goals, [f.name for f in missed]) == (1, 2, ["c stall"])
    assert "NO" in table(figures).splitlines()[2]


def _text(node) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return ""


def test_every_figure_written_with_a_ratio_goal_passes_its_baseline():
    """Every module's figures, the other helpers' included: a ``Figure(...)`` whose goal reads as a
    ratio ("<= 1.5 x a bare upsert") comes with a ``baseline=``, and ``ratio_figure(...)`` is never
    given None for one."""
    seen, lost = 0, []
    for path in sorted(BENCHMARKS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = getattr(getattr(node, "func", None), "id", None) if isinstance(node, ast.Call) else None
            if called not in ("Figure", "ratio_figure"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            if called == "Figure":
                goal = node.args[3] if len(node.args) > 3 else keywords.get("goal")
                name = node.args[0] if node.args else keywords.get("name")
                if goal is None or kind_of(_text(name), _text(goal)) != RATIO:
                    continue
                baseline = keywords.get("baseline")
            else:
                baseline = node.args[2] if len(node.args) > 2 else keywords.get("baseline")
            seen += 1
            if baseline is None or (isinstance(baseline, ast.Constant) and baseline.value is None):
                lost.append(f"{path.name}:{node.lineno}")
    assert seen, "no ratio goal found: the check reads nothing"
    assert not lost, lost


def test_the_run_prints_a_summary_and_writes_every_figure(monkeypatch, tmp_path, capsys):
    import json

    import benchmarks.__main__ as bench

    async def made_up():
        return cards.figures(made_up_cards()) + [Figure("voice: one tick", 25.0, "ms", "< 20 ms", False)]

    async def broken():
        raise RuntimeError("no database")

    monkeypatch.setattr(bench, "SCENARIOS", (("made up", made_up), ("broken", broken)))
    monkeypatch.setattr(bench, "OUT", tmp_path / "bench.json")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    assert bench.main() == 0
    printed = capsys.readouterr().out
    assert "Date: " in printed and "Machine: " in printed
    assert "5 of 7 goals met:" in printed and "missed: voice: one tick: 25 ms" in printed
    assert "missed: broken: the benchmark ran to the end" in printed
    assert "not an honest goal: voice: one tick" in printed
    written = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert (written["goals"], written["met"]) == (7, 5)
    assert written["missed"] == ["voice: one tick", "broken: the benchmark ran to the end"]
    assert written["date"] and written["machine"] and len(written["figures"]) == 7
    assert all({"value", "unit", "goal", "met", "baseline", "note"} <= set(f) for f in written["figures"])
