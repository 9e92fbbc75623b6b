from unicornia.core.levels import MAX_LEVEL, NADEKO, level_from_xp, total_xp_for_level


def test_first_thresholds_match_nadekobot():
    assert [total_xp_for_level(level) for level in range(1, 5)] == [36, 81, 135, 198]
    assert NADEKO.to_next(0) == 36 and NADEKO.to_next(1) == 45


def test_closed_form_agrees_with_a_loop_up_to_level_10000():
    xp_needed, level = 0, 0
    while level < MAX_LEVEL:
        cost = 36 + 9 * level
        # at the threshold, one below it, and one past it
        assert level_from_xp(xp_needed) == level
        assert level_from_xp(xp_needed + cost - 1) == level
        xp_needed += cost
        level += 1
        assert total_xp_for_level(level) == xp_needed
        assert level_from_xp(xp_needed) == level


def test_negative_and_zero_xp_are_level_zero():
    assert level_from_xp(-50) == 0
    assert level_from_xp(0) == 0
    assert level_from_xp(35) == 0


def test_progress_splits_total_into_level_and_remainder():
    p = NADEKO.progress(100)  # level 2 starts at 81, level 3 at 135
    assert (p.level, p.into_level, p.needed) == (2, 19, 54)
    assert 0 < p.fraction < 1


# --- a server's own curve ---------------------------------------------------------------------
import pytest  # noqa: E402

from unicornia.core.levels import SHOWN_LEVELS, Curve, CurveError  # noqa: E402


def _walk(curve: Curve, cost, upto: int = 400) -> None:
    """The curve agrees with adding each level's cost one at a time, at and around every threshold."""
    total = 0
    for level in range(upto):
        assert curve.total(level) == total
        assert curve.level(total) == level
        assert curve.level(total + cost(level) - 1) == level
        assert curve.to_next(level) == cost(level)
        total += cost(level)


def test_nadeko_is_the_default_and_matches_the_functions():
    assert Curve.of() is NADEKO and Curve.from_config(None) is NADEKO
    _walk(NADEKO, lambda level: 36 + 9 * level)


def test_mee6_costs_5l2_50l_100():
    curve = Curve.of("mee6")
    _walk(curve, lambda level: 5 * level * level + 50 * level + 100)
    assert [curve.total(level) for level in (1, 2, 3)] == [100, 255, 475]  # MEE6's published thresholds


def test_linear_costs_the_same_every_level():
    _walk(Curve.of("linear", [250]), lambda level: 250)


def test_custom_cubic_totals_are_exact_polynomials():
    curve = Curve.of("custom", [0.5, 2, 10])
    for level in (1, 7, 100, 9_999):
        assert curve.total(level) == int(0.5 * level ** 3 + 2 * level ** 2 + 10 * level)
        assert curve.level(curve.total(level)) == level
        assert curve.level(curve.total(level) - 1) == level - 1


def test_past_the_table_levels_continue_with_the_last_step():
    curve = Curve.of("linear", [10])
    assert curve.level(10 * 12_345) == 12_345
    assert curve.total(12_345) == 123_450
    assert Curve.of("mee6").level(-5) == 0


@pytest.mark.parametrize("kind, numbers", [
    ("cubic", []), ("nadeko", [1]), ("linear", []), ("linear", [0]), ("linear", [2.5]), ("linear", [1, 2]),
    ("custom", []), ("custom", [1, 2, 3, 4]), ("custom", [-1]), ("custom", [float("nan")]),
    ("custom", [0, 0, 0]), ("custom", [0, 0, 0.5]), ("custom", [10 ** 7]),
])
def test_bad_curves_are_refused_with_a_reason(kind, numbers):
    with pytest.raises(CurveError) as caught:
        Curve.of(kind, numbers)
    assert str(caught.value)


def test_config_round_trip_and_damaged_config_falls_back():
    for curve in (Curve.of("mee6"), Curve.of("linear", [99]), Curve.of("custom", [1, 0, 3])):
        assert Curve.from_config(curve.to_config()) == curve
    assert Curve.from_config({"kind": "custom", "numbers": ["x"]}) is NADEKO
    assert Curve.from_config({"kind": "linear", "numbers": [0]}) is NADEKO
    assert Curve.from_config("garbage") is NADEKO


def test_same_curve_is_shared_and_formulas_read_well():
    assert Curve.of("custom", [1, 0, 3]) is Curve.of("custom", [1.0, 0, 3])
    assert Curve.of("custom", [1, 0, 3]).formula() == "custom: total = 1·L³ + 3·L"
    assert "5·L²" in Curve.of("mee6").formula()
    assert all(Curve.of("mee6").total(level) > NADEKO.total(level) for level in SHOWN_LEVELS)
