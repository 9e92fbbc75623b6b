"""The write-back buffer and the LRU of members' totals.

``buffer``: (guild, user) -> :class:`~.state.Gain`, everything earned since the last flush.
``cache``: (guild, user) -> :class:`~.state.MemberEntry`, a bounded LRU of totals with every
unwritten gain included, so a level-up is one comparison.  A member missing from the cache is
not read on the message path: their gain is buffered at once and their level-up check waits for
one batched read (:meth:`MemberCache._defer`).  Counters that reach an achievement's mark start
the milestone check (:meth:`MemberCache._reached`).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from ...core.levels import NADEKO, Curve
from ...core.lru import LRUCache
from .state import (EMPTY_UNLOCKED, INF, LINK, MESSAGE, NO_GAIN, NO_MARKS, TALLIED, TALLY_INDEX, Award, Gain, Key,
                    MemberEntry, dropped, used_since)

log = logging.getLogger("red.unicornia.xp")


class MemberCache:
    """Mixed into :class:`~.engine.XpSystem`: the buffer, the cache and the reads that fill it."""

    # what it reads and writes, built by XpSystem.__init__
    buffer: dict[Key, Gain]
    _cache_data: dict[Key, MemberEntry]  # the LRU's own map: read directly by the message path
    _awaiting: dict[Key, list]           # cache misses waiting for their read: [member, channel, XP]
    _queued: set[Key]
    _loaders: dict[Key, asyncio.Future]
    _inflight: Optional[tuple[int, dict[Key, Gain]]]
    _loaded_settings: dict  # guild id -> GuildSettings already built (SettingsCache.loaded)

    def curve_of(self, guild_id: int) -> Curve:
        """The guild's level curve.  A guild's settings are built before any of its members
        earns (the message path and the voice tick read them first; admins' changes rebuild
        them at once), so this is a dictionary look-up; NadekoBot's curve if they are not."""
        settings = self._loaded_settings.get(guild_id)
        return NADEKO if settings is None else settings.curve

    @property
    def cache(self) -> LRUCache:
        return self._cache

    @cache.setter
    def cache(self, cache: LRUCache) -> None:
        cache.set_hooks(second_chance=used_since, on_drop=dropped)  # whoever built it
        self._cache = cache
        self._cache_data = cache.data  # the message path reads (and marks) entries directly

    # --- crediting ---------------------------------------------------------------------------
    def gain_for(self, key: Key) -> Gain:
        gain = self.buffer.get(key)
        if gain is None:
            gain = self.buffer[key] = Gain()
        return gain

    def credit(self, key: Key, gain: Gain, entry: Optional[MemberEntry], member, channel, xp: int, source: int,
               link_xp: int = 0) -> Optional[Award]:
        """Add XP to a member's buffered gain and cached total: the one way activity XP enters.

        ``entry`` is the member's cache entry, or None when they are not cached: then the gain
        is buffered now and checked when their batched read lands.  An Award comes back only
        when the XP crosses a level now.
        """
        total = xp + link_xp
        gain.xp += total
        if source != MESSAGE:  # the message share is derived (see Gain)
            gain.sources()[source] += xp
        if link_xp:
            gain.sources()[LINK] += link_xp
        if entry is None:
            self._defer(key, total, member, channel)
            return None
        old_xp = entry.xp
        new_xp = entry.xp = old_xp + total
        if new_xp < entry.xp_check:
            return None
        return self._crossed(key, entry, old_xp, new_xp, total, member, channel)

    def _crossed(self, key: Key, entry: MemberEntry, old_xp: int, new_xp: int, amount: int, member,
                 channel) -> Optional[Award]:
        """XP reached the entry's next check: a level, an XP achievement, or both."""
        curve = self.curve_of(key[0])
        new_level = curve.level(new_xp)
        entry.xp_check = min(curve.total(new_level + 1), entry.xp_mark)
        if new_xp >= entry.xp_mark:
            self._reached(key, entry, member, channel)
        if new_level <= curve.level(old_xp):
            return None
        return Award(key, amount, old_xp, new_xp)

    def _count(self, key: Key, entry: MemberEntry, counter: str, count: int, member, channel) -> None:
        """Add to a cached counter other than messages; start the milestone check at its mark."""
        index = TALLY_INDEX[counter]
        value = entry.counts[index] = entry.counts[index] + count
        if value >= entry.marks.get(counter, INF):
            self._reached(key, entry, member, channel)

    def apply_grant(self, key: Key, amount: int, member, channel) -> Optional[Award]:
        """XP already written by a reward (achievement, daily, quest, goal): mirror it in the cache.

        Returns an Award when it crossed a level (the caller announces it)."""
        entry = self._cache_data.get(key)
        if entry is None or not amount:
            return None
        old_xp = entry.xp
        entry.xp = old_xp + amount
        if entry.xp < entry.xp_check:
            return None
        return self._crossed(key, entry, old_xp, entry.xp, amount, member, channel)

    # --- reads -------------------------------------------------------------------------------
    async def current_xp(self, key: Key) -> int:
        """A member's XP including every gain not yet written."""
        entry = self.cache.get(key)
        if entry is None:
            entry = await self._entry(key)
        return entry.xp

    async def _entry(self, key: Key) -> MemberEntry:
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

    def _install(self, key: Key, row: tuple, read_epoch: int, member=None) -> MemberEntry:
        """Cache a member read from the database, and run the checks their deferred gains owe."""
        stored_xp, messages, links, thanks, reactions, commands, voice, unlocked = row
        g = self._unwritten(key, read_epoch)
        xp = stored_xp + g.xp
        counts = [links + g.links, thanks + g.thanks, reactions + g.reactions, commands + g.commands,
                  voice + g.voice_seconds]  # TALLIED's order
        entry = MemberEntry(xp, messages + g.messages, counts, unlocked or EMPTY_UNLOCKED)
        self._set_marks(key, entry)
        self.cache.put(key, entry)
        owed = self._awaiting.pop(key, None)
        channel = None
        if owed is not None:
            member, channel, gained = owed
            curve = self.curve_of(key[0])
            if xp - gained < curve.total(curve.level(xp)):  # the deferred gains crossed a level
                self._follow_up(self.level_up(member, Award(key, gained, xp - gained, xp), channel))
        if entry.due():
            self._reached(key, entry, member, channel)
        return entry

    def _unwritten(self, key: Key, read_epoch: int) -> Gain:
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

    def _member(self, key: Key):
        guild = self.bot.get_guild(key[0]) if self.bot is not None else None
        return guild.get_member(key[1]) if guild is not None else None

    # --- cache misses, read in batches -------------------------------------------------------
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

    # --- milestones (achievements) -----------------------------------------------------------
    def _tracked(self, keys) -> set[int]:
        """The guilds among ``keys`` whose members have achievements to track (their reads
        also fetch what each member unlocked)."""
        return {gid for gid in {k[0] for k in keys} if self.milestones.tracks(gid)}

    def _next_level_xp(self, key: Key, xp: int) -> int:
        curve = self.curve_of(key[0])
        return curve.total(curve.level(xp) + 1)

    def _set_marks(self, key: Key, entry: MemberEntry) -> None:
        entry.xp_mark, entry.marks = self.milestones.marks(key[0], entry.unlocked)
        entry.xp_check = min(self._next_level_xp(key, entry.xp), entry.xp_mark)
        entry.message_mark = entry.marks.get("messages", INF)

    def _reached(self, key: Key, entry: MemberEntry, member, channel) -> None:
        """A counter reached its mark: park the marks and run the milestone check once."""
        if entry.checking:
            return
        entry.checking = True
        entry.marks, entry.xp_mark = NO_MARKS, INF
        entry.xp_check = self._next_level_xp(key, entry.xp)
        entry.message_mark = INF
        self._follow_up(self._check_milestones(key, entry, member, channel))

    async def _check_milestones(self, key: Key, entry: MemberEntry, member, channel) -> None:
        try:
            await self.milestones.reached(key, member or self._member(key), channel)
        except Exception:
            log.exception("Checking achievements of member %s in guild %s failed", key[1], key[0])
        finally:
            entry.checking = False
            self._set_marks(key, entry)
        if entry.due() and self.cache.get(key) is entry:  # reached again meanwhile
            self._reached(key, entry, member, channel)

    def refresh_marks(self, guild_id: int) -> None:
        """A guild's achievements changed: recompute its cached members' marks (and check them)."""
        for key in [k for k in self.cache if k[0] == guild_id]:
            entry = self._cache_data[key]
            if not entry.checking:
                self._set_marks(key, entry)
                if entry.due():
                    self._reached(key, entry, None, None)

    def counters(self, key: Key) -> Optional[dict[str, int]]:
        """A cached member's counters (messages, links, thanks, reactions, commands, voice_seconds, xp)."""
        entry = self._cache_data.get(key)
        if entry is None:
            return None
        return {"xp": entry.xp, "messages": entry.messages, **dict(zip(TALLIED, entry.counts))}

    def unlocked(self, key: Key) -> Optional[frozenset]:
        """A cached member's unlocked achievement keys."""
        entry = self._cache_data.get(key)
        return None if entry is None else entry.unlocked

    def mark_unlocked(self, key: Key, keys) -> None:
        """Achievements the database now holds as unlocked for a cached member."""
        entry = self._cache_data.get(key)
        if entry is not None:
            entry.unlocked = entry.unlocked | frozenset(keys)

    async def entry_counters(self, key: Key) -> dict[str, int]:
        await self._entry(key)
        return self.counters(key) or {}
