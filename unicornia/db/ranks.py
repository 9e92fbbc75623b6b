"""Rank checkpoints: each large guild's ranking cut into pieces of about ``CUT_EVERY`` members.

A cut is a fixed key ``(xp, user id)`` in leaderboard order (XP descending, user id ascending);
piece ``i`` holds the members strictly after cut ``i - 1`` up to and including cut ``i`` (the
last piece: everyone after the last cut).  We keep how many members each piece holds, exactly,
so a member's rank is the members of the pieces before theirs plus a COUNT inside one piece,
and a page starts at one cut and skips inside one piece: neither reads more than a piece.

The pieces are built once when the store opens and then kept exact by every write: a flush
moves each changed member from the piece of their old key to the piece of their new one (one
SQL statement, in the flush's transaction, applied once it commits); a single member's change
(a reward, an award, a reset) does the same in Python.  A piece that grows past ``SPLIT_AT`` is
cut again (reading only that piece); a piece that shrinks below ``MERGE_BELOW`` joins the next.
Nothing is ever rebuilt on a read.  Guilds with fewer than ``TRACK_AT`` ranked members have no
cuts: a direct COUNT reads at most that many index entries.
"""
from __future__ import annotations

import sqlite3
from bisect import bisect_left, bisect_right
from itertools import accumulate
from typing import Optional

from . import statements as sql

#: Members per piece when a guild (or a piece) is cut.
CUT_EVERY = 1_000
#: A guild gets cuts once this many of its members have XP; below it, reads are direct.
TRACK_AT = 2 * CUT_EVERY
#: A piece bigger than this is cut again after the write that grew it.
SPLIT_AT = 2 * CUT_EVERY
#: A piece smaller than this is merged into the next one (its cut is forgotten).
MERGE_BELOW = CUT_EVERY // 4
#: Bounds that stand for "no cut": above every XP, and below every user id.
TOP_XP, NO_USER = 1 << 62, -1


class GuildCuts:
    """One guild's cuts and piece sizes; ``keys`` hold ``(-xp, user id)``, so ascending is rank order."""

    __slots__ = ("keys", "sizes", "starts")

    def __init__(self, keys: list[tuple[int, int]], sizes: list[int]) -> None:
        self.keys = keys
        self.sizes = sizes  # one more than keys: the last piece is after the last cut
        self.starts: list[int] = []
        self.recount()

    def recount(self) -> None:
        self.starts = [0, *accumulate(self.sizes)][:-1]

    @property
    def total(self) -> int:
        return self.starts[-1] + self.sizes[-1]

    def piece_of(self, xp: int, user_id: int) -> int:
        return bisect_left(self.keys, (-xp, user_id))

    def after(self, piece: int) -> tuple[int, int]:
        """The (xp, user id) bound a piece starts after (the top for the first piece)."""
        if piece == 0:
            return TOP_XP, NO_USER
        neg_xp, user_id = self.keys[piece - 1]
        return -neg_xp, user_id

    def above(self, xp: int) -> tuple[int, tuple[int, int]]:
        """For "how many have more than ``xp``": members in whole pieces before, and the bound to count from."""
        piece = bisect_left(self.keys, (-xp, NO_USER))
        return self.starts[piece], self.after(piece)

    def at(self, offset: int) -> tuple[int, int, tuple[int, int]]:
        """(piece, rows to skip in it, bound it starts after) for a 0-based position."""
        piece = bisect_right(self.starts, offset) - 1
        return piece, offset - self.starts[piece], self.after(piece)


class RankCuts:
    """Every large guild's cuts, mirrored in ``temp.RankCut`` for the flush's one-statement update."""

    def __init__(self) -> None:
        self.guilds: dict[int, GuildCuts] = {}
        #: (guild, user, XP before, XP after) of single-member writes, applied when their transaction commits.
        self.pending: list[tuple[int, int, int, int]] = []
        #: Piece deltas a flush computed, applied when it commits.
        self.pending_deltas: list[tuple[int, Optional[int], int]] = []
        self.pending_rebuild: set[Optional[int]] = set()  # None: every guild
        #: (guild, ranked members) of small guilds a flush gave newcomers, applied when it commits.
        self.pending_newcomers: list[tuple[int, int]] = []

    # --- building --------------------------------------------------------------------------
    def build_all(self, conn: sqlite3.Connection) -> None:
        """Cut every guild that has ``TRACK_AT`` ranked members (when the store opens, after an import)."""
        self.guilds.clear()
        conn.execute(sql.CLEAR_RANK_CUTS)
        for guild_id, _ in conn.execute(sql.LARGE_GUILDS, (TRACK_AT,)).fetchall():
            self.build(conn, guild_id)

    def build(self, conn: sqlite3.Connection, guild_id: int) -> None:
        """Cut one guild from its index (or forget its cuts if it is small now)."""
        keys = [(-xp, uid) for xp, uid in conn.execute(
            sql.CUTS_IN_RANGE, (guild_id, TOP_XP, TOP_XP, NO_USER, 0, 0, NO_USER, CUT_EVERY))]
        total = conn.execute(sql.COUNT_GUILD, (guild_id,)).fetchone()[0] if keys else 0
        if total < TRACK_AT:
            self._forget(conn, guild_id)
            return
        sizes = [CUT_EVERY] * len(keys) + [total - CUT_EVERY * len(keys)]
        self.guilds[guild_id] = GuildCuts(keys, sizes)
        self._mirror(conn, guild_id)

    def _forget(self, conn: sqlite3.Connection, guild_id: int) -> None:
        if self.guilds.pop(guild_id, None) is not None:
            conn.execute(sql.DELETE_RANK_CUTS, (guild_id,))

    def _mirror(self, conn: sqlite3.Connection, guild_id: int) -> None:
        conn.execute(sql.DELETE_RANK_CUTS, (guild_id,))
        cuts = self.guilds[guild_id]
        conn.executemany(sql.INSERT_RANK_CUT, [(guild_id, -neg_xp, uid, piece)
                                              for piece, (neg_xp, uid) in enumerate(cuts.keys)])

    # --- keeping them exact ----------------------------------------------------------------
    def moved(self, guild_id: int, user_id: int, before: int, after: int) -> None:
        """Note a single member's XP change (applied when the transaction commits)."""
        if guild_id in self.guilds and before != after:
            self.pending.append((guild_id, user_id, before, after))

    def rebuild_later(self, guild_id: Optional[int]) -> None:
        """Rebuild a guild's cuts (None: every guild's) once the transaction commits."""
        self.pending_rebuild.add(guild_id)

    def flush_deltas(self, conn: sqlite3.Connection) -> None:
        """Inside the flush's transaction, after the stage holds each member's XP before and after."""
        if self.guilds:
            self.pending_deltas = conn.execute(sql.RANK_PIECE_DELTAS).fetchall()
        self.pending_newcomers = conn.execute(sql.SMALL_GUILDS_GROWN, (TRACK_AT,)).fetchall()

    def discard(self) -> None:
        self.pending.clear()
        self.pending_deltas = []
        self.pending_newcomers = []
        self.pending_rebuild.clear()

    def commit(self, conn: sqlite3.Connection) -> None:
        """Apply what the committed transaction changed: piece sizes, then splits and merges."""
        touched: set[int] = set()
        for guild_id, piece, delta in self.pending_deltas:
            cuts = self.guilds.get(guild_id)
            if cuts is not None:
                cuts.sizes[len(cuts.keys) if piece is None else piece] += delta
                touched.add(guild_id)
        for guild_id, user_id, before, after in self.pending:
            cuts = self.guilds.get(guild_id)
            if cuts is None:
                continue
            if before > 0:
                cuts.sizes[cuts.piece_of(before, user_id)] -= 1
            if after > 0:
                cuts.sizes[cuts.piece_of(after, user_id)] += 1
            touched.add(guild_id)
        rebuild = set(self.pending_rebuild)
        for guild_id, count in self.pending_newcomers:
            if guild_id not in self.guilds and count >= TRACK_AT:
                rebuild.add(guild_id)
        self.discard()
        if None in rebuild:
            self.build_all(conn)
            return
        for guild_id in rebuild:
            self.build(conn, guild_id)
        for guild_id in touched - rebuild:
            self._reshape(conn, guild_id)

    def _reshape(self, conn: sqlite3.Connection, guild_id: int) -> None:
        """Cut pieces that grew past SPLIT_AT again; merge those under MERGE_BELOW into the next."""
        cuts = self.guilds[guild_id]
        if cuts.total < TRACK_AT // 2:
            self._forget(conn, guild_id)
            return
        changed = False
        keys, sizes = [], []
        for piece, size in enumerate(cuts.sizes):
            key = cuts.keys[piece] if piece < len(cuts.keys) else None
            if size > SPLIT_AT:
                # from the last cut kept (a merged piece before this one has no cut any more)
                (after_xp, after_user), (up_xp, up_user) = _after(keys), _bound(key)
                new = [(-xp, uid) for xp, uid in conn.execute(sql.CUTS_IN_RANGE, (
                    guild_id, after_xp, after_xp, after_user, up_xp, up_xp, up_user, CUT_EVERY))]
                if new and new[-1] == key:
                    new.pop()
                keys.extend(new)
                sizes.extend([CUT_EVERY] * len(new))
                size -= CUT_EVERY * len(new)
                changed = True
            if key is not None and size < MERGE_BELOW and piece + 1 < len(cuts.sizes):
                cuts.sizes[piece + 1] += size  # forget this cut: its members belong to the next piece
                changed = True
                continue
            sizes.append(size)
            if key is not None:
                keys.append(key)
        cuts.keys, cuts.sizes = keys, sizes
        cuts.recount()
        if not keys:  # every cut merged away: a small guild again, read directly
            self._forget(conn, guild_id)
        elif changed:
            self._mirror(conn, guild_id)


def _after(keys: list[tuple[int, int]]) -> tuple[int, int]:
    """The (xp, user id) bound after the last of ``keys`` (the top when there is none)."""
    if not keys:
        return TOP_XP, NO_USER
    return -keys[-1][0], keys[-1][1]


def _bound(key: Optional[tuple[int, int]]) -> tuple[int, int]:
    """The (xp, user id) a piece goes up to and includes; the end of the ranking for the last piece."""
    if key is None:
        return 0, NO_USER
    return -key[0], key[1]
