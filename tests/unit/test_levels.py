from unicornia.core.levels import MAX_LEVEL, level_from_xp, progress, total_xp_for_level, xp_to_next


def test_first_thresholds_match_nadekobot():
    assert [total_xp_for_level(level) for level in range(1, 5)] == [36, 81, 135, 198]
    assert xp_to_next(0) == 36 and xp_to_next(1) == 45


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
    p = progress(100)  # level 2 starts at 81, level 3 at 135
    assert (p.level, p.into_level, p.needed) == (2, 19, 54)
    assert 0 < p.fraction < 1
