"""Red's own rules for who and where the bot listens, as the XP engine reads them on every event.

Red decides three things that every listener must obey: whether a user is allowed at all (the
global and local allow and block lists, ``[p]blocklist`` and friends), whether a channel or server
is ignored (``[p]ignore``), and whether this cog is disabled in a server
(``[p]command disablecog``).  Red's answers are coroutines that walk its settings; the message
path asks them once per member and once per channel and keeps the verdicts in two dictionaries.

Verdicts are dropped when Red's settings change through its commands (see
:data:`RED_SETTINGS_COMMANDS`), when a member's roles change (local lists can name roles), when a
channel moves (ignores follow categories), and all of them every :data:`REFRESH_SECONDS`, which
bounds how long a change made some other way (another cog calling Red's API) can go unseen.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import discord

Key = tuple[int, int]  # (guild id, user id)

#: A channel everybody may earn in: not ignored, the cog enabled in its server.
OPEN = 1
#: The channel (or its parent, category or server) is ignored: Red is asked per message, since
#: members with moderation rights still pass an ignore.
ASK = 0
#: The cog is disabled in the channel's server: nothing of Unicornia runs there.
CLOSED = -1

#: Every verdict is dropped this often (seconds), whatever happened.
REFRESH_SECONDS = 300.0
#: The most verdicts kept of each kind, for the whole bot; past it they are all dropped and asked
#: again.  A member's verdict (a key of two ints and a dict slot) takes about 180 bytes, so the
#: bound holds about 18 MiB.  It stays this high because a drop also takes every buffered member
#: off the fast path (see ``_forgot``): only a bot with more (server, member) pairs speaking within
#: ``REFRESH_SECONDS`` than this pays either, and a bot that size has the memory.
MAX_VERDICTS = 100_000
#: Red's commands (by their root name) that change what the verdicts depend on.
RED_SETTINGS_COMMANDS = frozenset({
    "allowlist", "blocklist", "localallowlist", "localblocklist", "ignore", "unignore", "command",
})


class _Probe:
    """What Red's ``ignored_channel_or_guild`` reads of a context, for a given author in a channel.

    With no author it stands for an ordinary member (no rights that pass an ignore): the answer
    then says whether the channel itself is ignored for everybody else."""

    __slots__ = ("channel", "guild", "author", "permissions")

    def __init__(self, channel, author: Optional[discord.Member] = None) -> None:
        self.channel = channel
        self.guild = channel.guild
        if author is None:
            self.author = discord.Object(id=0)  # neither a bot owner nor a member with admin roles
            self.permissions = discord.Permissions.none()
        else:
            self.author = author
            self.permissions = channel.permissions_for(author)


class RedGate:
    """Cached answers to "may this member earn here?" under Red's allow/block lists, ignores and
    the disabled-cog setting.

    ``members`` and ``channels`` are read directly by the message path (a dictionary look-up
    each); everything else goes through :meth:`admits`."""

    def __init__(self, bot, cog_name: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.cog_name = cog_name
        self.clock = clock
        #: (guild, user) -> allowed by Red's allow and block lists
        self.members: dict[Key, bool] = {}
        #: channel id -> OPEN, ASK or CLOSED
        self.channels: dict[int, int] = {}
        self._since = clock()
        #: Told when verdicts are dropped: the member's key, or None for all (the XP engine's gains
        #: remember where they were admitted); see :meth:`listen`.
        self._listeners: list[Callable[[Optional[Key]], None]] = []

    def listen(self, forgot: Callable[[Optional[Key]], None]) -> None:
        """Call ``forgot(key)`` whenever verdicts are dropped: for one member, or all (None)."""
        self._listeners.append(forgot)

    def _forgot(self, key: Optional[Key]) -> None:
        for forgot in self._listeners:
            forgot(key)

    # --- the answers -------------------------------------------------------------------------
    async def admits(self, message: discord.Message) -> bool:
        """Whether Red lets the author of a guild message be heard in its channel."""
        return await self._admits(message.author, message.channel, message)

    async def admits_member(self, member: discord.Member, channel) -> bool:
        """The same for an event without a message: a reaction, a command, time in voice."""
        return await self._admits(member, channel, None)

    async def _admits(self, member, channel, message: Optional[discord.Message]) -> bool:
        self.refresh()
        guild = member.guild
        if channel is None:
            if await self.guild_disabled(guild):
                return False
            state = OPEN
        else:
            state = await self.channel_state(channel)
        if state == CLOSED:
            return False
        key = (guild.id, member.id)
        allowed = self.members.get(key)
        if allowed is None:
            allowed = await self.bot.allowed_by_whitelist_blacklist(member)
            self._keep(self.members, key, allowed)
        if not allowed:
            return False
        if state == ASK:  # an ignored channel: Red's exact answer for this member
            return await self.bot.ignored_channel_or_guild(message or _Probe(channel, member))
        return True

    async def channel_state(self, channel) -> int:
        state = self.channels.get(channel.id)
        if state is None:
            if await self.guild_disabled(channel.guild):
                state = CLOSED
            elif await self.bot.ignored_channel_or_guild(_Probe(channel)):
                state = OPEN
            else:
                state = ASK
            self._keep(self.channels, channel.id, state)
        return state

    async def guild_disabled(self, guild: discord.Guild) -> bool:
        """Whether the cog is disabled in ``guild`` (Red caches this itself)."""
        return await self.bot.cog_disabled_in_guild_raw(self.cog_name, guild.id)

    def _keep(self, verdicts: dict, key, value) -> None:
        if len(verdicts) >= MAX_VERDICTS:
            verdicts.clear()
            self._forgot(None)
        verdicts[key] = value

    # --- forgetting --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Drop every verdict once they are :data:`REFRESH_SECONDS` old."""
        if self.clock() - self._since >= REFRESH_SECONDS:
            self.forget()

    def forget(self) -> None:
        self.members.clear()
        self.channels.clear()
        self._since = self.clock()
        self._forgot(None)

    def forget_member(self, guild_id: int, user_id: int) -> None:
        self.members.pop((guild_id, user_id), None)
        self._forgot((guild_id, user_id))

    def forget_channels(self) -> None:
        self.channels.clear()
        self._forgot(None)

    def after_command(self, ctx) -> None:
        """A command completed: if it was one of Red's that changes the lists, ignores or disabled
        cogs, every verdict is asked again."""
        command = ctx.command
        if command is None or command.cog_name != "Core":
            return
        root = command.root_parent or command
        if root.name in RED_SETTINGS_COMMANDS:
            self.forget()


class OpenGate(RedGate):
    """Admits everyone everywhere, for an engine built without a Red bot (unit tests, the
    benchmarks): the message path still makes its two look-ups, found after the first message."""

    def __init__(self) -> None:
        super().__init__(None, "")

    async def _admits(self, member, channel, message) -> bool:
        key = (member.guild.id, member.id)
        self.members[key] = True
        if channel is not None:
            self.channels[channel.id] = OPEN
        return True

    async def guild_disabled(self, guild: discord.Guild) -> bool:
        return False
