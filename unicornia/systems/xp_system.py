"""The XP engine: per-message rules, the LRU of member XP, the write-back buffer and its loops.

A message's path (all in memory, no database round trip on a cache hit):
bots, DMs, webhooks ignored -> guild toggle -> channel/role exclusions -> Red's block/allow
lists, ignores and disabled cog (cached verdicts, see gate.py) -> counters -> cooldown ->
amount -> current XP from the LRU -> gain into the buffer -> level-up check.

The buffer is written in one transaction every ``FLUSH_INTERVAL`` seconds, on unload and
on shutdown.  A failed write puts the gains back and they go out with the next flush;
if even the last flush at unload fails, they are spilled to a file that the next load
reads back, so a reload never loses XP.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable, NamedTuple, Optional

import discord

from ..core import rules
from ..core.levels import level_from_xp, total_xp_for_level
from ..core.lru import LRUCache
from ..core.settings import GuildSettings
from ..db.store import XpStore
from .gate import OPEN, OpenGate, RedGate
from .settings import SettingsCache

log = logging.getLogger("red.unicornia.xp")

Key = tuple[int, int]  # (guild id, user id)

FLUSH_INTERVAL = 30.0
VOICE_INTERVAL = 60.0
#: Member commands that show live progress flush at most this often (seconds, real time).
RECENT_FLUSH = 5.0
DEFAULT_CACHE_SIZE = 5_000
#: How many times the last flush at unload is tried before the gains are spilled to disk.
FINAL_FLUSH_ATTEMPTS = 3
SPILL_FILE = "pending_gains.json"

LevelUpHook = Callable[..., Awaitable[object]]  # (member, old level, new level, channel, *, xp)


#: Where XP came from, for the hourly history (index into Gain.by_source).
SOURCES = ("message", "link", "voice", "thanks", "reaction", "command")
MESSAGE, LINK, VOICE, THANKS, REACTION, COMMAND = range(len(SOURCES))
COUNTERS = ("messages", "links", "thanks", "reactions", "commands", "voice_seconds")


class Gain:
    """Gains not yet written, for one member in one guild: XP, XP by source, activity counters.

    ``by_source`` holds every source but messages: the message share is ``xp`` minus the others
    (the message path then adds to one number instead of two)."""

    __slots__ = ("xp", "by_source", *COUNTERS, "leveled_at", "state", "entry", "admitted_in")
    #: What a spill file keeps (``state`` and ``entry`` are the member's activity list and cache
    #: entry, held for the message path).
    SAVED = ("xp", "by_source", *COUNTERS, "leveled_at")

    def __init__(self) -> None:
        self.xp = 0
        self.by_source: Optional[list[int]] = None  # made on the first XP from a source other than messages
        self.messages = self.links = self.thanks = self.reactions = self.commands = self.voice_seconds = 0
        self.leveled_at: Optional[int] = None
        self.state: Optional[list] = None
        self.entry: Optional[list] = None
        #: The channel where Red's rules last admitted the member (see gate.py); None: ask again.
        self.admitted_in = None

    def merge(self, other: "Gain") -> None:
        self.xp += other.xp
        if other.by_source is not None:
            self.by_source = [a + b for a, b in zip(self.sources(), other.by_source)]
        for counter in COUNTERS:
            setattr(self, counter, getattr(self, counter) + getattr(other, counter))
        if other.leveled_at is not None:
            self.leveled_at = max(self.leveled_at or 0, other.leveled_at)

    def sources(self) -> list[int]:
        """XP by source (its own list, made now if the gain had only messages)."""
        if self.by_source is None:
            self.by_source = [0] * len(SOURCES)
        return self.by_source

    def as_dict(self) -> dict:
        return {s: getattr(self, s) for s in self.SAVED}

    @classmethod
    def from_dict(cls, data: dict) -> "Gain":
        gain = cls()
        for slot in cls.SAVED:
            if slot in data:
                setattr(gain, slot, data[slot])
        if gain.by_source is not None and len(gain.by_source) != len(SOURCES):  # an older version's spill
            gain.by_source = None  # all of it counts as messages
        return gain


NO_GAIN = Gain()  # nothing unwritten (never modified)


class Award(NamedTuple):
    """What one event earned a member (a tuple: built on every message, so it must be cheap)."""

    key: Key
    amount: int
    old_xp: int
    new_xp: int

    @property
    def old_level(self) -> int:
        return level_from_xp(self.old_xp)

    @property
    def new_level(self) -> int:
        return level_from_xp(self.new_xp)


class Tally:
    """The rest of a cached member: counters other than messages, their marks, unlocked achievements."""

    __slots__ = ("counts", "marks", "xp_mark", "unlocked", "checking")

    def __init__(self, counts: list[int], unlocked: frozenset) -> None:
        self.counts = counts            # links, thanks, reactions, commands, voice_seconds (TALLIED's order)
        self.marks: dict[str, float] = NO_MARKS
        self.xp_mark = INF              # XP at which a level or total_xp achievement unlocks
        self.unlocked = unlocked        # frozen: most members never unlock anything, and share one
        self.checking = False           # a milestone check is running: marks are parked at infinity


INF = float("inf")
NO_MARKS: dict[str, float] = {}  # shared by every member with nothing to reach (never mutated)
#: Counters a Tally keeps (messages live in the entry itself, for the message path).
TALLIED = ("links", "thanks", "reactions", "commands", "voice_seconds")
TALLY_INDEX = {name: i for i, name in enumerate(TALLIED)}
# A cache entry is [xp, xp of the next check, messages, messages at the next check, Tally, used]: the
# next check is the next level or the next XP achievement, whichever comes first, so the message
# path compares two integers and never scans anything.
XP, XP_CHECK, MESSAGES, MESSAGE_MARK, TALLY, USED = range(6)


def _used_since(entry: list) -> bool:
    """The LRU's second chance: an entry the message path marked used goes to the back once."""
    if entry[USED]:
        entry[USED] = False
        return True
    return False


def _dropped(entry: list) -> None:
    """Out of the cache: a gain still pointing at it must look the member up again."""
    entry[USED] = None


class MilestoneSource:
    """Marks for a guild's members and the check that runs when one is reached (see achievements)."""

    def marks(self, guild_id: int, unlocked) -> tuple[float, dict[str, float]]:
        """(XP mark, {counter: mark}) with counters named as in :data:`COUNTERS`."""
        return INF, NO_MARKS

    def tracks(self, guild_id: int) -> bool:
        """Whether the guild has anything to reach (else its members' reads skip unlocked keys)."""
        return False

    async def reached(self, key: Key, member, channel) -> None:
        """Unlock what is due for ``key``; called at most once at a time per member."""


NO_MILESTONES = MilestoneSource()
EMPTY_UNLOCKED: frozenset = frozenset()


def channel_lineage(channel: discord.abc.GuildChannel | discord.Thread) -> tuple[int, ...]:
    """The channel, its parent (for a thread) and its category: what exclusions inherit from."""
    if isinstance(channel, discord.Thread):
        parent = channel.parent
        category = parent.category_id if parent is not None else None
        ids = (channel.id, channel.parent_id, category)
    else:
        ids = (channel.id, getattr(channel, "category_id", None))
    return tuple(i for i in ids if i)


class XpSystem:
    def __init__(
        self,
        bot,
        store: XpStore,
        settings: SettingsCache,
        *,
        on_level_up: LevelUpHook,
        gate: Optional[RedGate] = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        #: Red's allow/block lists, ignores and disabled cog: who may earn where.
        self.gate = gate if gate is not None else OpenGate()
        self.gate.on_forget = self._rules_changed
        self._gate_members = self.gate.members
        self._gate_channels = self.gate.channels
        self.store = store
        self.settings = settings
        settings.on_invalidate = self._settings_changed
        self._loaded_settings = settings.loaded
        self.on_level_up = on_level_up
        self.clock = clock
        self.cache = LRUCache(cache_size)  # its hooks are set by the property
        self.buffer: dict[Key, Gain] = {}
        # per member: [last XP-earning message, minute window start, XP in that window, last message hash]
        self.activity: dict[Key, list] = {}
        # (guild, thanker, thanked) -> when the thanks last paid
        self.thanks_paid: dict[tuple[int, int, int], float] = {}
        # gains handed to a flush that has not committed yet, with the epoch it will commit as
        self._inflight: Optional[tuple[int, dict[Key, Gain]]] = None
        self._flush_lock = asyncio.Lock()
        self._last_flush = float("-inf")
        self._failures = 0
        self._loaders: dict[Key, asyncio.Future] = {}
        self._tasks: list[asyncio.Task] = []
        # cache misses on the hot path: their gains are already in the buffer; the level-up
        # check waits for one batched read. key -> [member, channel, XP gained meanwhile]
        self._awaiting: dict[Key, list] = {}
        self._queued: set[Key] = set()
        self._batch_loader: Optional[asyncio.Task] = None
        self._followups: set[asyncio.Task] = set()
        #: Where counters' next marks come from and what runs when one is reached (achievements);
        #: without one, no mark is ever reached.
        self.milestones: MilestoneSource = NO_MILESTONES
        #: What each flush also records (guild days, quest periods), and who hears what it paid.
        self.plan_flush: Optional[Callable[[], object]] = None
        #: Quest rewards: (guild, user) -> (XP multiplier, unix time it ends).
        self.boosts: dict[Key, tuple[float, float]] = {}
        self.on_settled: Optional[Callable[[object], Awaitable[None]]] = None

    @property
    def cache(self) -> LRUCache:
        return self._cache

    @cache.setter
    def cache(self, cache: LRUCache) -> None:
        cache.set_hooks(second_chance=_used_since, on_drop=_dropped)  # whoever built it
        self._cache = cache
        self._cache_data = cache.data  # the message path reads (and marks) entries directly

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._every(FLUSH_INTERVAL, self._flush_tick), name="unicornia-flush"),
            asyncio.create_task(self._every(VOICE_INTERVAL, self.voice_tick), name="unicornia-voice"),
        ]

    async def stop(self, spill_dir: Path) -> None:
        """Stop the loops and write everything; spill to ``spill_dir`` if the database refuses."""
        await self.settle()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for attempt in range(1, FINAL_FLUSH_ATTEMPTS + 1):
            if await self.flush():
                # what the last flush paid (quests, the server goal) and the levels it crossed:
                # roles, currency and announcements, all before the store closes
                await self.settle()
                return
            await asyncio.sleep(0.2 * attempt)
        self.spill(spill_dir / SPILL_FILE)

    async def _every(self, seconds: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("Unicornia background job %s failed; it runs again in %ss", job.__name__, seconds)

    def _rules_changed(self, key: Optional[Key]) -> None:
        """Red's verdicts were dropped, or a member's roles changed (for one member, or all):
        buffered gains pass the admission rules again on their next message."""
        if key is None:
            for gain in self.buffer.values():
                gain.admitted_in = None
        elif (gain := self.buffer.get(key)) is not None:
            gain.admitted_in = None

    def _settings_changed(self, guild_id: int) -> None:
        """A guild's settings were dropped (an admin's change): its members pass the new
        exclusions on their next message."""
        for (gid, _), gain in self.buffer.items():
            if gid == guild_id:
                gain.admitted_in = None

    async def _flush_tick(self) -> None:
        await self.flush()
        self.prune_activity()
        self.gate.refresh()

    # --- messages ----------------------------------------------------------------------------
    async def handle_message(self, message: discord.Message) -> Optional[Award]:
        """Apply the XP rules to one message and finish any follow-up; the Award, if a level was crossed."""
        pending = self.observe_message(message)
        return await pending if pending is not None else None

    async def _observe_after_settings(self, message: discord.Message) -> Optional[Award]:
        """A guild's first message since load: read its settings (off the hot path), then observe."""
        settings = await self.settings.get(message.guild.id)
        pending = self.observe_message(message, settings)
        return await pending if pending is not None else None

    async def _observe_if_admitted(self, message: discord.Message, settings: GuildSettings) -> Optional[Award]:
        """A member or channel Red's rules have no cached verdict on (or an ignored channel): ask,
        and once admitted, the member's gain remembers the channel so the message goes through."""
        if not await self.gate.admits(message):
            return None
        if self._loaded_settings.get(message.guild.id) is not settings:
            settings = None  # an admin changed them while Red answered: check against the new ones
        else:
            self._gain_for((message.guild.id, message.author.id)).admitted_in = message.channel
        pending = self.observe_message(message, settings)
        return await pending if pending is not None else None

    def observe_message(self, message: discord.Message, settings: Optional[GuildSettings] = None
                        ) -> Optional[Awaitable[Optional[Award]]]:
        """Apply the XP rules to one message, synchronously.

        This runs for every guild message, so it stays flat: dictionary look-ups and integer
        comparisons, no database, no coroutine, no level arithmetic unless a level is crossed.
        It returns None when nothing is left to do (nearly always), or an awaitable that
        finishes the rest: reading a guild's settings the first time, paying thanks, or
        announcing a level-up (it resolves to the Award).

        Counters count every message seen; XP needs the cooldown passed, enough text and not
        the same text as the member's previous message.
        """
        guild = message.guild
        if guild is None or message.webhook_id is not None:
            return None
        author = message.author
        try:  # a Member: its User and roles directly (its properties cost a call each)
            user, roles = author._user, author._roles
        except AttributeError:  # a User who is no longer a member
            user, roles = author, ()
        if user.bot:
            return None
        if settings is None:
            settings = self._loaded_settings.get(guild.id)
            if settings is None:
                return self._observe_after_settings(message)
        channel = message.channel
        key = (guild.id, user.id)
        gain = self.buffer.get(key)
        # Who may earn where: the gain remembers the channel where the member last passed every
        # admission rule (the guild's exclusions, then Red's rules); any change to those rules
        # forgets it (_rules_changed), so a member who keeps talking in one channel pays one check
        if gain is None or gain.admitted_in is not channel:
            if not settings.enabled:
                return None
            if settings.excluded_roles and not settings.excluded_roles.isdisjoint(roles):
                return None
            if settings.excluded_channels:
                excluded = settings.channel_memo.get(channel.id)
                if excluded is None:
                    excluded = self._channel_excluded(settings, channel)
                if excluded:
                    return None
            if self._gate_channels.get(channel.id) != OPEN or self._gate_members.get(key) is not True:
                return self._observe_if_admitted(message, settings)
            if gain is None:
                gain = self.buffer[key] = Gain()
            gain.admitted_in = channel
        now = self.clock()
        # the member's activity list and cache entry ride on their gain: one look-up, not three
        state = gain.state
        if state is None:
            state = self.activity.get(key)
            if state is None:
                state = self.activity[key] = [-1e18, now, 0, 0]
            gain.state = state
        gain.messages += 1
        entry = gain.entry
        if entry is None or entry[USED] is None:  # not looked up yet, or left the cache since
            entry = gain.entry = self._cache_data.get(key)
        if entry is not None:
            entry[USED] = True  # instead of moving it in the LRU: see _used_since
            entry[MESSAGES] += 1
            if entry[MESSAGES] >= entry[MESSAGE_MARK]:
                self._reached(key, entry, author, channel)
        content = message.content
        links = rules.count_links(content) if "http" in content else 0
        if links:
            gain.links += links
            if entry is not None:
                self._count(key, entry, "links", links, author, channel)
        fingerprint = hash(content)
        repeated = fingerprint == state[3]
        state[3] = fingerprint
        award = None
        # eligible: cooldown passed, not the previous text again, and NadekoBot's length rule
        # (a space, or at least min_message_length characters; 0 accepts anything)
        if now - state[0] >= settings.cooldown and not repeated and (
                len(content) >= settings.min_message_length or " " in content.strip()):
            state[0] = now
            earned = settings.message_xp
            link_bonus = rules.scaled_amount(settings.link_xp, settings.xp_rate) if links else 0
            if settings.has_multipliers or author.premium_since or (self.boosts and key in self.boosts):
                factor = self._multiplier(settings, author, channel)
                earned, link_bonus = round(earned * factor), round(link_bonus * factor)
            total = earned + link_bonus
            cap = settings.xp_per_minute_cap
            if cap:  # rules.MinuteCap, written out: this runs for every eligible message
                if now - state[1] >= 60:  # a new minute
                    state[1] = now
                    used = 0
                else:
                    used = state[2]
                if used + total > cap:  # the message's own XP first, then the link bonus
                    total = max(0, cap - used)
                    earned = min(earned, total)
                    link_bonus = total - earned
                state[2] = used + total
            if total:
                # _credit, written out for the common case: a cached member who stays on their level
                if entry is not None and entry[0] + total < entry[1] and not link_bonus:
                    entry[0] += total
                    gain.xp += total  # the message share of a gain is what the other sources leave
                elif entry is None and not link_bonus:  # not cached: buffered now, checked when read
                    gain.xp += total
                    owed = self._awaiting.get(key)
                    if owed is None:
                        self._defer(key, total, author, channel)
                    else:  # already waiting for their read (_defer, written out)
                        owed[1] = channel
                        owed[2] += total
                else:
                    award = self._credit(key, gain, author, channel, earned, MESSAGE, link_bonus)
        thanks = settings.thanks_xp and (message.mentions or message.reference) \
            and settings.thanks_pattern is not None and settings.thanks_pattern.search(content)
        if award is None and not thanks:
            return None
        return self._follow_message(settings, message, award, bool(thanks), now)

    async def _follow_message(self, settings: GuildSettings, message: discord.Message, award: Optional[Award],
                              thanks: bool, now: float) -> Optional[Award]:
        if thanks:
            await self._thanks(settings, message, now)
        if award is not None:
            await self._level_up(message.author, award, message.channel)
        return award

    def _multiplier(self, settings: GuildSettings, member, channel) -> float:
        factor = rules.multiplier(
            member._roles, channel_lineage(channel) if channel is not None else (),
            settings.role_multipliers, settings.channel_multipliers,
            getattr(member, "premium_since", None) is not None, settings.booster_multiplier,
        )
        boost = self.boosts.get((member.guild.id, member.id))
        if boost is not None:
            multiplier, expires_at = boost
            if expires_at > self.store.now():
                factor *= multiplier
            else:
                del self.boosts[(member.guild.id, member.id)]
        return factor

    async def grant(self, key: Key, amount: int, member, channel) -> None:
        """Reward XP the store has just written (call it before awaiting anything else): mirror it
        in the cache and announce a level it crossed."""
        await self.finish_grant(*self.mirror_grant(key, amount), member, channel)

    def _earn(self, settings: GuildSettings, member, channel, base: int, now: float) -> int:
        """XP for one non-message event (voice, thanks, reaction, command): rate, multipliers, cap."""
        amount = rules.scaled_amount(base, settings.xp_rate)
        if amount and (settings.has_multipliers or member.premium_since
                       or self.boosts):
            amount = round(amount * self._multiplier(settings, member, channel))
        if amount and settings.xp_per_minute_cap:
            key = (member.guild.id, member.id)
            state = self.activity.get(key)
            if state is None:
                state = self.activity[key] = [-1e18, now, 0, 0]
            amount = rules.MinuteCap.allow(state, now, amount, settings.xp_per_minute_cap, 1)
        return amount

    def _record(self, key: Key, member, channel, xp: int, source: int, counter: str, count: int
                ) -> Optional[Award]:
        """Count one non-message event and credit its XP (voice, thanks, reactions, commands)."""
        gain = self._gain_for(key)
        setattr(gain, counter, getattr(gain, counter) + count)
        entry = self.cache.get(key)
        if entry is not None:
            self._count(key, entry, counter, count, member, channel)
        return self._credit(key, gain, member, channel, xp, source) if xp else None

    def _count(self, key: Key, entry: list, counter: str, count: int, member, channel) -> None:
        tally = entry[TALLY]
        index = TALLY_INDEX[counter]
        value = tally.counts[index] = tally.counts[index] + count
        if value >= tally.marks.get(counter, INF):
            self._reached(key, entry, member, channel)

    def _gain_for(self, key: Key) -> "Gain":
        gain = self.buffer.get(key)
        if gain is None:
            gain = self.buffer[key] = Gain()
        return gain

    def _credit(self, key: Key, gain: "Gain", member, channel, xp: int, source: int, link_xp: int = 0
                ) -> Optional[Award]:
        """Add XP to a member's buffered gain and cached total: the one way activity XP enters.

        An Award comes back only when it crosses a level now; a member missing from the cache
        is checked when their batched read lands.
        """
        total = xp + link_xp
        gain.xp += total
        if source != MESSAGE:  # the message share is derived (see Gain)
            gain.sources()[source] += xp
        if link_xp:
            gain.sources()[LINK] += link_xp
        entry = self.cache.get(key)
        if entry is None:
            self._defer(key, total, member, channel)
            return None
        old_xp = entry[0]
        new_xp = entry[0] = old_xp + total
        if new_xp < entry[1]:
            return None
        return self._crossed(key, entry, old_xp, new_xp, total, member, channel, gain)

    def _crossed(self, key: Key, entry: list, old_xp: int, new_xp: int, amount: int, member, channel,
                 gain: Optional["Gain"] = None) -> Optional[Award]:
        """XP reached the entry's next check: a level, an XP achievement, or both."""
        tally = entry[TALLY]
        entry[XP_CHECK] = min(total_xp_for_level(level_from_xp(new_xp) + 1), tally.xp_mark)
        if new_xp >= tally.xp_mark:
            self._reached(key, entry, member, channel)
        if level_from_xp(new_xp) <= level_from_xp(old_xp):
            return None
        if gain is not None:
            gain.leveled_at = int(self.store.now())
        return Award(key, amount, old_xp, new_xp)

    async def _thanks(self, settings: GuildSettings, message: discord.Message, now: float) -> None:
        """Pay the thanks XP to each member a thanking message mentions or replies to."""
        guild, author = message.guild, message.author
        replied = None
        reference = message.reference
        if reference is not None and isinstance(reference.resolved, discord.Message):
            replied = (reference.resolved.author.id, reference.resolved.author.bot)
        targets = rules.thanked_members(author.id, [(m.id, m.bot) for m in message.mentions], replied)
        for user_id in targets:
            member = guild.get_member(user_id)
            if member is None or (settings.excluded_roles and not settings.excluded_roles.isdisjoint(member._roles)):
                continue
            if not await self.gate.admits_member(member, message.channel):
                continue
            pair = (guild.id, author.id, user_id)
            last = self.thanks_paid.get(pair)
            if last is not None and now - last < settings.thanks_cooldown:
                continue
            self.thanks_paid[pair] = now
            amount = self._earn(settings, member, message.channel, settings.thanks_xp, now)
            award = self._record((guild.id, user_id), member, message.channel, amount, THANKS, "thanks", 1)
            if award is not None:
                await self._level_up(member, award, message.channel)

    async def handle_reaction(self, member: discord.Member, channel) -> Optional[Award]:
        """A member added a reaction: counted, and paid the guild's reaction XP (default none)."""
        return await self._handle_event(member, channel, "reaction_xp", REACTION, "reactions")

    async def handle_command(self, member: discord.Member, channel) -> Optional[Award]:
        """A member's command completed: counted, and paid the guild's command XP (default none)."""
        return await self._handle_event(member, channel, "command_xp", COMMAND, "commands")

    async def _handle_event(self, member, channel, setting: str, source: int, counter: str) -> Optional[Award]:
        if member.bot:
            return None
        settings = self._loaded_settings.get(member.guild.id) or await self.settings.get(member.guild.id)
        if not settings.enabled:
            return None
        if settings.excluded_roles and not settings.excluded_roles.isdisjoint(member._roles):
            return None
        if channel is not None and settings.excluded_channels and self._channel_excluded(settings, channel):
            return None
        if not await self.gate.admits_member(member, channel):
            return None
        amount = self._earn(settings, member, channel, getattr(settings, setting), self.clock())
        award = self._record((member.guild.id, member.id), member, channel, amount, source, counter, 1)
        if award is not None:
            await self._level_up(member, award, channel)
        return award

    @staticmethod
    def _channel_excluded(settings: GuildSettings, channel) -> bool:
        """Whether a channel (or its parent, or its category) is excluded; memoised per settings."""
        memo = settings.channel_memo
        excluded = memo.get(channel.id)
        if excluded is None:
            excluded = rules.is_excluded(channel_lineage(channel), (), settings.excluded_channels, frozenset())
            if len(memo) < 10_000:
                memo[channel.id] = excluded
        return excluded

    async def _level_up(self, member, award: Award, channel) -> None:
        old_level, new_level = award.old_level, award.new_level
        try:
            await self.on_level_up(member, old_level, new_level, channel, xp=award.new_xp)
        except Exception:
            log.exception(
                "Level-up handling failed for member %s in guild %s (level %d -> %d)",
                member.id, member.guild.id, old_level, new_level,
            )

    # --- the cache and the buffer ------------------------------------------------------------
    # A cache entry is [xp, xp of the next level]: crossing a level is one comparison.

    async def current_xp(self, key: Key) -> int:
        """A member's XP including every gain not yet written."""
        entry = self.cache.get(key)
        if entry is None:
            entry = await self._entry(key)
        return entry[0]

    async def _entry(self, key: Key) -> list[int]:
        """The cache entry for ``key``, reading the database (off the loop) when it is missing."""
        pending = self._loaders.get(key)
        if pending is not None:  # another caller is already reading this member
            await asyncio.shield(pending)
        else:
            future = asyncio.get_running_loop().create_future()
            self._loaders[key] = future
            try:
                await self.settings.get(key[0])  # the marks come from the guild's settings
                found, epoch = await self.store.load_xp([key], self._tracked([key]))
                if self.cache.get(key) is None:  # a concurrent writer may have filled it meanwhile
                    self._install(key, found[key], epoch, self._member(key))
                future.set_result(None)
            except BaseException as exc:
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters re-raise it themselves
                raise
            finally:
                self._loaders.pop(key, None)
        entry = self.cache.get(key)
        if entry is None:  # evicted between the read and now: read again
            return await self._entry(key)
        return entry

    def _install(self, key: Key, row: tuple, read_epoch: int, member=None) -> list:
        """Cache a member read from the database, and run the checks their deferred gains owe."""
        stored_xp, messages, links, thanks, reactions, commands, voice, unlocked = row
        g = self._unwritten(key, read_epoch)
        xp = stored_xp + g.xp
        counts = [links + g.links, thanks + g.thanks, reactions + g.reactions, commands + g.commands,
                  voice + g.voice_seconds]  # TALLIED's order
        entry = [xp, 0, messages + g.messages, INF, Tally(counts, unlocked or EMPTY_UNLOCKED), False]
        self._set_marks(key, entry)
        self.cache.put(key, entry)
        owed = self._awaiting.pop(key, None)
        channel = None
        if owed is not None:
            member, channel, gained = owed
            level = level_from_xp(xp)
            if xp - gained < total_xp_for_level(level):  # the deferred gains crossed a level
                self._follow_up(self._level_up(member, Award(key, gained, xp - gained, xp), channel))
        if self._due(entry):
            self._reached(key, entry, member, channel)
        return entry

    def _tracked(self, keys) -> set[int]:
        """The guilds among ``keys`` whose members have achievements to track (their reads
        also fetch what each member unlocked)."""
        return {gid for gid in {k[0] for k in keys} if self.milestones.tracks(gid)}

    def _set_marks(self, key: Key, entry: list) -> None:
        tally = entry[TALLY]
        tally.xp_mark, tally.marks = self.milestones.marks(key[0], tally.unlocked)
        entry[XP_CHECK] = min(total_xp_for_level(level_from_xp(entry[XP]) + 1), tally.xp_mark)
        entry[MESSAGE_MARK] = tally.marks.get("messages", INF)

    @staticmethod
    def _due(entry: list) -> bool:
        tally = entry[TALLY]
        return entry[XP] >= tally.xp_mark or entry[MESSAGES] >= entry[MESSAGE_MARK] or bool(tally.marks) and any(
            tally.counts[TALLY_INDEX[name]] >= mark for name, mark in tally.marks.items() if name != "messages")

    def _reached(self, key: Key, entry: list, member, channel) -> None:
        """A counter reached its mark: park the marks and run the milestone check once."""
        tally = entry[TALLY]
        if tally.checking:
            return
        tally.checking = True
        tally.marks, tally.xp_mark = NO_MARKS, INF
        entry[XP_CHECK] = total_xp_for_level(level_from_xp(entry[XP]) + 1)
        entry[MESSAGE_MARK] = INF
        self._follow_up(self._check_milestones(key, entry, member, channel))

    async def _check_milestones(self, key: Key, entry: list, member, channel) -> None:
        try:
            await self.milestones.reached(key, member or self._member(key), channel)
        except Exception:
            log.exception("Checking achievements of member %s in guild %s failed", key[1], key[0])
        finally:
            entry[TALLY].checking = False
            self._set_marks(key, entry)
        if self._due(entry) and self.cache.get(key) is entry:  # reached again meanwhile
            self._reached(key, entry, member, channel)

    def counters(self, key: Key) -> Optional[dict[str, int]]:
        """A cached member's counters (messages, links, thanks, reactions, commands, voice_seconds, xp)."""
        entry = self._cache_data.get(key)
        if entry is None:
            return None
        return {"xp": entry[XP], "messages": entry[MESSAGES], **dict(zip(TALLIED, entry[TALLY].counts))}

    def unlocked(self, key: Key) -> Optional[frozenset]:
        """A cached member's unlocked achievement keys."""
        entry = self._cache_data.get(key)
        return None if entry is None else entry[TALLY].unlocked

    def mark_unlocked(self, key: Key, keys) -> None:
        """Achievements the database now holds as unlocked for a cached member."""
        entry = self._cache_data.get(key)
        if entry is not None:
            entry[TALLY].unlocked = entry[TALLY].unlocked | frozenset(keys)

    async def entry_counters(self, key: Key) -> dict[str, int]:
        await self._entry(key)
        return self.counters(key) or {}

    def refresh_marks(self, guild_id: int) -> None:
        """A guild's achievements changed: recompute its cached members' marks (and check them)."""
        for key in [k for k in self.cache if k[0] == guild_id]:
            entry = self._cache_data[key]
            if not entry[TALLY].checking:
                self._set_marks(key, entry)
                if self._due(entry):
                    self._reached(key, entry, None, None)

    def apply_grant(self, key: Key, amount: int, member, channel) -> Optional[Award]:
        """XP already written by a reward (achievement, daily, quest, goal): mirror it in the cache.

        Returns an Award when it crossed a level (the caller announces it)."""
        entry = self._cache_data.get(key)
        if entry is None or not amount:
            return None
        old_xp = entry[XP]
        entry[XP] = old_xp + amount
        if entry[XP] < entry[XP_CHECK]:
            return None
        return self._crossed(key, entry, old_xp, entry[XP], amount, member, channel)

    def _member(self, key: Key):
        guild = self.bot.get_guild(key[0]) if self.bot is not None else None
        return guild.get_member(key[1]) if guild is not None else None

    def _defer(self, key: Key, xp: int, member, channel) -> None:
        """XP for a member not in the cache (already buffered): check levels when the batch read lands."""
        owed = self._awaiting.get(key)
        if owed is None:
            self._awaiting[key] = [member, channel, xp]
            self._queued.add(key)
            if self._batch_loader is None or self._batch_loader.done():
                self._batch_loader = asyncio.create_task(self._load_batches(), name="unicornia-cache-fill")
        else:
            owed[1] = channel
            owed[2] += xp

    async def _load_batches(self) -> None:
        """Read every queued member in one worker call per batch, until none are left."""
        while self._queued:
            keys = list(self._queued)
            self._queued.clear()
            try:
                found, epoch = await self.store.load_xp(keys, self._tracked(keys))
            except Exception:
                # the gains are safe in the buffer; only their level-up checks are lost
                log.exception("Reading %d members' XP failed; their level-up checks are skipped", len(keys))
                for key in keys:
                    self._awaiting.pop(key, None)
                continue
            for key in keys:
                if self.cache.get(key) is None:
                    owed = self._awaiting.get(key)
                    self._install(key, found[key], epoch, owed[0] if owed else None)
                else:
                    self._awaiting.pop(key, None)  # filled meanwhile, deferred gains included

    def _follow_up(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._followups.add(task)
        task.add_done_callback(self._followups.discard)

    async def settle(self) -> None:
        """Wait until deferred reads and the level-ups they found are done (tests, unload)."""
        while (self._batch_loader is not None and not self._batch_loader.done()) or self._followups:
            if self._batch_loader is not None and not self._batch_loader.done():
                await self._batch_loader
            if self._followups:
                await asyncio.gather(*list(self._followups), return_exceptions=True)

    def _unwritten(self, key: Key, read_epoch: int) -> "Gain":
        """Gains for ``key`` that a read at ``read_epoch`` could not have seen in the database
        (read only: it may be the buffer's own Gain, or the shared empty one)."""
        gain = self.buffer.get(key)
        if self._inflight is not None:
            commit_epoch, snapshot = self._inflight
            earlier = snapshot.get(key) if read_epoch < commit_epoch else None
            if earlier is not None:
                if gain is None:
                    return earlier
                total = Gain()
                total.merge(earlier)
                total.merge(gain)
                return total
        return NO_GAIN if gain is None else gain

    # --- the flush ---------------------------------------------------------------------------
    async def flush(self) -> bool:
        """Write the whole buffer in one transaction.  False (gains kept) when the write failed."""
        async with self._flush_lock:
            if not self.buffer:
                return True
            snapshot, self.buffer = self.buffer, {}
            self._inflight = (self.store.flush_epoch + 1, snapshot)
            plan = None
            if self.plan_flush is not None:
                try:
                    plan = self.plan_flush()
                except Exception:  # the XP matters more than the quests: write it without a plan
                    log.exception("Planning the flush's quests and goals failed; writing XP only")
            try:
                _, report = await self.store.write_buffer(snapshot, plan)
                # the rewards the flush paid are in the database now: into the cache at once,
                # before anything can read a member again and count them twice
                mirrored = self._mirror(report) if report is not None else []
            except Exception as exc:
                self._restore(snapshot)
                self._failures += 1
                if self._failures == 1:
                    log.error(
                        "Could not write %d members' XP to unicornia.db (%s: %s); "
                        "keeping them in memory and retrying every flush",
                        len(snapshot), type(exc).__name__, exc,
                    )
                return False
            finally:
                self._inflight = None
            self.store.dispose(snapshot)  # nothing on the loop refers to it any more
            if self._failures:
                log.warning("unicornia.db accepts writes again after %d failed flushes", self._failures)
                self._failures = 0
        self._last_flush = time.monotonic()
        if report is not None and self.on_settled is not None and (report.quests or report.goals):
            self._follow_up(self.on_settled(report, mirrored))
        return True

    async def flush_recent(self, within: float = RECENT_FLUSH) -> bool:
        """Flush unless one finished less than ``within`` seconds ago (real time): what member
        commands call, so spamming them cannot make the bot flush back to back."""
        if time.monotonic() - self._last_flush < within:
            return True
        return await self.flush()

    def _mirror(self, report) -> list[tuple[Key, int, Optional[Award], bool]]:
        grants = [((q.quest.guild_id, q.user_id), q.quest.reward_xp) for q in report.quests]
        grants += [((g.guild_id, uid), g.bonus) for g in report.goals for uid in g.contributors]
        return [self.mirror_grant(key, amount) for key, amount in grants if amount]

    def mirror_grant(self, key: Key, amount: int) -> tuple[Key, int, Optional[Award], bool]:
        """Reward XP the store has just written: added to a cached entry now (synchronously).
        Returns what :meth:`finish_grant` needs to announce a level it crossed."""
        cached = key in self._cache_data
        return key, amount, (self.apply_grant(key, amount, None, None) if cached else None), cached

    async def finish_grant(self, key: Key, amount: int, award: Optional[Award], cached: bool, member, channel) -> None:
        """Announce (and reward) a level a grant crossed; an uncached member is read first."""
        if member is None:
            return
        if not cached:
            new_xp = await self.current_xp(key)
            if level_from_xp(new_xp) > level_from_xp(new_xp - amount):
                award = Award(key, amount, new_xp - amount, new_xp)
        if award is not None:
            await self._level_up(member, award, channel)

    def _restore(self, snapshot: dict[Key, Gain]) -> None:
        """Put unwritten gains back in front of anything gained since."""
        for key, gain in snapshot.items():
            newer = self.buffer.get(key)
            if newer is not None:
                gain.merge(newer)
            self.buffer[key] = gain

    def spill(self, path: Path) -> None:
        """Last resort at unload: keep unwritten gains in a file the next load reads back."""
        if not self.buffer:
            return
        existing = _read_spill(path)
        for key, gain in self.buffer.items():
            existing.setdefault(key, Gain()).merge(gain)
        payload = [[gid, uid, gain.as_dict()] for (gid, uid), gain in existing.items()]
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        tmp.replace(path)
        log.error("unicornia.db refused the final write; %d members' gains saved to %s", len(existing), path)
        self.buffer = {}

    def restore_spill(self, path: Path) -> int:
        """Read gains a previous unload could not write back into the buffer; returns how many."""
        spilled = _read_spill(path)
        if not spilled:
            return 0
        self._restore(spilled)
        path.unlink(missing_ok=True)
        log.warning("Restored %d members' unwritten gains from %s", len(spilled), path)
        return len(spilled)

    # --- voice -------------------------------------------------------------------------------
    async def voice_tick(self) -> int:
        """Pay one interval of voice XP in every guild; returns how many members earned."""
        paid = 0
        seconds = int(VOICE_INTERVAL)
        for guild in list(self.bot.guilds):
            settings = self.settings.cached(guild.id) or await self.settings.get(guild.id)
            if not settings.enabled or settings.voice_xp <= 0:
                continue
            if await self.gate.guild_disabled(guild):
                continue
            if rules.scaled_amount(settings.voice_xp, settings.xp_rate) <= 0:
                continue
            now = self.clock()
            afk_id = guild.afk_channel.id if guild.afk_channel else None
            for channel in (*guild.voice_channels, *guild.stage_channels):
                if channel.id == afk_id or not channel.voice_states:
                    continue
                plain = rules.scaled_amount(settings.voice_xp, settings.xp_rate)
                simple = not (settings.has_multipliers or settings.xp_per_minute_cap or self.boosts)
                open_channel = self._gate_channels.get(channel.id) == OPEN
                for member in self._voice_earners(settings, channel):
                    key = (guild.id, member.id)
                    if not (open_channel and self._gate_members.get(key) is True) \
                            and not await self.gate.admits_member(member, channel):
                        continue
                    gain = self._gain_for(key)
                    gain.voice_seconds += seconds
                    entry = self._cache_data.get(key)
                    if entry is not None:  # voice achievements watch the cached voice time
                        self._count(key, entry, "voice_seconds", seconds, member, channel)
                    amount = plain if simple and member.premium_since is None else \
                        self._earn(settings, member, channel, settings.voice_xp, now)
                    award = self._credit(key, gain, member, channel, amount, VOICE) if amount else None
                    paid += 1
                    if award is not None:
                        await self._level_up(member, award, channel)
        return paid

    def _voice_earners(self, settings: GuildSettings, channel) -> list[discord.Member]:
        if settings.excluded_channels and rules.is_excluded(
            channel_lineage(channel), (), settings.excluded_channels, frozenset()
        ):
            return []
        members = [m for m in channel.members if m.voice is not None]
        facts = {
            m.id: rules.VoiceMember(m.id, m.bot, bool(m.voice.deaf or m.voice.self_deaf), tuple(m._roles))
            for m in members
        }
        earners = {vm.member_id for vm in rules.eligible_voice_members(facts.values())}
        return [
            m for m in members
            if m.id in earners
            and not (settings.excluded_roles and rules.is_excluded((), facts[m.id].role_ids, frozenset(), settings.excluded_roles))
        ]

    # --- admin changes -----------------------------------------------------------------------
    async def award(self, member: discord.Member, delta: int, *, kind: str = "add", actor_id: Optional[int] = None,
                    reason: str = "") -> Award:
        """Admin XP: written at once to Xp and AwardedXp (never below zero XP), with its audit row."""
        key = (member.guild.id, member.id)
        await self.flush()  # so the floor at zero is checked against everything earned
        old_xp = await self.current_xp(key)
        delta = max(delta, -old_xp)
        await self.store.award(member.guild.id, member.id, delta, kind, actor_id, reason)
        self.cache.pop(key)  # read again: counters, marks and XP achievements follow the new XP
        new_xp = await self.current_xp(key)
        return Award(key, delta, old_xp, new_xp)

    async def reset_member(self, guild_id: int, user_id: int, actor_id: Optional[int] = None,
                           reason: str = "reset") -> None:
        key = (guild_id, user_id)
        async with self._flush_lock:
            self._forget(lambda k: k == key)
            await self.store.reset_member(guild_id, user_id, actor_id, reason)

    async def reset_guild(self, guild_id: int, actor_id: Optional[int] = None) -> int:
        async with self._flush_lock:
            self._forget(lambda key: key[0] == guild_id)
            return await self.store.reset_guild(guild_id, actor_id)

    async def delete_user(self, user_id: int) -> None:
        async with self._flush_lock:
            self._forget(lambda key: key[1] == user_id)
            await self.store.delete_user(user_id)

    def _forget(self, predicate: Callable[[Key], bool]) -> None:
        self._queued = {k for k in self._queued if not predicate(k)}
        for mapping in (self.buffer, self.activity, self._awaiting):
            for key in [k for k in mapping if predicate(k)]:
                del mapping[key]
        for pair in [p for p in self.thanks_paid if predicate((p[0], p[1])) or predicate((p[0], p[2]))]:
            del self.thanks_paid[pair]
        self.cache.discard_where(predicate)

    def prune_activity(self) -> int:
        """Forget per-member activity state that can no longer change anything; keeps the maps bounded.

        Dropping a member's state also forgets their last message, so the repeat rule spans at
        most one cooldown (and one minute) of silence.
        """
        now = self.clock()
        horizon = now - max(self.settings.max_cooldown(), 60)
        buffer = self.buffer  # a buffered gain holds its member's list: kept until the flush
        stale = [key for key, state in self.activity.items()
                 if state[0] <= horizon and state[1] <= horizon and key not in buffer]
        for key in stale:
            del self.activity[key]
        thanks_horizon = now - self.settings.max_thanks_cooldown()
        for pair in [p for p, at in self.thanks_paid.items() if at <= thanks_horizon]:
            del self.thanks_paid[pair]
        return len(stale)


def _read_spill(path: Path) -> dict[Key, Gain]:
    if not path.exists():
        return {}
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return {(int(gid), int(uid)): Gain.from_dict(data) for gid, uid, data in payload}
    except (ValueError, TypeError) as exc:
        broken = path.with_suffix(".broken")
        path.replace(broken)
        log.error("Unreadable spill file %s (%s); moved to %s for inspection", path, exc, broken)
        return {}
