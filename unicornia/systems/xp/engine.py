"""The XP engine: builds its parts, runs its loops, answers reads and admin changes.

How a message becomes XP (four files, in order):

1. ``unicornia/cog.py``, ``on_message_without_command``: hands every guild message to
   ``XpSystem.observe_message``.
2. ``unicornia/systems/xp/messages.py``, ``observe_message``: the rules (who may earn where,
   cooldown, repeated text, length, rate, multipliers, per-minute cap), then ``credit`` adds
   the XP to the member's ``Gain`` in ``XpSystem.buffer`` and to their cached total (the cache
   and buffer themselves are in ``buffer.py``; the shared rules in ``core/rules.py``).
3. ``unicornia/systems/xp/flush.py``, ``flush``: every 30 seconds the whole buffer is handed
   to ``XpStore.write_buffer`` (a failed write keeps it; unload spills it to a file).
4. ``unicornia/db/store.py``, ``write_buffer``: stages the gains and upserts them into
   ``UserXpStats`` in one transaction, with the statements named in ``db/statements.py``.

The parts are mixins of one class (as Red's own cogs assemble theirs), one concern a file:
``messages.py`` (the rules), ``buffer.py`` (gains, the LRU, batched reads, achievements'
marks), ``flush.py`` (writing, retries, the spill file), ``voice.py`` (the voice tick), and
``state.py`` (the named per-member state they share).
"""
from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable, Optional, TypeVar

import discord

from ...core.lru import LRUCache
from ...core.rules import Activity
from ...db.store import XpStore
from ..gate import OpenGate, RedGate
from ..settings import SettingsCache
from .buffer import MemberCache
from .flush import FLUSH_INTERVAL, SPILL_FILE, Flushing
from .messages import LevelUpHook, MessageRules
from .state import NO_MILESTONES, Award, Gain, Key, MilestoneSource
from .voice import VOICE_INTERVAL, VoiceXp

log = logging.getLogger("red.unicornia.xp")

T = TypeVar("T")

DEFAULT_CACHE_SIZE = 5_000
#: How many times the last flush at unload is tried before the gains are spilled to disk.
FINAL_FLUSH_ATTEMPTS = 3

#: Quest boosts: (guild, user) -> (XP multiplier, unix time it ends); the goals service fills it.
Boosts = dict[Key, tuple[float, float]]


class XpSystem(MessageRules, MemberCache, Flushing, VoiceXp):
    """One per cog. Everything the message path reads is an attribute of this object, so each
    rule costs a dictionary look-up or two (the mixins share this state)."""

    def __init__(
        self,
        bot,
        store: XpStore,
        settings: SettingsCache,
        *,
        on_level_up: LevelUpHook,
        gate: Optional[RedGate] = None,
        milestones: MilestoneSource = NO_MILESTONES,
        plan_flush: Optional[Callable[[], object]] = None,
        on_settled: Optional[Callable[..., Awaitable[None]]] = None,
        boosts: Optional[Boosts] = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``milestones``: the achievements' marks and what runs when one is reached (without
        one, no mark is ever reached); ``plan_flush``: what each flush also records (guild days,
        quest periods); ``on_settled``: who hears what a flush paid; ``boosts``: running quest
        boosts (shared with whoever grants them)."""
        self.bot = bot
        self.store = store
        self.settings = settings
        #: Red's allow/block lists, ignores and disabled cog: who may earn where.
        self.gate = gate if gate is not None else OpenGate()
        self.on_level_up = on_level_up
        self.milestones = milestones
        self.plan_flush = plan_flush
        self.on_settled = on_settled
        self.boosts: Boosts = boosts if boosts is not None else {}
        self.clock = clock
        # the message path's direct reads
        self._gate_members = self.gate.members
        self._gate_channels = self.gate.channels
        self._loaded_settings = settings.loaded
        # what the engine keeps (buffer.py, messages.py)
        self.cache = LRUCache(cache_size)  # its hooks are set by the property
        self.buffer: dict[Key, Gain] = {}
        self.activity: dict[Key, Activity] = {}
        #: (guild, thanker, thanked) -> when the thanks last paid
        self.thanks_paid: dict[tuple[int, int, int], float] = {}
        #: members in voice at the last tick, with their role ids (voice.py)
        self._seated: dict[Key, tuple[int, ...]] = {}
        # cache misses on the hot path: their gains are already in the buffer; the level-up
        # check waits for one batched read. key -> [member, channel, XP gained meanwhile]
        self._awaiting: dict[Key, list] = {}
        self._queued: set[Key] = set()
        self._batch_loader: Optional[asyncio.Task] = None
        self._loaders: dict[Key, asyncio.Future] = {}
        self._followups: set[asyncio.Task] = set()
        # the flush (flush.py): gains handed to a write that has not committed yet, with the
        # epoch it will commit as
        self._inflight: Optional[tuple[int, dict[Key, Gain]]] = None
        self._flush_lock = asyncio.Lock()
        self._last_flush = float("-inf")
        self._failures = 0
        self._tasks: list[asyncio.Task] = []
        # told when admission rules change, so buffered gains pass them again
        self.gate.listen(self.rules_changed)
        settings.listen(self.settings_changed)

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

    async def _flush_tick(self) -> None:
        await self.flush()
        self.prune_activity()
        self.gate.refresh()

    # --- admission rules changed -------------------------------------------------------------
    def rules_changed(self, key: Optional[Key]) -> None:
        """Red's verdicts were dropped, or a member's roles changed (for one member, or all):
        buffered gains pass the admission rules again on their next message, with their roles
        read again."""
        if key is None:
            for gain in self.buffer.values():
                gain.admitted_in = gain.role_ids = None
            self._seated = {}
        else:
            if (gain := self.buffer.get(key)) is not None:
                gain.admitted_in = gain.role_ids = None
            self._seated.pop(key, None)

    def settings_changed(self, guild_id: int) -> None:
        """A guild's settings were dropped (an admin's change): its members pass the new
        exclusions on their next message."""
        for (gid, _), gain in self.buffer.items():
            if gid == guild_id:
                gain.admitted_in = gain.role_ids = None  # which roles are read depends on the settings
        self._seated = {key: roles for key, roles in self._seated.items() if key[0] != guild_id}

    def prune_activity(self) -> int:
        """Forget per-member activity state that can no longer change anything; keeps the maps bounded.

        Dropping a member's state also forgets their last message, so the repeat rule spans at
        most one cooldown (and one minute) of silence.
        """
        now = self.clock()
        horizon = now - max(self.settings.max_cooldown(), 60)
        buffer = self.buffer  # a buffered gain holds its member's Activity: kept until the flush
        stale = [key for key, activity in self.activity.items()
                 if activity.earned_at <= horizon and activity.minute_start <= horizon and key not in buffer]
        for key in stale:
            del self.activity[key]
        thanks_horizon = now - self.settings.max_thanks_cooldown()
        for pair in [p for p, at in self.thanks_paid.items() if at <= thanks_horizon]:
            del self.thanks_paid[pair]
        return len(stale)

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
            for key in [key for key in self.boosts if key[1] == user_id]:  # a running quest boost too
                del self.boosts[key]
            await self.store.delete_user(user_id)

    async def replace_database(self, swap: Callable[[], Awaitable[T]]) -> T:
        """Write the buffer, then run ``swap`` (the store's file put back from a backup) with no
        flush in between.  Once it has succeeded every member is read again from the new file:
        cached XP, buffered gains made meanwhile and activity are all forgotten."""
        await self.flush()
        async with self._flush_lock:
            result = await swap()
            self._forget(lambda key: True)
        return result

    def forget_guilds(self, guild_ids) -> int:
        """Drop cached members of these guilds (their stored XP changed underneath: an import)."""
        return self.cache.discard_where(lambda key: key[0] in guild_ids)

    def _forget(self, predicate: Callable[[Key], bool]) -> None:
        self._queued = {k for k in self._queued if not predicate(k)}
        for mapping in (self.buffer, self.activity, self._awaiting, self._seated):
            for key in [k for k in mapping if predicate(k)]:
                del mapping[key]
        for pair in [p for p in self.thanks_paid if predicate((p[0], p[1])) or predicate((p[0], p[2]))]:
            del self.thanks_paid[pair]
        self.cache.discard_where(predicate)
