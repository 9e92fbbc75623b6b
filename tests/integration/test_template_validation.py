"""The level-up message through a real Red bot (issue #13): a format its variable can't take is refused
with a clear message and nothing saved; one it can take is saved and shows in the next level-up."""
import logging

from tests.conftest import members
from unicornia.core.levels import total_xp_for_level

#: XP one message earns in these tests, with the per-minute cap off.
MESSAGE_XP = 40


async def admin(sim, *commands_):
    for text in commands_:
        await sim.command(f"unicornia guild {text}", sim.owner())
    return sim.replies()


async def saved_template(sim):
    """What Config holds and what the settings cache serves, so a refusal is seen to change neither."""
    return (await sim.cog.config.guild(sim.guild).levelup_template(),
            (await sim.cog.settings.get(sim.guild.id)).levelup_template)


async def one_message_from_level(sim, member, level: int) -> None:
    """Put ``member`` one message short of ``level`` (no announcement: admin changes are silent)."""
    await admin(sim, f"setlevel {member.mention} {level - 1}")
    short = total_xp_for_level(level) - total_xp_for_level(level - 1) - MESSAGE_XP
    await admin(sim, f"addxp {member.mention} {short}")


async def test_a_format_the_level_cant_take_is_refused_and_nothing_changes(sim):
    await admin(sim, "levelup message GG {mention}, level {level}!")
    before = await saved_template(sim)
    for template, named in [("GG {mention} now level {level:.2}", "`{level:.2}`: the format `.2` does not apply "
                                                                    "to level (a whole number). Try {level} or {level:,}."),
                            ("{mention:d} up", "`{mention:d}`"), ("{xp:,} XP", "`{xp:,}`"),
                            ("{mention.__class__}", "`{mention.__class__}`"), ("{0} up", "`{0}`")]:
        reply = (await admin(sim, f"levelup message {template}"))[-1].content
        assert named in reply and reply.endswith("Nothing was changed."), reply
        assert await saved_template(sim) == before


async def test_number_formats_are_accepted_and_the_level_up_announces_them(sim):
    alice = members(sim)[0]
    await admin(sim, "activity xpcap 0", f"xppermessage {MESSAGE_XP}")
    reply = (await admin(sim, "levelup message GG {mention} now level {level:,} ({level:d}, was {old_level:,})"))[-1]
    assert reply.content.startswith("Level-up message saved.")
    template = "GG {mention} now level {level:,} ({level:d}, was {old_level:,})"
    assert await saved_template(sim) == (template, template)

    await one_message_from_level(sim, alice, 1234)
    sim.replies()
    await sim.say("one more message to cross the level", alice)
    assert sim.replies()[-1].content.startswith(f"GG {alice.mention} now level 1,234 (1234, was 1,233)")

    await sim.command("unicornia guild levelup preview", sim.owner())
    assert "now level 1 (1, was 0)" in sim.replies()[-1].content  # the owner has no XP


async def test_a_template_saved_before_the_check_still_announces_with_the_default(sim, caplog):
    alice = members(sim)[0]
    await admin(sim, "activity xpcap 0", f"xppermessage {MESSAGE_XP}")
    await sim.cog.config.guild(sim.guild).levelup_template.set("GG {mention} now level {level:.2}")  # as in #13
    sim.cog.settings.invalidate(sim.guild.id)
    with caplog.at_level(logging.WARNING, logger="red.unicornia.templates"):
        await sim.say("levelling up with a broken template", alice)
    assert sim.replies()[-1].content.startswith(f"\N{PARTY POPPER} {alice.mention} reached **level 1**!")
    assert any("{level:.2}" in r.getMessage() and "used the default" in r.getMessage() for r in caplog.records)
