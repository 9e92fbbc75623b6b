"""Pure rules behind achievements, daily streaks, periods and the server goal."""
from datetime import datetime, timezone
from pathlib import Path

import pytest

from unicornia.core import periods
from unicornia.core.achievements import (
    NEVER, AchievementError, Book, Counters, build_book, edited, parse_definitions, validate,
)
from unicornia.core.levels import total_xp_for_level

BUNDLED = Path(__file__).resolve().parents[2] / "unicornia" / "achievements.yml"


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


# --- periods -------------------------------------------------------------------------------------
def test_day_starts_at_the_reset_hour():
    assert periods.day_start(ts("2026-03-10 05:59:59"), 6) == ts("2026-03-09 06:00")
    assert periods.day_start(ts("2026-03-10 06:00:00"), 6) == ts("2026-03-10 06:00")
    assert periods.day_start(ts("2026-03-10 23:00"), 0) == ts("2026-03-10 00:00")


def test_week_starts_on_the_reset_weekday_and_month_on_the_first():
    # 2026-03-11 is a Wednesday
    assert periods.week_start(ts("2026-03-11 12:00"), 0, 0) == ts("2026-03-09 00:00")  # Monday
    assert periods.week_start(ts("2026-03-11 12:00"), 0, 2) == ts("2026-03-11 00:00")  # Wednesday itself
    assert periods.week_start(ts("2026-03-11 03:00"), 6, 2) == ts("2026-03-04 06:00")  # before the hour: last week
    assert periods.month_start(ts("2026-03-31 22:00"), 6) == ts("2026-03-01 06:00")
    assert periods.month_start(ts("2026-03-01 05:00"), 6) == ts("2026-02-01 06:00")
    assert periods.period_end("monthly", ts("2026-12-01 06:00"), 6) == ts("2027-01-01 06:00")
    assert periods.period_end("weekly", ts("2026-03-09 00:00")) == ts("2026-03-16 00:00")
    assert periods.period_end("once", 5) is None


def test_period_start_of_each_cycle():
    now = ts("2026-03-11 12:00")
    assert periods.period_start("daily", now) == ts("2026-03-11 00:00")
    assert periods.period_start("once", now, created_at=123) == 123
    with pytest.raises(ValueError):
        periods.period_start("hourly", now)
    with pytest.raises(ValueError):
        periods.period_start("once", now)


@pytest.mark.parametrize("last, streak, best, outcome, expected", [
    (None, 0, 0, "first", (1, 1)),
    (100 * 86_400, 3, 5, "claimed", (3, 5)),
    (99 * 86_400, 3, 3, "kept", (4, 4)),
    (97 * 86_400, 9, 9, "reset", (1, 9)),
])
def test_streak_outcomes(last, streak, best, outcome, expected):
    result = periods.next_streak(last, streak, best, 100 * 86_400)
    assert result.outcome == outcome and (result.streak, result.best) == expected


def test_daily_amount_caps_the_bonus_and_goal_target_uses_the_average_with_a_floor():
    assert [periods.daily_amount(20, 5, 3, s) for s in (1, 2, 4, 10)] == [20, 25, 35, 35]
    assert periods.goal_target([], 50, 100) == 50
    assert periods.goal_target([100, 200, 0], 50, 100) == 100
    assert periods.goal_target([100, 200, 0], 50, 150) == 150
    assert periods.goal_target([10, 20], 50, 100) == 50
    assert periods.progress_bar(5, 10, 10) == "█████░░░░░" and periods.progress_bar(20, 10, 4) == "████"


# --- achievements --------------------------------------------------------------------------------
def test_bundled_definitions_parse():
    book = parse_definitions(BUNDLED.read_text(encoding="utf-8"))
    assert {"first-words", "chatterbox", "linker", "helpful", "level-5", "voice-hour", "streak-7"} <= set(book)
    assert book["chatterbox"].value == 100 and book["chatterbox"].condition == "messages"


@pytest.mark.parametrize("raw, message", [
    ({"condition": "naps", "value": 1, "title": "x"}, "condition must be one of"),
    ({"condition": "messages", "value": 0, "title": "x"}, "value must be"),
    ({"condition": "messages", "value": True, "title": "x"}, "value must be"),
    ({"condition": "level", "value": 20_000, "title": "x"}, "level condition goes up to"),
    ({"condition": "messages", "value": 1, "title": ""}, "title must be"),
    ({"condition": "messages", "value": 1, "title": "x", "emoji": "a b"}, "single emoji"),
    ({"condition": "messages", "value": 1, "title": "x", "reward_xp": -1}, "reward_xp must be"),
    ({"condition": "messages", "value": 1, "title": "x", "colour": "red"}, "unknown fields"),
])
def test_validation_errors(raw, message):
    with pytest.raises(AchievementError, match=message):
        validate("key", raw, custom=True)


def test_file_errors_name_the_line():
    text = "achievements:\n  good:\n    condition: messages\n    value: 1\n    title: Good\n  bad:\n    condition: x\n"
    with pytest.raises(AchievementError, match="line 6"):
        parse_definitions(text)
    with pytest.raises(AchievementError, match="needs an `achievements:`"):
        parse_definitions("shop: {}")
    with pytest.raises(AchievementError, match="not valid YAML"):
        parse_definitions("achievements: [unclosed")


def _a(key, condition, value, reward=0):
    return validate(key, {"condition": condition, "value": value, "title": key, "reward_xp": reward}, custom=False)


def test_marks_are_the_lowest_locked_threshold():
    book = Book((_a("m1", "messages", 1), _a("m100", "messages", 100), _a("l5", "level", 5), _a("x1k", "total_xp", 1000)))
    assert book.mark("messages", set()) == 1
    assert book.mark("messages", {"m1"}) == 100
    assert book.mark("messages", {"m1", "m100"}) == NEVER
    assert book.mark("links", set()) == NEVER
    assert book.xp_mark(set()) == total_xp_for_level(5)
    assert book.xp_mark({"l5"}) == 1000


def test_due_lists_every_reached_locked_one_and_closest_picks_the_nearest():
    book = Book((_a("m1", "messages", 1), _a("m100", "messages", 100), _a("t5", "thanks_received", 5),
                 _a("l5", "level", 5)))
    counters = Counters(messages=150, thanks_received=4, total_xp=total_xp_for_level(5))
    assert [a.key for a in book.due(counters, {"m1"})] == ["m100", "l5"]
    assert book.due(counters, {"m1", "m100", "l5"}) == []
    best, fraction = book.closest(counters, {"m1", "m100", "l5"})
    assert best.key == "t5" and fraction == pytest.approx(0.8)
    assert book.closest(counters, {"m1", "m100", "l5", "t5"}) is None


def test_guild_book_hides_defaults_adds_its_own_and_skips_broken_entries():
    defaults = {"m1": _a("m1", "messages", 1), "m100": _a("m100", "messages", 100)}
    custom = {"mine": {"condition": "links", "value": 3, "title": "Mine"}, "broken": {"condition": "nope"}}
    book = build_book(defaults, custom, ["m1"])
    assert sorted(a.key for a in book.achievements) == ["m100", "mine"]
    assert book.get("mine").custom


def test_edit_revalidates():
    original = _a("k", "messages", 10, 5)
    assert edited(original, "value", 20).value == 20
    with pytest.raises(AchievementError):
        edited(original, "value", -1)
    with pytest.raises(AchievementError, match="field must be"):
        edited(original, "colour", "red")
