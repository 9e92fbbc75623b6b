"""SQL of the weekly and monthly boards and their winners (the rest is in ``statements.py``).

``XpPeriod`` holds, for each server, period kind (0 = week, 1 = month) and period start, the XP
each member earned in it: written by the flush, in the XP's own transaction, from the same
stage.  Only the current and the previous period of each kind are kept.
"""
WEEK, MONTH = 0, 1

#: The period each flushed guild is in now, for the flush's one statement.
CREATE_PERIOD_STARTS = """
CREATE TEMP TABLE IF NOT EXISTS PeriodStart (
    GuildId INTEGER, Kind INTEGER, Start INTEGER, PRIMARY KEY (GuildId, Kind)
) WITHOUT ROWID
"""
CLEAR_PERIOD_STARTS = "DELETE FROM temp.PeriodStart"
INSERT_PERIOD_START = "INSERT OR REPLACE INTO temp.PeriodStart (GuildId, Kind, Start) VALUES (?, ?, ?)"
#: Every staged gain into its guild's week and month (in key order; the stage is read once).
FLUSH_PERIODS = """
INSERT INTO XpPeriod (GuildId, Kind, Start, UserId, Xp)
SELECT s.GuildId, p.Kind, p.Start, s.UserId, s.Xp
FROM temp.FlushStage AS s JOIN temp.PeriodStart AS p ON p.GuildId = s.GuildId
WHERE s.Xp > 0
ORDER BY s.GuildId, p.Kind, p.Start, s.UserId
ON CONFLICT (GuildId, Kind, Start, UserId) DO UPDATE SET Xp = Xp + excluded.Xp
"""

#: A board's rows from the top, after a keyset cursor (Xp, UserId) so a later chunk costs what the first did.
PERIOD_TOP = """
SELECT UserId, Xp FROM XpPeriod WHERE GuildId = ? AND Kind = ? AND Start = ?
ORDER BY Xp DESC, UserId DESC LIMIT ?
"""
PERIOD_AFTER = """
SELECT UserId, Xp FROM XpPeriod WHERE GuildId = ? AND Kind = ? AND Start = ? AND (Xp, UserId) < (?, ?)
ORDER BY Xp DESC, UserId DESC LIMIT ?
"""
PERIOD_MEMBER = "SELECT Xp FROM XpPeriod WHERE GuildId = ? AND Kind = ? AND Start = ? AND UserId = ?"
#: Members ahead of a member on the board (their position is one more), counted up to a cap: a
#: count walks the index entry by entry, so an exact place deep in a huge board would cost a
#: scan of everyone ahead (the board itself lists the first 1,000).
PERIOD_AHEAD = """
SELECT COUNT(*) FROM (SELECT 1 FROM XpPeriod
                      WHERE GuildId = ? AND Kind = ? AND Start = ? AND (Xp, UserId) > (?, ?) LIMIT ?)
"""
PERIOD_COUNT = "SELECT COUNT(*) FROM (SELECT 1 FROM XpPeriod WHERE GuildId = ? AND Kind = ? AND Start = ? LIMIT ?)"
#: One guild at a time (a seek each), then its periods older than the ones kept.
NEXT_PERIOD_GUILD = "SELECT MIN(GuildId) FROM XpPeriod WHERE GuildId > ?"
PRUNE_PERIODS = "DELETE FROM XpPeriod WHERE GuildId = ? AND Kind = ? AND Start < ?"
DELETE_MEMBER_PERIODS = "DELETE FROM XpPeriod WHERE GuildId = ? AND UserId = ?"
DELETE_USER_PERIODS = "DELETE FROM XpPeriod WHERE UserId = ?"
SELECT_USER_PERIODS = "SELECT GuildId, Kind, Start, Xp FROM XpPeriod WHERE UserId = ? ORDER BY GuildId, Kind, Start"
DELETE_GUILD_PERIODS = "DELETE FROM XpPeriod WHERE GuildId = ?"

#: A finished period's winner, written with the bonus in one transaction: the row is what makes
#: the payment happen exactly once.
SELECT_WINNER = """
SELECT UserId, Xp, Bonus, RoleId, Announced FROM PeriodWinner WHERE GuildId = ? AND Kind = ? AND Start = ?
"""
INSERT_WINNER = """
INSERT INTO PeriodWinner (GuildId, Kind, Start, UserId, Xp, Bonus, RoleId, At, Announced)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
"""
MARK_ANNOUNCED = "UPDATE PeriodWinner SET Announced = 1 WHERE GuildId = ? AND Kind = ? AND Start = ? AND Announced = 0"
LAST_WINNER = """
SELECT Start, UserId FROM PeriodWinner WHERE GuildId = ? AND Kind = ? AND UserId IS NOT NULL
ORDER BY Start DESC LIMIT 1
"""
FORGET_WINNER_USER = "UPDATE PeriodWinner SET UserId = NULL WHERE UserId = ?"
DELETE_GUILD_WINNERS = "DELETE FROM PeriodWinner WHERE GuildId = ?"
