"""Level-up templates are checked with values of the types the announcement really passes (issue #13)."""
import logging

import pytest

from unicornia.core.templates import (
    DEFAULT_TEMPLATE, LONGEST, MAX_RENDERED, MAX_SPEC_NUMBER, SHORTEST, VARIABLE_TABLE, VARIABLES, WHOLE_NUMBER,
    TemplateError, check_template, render,
)

NUMBERS = [v.name for v in VARIABLE_TABLE if v.kind == WHOLE_NUMBER]
TEXTS = [v.name for v in VARIABLE_TABLE if v.kind != WHOLE_NUMBER]


def refusal(template: str) -> str:
    with pytest.raises(TemplateError) as caught:
        check_template(template)
    return str(caught.value)


def test_the_table_holds_every_variable_once_with_samples_of_one_type():
    assert len(set(VARIABLES)) == len(VARIABLES) == len(VARIABLE_TABLE)
    assert set(NUMBERS) == {"level", "old_level"}
    for variable in VARIABLE_TABLE:
        assert type(variable.longest) is type(variable.shortest), variable.name
        assert isinstance(variable.longest, int if variable.kind == WHOLE_NUMBER else str), variable.name
        assert variable.kind == WHOLE_NUMBER or variable.kind.startswith("text")


@pytest.mark.parametrize("name", VARIABLES)
def test_every_variable_plain_and_padded_is_accepted(name):
    check_template(f"{{{name}}}")
    check_template(f"{{{name}:>12}}")
    check_template(f"{{{name}!s}}")


@pytest.mark.parametrize("name", NUMBERS)
@pytest.mark.parametrize("spec", [",", "d", "_", "05", ">8,", "x", ".2f"])
def test_number_formats_are_accepted_for_levels(name, spec):
    check_template(f"level {{{name}:{spec}}}")


@pytest.mark.parametrize("name", NUMBERS)
@pytest.mark.parametrize("spec", [".2", "s", ".3s", "c", ">5c"])  # c: level 1 as the control code U+0001
def test_text_formats_on_a_level_are_refused_naming_field_and_format(name, spec):
    message = refusal(f"GG now level {{{name}:{spec}}}")
    assert f"`{{{name}:{spec}}}`" in message and f"format `{spec}`" in message
    assert f"{name} (a whole number)" in message and f"Try {{{name}}} or {{{name}:,}}" in message


def test_the_issue_example_reads_as_promised():
    assert refusal("GG {mention} now level {level:.2}") == (
        "`{level:.2}`: the format `.2` does not apply to level (a whole number). Try {level} or {level:,}.")


@pytest.mark.parametrize("name", TEXTS)
@pytest.mark.parametrize("spec", ["d", ",", ".2f"])
def test_number_formats_on_text_are_refused(name, spec):
    message = refusal(f"{{{name}:{spec}}}")
    assert f"`{{{name}:{spec}}}`" in message and f"{name} (text" in message and f"Try {{{name}}}." in message


def test_xp_is_text_already_grouped_so_grouping_it_again_is_refused():
    # the announcement passes xp through humanize_number: "1,234", a string
    assert isinstance(LONGEST["xp"], str)
    assert "`{xp:,}`" in refusal("{xp:,}")
    check_template("{xp} XP")


@pytest.mark.parametrize("template, shown", [
    ("{0}", "`{0}`"), ("{}", "`{}`"), ("{0.real}", "`{0.real}`"),
    ("{level.real}", "`{level.real}`"), ("{mention[0]}", "`{mention[0]}`"),
    ("{mention.__class__}", "`{mention.__class__}`"), ("{guild.__class__.__mro__}", "`{guild.__class__.__mro__}`"),
    ("{unknown}", "`{unknown}`"), ("{nope.real}", "`{nope.real}`"),
    ("{level:{xp}}", "`{level:{xp}}`"), ("{level:{mention.__class__}}", "`{level:{mention.__class__}}`"),
    ("{level!x}", "`{level!x}`"), ("{level!r:,}", "`{level!r:,}`"),
])
def test_fields_of_a_refused_form_are_named(template, shown):
    assert shown in refusal(f"GG {template}")


def test_attribute_and_index_access_say_so():
    assert "not look inside it" in refusal("{mention.__class__}")
    assert "not look inside it" in refusal("{mention[0]}")
    assert "a variable's name, not a position" in refusal("{}")
    assert "Use: {mention}" in refusal("{unknown}")


def test_a_width_too_big_is_refused_before_anything_that_big_is_built():
    message = refusal("{user:>999999999}")
    assert "999999999" in message and str(MAX_SPEC_NUMBER) in message
    assert "9999999 is wider" in refusal("{level:.9999999f}")  # a precision too
    check_template(f"{{user:>{MAX_SPEC_NUMBER}}}")
    assert f"past {MAX_RENDERED} characters" in refusal(f"GG {{user:>{MAX_SPEC_NUMBER}}}")  # too long filled in


def test_broken_and_empty_templates_are_refused():
    assert "broken" in refusal("level {level")
    assert "broken" in refusal("a } alone")
    assert "empty" in refusal("   ")
    assert "empty" in refusal("\u200b \u200f\u2060")  # nothing a reader would see
    check_template("{{level}} is literal")


def test_accepted_templates_render_with_both_samples():
    template = "GG {mention} ({user!r}), {old_level:,} -> {level:05} with {xp:>14} XP in {guild}{role:.10}"
    check_template(template)
    assert render(template, LONGEST).startswith("GG <@" + "9" * 20 + "> ('" + "W" * 32 + "'), 9,999 -> 10000 with ")
    assert render(template, SHORTEST).endswith("0 -> 00001 with              0 XP in WW")


def test_render_falls_back_to_the_default_and_logs(caplog):
    values = {"mention": "<@5>", "user": "Alice", "level": 3, "old_level": 2, "xp": "135", "guild": "G", "role": ""}
    default = render(DEFAULT_TEMPLATE, values)
    with caplog.at_level(logging.WARNING, logger="red.unicornia.templates"):
        for saved in ("GG {level:.2}", "{mention.__class__}", "{0}", "{nope}", "{level:{xp}}", "{user:>999999999}"):
            assert render(saved, values) == default
    assert sum("used the default" in r.getMessage() for r in caplog.records) == 6
    assert render("{level:,} / {xp}", {"level": 12345, "xp": "1,234"}) == "12,345 / 1,234"
    assert render("{level} {role}", {"level": 1}) == "1 "  # a missing value is empty


def test_uses_finds_a_variable_in_any_format_and_not_in_a_refused_template():
    from unicornia.core.templates import uses

    assert uses("{mention} got {role:>10}", "role") and uses("{role!s}", "role")
    assert not uses("{mention} {{role}}", "role")  # literal braces show the word, not the roles
    assert not uses("{role.name}", "role")  # refused: it renders as the default, without roles
