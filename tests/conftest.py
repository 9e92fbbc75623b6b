"""Fixtures: a real Red bot with unicornia loaded through Red's own loader, on dpytest's fake Discord."""
from __future__ import annotations

import sys
import sqlite3
from pathlib import Path

import pytest

from harness.redbot_env import OWNER_ID, SendRecorder, SimBot, start_bot

REPO_ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    """A monotonic clock the tests move by hand."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class WallClock(FakeClock):
    """The store's wall clock (unix time), moved by hand to cross days and weeks."""

    def __init__(self, start: float = 1_767_607_200.0) -> None:  # Monday 2026-01-05 10:00 UTC
        super().__init__(start)


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


async def _start_red(tmp_path: Path, monkeypatch) -> SimBot:
    """A Red bot with its data in ``tmp_path``, Unicornia not loaded yet."""
    # dpytest writes sent files into the working directory
    monkeypatch.chdir(tmp_path)
    # Red's loader re-executes an already imported package in place, which would swap the
    # classes under the unit tests' feet: let Red import its own copy, and put the unit
    # tests' module objects back afterwards.
    for name in [n for n in sys.modules if n == "unicornia" or n.startswith("unicornia.")]:
        monkeypatch.delitem(sys.modules, name)
    return await start_bot(tmp_path / "red-data")


async def _start(tmp_path: Path, clock: FakeClock, wall: WallClock, monkeypatch, *, goals: bool):
    bot = await _start_red(tmp_path, monkeypatch)
    await bot.load_cog(REPO_ROOT)
    bot.cog.xp.clock = clock
    bot.cog.store.now = wall
    bot.db_path = bot.cog.data_path / "unicornia.db"
    if goals:
        # as a server whose admin turned everything on (by default they are off)
        await set_goal_features(bot, achievements=True, goal=True, default_quests=False)
    return bot


async def set_goal_features(bot: SimBot, *, achievements: bool, goal: bool, default_quests: bool,
                            quests: bool = True) -> None:
    """Switch achievements, the server goal and quests on or off in every guild, with or without
    the starter quests (a test about one of them keeps the others from paying XP it does not
    expect).  Settings are written directly: the commands that turn them on have tests of their own."""
    for guild in bot.guilds:
        group = bot.cog.config.guild(guild)
        await group.achievements_enabled.set(achievements)
        await group.goal_enabled.set(goal)
        await group.quests_enabled.set(quests)
        bot.cog.settings.invalidate(guild.id)
        if default_quests and not await group.quests_seeded():
            await bot.cog.goals.add_starter_quests(guild.id)
            await group.quests_seeded.set(True)


@pytest.fixture
async def sim(tmp_path: Path, clock: FakeClock, wall: WallClock, monkeypatch) -> SimBot:
    """A Red bot with unicornia loaded as installed: XP and level-ups only (achievements, quests and
    the server goal are off by default)."""
    bot = await _start(tmp_path, clock, wall, monkeypatch, goals=False)
    try:
        yield bot
    finally:
        await bot.close()


async def load_extra_cog(red: SimBot, tmp_path: Path, name: str, source: str) -> None:
    """Write a throwaway cog package ``name`` and load it through Red's ``[p]addpath`` and ``[p]load``."""
    cogs = tmp_path / "cogs"
    (cogs / name).mkdir(parents=True)
    (cogs / name / "__init__.py").write_text(source)
    await red.command(f"addpath {cogs}", red.owner())
    await red.command(f"load {name}", red.owner())
    red.replies()


@pytest.fixture
async def red(tmp_path: Path, monkeypatch) -> SimBot:
    """A Red bot without Unicornia: the test loads it (``red.load_cog(REPO_ROOT)``, or by command)."""
    bot = await _start_red(tmp_path, monkeypatch)
    try:
        yield bot
    finally:
        await bot.close()


@pytest.fixture
async def goals_sim(tmp_path: Path, clock: FakeClock, wall: WallClock, monkeypatch) -> SimBot:
    """The same bot with achievements, quests (none yet) and the server goal switched on."""
    bot = await _start(tmp_path, clock, wall, monkeypatch, goals=True)
    try:
        yield bot
    finally:
        await bot.close()


def members(sim: SimBot, guild=None) -> list:
    """The guild's ordinary members: not bots, not the owner."""
    guild = guild or sim.guild
    return [m for m in guild.members if not m.bot and m.id != OWNER_ID]


def db_rows(sim: SimBot, query: str, params=()) -> list[tuple]:
    """Read the cog's real SQLite file with a separate connection, as an outsider would."""
    conn = sqlite3.connect(sim.db_path)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def stored_xp(sim: SimBot, member) -> int | None:
    rows = db_rows(sim, "SELECT Xp FROM UserXpStats WHERE GuildId = ? AND UserId = ?", (member.guild.id, member.id))
    return rows[0][0] if rows else None


def texts(sim: SimBot) -> list[str]:
    """Drain what the bot sent, each message as one text (content, then its embeds' parts)."""
    out = []
    for message in sim.replies():
        parts = [message.content or ""]
        for e in message.embeds:
            parts += [e.description or "", *(f"{f.name} {f.value}" for f in e.fields), e.footer.text or ""]
        out.append("\n".join(parts))
    return out


def reaction_payload(member, message) -> "discord.RawReactionActionEvent":
    """A REACTION_ADD as the gateway sends it (dpytest's own helper builds one discord.py 2.7 rejects)."""
    import discord

    payload = discord.RawReactionActionEvent(
        {"user_id": member.id, "channel_id": message.channel.id, "message_id": message.id,
         "guild_id": member.guild.id, "type": 0, "burst": False},
        discord.PartialEmoji(name="\N{THUMBS UP SIGN}"), "REACTION_ADD")
    payload.member = member
    return payload


@pytest.fixture
async def slash(sim):
    """The bot with Unicornia's slash commands enabled, as an owner does with `[p]slash enablecog`."""
    await sim.enable_app_commands("unicornia")
    return sim


@pytest.fixture
def sent():
    """Everything the bot passes to ``send`` (see :class:`harness.redbot_env.SendRecorder`)."""
    recorder = SendRecorder().install()
    try:
        yield recorder.calls
    finally:
        recorder.uninstall()


def record_cards(sim) -> list:
    """Keep every CardData the generator is asked to draw."""
    generator = sim.cog.cards.generator
    real = generator.render
    seen = []

    async def render(card):
        seen.append(card)
        return await real(card)

    generator.render = render
    return seen


def live(module: str):
    """A module of the package as Red loaded it for the running bot (e.g. ``live("systems.downloader")``).

    Test modules import unicornia at collection, before Red loads its own copy; objects handed
    to the running cog must come from Red's copy so its ``except`` clauses recognise them.
    """
    import importlib

    return importlib.import_module(f"unicornia.{module}")


async def chatter(sim: SimBot, member, times: int, channel=None) -> None:
    """``member`` sends ``times`` different messages (identical ones in a row earn nothing)."""
    for i in range(times):
        await sim.say(f"message number {i} from {member.name}", member, channel=channel)


SHOP_HEADER = """
shop:
  bgs:
    default:
      name: "Midnight"
      price: 0
      file: "backgrounds/default.png"
"""


def shop_yaml(extra_items: str) -> str:
    """A shop config: the bundled default background plus ``extra_items`` (indented YAML items)."""
    return SHOP_HEADER + extra_items


def break_card_drawing(sim: SimBot) -> None:
    """Make every card render fail, as a vanished font file would."""
    async def broken(card):
        raise OSError("font file vanished")

    # the coroutine every caller awaits, wherever the drawing would run (thread or process pool)
    sim.cog.cards.generator.render = broken

