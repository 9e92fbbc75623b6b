"""Club storage: the store's club methods (mixed into XpStore), run on the store's thread.

These are storage primitives, each one statement or one transaction; the rules (who may do
what, which names are allowed) live in :mod:`unicornia.systems.clubs`.  The schema backs the
rules up: a name is unique per guild (case-insensitively, through ``NameKey``) and a member
is in at most one club per guild (the primary key), so a breach raises ``sqlite3.IntegrityError``.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Optional

from . import club_statements as sql
from .worker import in_worker


@dataclass(frozen=True, slots=True)
class ClubRow:
    id: int
    guild_id: int
    name: str
    owner_id: int
    icon_url: Optional[str]
    created_at: int


@dataclass(frozen=True, slots=True)
class ClubRankRow:
    """One line of a guild's club ranking."""

    position: int
    club_id: int
    name: str
    owner_id: int
    members: int
    xp: int


def _club(row: Optional[tuple]) -> Optional[ClubRow]:
    return ClubRow(*row) if row else None  # columns in ClubRow's order (sql.CLUB_COLUMNS)


class ClubQueries:
    """Mixed into :class:`~unicornia.db.store.XpStore`; uses its ``conn``, ``_transaction`` and thread."""

    conn: Optional[sqlite3.Connection]

    # --- reads -------------------------------------------------------------------------------
    @in_worker
    def club_by_key(self, guild_id: int, name_key: str) -> Optional[ClubRow]:
        return _club(self.conn.execute(sql.SELECT_CLUB_BY_KEY, (guild_id, name_key)).fetchone())

    @in_worker
    def club_by_id(self, club_id: int) -> Optional[ClubRow]:
        return _club(self.conn.execute(sql.SELECT_CLUB_BY_ID, (club_id,)).fetchone())

    @in_worker
    def club_of(self, guild_id: int, user_id: int) -> Optional[ClubRow]:
        """The club the member is in, or None."""
        return _club(self.conn.execute(sql.SELECT_CLUB_OF_MEMBER, (guild_id, user_id)).fetchone())

    @in_worker
    def club_totals(self, club_id: int) -> tuple[int, int]:
        """(members, XP) of a club."""
        members, xp = self.conn.execute(sql.CLUB_TOTALS, (club_id,)).fetchone()
        return members, xp

    @in_worker
    def club_rank(self, guild_id: int, club_id: int, xp: int) -> tuple[int, int]:
        """(rank, clubs in the guild) of a club with ``xp``; ties go to the older club."""
        above = self.conn.execute(sql.COUNT_CLUBS_ABOVE, (guild_id, xp, xp, club_id)).fetchone()[0]
        total = self.conn.execute(sql.COUNT_CLUBS, (guild_id,)).fetchone()[0]
        return above + 1, total

    @in_worker
    def club_count(self, guild_id: int) -> int:
        return self.conn.execute(sql.COUNT_CLUBS, (guild_id,)).fetchone()[0]

    @in_worker
    def club_names(self, guild_id: int, prefix: str, limit: int) -> list[str]:
        """Names of the guild's clubs whose casefolded name starts with ``prefix`` (casefolded), in order."""
        return [name for (name,) in self.conn.execute(sql.CLUB_NAMES_FROM, (guild_id, prefix, prefix, limit))]

    @in_worker
    def club_leaderboard(self, guild_id: int, limit: int, offset: int) -> list[ClubRankRow]:
        rows = self.conn.execute(sql.CLUB_LEADERBOARD, (guild_id, limit, offset)).fetchall()
        return [ClubRankRow(offset + i + 1, *row) for i, row in enumerate(rows)]

    @in_worker
    def club_top_members(self, club_id: int, limit: int) -> list[tuple[int, int]]:
        """(user id, XP) of the club's members, most XP first."""
        return self.conn.execute(sql.TOP_MEMBERS, (club_id, limit)).fetchall()

    @in_worker
    def club_member_ids(self, club_id: int, limit: int) -> list[int]:
        return [user_id for (user_id,) in self.conn.execute(sql.MEMBER_IDS, (club_id, limit))]

    # --- changes -----------------------------------------------------------------------------
    @in_worker
    def create_club(self, guild_id: int, name: str, name_key: str, owner_id: int) -> ClubRow:
        """The club and its owner's membership, together or not at all.

        Raises ``sqlite3.IntegrityError`` when the name is taken or the owner is already in a club.
        """
        now = int(self.now())
        with self._transaction() as conn:
            club_id = conn.execute(sql.INSERT_CLUB, (guild_id, name, name_key, owner_id, now)).lastrowid
            conn.execute(sql.INSERT_MEMBER, (guild_id, owner_id, club_id, now))
        return ClubRow(club_id, guild_id, name, owner_id, None, now)

    @in_worker
    def add_club_member(self, guild_id: int, user_id: int, club_id: int) -> None:
        """Raises ``sqlite3.IntegrityError`` when the member is already in a club here."""
        with self._transaction() as conn:
            conn.execute(sql.INSERT_MEMBER, (guild_id, user_id, club_id, int(self.now())))

    @in_worker
    def remove_club_member(self, guild_id: int, user_id: int, club_id: int) -> bool:
        with self._transaction() as conn:
            return conn.execute(sql.DELETE_MEMBER, (guild_id, user_id, club_id)).rowcount > 0

    @in_worker
    def set_club_owner(self, club_id: int, user_id: int) -> None:
        with self._transaction() as conn:
            conn.execute(sql.SET_OWNER, (user_id, club_id))

    @in_worker
    def set_club_icon(self, club_id: int, url: Optional[str]) -> None:
        with self._transaction() as conn:
            conn.execute(sql.SET_ICON, (url, club_id))

    @in_worker
    def delete_club(self, club_id: int) -> int:
        """Delete a club and every membership in it; returns how many members it had."""
        with self._transaction() as conn:
            members = conn.execute(sql.CLUB_TOTALS, (club_id,)).fetchone()[0]
            conn.execute(sql.DELETE_CLUB, (club_id,))
        return members

    # --- data rights -------------------------------------------------------------------------
    @in_worker
    def delete_club_user(self, user_id: int) -> None:
        """Remove the user from every club.  A club they own passes to its longest-standing
        member, or is disbanded when they were its only member."""
        with self._transaction() as conn:
            forget_club_user(conn, user_id)

    @in_worker
    def leave_clubs_in_guild(self, guild_id: int, user_id: int) -> None:
        """A member left the server: out of its club, which passes on as in :meth:`delete_club_user`."""
        with self._transaction() as conn:
            owned = conn.execute(sql.SELECT_OWNED_CLUBS_IN_GUILD, (user_id, guild_id)).fetchall()
            _hand_over(conn, owned, user_id)
            conn.execute(sql.DELETE_GUILD_MEMBERSHIP, (user_id, guild_id))

    @in_worker
    def club_user_data(self, user_id: int) -> list[dict[str, Any]]:
        """The user's club memberships, for Red's data export."""
        return [
            dict(zip(("guild_id", "club_id", "club_name", "is_owner", "joined_at"), row))
            for row in self.conn.execute(sql.SELECT_USER_MEMBERSHIPS, (user_id,))
        ]


def forget_club_user(conn: sqlite3.Connection, user_id: int) -> None:
    """The user out of every club in one database (the caller holds the transaction); a club they
    own passes on (see :func:`_hand_over`)."""
    _hand_over(conn, conn.execute(sql.SELECT_OWNED_CLUBS, (user_id,)).fetchall(), user_id)
    conn.execute(sql.DELETE_USER_MEMBERSHIPS, (user_id,))


def _hand_over(conn: sqlite3.Connection, owned: list[tuple[int]], user_id: int) -> None:
    """Each club in ``owned`` to its longest-standing other member, or disbanded without one."""
    for (club_id,) in owned:
        successor = conn.execute(sql.SELECT_SUCCESSOR, (club_id, user_id)).fetchone()
        if successor is None:
            conn.execute(sql.DELETE_CLUB, (club_id,))
        else:
            conn.execute(sql.SET_OWNER, (successor[0], club_id))
