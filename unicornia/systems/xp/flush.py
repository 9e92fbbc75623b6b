"""The flush: the buffer goes to SQLite in one transaction (``XpStore.write_buffer``).

It runs every ``FLUSH_INTERVAL`` seconds, before reads that must see everything, on unload
and on shutdown.  A failed write puts the gains back in front of anything gained since and
they go out with the next flush; if even the last flush at unload fails, they are spilled to
a file that the next load reads back, so a reload never loses XP.  While a write is running
its snapshot is ``_inflight``: a member read meanwhile adds it (see ``MemberCache._unwritten``).
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Awaitable, Callable, Optional

from .state import Award, Gain, Key

log = logging.getLogger("red.unicornia.xp")

FLUSH_INTERVAL = 30.0
#: Member commands that show live progress flush at most this often (seconds, real time).
RECENT_FLUSH = 5.0
SPILL_FILE = "pending_gains.json"


class Flushing:
    """Mixed into :class:`~.engine.XpSystem`: writing the buffer, and what a write paid."""

    # what it reads and writes, built by XpSystem.__init__
    buffer: dict[Key, Gain]
    plan_flush: Optional[Callable[[], object]]
    on_settled: Optional[Callable[..., Awaitable[None]]]

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
                places = _places(report, snapshot) if report is not None else {}
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
            self._follow_up(self.on_settled(report, mirrored, places))
        return True

    async def flush_recent(self, within: float = RECENT_FLUSH) -> bool:
        """Flush unless one finished less than ``within`` seconds ago (real time): what member
        commands call, so spamming them cannot make the bot flush back to back."""
        if time.monotonic() - self._last_flush < within:
            return True
        return await self.flush()

    def _restore(self, snapshot: dict[Key, Gain]) -> None:
        """Put unwritten gains back in front of anything gained since."""
        for key, gain in snapshot.items():
            newer = self.buffer.get(key)
            if newer is not None:
                gain.merge(newer)
            self.buffer[key] = gain

    # --- rewards the store wrote (quests, goals, achievements, dailies) ----------------------
    def _mirror(self, report) -> list[tuple[Key, int, Optional[Award], bool]]:
        grants = [((q.quest.guild_id, q.user_id), q.quest.reward_xp) for q in report.quests]
        grants += [((g.guild_id, uid), g.bonus) for g in report.goals for uid in g.contributors]
        return [self.mirror_grant(key, amount) for key, amount in grants if amount]

    async def grant(self, key: Key, amount: int, member, channel) -> None:
        """Reward XP the store has just written (call it before awaiting anything else): mirror it
        in the cache and announce a level it crossed."""
        await self.finish_grant(*self.mirror_grant(key, amount), member, channel)

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
            curve = self.curve_of(key[0])
            if curve.level(new_xp) > curve.level(new_xp - amount):
                award = Award(key, amount, new_xp - amount, new_xp)
        if award is not None:
            await self.level_up(member, award, channel)

    # --- the spill file ----------------------------------------------------------------------
    def spill(self, path: Path) -> None:
        """Last resort at unload: keep unwritten gains in a file the next load reads back."""
        if not self.buffer:
            return
        existing = read_spill(path)
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
        spilled = read_spill(path)
        if not spilled:
            return 0
        self._restore(spilled)
        path.unlink(missing_ok=True)
        log.warning("Restored %d members' unwritten gains from %s", len(spilled), path)
        return len(spilled)


def read_spill(path: Path) -> dict[Key, Gain]:
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


def _places(report, snapshot: dict[Key, Gain]) -> dict[Key, object]:
    """Where each member the flush paid last wrote (the channel their last message was admitted
    in), so a quest completed or a level reached by the reward is announced where the member is, as
    a level-up from a message is.  Members who only earned in voice, or whose channel is gone since,
    have none (the server's system channel then)."""
    keys = {(q.quest.guild_id, q.user_id) for q in report.quests}
    keys.update((g.guild_id, uid) for g in report.goals for uid in g.contributors)
    places = {}
    for key in keys:
        gain = snapshot.get(key)
        channel = gain.wrote_in if gain is not None else None
        if channel is not None and channel.guild.get_channel_or_thread(channel.id) is not None:
            places[key] = channel
    return places
