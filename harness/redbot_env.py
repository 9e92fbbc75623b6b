"""Build and drive a real :class:`redbot.core.bot.Red` against dpytest's fake Discord."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend as fake
from discord.ext.test import factories as facts

from redbot.core import _drivers, bank, data_manager
from redbot.core._cli import parse_cli_flags
from redbot.core.bot import Red
from redbot.core.core_commands import Core
from redbot.core._cog_manager import CogManagerUI

from harness.interactions import InteractionDriver, InteractionResult

PREFIX = "!"
OWNER_ID = 1_000_000_000_000_001
INSTANCE = "unicornia-sim"


def use_wellformed_ids() -> None:
    """dpytest's id generator lets its 12-bit counter spill into the timestamp after 4,096 ids,
    producing ids above 2**63 that no real Discord object has (and SQLite refuses).  Swap it for
    one that makes real-looking snowflakes: a fixed moment plus a running counter."""
    if getattr(facts.make_id, "_unicornia", False):
        return
    base = discord.utils.time_snowflake(__import__("datetime").datetime(2025, 1, 1))
    counter = __import__("itertools").count(1)

    def make_id() -> int:
        return base + next(counter)

    make_id._unicornia = True
    facts.make_id = make_id


def _point_red_at(data_dir: Path) -> None:
    """Make Red's data manager use ``data_dir`` with the JSON storage backend."""
    data_manager.basic_config = {
        **data_manager.basic_config_default,
        "DATA_PATH": str(data_dir),
        "STORAGE_TYPE": "JSON",
        "STORAGE_DETAILS": {},
    }
    data_manager._instance_name = INSTANCE


@dataclass
class SimBot:
    """A started Red bot plus the fake guild world dpytest built for it."""

    bot: Red
    data_dir: Path
    guilds: list = field(default_factory=list)
    _interactions: Optional[InteractionDriver] = field(default=None, repr=False)

    @property
    def guild(self) -> discord.Guild:
        return self.guilds[0]

    @property
    def cog(self):
        return self.bot.get_cog("Unicornia")

    def owner(self) -> discord.Member:
        return self.guild.get_member(OWNER_ID)

    async def command(self, text: str, member: discord.Member, channel=None) -> discord.Message:
        """Send ``!text`` as ``member`` and wait until every event it caused has run."""
        channel = channel or self.default_channel(member.guild)
        message = await dpytest.message(PREFIX + text, channel=channel, member=member)
        await self.settle()
        return message

    # --- interactions (slash commands, autocomplete, components): see harness/interactions.py ---
    @property
    def interactions(self) -> InteractionDriver:
        """The interaction driver, made on first use."""
        if self._interactions is None:
            self._interactions = InteractionDriver(self)
        return self._interactions

    async def enable_app_commands(self, module: str = "unicornia") -> list[str]:
        """``[p]slash enablecog <module>`` as the owner; returns the app commands now enabled."""
        return await self.interactions.enable_app_commands(module)

    async def slash(self, command: str, member: discord.Member, /, **kwargs) -> InteractionResult:
        """``member`` runs ``/command`` (e.g. ``"level check"``); see ``InteractionDriver.slash``."""
        return await self.interactions.slash(command, member, **kwargs)

    async def autocomplete(self, command: str, member: discord.Member, /, **kwargs) -> list[tuple]:
        """The ``(name, value)`` choices offered while ``member`` types ``value`` into ``option``."""
        return await self.interactions.autocomplete(command, member, **kwargs)

    async def click(self, target, custom_id: str, member: discord.Member, /, **kwargs) -> InteractionResult:
        """``member`` presses a button (custom id or label) on a message the bot sent."""
        return await self.interactions.click(target, custom_id, member, **kwargs)

    async def select(self, target, custom_id: str, values, member: discord.Member, /,
                     **kwargs) -> InteractionResult:
        """``member`` picks ``values`` in a select menu on a message the bot sent."""
        return await self.interactions.select(target, custom_id, values, member, **kwargs)

    async def submit_modal(self, result: InteractionResult, member: discord.Member, /, values,
                           **kwargs) -> InteractionResult:
        """``member`` fills in the modal ``result`` opened (``values`` by input id or label) and submits."""
        return await self.interactions.submit_modal(result, member, values, **kwargs)

    async def say(self, text: str, member: discord.Member, channel=None) -> discord.Message:
        """``member`` chats; returns once the XP engine has finished with the message."""
        channel = channel or self.default_channel(member.guild)
        message = await dpytest.message(text, channel=channel, member=member)
        await self.settle()
        return message

    async def settle(self) -> None:
        """Wait for work the cog finishes after the event (batched cache reads, their level-ups)."""
        cog = self.cog
        if cog is not None:
            await cog.xp.settle()

    @staticmethod
    def default_channel(guild: discord.Guild) -> discord.TextChannel:
        return guild.text_channels[0]

    def replies(self) -> list[discord.Message]:
        """Drain and return everything the bot has sent since the last call."""
        out = []
        while not dpytest.sent_queue.empty():
            out.append(dpytest.sent_queue.get_nowait())
        return out

    def make_member(self, name: str, guild: Optional[discord.Guild] = None, *, bot: bool = False) -> discord.Member:
        guild = guild or self.guild
        user = fake.make_user(name, "0001", id_num=-1) if not bot else _make_bot_user(name)
        return fake.make_member(user, guild)

    def make_role(self, name: str, guild: Optional[discord.Guild] = None, *, position: int = 1) -> discord.Role:
        guild = guild or self.guild
        role = fake.make_role(name, guild)
        role.position = position  # dpytest puts every new role at position 1
        return role

    def make_category(self, name: str, guild: Optional[discord.Guild] = None) -> discord.CategoryChannel:
        return fake.make_category_channel(name, guild or self.guild)

    def make_text_channel(self, name: str, guild: Optional[discord.Guild] = None, *, category=None) -> discord.TextChannel:
        return fake.make_text_channel(name, guild or self.guild, parent_id=category.id if category else None)

    def make_voice_channel(self, name: str, guild: Optional[discord.Guild] = None, *, category=None) -> discord.VoiceChannel:
        return fake.make_voice_channel(name, guild or self.guild, parent_id=category.id if category else None)

    def make_thread(self, parent: discord.TextChannel, name: str) -> discord.Thread:
        """A public thread under ``parent`` (dpytest has no thread helper)."""
        guild = parent.guild
        data = {
            "id": facts.make_id(), "guild_id": guild.id, "parent_id": parent.id, "owner_id": guild.me.id,
            "name": name, "type": 11, "message_count": 0, "member_count": 0, "rate_limit_per_user": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                "archive_timestamp": "2026-01-01T00:00:00+00:00", "locked": False},
        }
        thread = discord.Thread(guild=guild, state=fake.get_state(), data=data)
        guild._add_thread(thread)
        return thread

    def set_voice(self, member: discord.Member, channel, *, self_deaf: bool = False, deaf: bool = False,
                  self_mute: bool = False) -> None:
        """Put ``member`` in voice ``channel`` (None: disconnect) as a VOICE_STATE_UPDATE would."""
        channel_id = channel.id if channel is not None else None
        data = {
            "user_id": member.id, "guild_id": member.guild.id, "channel_id": channel_id, "session_id": "sim",
            "deaf": deaf, "mute": False, "self_deaf": self_deaf, "self_mute": self_mute,
            "self_video": False, "self_stream": False, "suppress": False, "request_to_speak_timestamp": None,
        }
        member.guild._update_voice_state(data, channel_id)

    def set_roles(self, member: discord.Member, roles: list[discord.Role]) -> None:
        fake.update_member(member, roles=roles)

    def remove_member(self, member: discord.Member) -> None:
        """The member leaves the guild."""
        fake.delete_member(member)

    def give_bot_role(self, guild: Optional[discord.Guild] = None, *, position: int = 50) -> discord.Role:
        """A high role with Manage Roles for the bot, as a server admin sets up for a leveling bot."""
        guild = guild or self.guild
        role = fake.make_role("Unicornia", guild, permissions=discord.Permissions(manage_roles=True, send_messages=True).value)
        role.position = position
        fake.update_member(guild.me, roles=[role])
        return role

    async def load_cog(self, cog_parent: Path) -> None:
        """Load unicornia the way a bot owner does: ``[p]addpath`` then ``[p]load``."""
        await self.command(f"addpath {cog_parent}", self.owner())
        await self.command("load unicornia", self.owner())
        if self.cog is None:
            raise RuntimeError(f"unicornia did not load: {[m.content for m in self.replies()]}")
        self.replies()

    async def reload_cog(self) -> None:
        await self.command("reload unicornia", self.owner())
        self.replies()

    async def unload_cog(self) -> None:
        await self.command("unload unicornia", self.owner())
        self.replies()

    async def close(self) -> None:
        if self._interactions is not None:
            await self._interactions.close()
        with contextlib.suppress(Exception):
            await self.bot.close()
        await dpytest.empty_queue()


class SendRecorder:
    """Records what the bot passes to ``send``.

    dpytest drops the text and embeds of a message that carries files (they travel in the
    multipart payload it never reads), so tests and the demo read them here instead.
    """

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self._real = None

    def install(self) -> "SendRecorder":
        real = self._real = discord.abc.Messageable.send
        calls = self.calls

        async def recording_send(channel, content=None, **kwargs):
            files = list(kwargs.get("files") or ([kwargs["file"]] if kwargs.get("file") else []))
            calls.append({"content": content, "embed": kwargs.get("embed"), "files": files,
                          "file_bytes": [_peek(f) for f in files], "allowed_mentions": kwargs.get("allowed_mentions")})
            return await real(channel, content, **kwargs)

        discord.abc.Messageable.send = recording_send
        return self

    def uninstall(self) -> None:
        if self._real is not None:
            discord.abc.Messageable.send = self._real
            self._real = None


def _peek(file: discord.File) -> bytes:
    position = file.fp.tell()
    data = file.fp.read()
    file.fp.seek(position)
    return data


def _make_bot_user(name: str) -> discord.User:
    state = fake.get_state()
    data = {"id": facts.make_id(), "username": name, "discriminator": "0000", "avatar": None, "bot": True}
    return state.store_user(data)


async def start_bot(
    data_dir: Path,
    *,
    guilds: int | list[str] = 1,
    text_channels: int | list[str] = 2,
    voice_channels: int | list[str] = 2,
    members: int | list[str] = 3,
) -> SimBot:
    """Start a Red bot with Core and CogManagerUI, wired to dpytest, ready for commands."""
    data_dir.mkdir(parents=True, exist_ok=True)
    use_wellformed_ids()
    _point_red_at(data_dir)
    await _drivers.get_driver_class().initialize()
    flags = parse_cli_flags([INSTANCE, "--no-prompt", "--prefix", PREFIX, "--owner", str(OWNER_ID)])
    intents = discord.Intents.all()
    bot = Red(cli_flags=flags, bot_dir=data_dir, intents=intents)
    await bot._async_setup_hook()
    # dpytest needs a logged-in user for _pre_login's owner lookup, but must wrap
    # on_command_error *after* Red installs its own handler, so errors reach the tests.
    with _unsharded_check():
        dpytest.configure(bot, guilds=guilds, text_channels=text_channels,
                          voice_channels=voice_channels, members=members)
    state = fake.get_state()
    state.loop = asyncio.get_running_loop()
    await bot._pre_login()
    _route_command_errors_to_dpytest(bot)
    bot.owner_ids.add(OWNER_ID)
    await bot.add_cog(Core(bot))
    await bot.add_cog(CogManagerUI())
    await bank._init()
    bot._red_ready.set()
    sim = SimBot(bot=bot, data_dir=data_dir, guilds=list(dpytest.get_config().guilds))
    for guild in sim.guilds:
        owner_user = state.store_user({"id": OWNER_ID, "username": "Owner", "discriminator": "0001", "avatar": None})
        fake.make_member(owner_user, guild)
    return sim


def _route_command_errors_to_dpytest(bot: Red) -> None:
    """Red's handler replies to the user; then dpytest re-raises the error in the test."""
    red_handler = bot.on_command_error

    async def on_command_error(ctx, error, unhandled_by_cog=False):
        try:
            await red_handler(ctx, error, unhandled_by_cog)
        finally:
            # as Red's handler does: an error the cog's own handler takes is not Red's (that
            # handler calls this again with unhandled_by_cog=True for what it passes on)
            if unhandled_by_cog or ctx.cog is None or not ctx.cog.has_error_handler():
                await dpytest.error_queue.put((ctx, error))

    bot.on_command_error = on_command_error


@contextlib.contextmanager
def _unsharded_check():
    import discord.ext.test.runner as runner

    real = runner.discord.AutoShardedClient

    class _Never:  # isinstance(x, _Never) is False for every bot
        pass

    runner.discord.AutoShardedClient = _Never
    try:
        yield
    finally:
        runner.discord.AutoShardedClient = real
