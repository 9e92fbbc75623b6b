"""A server whose locale is German (`[p]set locale server de-DE`) gets German: a command's reply,
the card's labels and a level-up announcement (made outside any command), read from the shipped
de-DE catalogue so the test follows the translation as it is written."""
from pathlib import Path

import polib
import pytest

from tests.conftest import members
from unicornia.core.levels import level_from_xp

CATALOGUE = Path(__file__).resolve().parents[2] / "unicornia" / "locales" / "de-DE.po"


@pytest.fixture(scope="module")
def german():
    if not CATALOGUE.exists():
        pytest.fail(f"{CATALOGUE} is missing")
    translated = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE)) if e.msgstr}

    def lookup(msgid: str) -> str:
        text = translated[msgid]
        assert text != msgid or msgid.isupper(), f"{msgid!r} is not translated"
        return text

    return lookup


async def test_a_german_server_gets_german_replies_cards_and_announcements(sim, german, clock):
    alice = members(sim)[0]
    await sim.command("set locale server de-DE", sim.owner())
    sim.replies()

    # a command's reply
    await sim.command("level leaderboard 500", alice)
    assert sim.replies()[-1].content == german("Pick a page from 1 to {last}.").format(last=100)

    # help, from the command's docstring (a top-level hybrid command's too)
    await sim.command("help daily", alice)
    [embed] = sim.replies()[-1].embeds
    daily_doc = "Claim your daily XP; consecutive days grow a streak bonus.\n\n        Example: `[p]daily`\n        "
    assert embed.fields[0].name == german(daily_doc).split("\n")[0]

    # the card's labels, looked up on the event loop and handed to the drawing thread
    drawn = []
    real_render = sim.cog.cards.generator.render

    async def spy(data):
        drawn.append(data)
        return await real_render(data)

    sim.cog.cards.generator.render = spy
    await sim.command("level check", alice)
    labels = drawn[-1].labels
    assert (labels.level, labels.rank, labels.total_xp) == (german("LEVEL"), german("RANK"), german("Total XP {xp}"))
    assert labels.number(1234567) == "1.234.567"  # German digit grouping

    # a level-up announcement, sent by the message listener (no command context)
    await sim.command("unicornia guild activity xpcap 0", sim.owner())
    await sim.command("unicornia guild xppermessage 100", sim.owner())
    sim.replies()
    clock.advance(61)
    await sim.say("genug Worte für eine Stufe", alice)
    announced = [m.content for m in sim.replies()]
    expected = german("\N{PARTY POPPER} {mention} reached **level {level}**!")
    level = level_from_xp(await sim.cog.xp.current_xp((sim.guild.id, alice.id)))
    assert level >= 1
    assert any(text.startswith(expected.format(mention=alice.mention, level=level)) for text in announced), announced
    assert not any("reached **level" in text for text in announced), announced


async def test_the_shipped_achievements_read_in_german(sim, german):
    from tests.conftest import set_goal_features

    alice = members(sim)[0]
    await set_goal_features(sim, achievements=True, goal=False, default_quests=False, quests=False)
    await sim.command("set locale server de-DE", sim.owner())
    await sim.say("meine ersten Worte hier", alice)
    await sim.cog.xp.flush()
    await sim.settle()
    sim.replies()
    await sim.command("achievements", alice)
    [embed] = sim.replies()[-1].embeds
    assert german("First Words") in embed.description and "First Words" not in embed.description


async def test_a_german_server_reads_fractions_its_own_way(sim, german):
    """Numbers with a fraction follow the server's format as whole numbers do (1,5 and 1.234,5 in
    German): an XP rate, the voice hours on a profile and on the voice leaderboard."""
    from unicornia.db.store import GainRow

    alice = members(sim)[0]
    await sim.command("set locale server de-DE", sim.owner())
    await sim.command("set regionalformat server de-DE", sim.owner())
    sim.replies()

    await sim.command("unicornia guild xprate 1.5", sim.owner())
    assert sim.replies()[-1].content == german("XP rate set to x{rate}.").format(rate="1,5")

    # 1,234.5 hours in voice
    await sim.cog.store.write_gains([GainRow(alice.id, sim.guild.id, 10, voice_seconds=4_444_200)])
    await sim.command(f"level profile {alice.id}", alice)
    [embed] = sim.replies()[-1].embeds
    voice = [field.value for field in embed.fields if field.name == german("Voice time")]
    assert voice == [german("{hours} h").format(hours="1.234,5")]

    await sim.command("level leaderboard 1 voice", alice)
    board = sim.replies()[-1]
    text = board.content + "".join(e.description or "" for e in board.embeds)
    assert german("{hours} h in voice").format(hours="1.234,5") in text, text
