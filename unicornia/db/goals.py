"""Storage for the goals that bring members back: rewards, the audit log, achievements, daily
claims, the server's daily goal and quests.  Mixed into XpStore; every method runs on its thread.

Every reward is one transaction: the XP, the state that says it was paid (an unlocked
achievement, a daily claim, a completed quest, a reached goal) and its audit row are written
together or not at all.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

from ..core import periods
from . import statements as sql
from .worker import in_worker

#: Baseline rows per thinning transaction (a slice ends with a member's last row).
THIN_SLICE = 20_000
#: Seconds a guild's reset hour, weekday and quests must stay the same before its baselines are thinned.
THIN_SETTLE = 86_400
#: Above every user id: the end of a guild's last slice.
LAST_USER = (1 << 63) - 1


@dataclass(frozen=True)
class GuildPlan:
    """One active guild's day and goal settings, for the flush."""

    guild_id: int
    day_start: int
    goal_enabled: bool = True
    goal_floor: int = 50
    goal_percent: int = 100
    goal_days: int = 7
    goal_bonus: int = 25
    #: When the guild's current week and month began (its reset weekday and hour).
    week_start: Optional[int] = None
    month_start: Optional[int] = None
    reset_hour: int = 0


@dataclass(frozen=True)
class FlushPlan:
    """What the flush needs besides the gains: each guild's day, its periods and its quests'."""

    guilds: list[GuildPlan] = field(default_factory=list)
    periods: list[tuple[int, int]] = field(default_factory=list)  # (guild, period start)
    quests: list[tuple[int, int, int]] = field(default_factory=list)  # (quest, guild, period start)


@dataclass(frozen=True)
class QuestRow:
    id: int
    guild_id: int
    name: str
    cycle: str
    requirement: str
    amount: int
    reward_xp: int
    multiplier: float
    boost_minutes: int
    difficulty: str
    created_at: int
    ends_at: Optional[int]


@dataclass(frozen=True)
class QuestDone:
    quest: QuestRow
    user_id: int
    period_start: int


@dataclass(frozen=True)
class GoalReached:
    guild_id: int
    day: int
    messages: int
    target: int
    bonus: int
    contributors: list[int]


@dataclass
class SettleReport:
    """What a flush's follow-up paid: completed quests and reached goals."""

    quests: list[QuestDone] = field(default_factory=list)
    goals: list[GoalReached] = field(default_factory=list)


@dataclass(frozen=True)
class DailyResult:
    outcome: str  # first, kept, reset, claimed
    streak: int
    best: int
    amount: int
    next_at: int


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: int
    user_id: int
    actor_id: Optional[int]
    kind: str
    amount: int
    reason: str


class GoalQueries:
    """Mixed into :class:`~unicornia.db.store.XpStore`; uses its ``conn``, ``now`` and thread."""

    conn: sqlite3.Connection
    _thinned: dict[int, tuple]
    _thin_settings: dict[int, tuple]
    _generation: int

    # --- the shared primitives (inside a transaction) ------------------------------------------
    def _grant(self, conn: sqlite3.Connection, at: int, guild_id: int, user_id: int, xp: int, kind: str,
               reason: str, actor_id: Optional[int] = None) -> None:
        """Add reward XP and its audit row (the caller holds the transaction)."""
        if xp:
            before = self._xp_of(conn, guild_id, user_id)
            conn.execute(sql.GRANT_XP, (user_id, guild_id, xp))
            self._ranks.moved(guild_id, user_id, before, before + xp)
            hour = at // 3600 * 3600
            conn.execute(sql.GRANT_HISTORY, (guild_id, user_id, hour, xp))
            conn.execute(sql.GRANT_HISTORY_GUILD, (guild_id, hour, xp))
        conn.execute(sql.INSERT_AUDIT, (at, guild_id, user_id, actor_id, kind, xp, reason))

    def _audit(self, conn: sqlite3.Connection, guild_id: int, user_id: int, kind: str, amount: int,
               reason: str, actor_id: Optional[int] = None) -> None:
        conn.execute(sql.INSERT_AUDIT, (int(self.now()), guild_id, user_id, actor_id, kind, amount, reason))

    # --- audit log ---------------------------------------------------------------------------
    @in_worker
    def audit(self, guild_id: int, user_id: int, kind: str, amount: int, reason: str,
              actor_id: Optional[int] = None) -> None:
        with self._transaction() as conn:
            self._audit(conn, guild_id, user_id, kind, amount, reason, actor_id)

    @in_worker
    def audit_page(self, guild_id: int, user_id: Optional[int], limit: int, offset: int
                   ) -> tuple[list[AuditRow], int]:
        conn = self.conn
        if user_id is None:
            rows = conn.execute(sql.SELECT_AUDIT_GUILD, (guild_id, limit, offset)).fetchall()
            total = conn.execute(sql.COUNT_AUDIT_GUILD, (guild_id,)).fetchone()[0]
        else:
            rows = conn.execute(sql.SELECT_AUDIT_MEMBER, (guild_id, user_id, limit, offset)).fetchall()
            total = conn.execute(sql.COUNT_AUDIT_MEMBER, (guild_id, user_id)).fetchone()[0]
        return [AuditRow(*r) for r in rows], total

    # --- achievements ------------------------------------------------------------------------
    @in_worker
    def unlock(self, guild_id: int, user_id: int, items: Iterable[tuple[str, int, str]]) -> list[str]:
        """Unlock ``(key, reward XP, title)`` items not yet unlocked, paying each once; the keys unlocked."""
        at = int(self.now())
        done = []
        with self._transaction() as conn:
            for key, reward, title in items:
                if conn.execute(sql.UNLOCK_ACHIEVEMENT, (guild_id, user_id, key, at)).rowcount:
                    self._grant(conn, at, guild_id, user_id, reward, "achievement", f"{title} ({key})")
                    done.append(key)
        return done

    @in_worker
    def unlock_qualified(self, guild_id: int, due: Callable[[dict[str, int], int, frozenset], list[tuple[str, int, str]]]
                         ) -> list[tuple[int, int, int, list[str]]]:
        """Unlock, in one transaction, what each member of the guild already qualifies for.

        ``due(counters, best streak, unlocked keys)`` names the ``(key, reward XP, title)`` items
        a member has reached.  Returns ``(user id, XP before, reward XP paid, keys unlocked)`` for
        every member who unlocked something."""
        at = int(self.now())
        out = []
        with self._transaction() as conn:
            unlocked: dict[int, set[str]] = {}
            for user_id, key in conn.execute(sql.SELECT_GUILD_UNLOCKED, (guild_id,)):
                unlocked.setdefault(user_id, set()).add(key)
            rows = conn.execute(sql.SELECT_GUILD_COUNTERS, (guild_id,)).fetchall()
            for user_id, xp, messages, links, thanks, reactions, commands, voice, streak in rows:
                counters = {"xp": xp, "messages": messages, "links": links, "thanks": thanks,
                            "reactions": reactions, "commands": commands, "voice_seconds": voice}
                items = due(counters, streak, frozenset(unlocked.get(user_id, ())))
                paid, keys = 0, []
                for key, reward, title in items:
                    if conn.execute(sql.UNLOCK_ACHIEVEMENT, (guild_id, user_id, key, at)).rowcount:
                        self._grant(conn, at, guild_id, user_id, reward, "achievement",
                                    f"{title} ({key}), already qualified when achievements were turned on")
                        paid += reward
                        keys.append(key)
                if keys:
                    out.append((user_id, xp, paid, keys))
        return out

    @in_worker
    def unlocked_with_dates(self, guild_id: int, user_id: int) -> list[tuple[str, int]]:
        return self.conn.execute(sql.SELECT_UNLOCKED, (guild_id, user_id)).fetchall()

    # --- daily -------------------------------------------------------------------------------
    @in_worker
    def claim_daily(self, guild_id: int, user_id: int, reset_hour: int, base: int, bonus: int,
                    cap: int) -> DailyResult:
        """Claim today's reward: the check and the payment are one transaction, so two claims
        at once pay once."""
        now = int(self.now())
        today = periods.day_start(now, reset_hour)
        with self._transaction() as conn:
            row = conn.execute(sql.SELECT_DAILY, (guild_id, user_id)).fetchone()
            last, streak, best = row if row else (None, 0, 0)
            result = periods.next_streak(last, streak, best, today)
            if result.outcome == "claimed":
                return DailyResult("claimed", streak, best, 0, today + periods.DAY)
            amount = periods.daily_amount(base, bonus, cap, result.streak)
            conn.execute(sql.UPSERT_DAILY, (guild_id, user_id, today, result.streak, result.best, now))
            self._grant(conn, now, guild_id, user_id, amount, "daily", f"day {result.streak} of the streak")
        return DailyResult(result.outcome, result.streak, result.best, amount, today + periods.DAY)

    @in_worker
    def daily_state(self, guild_id: int, user_id: int, reset_hour: int) -> tuple[int, int, bool]:
        """(current streak, best streak, claimed today); a streak with a missed day reads as 0."""
        row = self.conn.execute(sql.SELECT_DAILY, (guild_id, user_id)).fetchone()
        if row is None:
            return 0, 0, False
        last, streak, best = row
        today = periods.day_start(self.now(), reset_hour)
        alive = last >= today - periods.DAY
        return (streak if alive else 0), best, last == today

    # --- quests ------------------------------------------------------------------------------
    @in_worker
    def add_quest(self, guild_id: int, name: str, cycle: str, requirement: str, amount: int, reward_xp: int,
                  multiplier: float, boost_minutes: int, difficulty: str, ends_at: Optional[int] = None) -> int:
        with self._transaction() as conn:
            cursor = conn.execute(sql.INSERT_QUEST, (guild_id, name, cycle, requirement, amount, reward_xp,
                                                     multiplier, boost_minutes, difficulty, int(self.now()), ends_at))
            return cursor.lastrowid

    @in_worker
    def add_quests(self, guild_id: int, quests: list[tuple]) -> int:
        """Several quests at once (a default set): (name, cycle, requirement, amount, xp, multiplier, minutes, difficulty)."""
        now = int(self.now())
        with self._transaction() as conn:
            conn.executemany(sql.INSERT_QUEST, [(guild_id, *q, now, None) for q in quests])
        return len(quests)

    @in_worker
    def remove_quest(self, guild_id: int, quest_id: int) -> bool:
        with self._transaction() as conn:
            if not conn.execute(sql.DELETE_QUEST, (quest_id, guild_id)).rowcount:
                return False
            conn.execute(sql.DELETE_QUEST_COMPLETIONS, (quest_id,))
        return True

    @in_worker
    def set_quest_end(self, guild_id: int, quest_id: int, ends_at: Optional[int]) -> bool:
        """When a one-off quest ends (None: never); False if the guild has no such one-off quest."""
        with self._transaction() as conn:
            return conn.execute(sql.SET_QUEST_END, (ends_at, quest_id, guild_id)).rowcount > 0

    @in_worker
    def quests(self, guild_id: Optional[int] = None) -> list[QuestRow]:
        if guild_id is None:
            return [QuestRow(*r) for r in self.conn.execute(sql.SELECT_ALL_QUESTS)]
        return [QuestRow(*r) for r in self.conn.execute(sql.SELECT_QUESTS, (guild_id,))]

    @in_worker
    def quest_progress(self, guild_id: int, user_id: int, quest_starts: list[tuple[int, int]]
                       ) -> dict[int, tuple[int, Optional[int]]]:
        """{quest id: (flushed progress, completed at)} for a member, for each (quest, period start)."""
        out = {}
        conn = self.conn
        for quest_id, start in quest_starts:
            row = conn.execute(sql.QUEST_PROGRESS_MEMBER, (user_id, start, quest_id)).fetchone()
            done = conn.execute(sql.SELECT_COMPLETION, (quest_id, start, user_id)).fetchone()
            out[quest_id] = (row[1] if row else 0, done[0] if done else None)
        return out

    @in_worker
    def active_boosts(self) -> list[tuple[int, int, float, int]]:
        return self.conn.execute(sql.SELECT_BOOSTS, (int(self.now()),)).fetchall()

    async def thin_baselines(self, plan: FlushPlan) -> int:
        """Delete the baselines no quest, goal or member's quest page will read again (see
        ``statements.THIN_BASELINES``); returns how many went.

        Only the guilds in ``plan`` (those whose quests are on and loaded), with its quest periods;
        each once a day, and only once its reset hour, reset weekday and quests have stayed the same
        for :data:`THIN_SETTLE` seconds.  Yesterday's baselines stay, and every one within a day of
        each period's start (see ``statements.THIN_BASELINES``), so a reset hour moved either way,
        for good or for an afternoon, loses nothing; a reset weekday moved after thinning counts
        the week's quests from the member's next kept baseline.
        A slice of members per call on the store's thread, so a flush waits for one slice at most;
        a restore in between ends the run (the restored file waits for its own settling day)."""
        starts: dict[int, set[int]] = defaultdict(set)
        quests: dict[int, set[int]] = defaultdict(set)
        for quest_id, guild_id, start in plan.quests:
            starts[guild_id].add(start)
            quests[guild_id].add(quest_id)
        now = self.now()
        generation = self._generation
        removed = 0
        for guild in plan.guilds:
            if self._generation != generation:  # restored meanwhile: not the file this plan was for
                return removed
            gid = guild.guild_id
            shape = (guild.reset_hour, None if guild.week_start is None else guild.week_start % (7 * periods.DAY),
                     frozenset(quests.get(gid, ())))
            seen = self._thin_settings.get(gid)
            if seen is None or seen[0] != shape:
                self._thin_settings[gid] = (shape, now)
                continue
            kept_from = tuple(sorted(starts.get(gid, ())))
            done = (guild.day_start, kept_from)
            if now - seen[1] < THIN_SETTLE or self._thinned.get(gid) == done:
                continue
            after: Optional[int] = -1
            while after is not None:
                count, after = await self._thin_slice(gid, guild.day_start - periods.DAY, kept_from, after,
                                                      generation)
                removed += count
            if self._generation == generation:
                self._thinned[gid] = done
        return removed

    @in_worker
    def _thin_slice(self, guild_id: int, before: int, starts: tuple[int, ...], after: int, generation: int
                    ) -> tuple[int, Optional[int]]:
        """One slice of :meth:`thin_baselines`: (rows deleted, the last member of the slice; None
        when it was the guild's last, or the file was restored since the run began)."""
        if self._generation != generation:
            return 0, None
        conn = self.conn
        end = conn.execute(sql.THIN_SLICE_END, (guild_id, after, THIN_SLICE - 1)).fetchone()
        upto = end[0] if end is not None else LAST_USER
        with self._transaction() as tx:
            tx.execute(sql.CLEAR_THIN_FROM)
            tx.executemany(sql.ADD_THIN_FROM, [(start,) for start in starts])
            removed = tx.execute(sql.THIN_BASELINES, (guild_id, before, after, upto)).rowcount
        return removed, (upto if end is not None else None)

    @in_worker
    def prune_goals(self, older_than: int) -> int:
        """Forget expired boosts and baselines of periods that ended long ago."""
        with self._transaction() as conn:
            conn.execute(sql.PRUNE_BOOSTS, (int(self.now()),))
            return conn.execute(sql.PRUNE_BASELINES, (older_than,)).rowcount

    # --- the server's daily goal -------------------------------------------------------------
    @in_worker
    def goal_state(self, plan: GuildPlan) -> tuple[int, int, Optional[int]]:
        """(messages today, target, reached at) for one guild, setting today's target if unset."""
        with self._transaction() as conn:
            conn.execute(sql.ENSURE_GUILD_DAY, (plan.guild_id, plan.day_start))
            target = self._ensure_target(conn, plan)
            messages, _, reached = conn.execute(sql.SELECT_GUILD_DAY, (plan.guild_id, plan.day_start)).fetchone()
        return messages, target, reached

    @in_worker
    def member_messages_today(self, guild_id: int, day_start: int, user_id: int) -> int:
        row = self.conn.execute(sql.MEMBER_DAY_MESSAGES, (guild_id, day_start, user_id)).fetchone()
        return row[0] if row else 0

    def _ensure_target(self, conn: sqlite3.Connection, plan: GuildPlan) -> int:
        messages, target, _ = conn.execute(sql.SELECT_GUILD_DAY, (plan.guild_id, plan.day_start)).fetchone()
        if target is not None:
            return target
        since = plan.day_start - plan.goal_days * periods.DAY
        seen = dict(conn.execute(sql.PREVIOUS_DAYS, (plan.guild_id, plan.day_start, since)).fetchall())
        if seen:  # days since the first one the bot saw, quiet ones as zero
            first = min(seen)
            history = [seen.get(day, 0) for day in range(first, plan.day_start, periods.DAY)]
        else:
            history = []
        target = periods.goal_target(history, plan.goal_floor, plan.goal_percent)
        conn.execute(sql.SET_TARGET, (target, plan.guild_id, plan.day_start))
        return target

    # --- after a flush -----------------------------------------------------------------------
    def _load_plan(self, conn: sqlite3.Connection, plan: Optional[FlushPlan]) -> None:
        for statement in sql.CLEAR_FLUSH_PLAN:
            conn.execute(statement)
        if plan is None:
            return
        conn.executemany(sql.PLAN_GUILD, [(g.guild_id, g.day_start, g.goal_enabled, g.goal_floor, g.goal_percent,
                                           g.goal_days, g.goal_bonus) for g in plan.guilds])
        conn.executemany(sql.PLAN_PERIOD, plan.periods)
        conn.executemany(sql.PLAN_QUEST, plan.quests)

    def _moved_requirements(self, plan: FlushPlan) -> list[str]:
        """The quest requirements whose counter the staged gains moved (the stage's columns a chunk bound)."""
        if not plan.quests:
            return []
        return [name for name, column in sql.QUEST_STAGE_COLUMN.items() if column in self._staged_columns]

    def _settle(self, plan: FlushPlan) -> SettleReport:
        """After the XP of a flush is committed, in one transaction: the staged members' counters
        as they are now, their baselines for the periods they just entered (the counters less
        what this flush added), the guild days' messages, then the quests and goals completed."""
        report = SettleReport()
        now = int(self.now())
        with self._transaction() as conn:
            self._load_plan(conn, plan)  # the stage's counters after the flush were read in its transaction
            conn.execute(sql.FLUSH_BASELINES)
            conn.execute(sql.FLUSH_GUILD_DAYS)
            done = []
            for requirement in self._moved_requirements(plan):
                done += conn.execute(sql.COMPLETE_QUESTS[requirement], (now,)).fetchall()
            if done:
                by_id = {}
                for quest_id, user_id, guild_id, start in done:
                    quest = by_id.get(quest_id)
                    if quest is None:
                        quest = by_id[quest_id] = QuestRow(*conn.execute(sql.SELECT_QUEST, (quest_id,)).fetchone())
                    self._grant(conn, now, guild_id, user_id, quest.reward_xp, "quest", quest.name)
                    if quest.multiplier > 1 and quest.boost_minutes > 0:
                        conn.execute(sql.UPSERT_BOOST, (guild_id, user_id, quest.multiplier,
                                                        now + quest.boost_minutes * 60))
                    report.quests.append(QuestDone(quest, user_id, start))
            for gid, day, messages, target, floor, percent, days, bonus in conn.execute(sql.OPEN_GOALS).fetchall():
                if target is None:
                    target = self._ensure_target(conn, GuildPlan(gid, day, True, floor, percent, days, bonus))
                if messages < target or not conn.execute(sql.REACH_GOAL, (now, gid, day)).rowcount:
                    continue
                contributors = [uid for (uid,) in conn.execute(sql.GOAL_CONTRIBUTORS, (gid, day))]
                for uid in contributors:
                    self._grant(conn, now, gid, uid, bonus, "goal", f"server goal of {target:,} messages")
                report.goals.append(GoalReached(gid, day, messages, target, bonus, contributors))
        return report
