"""SQL of the weekly and monthly boards and their winners (the rest is in ``statements.py``).

Each member's row in ``UserXpStats`` also holds the XP they earned in the server's current week
(``WeekNo``, ``WeekXp``) and month (``MonthNo``, ``MonthXp``): the flush's own upsert adds
to them, or starts them again when the period has changed, so a board costs the flush no row and
no index of its own (the leaderboard index covers the four columns, and every gain already moves
a member's entry in it).  When a period ends, its top members are kept in ``PeriodTop`` by the
first flush after it (before any member's row moves on to the new period): `last` and the
winner's reward read that.
"""
WEEK, MONTH = 0, 1
#: A row holds its week's and month's number: the UTC day its start falls on (the start divided by
#: this).  Two periods of a server never start on the same day, under any reset weekday or hour,
#: and a day number takes 2 bytes where a unix time takes 4 (in the row and the index).  Only a
#: reset hour moved later, in the first hours of a period, can give the new period the number of
#: the one before (the same date): its rows then count on into it, and it is kept and paid once.
DAY = 86_400


def period_number(start: int) -> int:
    """The number a row keeps for the week or month starting at ``start``."""
    return start // DAY


def number_span(start: int) -> tuple[int, int]:
    """The starts that share ``start``'s number: [first, past the last).

    A finished period is kept and paid under its number, not its exact start: when an admin moves
    the server's reset hour, the "previous period" can start at another hour of the same day, and
    its rows are the ones already kept (and its winner already paid)."""
    first = period_number(start) * DAY
    return first, first + DAY


#: Members of a finished period kept in PeriodTop (the winner is the first still in the server).
TOP_KEPT = 50
#: Finished periods kept in PeriodTop per server and kind.
PERIODS_KEPT = 12

#: Each flushed guild's current and previous week and month, for the flush's statements.
CREATE_GUILD_PERIODS = """
CREATE TEMP TABLE IF NOT EXISTS GuildPeriod (
    GuildId INTEGER PRIMARY KEY, WeekStart INTEGER, MonthStart INTEGER, PrevWeek INTEGER, PrevMonth INTEGER
) WITHOUT ROWID
"""
CLEAR_GUILD_PERIODS = "DELETE FROM temp.GuildPeriod"
INSERT_GUILD_PERIOD = """
INSERT OR REPLACE INTO temp.GuildPeriod (GuildId, WeekStart, MonthStart, PrevWeek, PrevMonth) VALUES (?, ?, ?, ?, ?)
"""
#: The flush's stats upsert takes these columns from its guild's row of GuildPeriod (none: an
#: import or a test's write, which earns no period XP).
PERIOD_COLUMNS = "WeekNo, WeekXp, MonthNo, MonthXp"
PERIOD_VALUES = f"""COALESCE(p.WeekStart / {DAY}, 0), CASE WHEN p.WeekStart IS NULL THEN 0 ELSE s.Xp END,
       COALESCE(p.MonthStart / {DAY}, 0), CASE WHEN p.MonthStart IS NULL THEN 0 ELSE s.Xp END"""
PERIOD_JOIN = "LEFT JOIN temp.GuildPeriod AS p ON p.GuildId = s.GuildId"
#: Added to the gains' ON CONFLICT: the same period adds up, a new one starts again (every
#: right-hand side reads the row as it was).
PERIODS_ON_CONFLICT = """,
    WeekXp  = CASE WHEN excluded.WeekNo = 0 THEN WeekXp
                   WHEN WeekNo = excluded.WeekNo THEN WeekXp + excluded.WeekXp
                   ELSE excluded.WeekXp END,
    WeekNo  = CASE WHEN excluded.WeekNo = 0 THEN WeekNo ELSE excluded.WeekNo END,
    MonthXp = CASE WHEN excluded.MonthNo = 0 THEN MonthXp
                   WHEN MonthNo = excluded.MonthNo THEN MonthXp + excluded.MonthXp
                   ELSE excluded.MonthXp END,
    MonthNo = CASE WHEN excluded.MonthNo = 0 THEN MonthNo ELSE excluded.MonthNo END
"""

#: A board from the leaderboard index (it covers the period columns): the guild's entries, top
#: first.  Column names come from PERIOD_FIELDS only, never from input.
PERIOD_FIELDS = {WEEK: ("WeekNo", "WeekXp"), MONTH: ("MonthNo", "MonthXp")}
#: ``since`` is the period's start (a parameter); the row's number is compared with its number.
_BOARD = """SELECT UserId, {xp} AS Xp FROM UserXpStats INDEXED BY IX_UserXpStats_Guild_Xp
WHERE GuildId = {guild} AND {number} = {since} / {unit} AND {xp} > 0 ORDER BY {xp} DESC, UserId DESC LIMIT {limit}"""
BOARD = {kind: _BOARD.format(number=number, xp=xp, unit=DAY, guild="?", since="?", limit="?")
         for kind, (number, xp) in PERIOD_FIELDS.items()}
MEMBER_PERIODS = "SELECT WeekNo, WeekXp, MonthNo, MonthXp FROM UserXpStats WHERE UserId = ? AND GuildId = ?"

#: A finished period's top members, numbered (then MARK_KEPT's row at position 0 says it was kept).
KEEP_TOP = {
    kind: f"""
INSERT INTO PeriodTop (GuildId, Kind, Start, Position, UserId, Xp)
SELECT ?1, {kind}, ?2, row_number() OVER (ORDER BY Xp DESC, UserId DESC), UserId, Xp
FROM ({_BOARD.format(number=number, xp=xp, unit=DAY, guild="?1", since="?2", limit="?3")})
"""
    for kind, (number, xp) in PERIOD_FIELDS.items()
}
MARK_KEPT = "INSERT OR IGNORE INTO PeriodTop (GuildId, Kind, Start, Position, UserId, Xp) VALUES (?, ?, ?, 0, NULL, 0)"
#: The start under which a period with the same number was kept (params: guild, kind, number_span).
KEPT_START = """
SELECT Start FROM PeriodTop WHERE GuildId = ? AND Kind = ? AND Start >= ? AND Start < ? AND Position = 0
ORDER BY Start LIMIT 1
"""
KEPT_TOP = """
SELECT UserId, Xp FROM PeriodTop WHERE GuildId = ? AND Kind = ? AND Start = ? AND Position > 0 ORDER BY Position
"""
PRUNE_TOP = """
DELETE FROM PeriodTop WHERE GuildId = ? AND Kind = ? AND Start < (
    SELECT MIN(Start) FROM (SELECT DISTINCT Start FROM PeriodTop WHERE GuildId = ? AND Kind = ?
                            ORDER BY Start DESC LIMIT ?))
"""
NEXT_TOP_GUILD = "SELECT MIN(GuildId) FROM PeriodTop WHERE GuildId > ?"
FORGET_TOP_USER = "DELETE FROM PeriodTop WHERE UserId = ?"
FORGET_TOP_MEMBER = "DELETE FROM PeriodTop WHERE GuildId = ? AND UserId = ?"
DELETE_GUILD_TOP = "DELETE FROM PeriodTop WHERE GuildId = ?"
SELECT_USER_TOP = "SELECT GuildId, Kind, Start, Position, Xp FROM PeriodTop WHERE UserId = ? ORDER BY GuildId, Kind, Start"
SELECT_USER_WINS = ("SELECT GuildId, Kind, Start, Xp, Bonus, RoleId, At FROM PeriodWinner WHERE UserId = ? "
                    "ORDER BY GuildId, Kind, Start")

#: A finished period's winner, found by its number (params: guild, kind, number_span).  It is
#: written with the bonus in one transaction: the row is what makes the payment happen exactly once.
SELECT_WINNER = """
SELECT UserId, Xp, Bonus, RoleId, Announced FROM PeriodWinner WHERE GuildId = ? AND Kind = ? AND Start >= ? AND Start < ?
ORDER BY Start LIMIT 1
"""
INSERT_WINNER = """
INSERT INTO PeriodWinner (GuildId, Kind, Start, UserId, Xp, Bonus, RoleId, At, Announced)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
"""
MARK_ANNOUNCED = """
UPDATE PeriodWinner SET Announced = 1 WHERE GuildId = ? AND Kind = ? AND Start >= ? AND Start < ? AND Announced = 0
"""
FORGET_WINNER_USER = "UPDATE PeriodWinner SET UserId = NULL WHERE UserId = ?"
DELETE_GUILD_WINNERS = "DELETE FROM PeriodWinner WHERE GuildId = ?"
