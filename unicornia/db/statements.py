"""Every SQL statement Unicornia runs, by name.  All of them take parameters; none is built from input."""

from . import period_statements as periods

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)
#: A large flush touches pages all over the file: with SQLite's default 2 MB page cache it spills
#: dirty pages to the WAL mid-transaction and reads the same pages again.  It gets a bigger cache
#: for its duration; every other time the default keeps the bot's memory small (pages beyond it
#: are freed when the flush sets it back).  16 MB measured 5-10% off a 100,000-member flush; into
#: 1,000,000 members (about 90 MB of stats, leaderboard index and totals touched), medians of 4
#: interleaved flushes, ms: 16 MB 4,188, 32 MB 3,821, 64 MB 3,462, 128 MB 3,943 (2026-12-03, both
#: cores busy with other work).
BIG_FLUSH_CACHE = "PRAGMA cache_size = -65536"
#: Rewrites the file without its free pages (after an upgrade; see ``XpStore._compact``).
VACUUM = "VACUUM"
DEFAULT_CACHE = "PRAGMA cache_size = -2000"

# --- the flush -------------------------------------------------------------------------------
# The flush stages its rows in a temporary table, then writes each real table with ONE
# statement that reads them in key order: SQLite sorts (without the GIL) and each B-tree is
# walked in order rather than at random, which is what makes the flush about as cheap as a
# bare upsert although it also writes history and rank pieces.
#: A member's gains as the flush stages them (the inbox's columns, and the stage's first ones).
_GAIN_COLUMNS = """
    UserId INTEGER, GuildId INTEGER, Xp INTEGER DEFAULT 0, Messages INTEGER DEFAULT 0,
    VoiceSeconds INTEGER DEFAULT 0, Links INTEGER DEFAULT 0, Thanks INTEGER DEFAULT 0, Reactions INTEGER DEFAULT 0,
    Commands INTEGER DEFAULT 0,
    XpLink INTEGER DEFAULT 0, XpVoice INTEGER DEFAULT 0, XpThanks INTEGER DEFAULT 0, XpReaction INTEGER DEFAULT 0,
    XpCommand INTEGER DEFAULT 0"""
CREATE_FLUSH_STAGE = f"""
CREATE TEMP TABLE IF NOT EXISTS FlushStage ({_GAIN_COLUMNS},
    -- the message share of the XP is what the other sources leave
    XpMessage INTEGER AS (Xp - XpLink - XpVoice - XpThanks - XpReaction - XpCommand),
    -- the member's XP and counters before the flush (read as the rows are staged), and after it
    OldXp INTEGER, OldMessages INTEGER, OldLinks INTEGER, OldThanks INTEGER, OldReactions INTEGER,
    OldCommands INTEGER, OldVoiceSeconds INTEGER,
    NowXp INTEGER AS (OldXp + Xp), NowMessages INTEGER AS (OldMessages + Messages),
    NowLinks INTEGER AS (OldLinks + Links), NowThanks INTEGER AS (OldThanks + Thanks),
    NowReactions INTEGER AS (OldReactions + Reactions), NowCommands INTEGER AS (OldCommands + Commands),
    NowVoiceSeconds INTEGER AS (OldVoiceSeconds + VoiceSeconds),
    -- in key order, so every statement below reads the stage in the order of the tables it writes
    PRIMARY KEY (GuildId, UserId)
) WITHOUT ROWID
"""
CLEAR_FLUSH_STAGE = "DELETE FROM temp.FlushStage"
#: The next guild in the stage after a guild id (one seek: GuildId leads the stage's key).
NEXT_STAGED_GUILD = "SELECT MIN(GuildId) FROM temp.FlushStage WHERE GuildId > ?"
#: Rows arrive in the buffer's order (the order members spoke in): they land in a plain table,
#: which takes them as fast as they come, and reach the stage in key order in one statement
#: (SQLite sorts them without the GIL).
CREATE_FLUSH_INBOX = f"""
CREATE TEMP TABLE IF NOT EXISTS FlushInbox ({_GAIN_COLUMNS}
)
"""
CLEAR_FLUSH_INBOX = "DELETE FROM temp.FlushInbox"
#: The stage's columns a gain can fill, in the order ``store._snapshot_rows`` makes them; a chunk
#: binds only the columns that are not all zero (the inbox's defaults fill the rest).
STAGE_COLUMNS = ("UserId", "GuildId", "Xp", "Messages", "VoiceSeconds", "Links", "Thanks",
                 "Reactions", "Commands", "XpLink", "XpVoice", "XpThanks", "XpReaction", "XpCommand")
#: The inbox into the stage in key order, with each member's row as it is before the flush (one
#: look-up each; sorting after the look-ups measured faster than sorting before them); the
#: flush's upsert then adds exactly the staged gains.
STAGE_FROM_INBOX = f"""
INSERT INTO temp.FlushStage ({', '.join(STAGE_COLUMNS)}, OldXp, OldMessages, OldLinks, OldThanks, OldReactions,
                             OldCommands, OldVoiceSeconds)
SELECT {', '.join('i.' + column for column in STAGE_COLUMNS)}, COALESCE(u.Xp, 0), COALESCE(u.MessageCount, 0),
       COALESCE(u.LinkCount, 0), COALESCE(u.ThanksReceived, 0), COALESCE(u.ReactionCount, 0),
       COALESCE(u.CommandCount, 0), COALESCE(u.VoiceSeconds, 0)
FROM temp.FlushInbox AS i LEFT JOIN UserXpStats AS u ON u.UserId = i.UserId AND u.GuildId = i.GuildId
ORDER BY i.GuildId, i.UserId
"""


def stage_gains(columns: tuple[str, ...]) -> str:
    """The inbox's INSERT for some of ``STAGE_COLUMNS`` (names from that tuple only, never input)."""
    return (f"INSERT INTO temp.FlushInbox ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})")


#: The stage's per-source XP column for each history source.
STAGE_SOURCE_COLUMNS = {
    "message": "XpMessage", "link": "XpLink", "voice": "XpVoice",
    "thanks": "XpThanks", "reaction": "XpReaction", "command": "XpCommand",
}

#: Adding gains to a member's row (the flush and the benchmark's bare upsert share it).
ADD_GAINS_ON_CONFLICT = """
ON CONFLICT (UserId, GuildId) DO UPDATE SET
    Xp             = Xp + excluded.Xp,
    MessageCount   = MessageCount + excluded.MessageCount,
    VoiceSeconds   = VoiceSeconds + excluded.VoiceSeconds,
    LinkCount      = LinkCount + excluded.LinkCount,
    ThanksReceived = ThanksReceived + excluded.ThanksReceived,
    ReactionCount  = ReactionCount + excluded.ReactionCount,
    CommandCount   = CommandCount + excluded.CommandCount
"""

#: The stats, with the XP of the guild's current week and month (see ``period_statements``).
FLUSH_STATS = f"""
INSERT INTO UserXpStats (UserId, GuildId, Xp, MessageCount, VoiceSeconds,
                         LinkCount, ThanksReceived, ReactionCount, CommandCount, {periods.PERIOD_COLUMNS})
SELECT s.UserId, s.GuildId, s.Xp, s.Messages, s.VoiceSeconds, s.Links, s.Thanks, s.Reactions,
       s.Commands, {periods.PERIOD_VALUES}
FROM temp.FlushStage AS s {periods.PERIOD_JOIN} WHERE true ORDER BY s.UserId, s.GuildId
""" + ADD_GAINS_ON_CONFLICT.rstrip() + periods.PERIODS_ON_CONFLICT

#: What the history stores for each source (schema 12): the two commonest take no byte at all.
HISTORY_SOURCE_CODES = {"message": 0, "voice": 1, "link": 2, "thanks": 3, "reaction": 4, "command": 5, "bonus": 6}
#: A stored source back to its name, for reads (built from the table above, never from input).
_SOURCE_NAME = ("CASE {column} " + " ".join(f"WHEN {code} THEN '{name}'" for name, code in HISTORY_SOURCE_CODES.items())
                + " END")

#: One statement per source; the column name comes from STAGE_SOURCE_COLUMNS, never from input.
FLUSH_HISTORY = {
    source: f"""
INSERT INTO XpHistory (GuildId, UserId, Source, Hour, Xp)
SELECT GuildId, UserId, {HISTORY_SOURCE_CODES[source]}, ?, {column} FROM temp.FlushStage WHERE {column} != 0 ORDER BY GuildId, UserId
ON CONFLICT (GuildId, Hour, UserId, Source) DO UPDATE SET Xp = Xp + excluded.Xp
"""
    for source, column in STAGE_SOURCE_COLUMNS.items()
}
#: The same XP summed per guild: the server chart's hourly totals.
FLUSH_HISTORY_GUILD = {
    source: f"""
INSERT INTO XpHistoryGuild (GuildId, Hour, Source, Xp)
SELECT GuildId, ?, {HISTORY_SOURCE_CODES[source]}, SUM({column}) FROM temp.FlushStage WHERE {column} != 0 GROUP BY GuildId
ON CONFLICT (GuildId, Hour, Source) DO UPDATE SET Xp = Xp + excluded.Xp
"""
    for source, column in STAGE_SOURCE_COLUMNS.items()
}

# The bare upsert the flush benchmark measures against (and the shape of a single gain).
UPSERT_GAINS = """
INSERT INTO UserXpStats (UserId, GuildId, Xp, MessageCount, VoiceSeconds,
                         LinkCount, ThanksReceived, ReactionCount, CommandCount)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
""" + ADD_GAINS_ON_CONFLICT

# --- history ---
# The history is keyed (GuildId, Hour, UserId, Source): a flush's rows go to the end of its guild's
# history.  A member's rows are found an hour at a time: every hour the guild has history in (from
# :since on) is one seek, so a member's reads cost the hours kept, not the guild's rows.
_MEMBER_HOURS = """
WITH RECURSIVE Span (First, Last) AS (
    SELECT (SELECT MIN(Hour) FROM XpHistory WHERE GuildId = :guild AND Hour >= :since),
           (SELECT MAX(Hour) FROM XpHistory WHERE GuildId = :guild)
), Hours (Hour) AS (
    SELECT First FROM Span WHERE First IS NOT NULL
    UNION ALL
    SELECT Hours.Hour + 3600 FROM Hours, Span WHERE Hours.Hour < Span.Last
)"""
# pruning: a guild at a time (GuildId leads the key), a slice of its oldest rows per transaction
NEXT_HISTORY_GUILD = "SELECT MIN(GuildId) FROM XpHistory WHERE GuildId > ?"  # one seek per guild
#: The (hour, user id) of the guild's Nth oldest row before a time: a slice deletes up to and
#: including that member's hour, so it always removes at least one row (none: the rest is one slice).
HISTORY_SLICE_END = "SELECT Hour, UserId FROM XpHistory WHERE GuildId = ? AND Hour < ? ORDER BY Hour, UserId LIMIT 1 OFFSET ?"
PRUNE_HISTORY_SLICE = "DELETE FROM XpHistory WHERE GuildId = ? AND (Hour, UserId) <= (?, ?)"  # the end is old
PRUNE_HISTORY_REST = "DELETE FROM XpHistory WHERE GuildId = ? AND Hour < ?"
PRUNE_HISTORY_GUILD = "DELETE FROM XpHistoryGuild WHERE GuildId = ? AND Hour < ?"

#: params: guild, user, since (named)
HISTORY_BY_DAY_MEMBER = _MEMBER_HOURS + f"""
SELECT h.Hour - h.Hour % 86400 AS Day, {_SOURCE_NAME.format(column="x.Source")}, SUM(x.Xp)
FROM Hours h JOIN XpHistory x ON x.GuildId = :guild AND x.Hour = h.Hour AND x.UserId = :user
GROUP BY Day, x.Source ORDER BY Day, 2
"""

HISTORY_BY_DAY_GUILD = f"""
SELECT Hour - Hour % 86400 AS Day, {_SOURCE_NAME.format(column="Source")}, SUM(Xp) FROM XpHistoryGuild
WHERE GuildId = ? AND Hour >= ? GROUP BY Day, Source ORDER BY Day, 2
"""

# --- reads -----------------------------------------------------------------------------------
SELECT_XP = "SELECT Xp FROM UserXpStats WHERE UserId = ? AND GuildId = ?"
SELECT_USER_GUILD_XP = "SELECT GuildId, Xp FROM UserXpStats WHERE UserId = ?"

# batched cache fills: one guild's members at a time, answered by primary-key look-ups
SELECT_XP_IN_GUILD = """
SELECT UserId, Xp, MessageCount, LinkCount, ThanksReceived, ReactionCount, CommandCount, VoiceSeconds
FROM UserXpStats WHERE GuildId = ? AND UserId IN ({marks})
"""
SELECT_UNLOCKED_IN_GUILD = "SELECT UserId, Key FROM UserAchievement WHERE GuildId = ? AND UserId IN ({marks})"

SELECT_MEMBER = """
SELECT Xp, AwardedXp, MessageCount, VoiceSeconds, LinkCount, ThanksReceived, ReactionCount, CommandCount
FROM UserXpStats WHERE UserId = ? AND GuildId = ?
"""

# leaderboards by a counter (column names come from this table, never from input)
TOP_BY = {
    column: f"""
SELECT UserId, {column} FROM UserXpStats WHERE GuildId = ? AND {column} > 0
ORDER BY {column} DESC, UserId ASC LIMIT ? OFFSET ?
"""
    for column in ("MessageCount", "VoiceSeconds", "ThanksReceived")
}

COUNT_ABOVE = "SELECT COUNT(*) FROM UserXpStats WHERE GuildId = ? AND Xp > ?"

COUNT_GUILD = "SELECT COUNT(*) FROM UserXpStats WHERE GuildId = ? AND Xp > 0"

TOP_FIRST = """
SELECT UserId, Xp FROM UserXpStats WHERE GuildId = ? AND Xp > 0
ORDER BY Xp DESC, UserId ASC LIMIT ?
"""

# keyset pagination: rows strictly after (xp, user) in leaderboard order; "Xp <= ?" gives
# SQLite an index range to seek to (an OR alone would make it scan from the top)
TOP_AFTER = """
SELECT UserId, Xp FROM UserXpStats
WHERE GuildId = ? AND Xp <= ? AND Xp > 0 AND (Xp < ? OR UserId > ?)
ORDER BY Xp DESC, UserId ASC LIMIT ?
"""

TOP_OFFSET = """
SELECT UserId, Xp FROM UserXpStats WHERE GuildId = ? AND Xp > 0
ORDER BY Xp DESC, UserId ASC LIMIT ? OFFSET ?
"""

# --- rank checkpoints (see ranks.py) ---
# how many have more XP than a member, counted from a cut (params: guild, xp, after xp x2, after user)
COUNT_ABOVE_AFTER = """
SELECT COUNT(*) FROM UserXpStats
WHERE GuildId = ? AND Xp > ? AND Xp <= ? AND (Xp < ? OR UserId > ?)
"""
#: Every Nth member after one (xp, user) bound up to and including another: where to cut.
CUTS_IN_RANGE = """
SELECT Xp, UserId FROM (
    SELECT Xp, UserId, ROW_NUMBER() OVER (ORDER BY Xp DESC, UserId ASC) AS Position
    FROM UserXpStats
    WHERE GuildId = ? AND Xp > 0 AND Xp <= ? AND (Xp < ? OR UserId > ?) AND Xp >= ? AND (Xp > ? OR UserId <= ?)
) WHERE Position % ? = 0
"""
LARGE_GUILDS = "SELECT GuildId, COUNT(*) AS Ranked FROM UserXpStats WHERE Xp > 0 GROUP BY GuildId HAVING Ranked >= ?"
CREATE_RANK_CUTS = """
CREATE TEMP TABLE IF NOT EXISTS RankCut (
    GuildId INTEGER, Xp INTEGER, UserId INTEGER, Piece INTEGER,
    PRIMARY KEY (GuildId, Xp DESC, UserId)
) WITHOUT ROWID
"""
CLEAR_RANK_CUTS = "DELETE FROM temp.RankCut"
DELETE_RANK_CUTS = "DELETE FROM temp.RankCut WHERE GuildId = ?"
INSERT_RANK_CUT = "INSERT INTO temp.RankCut (GuildId, Xp, UserId, Piece) VALUES (?, ?, ?, ?)"


def _piece_of(xp: str) -> str:
    """The piece of a guild's cuts holding the key (xp, s.UserId): the first cut at or after it in
    rank order; NULL: after the last cut (the last piece)."""
    return f"""(SELECT c.Piece FROM temp.RankCut c
            WHERE c.GuildId = s.GuildId AND c.Xp <= {xp} AND (c.Xp < {xp} OR c.UserId >= s.UserId)
            ORDER BY c.Xp DESC, c.UserId LIMIT 1)"""


#: Members a flush moved between pieces, summed by piece: -1 where their key was, +1 where it is.
#: Only members with a cut's XP between their XP before and after can change piece (one search
#: each); those, and members who entered or left the ranking, are then placed (one search per
#: key).  Sorting the cuts and the keys together with a window function measured twice as slow.
RANK_PIECE_DELTAS = f"""
WITH Moved AS MATERIALIZED (
    SELECT s.GuildId AS GuildId, s.UserId AS UserId, s.NowXp - s.Xp AS Before, s.NowXp AS After
    FROM temp.FlushStage s
    WHERE s.Xp != 0 AND s.GuildId IN (SELECT GuildId FROM temp.RankCut)
      AND (s.NowXp - s.Xp <= 0 OR s.NowXp <= 0 OR EXISTS (
          SELECT 1 FROM temp.RankCut c WHERE c.GuildId = s.GuildId
          AND c.Xp BETWEEN MIN(s.NowXp - s.Xp, s.NowXp) AND MAX(s.NowXp - s.Xp, s.NowXp)))
)
SELECT GuildId, Piece, SUM(Delta) FROM (
    SELECT s.GuildId AS GuildId, {_piece_of("s.Before")} AS Piece, -1 AS Delta FROM Moved s WHERE s.Before > 0
    UNION ALL
    SELECT s.GuildId, {_piece_of("s.After")}, 1 FROM Moved s WHERE s.After > 0
) GROUP BY GuildId, Piece
"""
#: Guilds without cuts that a flush gave newly ranked members, with their ranked count (up to the
#: limit given: enough to know whether they need cuts now).
SMALL_GUILDS_GROWN = """
SELECT g.GuildId, (SELECT COUNT(*) FROM (SELECT 1 FROM UserXpStats u WHERE u.GuildId = g.GuildId AND u.Xp > 0 LIMIT ?))
FROM (SELECT GuildId FROM temp.FlushStage WHERE NowXp > 0 AND NowXp - Xp <= 0 GROUP BY GuildId) g
WHERE NOT EXISTS (SELECT 1 FROM temp.RankCut c WHERE c.GuildId = g.GuildId)
"""

TOP_AFTER_OFFSET = """
SELECT UserId, Xp FROM UserXpStats
WHERE GuildId = ? AND Xp <= ? AND Xp > 0 AND (Xp < ? OR UserId > ?)
ORDER BY Xp DESC, UserId ASC LIMIT ? OFFSET ?
"""

#: A user's XP in every server together (their rows lead the stats' key: one seek).
SELECT_TOTAL_XP = "SELECT COALESCE(SUM(Xp), 0) FROM UserXpStats WHERE UserId = ?"

# --- admin changes ---------------------------------------------------------------------------
AWARD_XP = """
INSERT INTO UserXpStats (UserId, GuildId, Xp, AwardedXp) VALUES (?, ?, MAX(?, 0), ?)
ON CONFLICT (UserId, GuildId) DO UPDATE SET
    Xp        = MAX(Xp + excluded.AwardedXp, 0),
    AwardedXp = AwardedXp + excluded.AwardedXp
"""

SELECT_GUILD_MEMBERS_XP = "SELECT UserId, Xp FROM UserXpStats WHERE GuildId = ?"

DELETE_MEMBER = "DELETE FROM UserXpStats WHERE UserId = ? AND GuildId = ?"
#: params: guild, user, since (named; since 0 for all of it)
DELETE_MEMBER_HISTORY = _MEMBER_HOURS + """
DELETE FROM XpHistory WHERE GuildId = :guild AND Hour IN (SELECT Hour FROM Hours) AND UserId = :user
"""
# a member's history leaves the guild's totals with them: one member's in one guild (params as
# DELETE_MEMBER_HISTORY), or a user's in every guild (params: user id; a scan, for a rare request)
_UNSUM_HISTORY = """
UPDATE XpHistoryGuild AS g SET Xp = g.Xp - h.Xp
FROM (SELECT GuildId, Hour, Source, SUM(Xp) AS Xp FROM XpHistory WHERE {rows} GROUP BY GuildId, Hour, Source) AS h
WHERE g.GuildId = h.GuildId AND g.Hour = h.Hour AND g.Source = h.Source
"""
UNSUM_MEMBER_HISTORY = _MEMBER_HOURS + _UNSUM_HISTORY.format(
    rows="GuildId = :guild AND Hour IN (SELECT Hour FROM Hours) AND UserId = :user")
UNSUM_USER_HISTORY = _UNSUM_HISTORY.format(rows="UserId = ?")
# a reset member starts their periods again: their counters are zero now (params: user, guild)
DELETE_MEMBER_BASELINES = "DELETE FROM CounterBaseline WHERE UserId = ? AND GuildId = ?"

DELETE_GUILD = "DELETE FROM UserXpStats WHERE GuildId = ?"
DELETE_GUILD_HISTORY = "DELETE FROM XpHistory WHERE GuildId = ?"
DELETE_GUILD_HISTORY_TOTALS = "DELETE FROM XpHistoryGuild WHERE GuildId = ?"
DELETE_GUILD_BASELINES = "DELETE FROM CounterBaseline WHERE GuildId = ?"

# --- data rights -----------------------------------------------------------------------------
DELETE_USER_STATS = "DELETE FROM UserXpStats WHERE UserId = ?"
DELETE_USER_ITEMS = "DELETE FROM XpShopOwnedItem WHERE UserId = ?"
DELETE_USER_SHOP_LOG = "DELETE FROM XpShopLog WHERE UserId = ?"
DELETE_USER_HISTORY = "DELETE FROM XpHistory WHERE UserId = ?"
# A member's baselines (the biggest of these tables) are found through their servers, as GuildId
# leads its key; they exist only beside stats rows (a reset removes both), so this runs before the
# stats go.  Params: the user id twice.
DELETE_USER_GOALS = (
    "DELETE FROM CounterBaseline WHERE GuildId IN (SELECT GuildId FROM UserXpStats WHERE UserId = ?) AND UserId = ?",
)
# the rest outlive resets, so by user id (a scan, for a rare request); params: the user id
DELETE_USER_LEFTOVERS = (
    "DELETE FROM UserAchievement WHERE UserId = ?",
    "DELETE FROM DailyClaim WHERE UserId = ?",
    "DELETE FROM XpBoost WHERE UserId = ?",
    "DELETE FROM AuditLog WHERE UserId = ?",
    "DELETE FROM QuestCompletion WHERE UserId = ?",
    "DELETE FROM ImportLedger WHERE UserId = ?",
    "UPDATE AuditLog SET ActorId = NULL WHERE ActorId = ?",
)
SELECT_USER_ACHIEVEMENTS = "SELECT GuildId, Key, UnlockedAt FROM UserAchievement WHERE UserId = ? ORDER BY GuildId, UnlockedAt"
SELECT_USER_DAILY = "SELECT GuildId, LastDay, Streak, BestStreak FROM DailyClaim WHERE UserId = ? ORDER BY GuildId"
SELECT_USER_IMPORTS = ("SELECT Source, GuildId, Xp, AwardedXp, Messages, VoiceSeconds, At FROM ImportLedger "
                       "WHERE UserId = ? ORDER BY Source, GuildId")
SELECT_USER_QUESTS = ("SELECT GuildId, QuestId, PeriodStart, CompletedAt FROM QuestCompletion WHERE UserId = ? "
                      "ORDER BY GuildId, CompletedAt")
SELECT_USER_BOOSTS = "SELECT GuildId, Multiplier, ExpiresAt FROM XpBoost WHERE UserId = ? ORDER BY GuildId"
SELECT_USER_AUDIT = "SELECT GuildId, At, Kind, Amount, Reason FROM AuditLog WHERE UserId = ? ORDER BY Id"
#: What the user did to others as an admin (whom it was done to is the other member's, not theirs).
SELECT_USER_ACTIONS = "SELECT GuildId, At, Kind, Amount, Reason FROM AuditLog WHERE ActorId = ? ORDER BY Id"
#: Their counters as each quest period began (a data export, once in a while: no index by user alone).
SELECT_USER_BASELINES = """
SELECT GuildId, PeriodStart, Messages, Links, Thanks, Reactions, Commands, VoiceSeconds
FROM CounterBaseline WHERE UserId = ? ORDER BY GuildId, PeriodStart
"""

SELECT_USER_STATS = """
SELECT GuildId, Xp, AwardedXp, MessageCount, VoiceSeconds, DateAdded,
       LinkCount, ThanksReceived, ReactionCount, CommandCount, WeekNo, WeekXp, MonthNo, MonthXp
FROM UserXpStats WHERE UserId = ? ORDER BY GuildId
"""
SELECT_USER_HISTORY = (f"SELECT GuildId, {_SOURCE_NAME.format(column='Source')}, Hour, Xp FROM XpHistory "
                       "WHERE UserId = ? ORDER BY GuildId, Hour, 2")
SELECT_USER_ITEMS = """
SELECT ItemType, ItemKey, IsUsing, DateAdded FROM XpShopOwnedItem WHERE UserId = ? ORDER BY ItemType, ItemKey
"""

# --- the XP shop -----------------------------------------------------------------------------
SELECT_OWNED = "SELECT ItemKey, IsUsing FROM XpShopOwnedItem WHERE UserId = ? AND ItemType = ? ORDER BY DateAdded, ItemKey"
SELECT_USING = "SELECT ItemKey FROM XpShopOwnedItem WHERE UserId = ? AND ItemType = ? AND IsUsing = 1"
SELECT_OWNS = "SELECT 1 FROM XpShopOwnedItem WHERE UserId = ? AND ItemType = ? AND ItemKey = ?"
INSERT_OWNED = "INSERT INTO XpShopOwnedItem (UserId, ItemType, ItemKey, IsUsing) VALUES (?, ?, ?, 0)"
CLEAR_USING = "UPDATE XpShopOwnedItem SET IsUsing = 0 WHERE UserId = ? AND ItemType = ? AND IsUsing = 1"
SET_USING = "UPDATE XpShopOwnedItem SET IsUsing = 1 WHERE UserId = ? AND ItemType = ? AND ItemKey = ?"
INSERT_SHOP_LOG = """
INSERT INTO XpShopLog (At, GuildId, UserId, Action, ItemType, ItemKey, Price) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
SELECT_SHOP_LOG_GUILD = """
SELECT At, UserId, Action, ItemKey, Price FROM XpShopLog WHERE GuildId = ?
ORDER BY At DESC, Id DESC LIMIT ?
"""
SELECT_SHOP_LOG_MEMBER = """
SELECT At, UserId, Action, ItemKey, Price FROM XpShopLog WHERE GuildId = ? AND UserId = ?
ORDER BY At DESC, Id DESC LIMIT ?
"""
SELECT_USER_SHOP_LOG = "SELECT At, GuildId, Action, ItemKey, Price FROM XpShopLog WHERE UserId = ? ORDER BY Id"

# --- goals: audit log, achievements, daily, guild days, quests, boosts --------------------------
INSERT_AUDIT = """
INSERT INTO AuditLog (At, GuildId, UserId, ActorId, Kind, Amount, Reason) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
SELECT_AUDIT_GUILD = """
SELECT Id, At, UserId, ActorId, Kind, Amount, Reason FROM AuditLog WHERE GuildId = ?
ORDER BY Id DESC LIMIT ? OFFSET ?
"""
SELECT_AUDIT_MEMBER = """
SELECT Id, At, UserId, ActorId, Kind, Amount, Reason FROM AuditLog WHERE GuildId = ? AND UserId = ?
ORDER BY Id DESC LIMIT ? OFFSET ?
"""
COUNT_AUDIT_GUILD = "SELECT COUNT(*) FROM AuditLog WHERE GuildId = ?"
COUNT_AUDIT_MEMBER = "SELECT COUNT(*) FROM AuditLog WHERE GuildId = ? AND UserId = ?"

# XP a reward adds: the member's stats, their global total and the history's "bonus" source
GRANT_XP = """
INSERT INTO UserXpStats (UserId, GuildId, Xp) VALUES (?, ?, ?)
ON CONFLICT (UserId, GuildId) DO UPDATE SET Xp = Xp + excluded.Xp
"""
GRANT_HISTORY = f"""
INSERT INTO XpHistory (GuildId, UserId, Source, Hour, Xp) VALUES (?, ?, {HISTORY_SOURCE_CODES["bonus"]}, ?, ?)
ON CONFLICT (GuildId, Hour, UserId, Source) DO UPDATE SET Xp = Xp + excluded.Xp
"""
GRANT_HISTORY_GUILD = f"""
INSERT INTO XpHistoryGuild (GuildId, Hour, Source, Xp) VALUES (?, ?, {HISTORY_SOURCE_CODES["bonus"]}, ?)
ON CONFLICT (GuildId, Hour, Source) DO UPDATE SET Xp = Xp + excluded.Xp
"""

UNLOCK_ACHIEVEMENT = "INSERT OR IGNORE INTO UserAchievement (GuildId, UserId, Key, UnlockedAt) VALUES (?, ?, ?, ?)"
SELECT_UNLOCKED = "SELECT Key, UnlockedAt FROM UserAchievement WHERE GuildId = ? AND UserId = ? ORDER BY UnlockedAt, Key"

#: Every member of a guild with the counters achievements measure, their best streak and what they unlocked.
SELECT_GUILD_COUNTERS = """
SELECT s.UserId, s.Xp, s.MessageCount, s.LinkCount, s.ThanksReceived, s.ReactionCount, s.CommandCount,
       s.VoiceSeconds, COALESCE(d.BestStreak, 0)
FROM UserXpStats s LEFT JOIN DailyClaim d ON d.GuildId = s.GuildId AND d.UserId = s.UserId
WHERE s.GuildId = ?
"""
SELECT_GUILD_UNLOCKED = "SELECT UserId, Key FROM UserAchievement WHERE GuildId = ?"

SELECT_DAILY = "SELECT LastDay, Streak, BestStreak FROM DailyClaim WHERE GuildId = ? AND UserId = ?"
UPSERT_DAILY = """
INSERT INTO DailyClaim (GuildId, UserId, LastDay, Streak, BestStreak, LastAt) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (GuildId, UserId) DO UPDATE SET
    LastDay = excluded.LastDay, Streak = excluded.Streak, BestStreak = excluded.BestStreak, LastAt = excluded.LastAt
"""

# The flush's plan: which guild-day and which periods each active guild is in (temporary tables
# filled at each flush from the guilds' settings and quests).
CREATE_FLUSH_PLAN = (
    "CREATE TEMP TABLE IF NOT EXISTS ThinFrom (Start INTEGER PRIMARY KEY)",
    "CREATE TEMP TABLE IF NOT EXISTS GuildPlan (GuildId INTEGER PRIMARY KEY, DayStart INTEGER, "
    "GoalEnabled INTEGER, GoalFloor INTEGER, GoalPercent INTEGER, GoalDays INTEGER, GoalBonus INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS PeriodPlan (GuildId INTEGER, Start INTEGER, PRIMARY KEY (GuildId, Start))",
    "CREATE TEMP TABLE IF NOT EXISTS QuestPlan (QuestId INTEGER PRIMARY KEY, GuildId INTEGER, Start INTEGER)",
)
CLEAR_FLUSH_PLAN = ("DELETE FROM temp.GuildPlan", "DELETE FROM temp.PeriodPlan", "DELETE FROM temp.QuestPlan")
PLAN_GUILD = "INSERT INTO temp.GuildPlan VALUES (?, ?, ?, ?, ?, ?, ?)"
PLAN_PERIOD = "INSERT OR IGNORE INTO temp.PeriodPlan VALUES (?, ?)"
PLAN_QUEST = "INSERT INTO temp.QuestPlan VALUES (?, ?, ?)"

# a member's counters as they were when the day (or a quest added mid-period) started: taken at
# the member's first flush in it, before that flush adds to them.  A week's or a month's
# baseline is the member's first baseline in it (no activity before it, so the same counters).
FLUSH_BASELINES = """
INSERT OR IGNORE INTO CounterBaseline
    (GuildId, PeriodStart, UserId, Messages, Links, Thanks, Reactions, Commands, VoiceSeconds)
SELECT s.GuildId, p.Start, s.UserId, s.NowMessages - s.Messages, s.NowLinks - s.Links, s.NowThanks - s.Thanks,
       s.NowReactions - s.Reactions, s.NowCommands - s.Commands, s.NowVoiceSeconds - s.VoiceSeconds
FROM temp.PeriodPlan p CROSS JOIN temp.FlushStage s
WHERE s.GuildId = p.GuildId ORDER BY s.GuildId, s.UserId, p.Start
"""
FLUSH_GUILD_DAYS = """
INSERT INTO GuildDay (GuildId, Day, Messages)
SELECT s.GuildId, g.DayStart, SUM(s.Messages) FROM temp.FlushStage s JOIN temp.GuildPlan g ON g.GuildId = s.GuildId
GROUP BY s.GuildId
ON CONFLICT (GuildId, Day) DO UPDATE SET Messages = Messages + excluded.Messages
"""

# Each quest requirement: (UserXpStats column, baseline and stage column, the stage's column after
# the flush, divisor).  The CASE expressions below are built from it (names only, never input).
QUEST_COLUMNS = {
    "messages": ("MessageCount", "Messages", "NowMessages", 1),
    "links": ("LinkCount", "Links", "NowLinks", 1),
    "thanks": ("ThanksReceived", "Thanks", "NowThanks", 1),
    "reactions": ("ReactionCount", "Reactions", "NowReactions", 1),
    "commands": ("CommandCount", "Commands", "NowCommands", 1),
    "voice_minutes": ("VoiceSeconds", "VoiceSeconds", "NowVoiceSeconds", 60),
}


def _requirement_case(expression) -> str:
    whens = " ".join(f"WHEN '{name}' THEN {expression(*columns)}" for name, columns in QUEST_COLUMNS.items())
    return f"CASE q.Requirement {whens} ELSE 0 END"


#: progress from the member's row (a member's quest page reads it)
QUEST_PROGRESS_EXPR = _requirement_case(lambda stats, base, now, per: f"(u.{stats} - b.{base}) / {per}")

# After a flush: the quests its members completed, progress being the counter now less the
# member's first baseline in the quest's period (one seek each).  One statement per requirement
# (no CASE per row), run only for requirements whose counter the flush moved, and only for the
# members whose counter moved and could have reached the amount at all (a baseline is never
# negative, so progress is at most the counter itself).
COMPLETE_QUESTS = {
    name: f"""
INSERT INTO QuestCompletion (QuestId, UserId, PeriodStart, GuildId, CompletedAt)
SELECT QuestId, UserId, Start, GuildId, ? FROM (
    SELECT q.Id AS QuestId, s.UserId AS UserId, p.Start AS Start, s.GuildId AS GuildId, q.Amount AS Amount,
           s.{now} AS Now,
           (SELECT x.{base} FROM CounterBaseline x
            WHERE x.GuildId = s.GuildId AND x.UserId = s.UserId AND x.PeriodStart >= p.Start
            ORDER BY x.PeriodStart LIMIT 1) AS Base
    FROM temp.QuestPlan p
    CROSS JOIN Quest q
    CROSS JOIN temp.FlushStage s
    WHERE q.Id = p.QuestId AND q.Requirement = '{name}' AND s.GuildId = p.GuildId
      AND s.{base} > 0 AND s.{now} / {per} >= q.Amount
)
WHERE (Now - Base) / {per} >= Amount  -- no baseline: NULL, so not completed
ON CONFLICT DO NOTHING
RETURNING QuestId, UserId, GuildId, PeriodStart
"""
    for name, (stats, base, now, per) in QUEST_COLUMNS.items()
}
#: For each requirement, the staged column that says a chunk of gains moved its counter.
QUEST_STAGE_COLUMN = {name: base for name, (stats, base, now, per) in QUEST_COLUMNS.items()}
QUEST_PROGRESS_MEMBER = f"""
SELECT q.Id, COALESCE({QUEST_PROGRESS_EXPR}, 0)
FROM Quest q
JOIN UserXpStats u ON u.UserId = ? AND u.GuildId = q.GuildId
JOIN CounterBaseline b ON b.GuildId = q.GuildId AND b.UserId = u.UserId
 AND b.PeriodStart = (SELECT MIN(x.PeriodStart) FROM CounterBaseline x
                      WHERE x.GuildId = q.GuildId AND x.UserId = u.UserId AND x.PeriodStart >= ?)
WHERE q.Id = ?
"""
SELECT_COMPLETION = "SELECT CompletedAt FROM QuestCompletion WHERE QuestId = ? AND PeriodStart = ? AND UserId = ?"
SELECT_QUESTS = """
SELECT Id, GuildId, Name, Cycle, Requirement, Amount, RewardXp, Multiplier, BoostMinutes, Difficulty, CreatedAt, EndsAt
FROM Quest WHERE GuildId = ? ORDER BY Id
"""
SELECT_QUEST = """
SELECT Id, GuildId, Name, Cycle, Requirement, Amount, RewardXp, Multiplier, BoostMinutes, Difficulty, CreatedAt, EndsAt
FROM Quest WHERE Id = ?
"""
SELECT_ALL_QUESTS = """
SELECT Id, GuildId, Name, Cycle, Requirement, Amount, RewardXp, Multiplier, BoostMinutes, Difficulty, CreatedAt, EndsAt
FROM Quest ORDER BY GuildId, Id
"""
INSERT_QUEST = """
INSERT INTO Quest (GuildId, Name, Cycle, Requirement, Amount, RewardXp, Multiplier, BoostMinutes, Difficulty, CreatedAt, EndsAt)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
DELETE_QUEST = "DELETE FROM Quest WHERE Id = ? AND GuildId = ?"
SET_QUEST_END = "UPDATE Quest SET EndsAt = ? WHERE Id = ? AND GuildId = ? AND Cycle = 'once'"
DELETE_QUEST_COMPLETIONS = "DELETE FROM QuestCompletion WHERE QuestId = ?"
UPSERT_BOOST = """
INSERT INTO XpBoost (GuildId, UserId, Multiplier, ExpiresAt) VALUES (?, ?, ?, ?)
ON CONFLICT (GuildId, UserId) DO UPDATE SET
    Multiplier = MAX(Multiplier, excluded.Multiplier), ExpiresAt = MAX(ExpiresAt, excluded.ExpiresAt)
"""
SELECT_BOOSTS = "SELECT GuildId, UserId, Multiplier, ExpiresAt FROM XpBoost WHERE ExpiresAt > ?"
PRUNE_BOOSTS = "DELETE FROM XpBoost WHERE ExpiresAt <= ?"
PRUNE_BASELINES = "DELETE FROM CounterBaseline WHERE PeriodStart < ? AND PeriodStart NOT IN (SELECT CreatedAt FROM Quest)"
# Thinning a guild's baselines (GoalQueries.thin_baselines): a member's baseline from before
# yesterday is read only as their first one at or after the start of one of the guild's quest
# periods (temp.ThinFrom holds those starts, now's and a day ago's).  Kept: every baseline within a
# day of such a start, and the first one after that day (the first at or after any start up to a
# day away, should the reset hour move); every other one goes, so a member active every day keeps
# a few, not one a day for 40 days.  One slice of members per statement (params: guild,
# yesterday's start, after user, up to user).
CLEAR_THIN_FROM = "DELETE FROM temp.ThinFrom"
ADD_THIN_FROM = "INSERT OR IGNORE INTO temp.ThinFrom VALUES (?)"
THIN_SLICE_END = "SELECT UserId FROM CounterBaseline WHERE GuildId = ? AND UserId > ? ORDER BY UserId LIMIT 1 OFFSET ?"
THIN_BASELINES = f"""
DELETE FROM CounterBaseline AS b
WHERE b.GuildId = ?1 AND b.UserId > ?3 AND b.UserId <= ?4 AND b.PeriodStart < ?2
  AND b.PeriodStart NOT IN (SELECT CreatedAt FROM Quest WHERE GuildId = ?1)
  AND NOT EXISTS (
      SELECT 1 FROM temp.ThinFrom k
      WHERE b.PeriodStart BETWEEN k.Start - {periods.DAY} AND k.Start + {periods.DAY}
         OR (k.Start + {periods.DAY} < b.PeriodStart
             AND NOT EXISTS (SELECT 1 FROM CounterBaseline x
                             WHERE x.GuildId = ?1 AND x.UserId = b.UserId
                               AND x.PeriodStart > k.Start + {periods.DAY} AND x.PeriodStart < b.PeriodStart)))
"""

# the server's daily goal
OPEN_GOALS = """
SELECT g.GuildId, g.DayStart, d.Messages, d.Target, g.GoalFloor, g.GoalPercent, g.GoalDays, g.GoalBonus
FROM temp.GuildPlan g JOIN GuildDay d ON d.GuildId = g.GuildId AND d.Day = g.DayStart
WHERE g.GoalEnabled AND d.ReachedAt IS NULL
"""
SELECT_GUILD_DAY = "SELECT Messages, Target, ReachedAt FROM GuildDay WHERE GuildId = ? AND Day = ?"
ENSURE_GUILD_DAY = "INSERT OR IGNORE INTO GuildDay (GuildId, Day) VALUES (?, ?)"
PREVIOUS_DAYS = "SELECT Day, Messages FROM GuildDay WHERE GuildId = ? AND Day < ? AND Day >= ?"
SET_TARGET = "UPDATE GuildDay SET Target = ? WHERE GuildId = ? AND Day = ? AND Target IS NULL"
REACH_GOAL = """
UPDATE GuildDay SET ReachedAt = ? WHERE GuildId = ? AND Day = ? AND ReachedAt IS NULL AND Messages >= Target
"""
GOAL_CONTRIBUTORS = """
SELECT b.UserId FROM CounterBaseline b
JOIN UserXpStats u ON u.UserId = b.UserId AND u.GuildId = b.GuildId
WHERE b.GuildId = ? AND b.PeriodStart = ? AND u.MessageCount > b.Messages
ORDER BY b.UserId
"""
MEMBER_DAY_MESSAGES = """
SELECT u.MessageCount - b.Messages FROM CounterBaseline b
JOIN UserXpStats u ON u.UserId = b.UserId AND u.GuildId = b.GuildId
WHERE b.GuildId = ? AND b.PeriodStart = ? AND b.UserId = ?
"""

# --- moving in and out: imports, export ----------------------------------------------------------
# NadekoBot's database, read through its own read-only connection (column lists vary by version;
# the optional parts are chosen from the schema the importer recognised, never from input)
NADEKO_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"
#: Triggers and views in a file (a backup Unicornia made holds none).
COUNT_CODE = "SELECT COUNT(*) FROM sqlite_master WHERE type IN ('trigger', 'view')"
NADEKO_LAST_MIGRATION = "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId DESC LIMIT 1"
# {ok}: the rows whose XP is a whole number in range (see transfer._xp_columns): a file can hold 9e999
# or a text in an INTEGER column, and SQLite keeps it as it is
NADEKO_GUILD_TOTALS = "SELECT GuildId, COUNT(*), SUM({xp}) FROM UserXpStats WHERE {ok} GROUP BY GuildId"
NADEKO_BAD_XP = "SELECT COUNT(*) FROM UserXpStats WHERE NOT ({ok})"
NADEKO_STATS = ("SELECT GuildId, UserId, {xp}, {awarded} FROM UserXpStats "
                "WHERE {ok} AND GuildId IN (SELECT GuildId FROM temp.Wanted)")
NADEKO_SETTINGS_V6 = "SELECT Id, GuildId FROM XpSettings"
NADEKO_SETTINGS_V4 = "SELECT x.Id, g.GuildId FROM XpSettings x JOIN GuildConfigs g ON g.Id = x.GuildConfigId"
NADEKO_ROLE_REWARDS = "SELECT XpSettingsId, Level, RoleId, Remove FROM XpRoleReward ORDER BY Level"
NADEKO_CURRENCY_REWARDS = "SELECT XpSettingsId, Level, Amount FROM XpCurrencyReward ORDER BY Level"
NADEKO_OLD_EXCLUSIONS = "SELECT XpSettingsId, ItemId, ItemType FROM ExcludedItem"
NADEKO_NEW_EXCLUSIONS = "SELECT GuildId, ItemId, ItemType FROM XpExcludedItem"
NADEKO_CURVES = "SELECT Id, XpFormulaA, XpFormulaC FROM XpSettings"
NADEKO_CREATE_WANTED = "CREATE TEMP TABLE IF NOT EXISTS Wanted (GuildId INTEGER PRIMARY KEY)"
NADEKO_WANT = "INSERT OR IGNORE INTO temp.Wanted VALUES (?)"
NADEKO_WANTED_MEMBERS = "SELECT DISTINCT UserId FROM UserXpStats WHERE GuildId IN (SELECT GuildId FROM temp.Wanted)"
NADEKO_WANTED_ITEMS = f"""
SELECT ItemType, ItemKey, COUNT(*) FROM XpShopOwnedItem WHERE UserId IN ({NADEKO_WANTED_MEMBERS})
GROUP BY ItemType, ItemKey ORDER BY COUNT(*) DESC
"""
NADEKO_WANTED_ITEM_ROWS = f"""
SELECT UserId, ItemType, ItemKey, IsUsing FROM XpShopOwnedItem WHERE UserId IN ({NADEKO_WANTED_MEMBERS})
"""

CREATE_IMPORT_STAGE = (
    """CREATE TEMP TABLE IF NOT EXISTS ImportStage (
        GuildId INTEGER, UserId INTEGER, Xp INTEGER, AwardedXp INTEGER, Messages INTEGER, VoiceSeconds INTEGER,
        PRIMARY KEY (GuildId, UserId)) WITHOUT ROWID""",
    """CREATE TEMP TABLE IF NOT EXISTS ImportDelta (
        GuildId INTEGER, UserId INTEGER, Xp INTEGER, AwardedXp INTEGER, Messages INTEGER, VoiceSeconds INTEGER,
        PRIMARY KEY (GuildId, UserId)) WITHOUT ROWID""",
    "CREATE TEMP TABLE IF NOT EXISTS ImportItem (UserId INTEGER, ItemKey TEXT, IsUsing INTEGER, PRIMARY KEY (UserId, ItemKey))",
)
CLEAR_IMPORT_STAGE = ("DELETE FROM temp.ImportStage", "DELETE FROM temp.ImportDelta", "DELETE FROM temp.ImportItem")
STAGE_IMPORT = """
INSERT INTO temp.ImportStage VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (GuildId, UserId) DO UPDATE SET Xp = Xp + excluded.Xp, AwardedXp = AwardedXp + excluded.AwardedXp,
    Messages = Messages + excluded.Messages, VoiceSeconds = VoiceSeconds + excluded.VoiceSeconds
"""
STAGE_IMPORT_ITEM = "INSERT OR IGNORE INTO temp.ImportItem VALUES (?, ?, ?)"
# what changed since the last import from the same source: only that is added
IMPORT_DELTAS = """
INSERT INTO temp.ImportDelta
SELECT s.GuildId, s.UserId, s.Xp - COALESCE(l.Xp, 0), s.AwardedXp - COALESCE(l.AwardedXp, 0),
       s.Messages - COALESCE(l.Messages, 0), s.VoiceSeconds - COALESCE(l.VoiceSeconds, 0)
FROM temp.ImportStage s
LEFT JOIN ImportLedger l ON l.Source = ? AND l.GuildId = s.GuildId AND l.UserId = s.UserId
WHERE s.Xp IS NOT COALESCE(l.Xp, 0) OR s.AwardedXp IS NOT COALESCE(l.AwardedXp, 0)
   OR s.Messages IS NOT COALESCE(l.Messages, 0) OR s.VoiceSeconds IS NOT COALESCE(l.VoiceSeconds, 0)
"""
IMPORT_STATS = """
INSERT INTO UserXpStats (UserId, GuildId, Xp, AwardedXp, MessageCount, VoiceSeconds)
SELECT UserId, GuildId, MAX(Xp, 0), AwardedXp, MAX(Messages, 0), MAX(VoiceSeconds, 0)
FROM temp.ImportDelta WHERE true ORDER BY UserId, GuildId
ON CONFLICT (UserId, GuildId) DO UPDATE SET
    Xp = MAX(Xp + excluded.Xp, 0), AwardedXp = AwardedXp + excluded.AwardedXp,
    MessageCount = MAX(MessageCount + excluded.MessageCount, 0), VoiceSeconds = MAX(VoiceSeconds + excluded.VoiceSeconds, 0)
"""
IMPORT_LEDGER = """
INSERT INTO ImportLedger (Source, GuildId, UserId, Xp, AwardedXp, Messages, VoiceSeconds, At)
SELECT ?, GuildId, UserId, Xp, AwardedXp, Messages, VoiceSeconds, ? FROM temp.ImportStage WHERE true
ON CONFLICT (Source, GuildId, UserId) DO UPDATE SET Xp = excluded.Xp, AwardedXp = excluded.AwardedXp,
    Messages = excluded.Messages, VoiceSeconds = excluded.VoiceSeconds, At = excluded.At
"""
IMPORT_AUDIT = """
INSERT INTO AuditLog (At, GuildId, UserId, ActorId, Kind, Amount, Reason)
SELECT ?, GuildId, UserId, ?, 'import', Xp, ? FROM temp.ImportDelta WHERE Xp != 0
"""
# imported activity is not activity in the current periods: baselines move up with it
IMPORT_SHIFT_BASELINES = """
UPDATE CounterBaseline AS b SET Messages = b.Messages + d.Messages, VoiceSeconds = b.VoiceSeconds + d.VoiceSeconds
FROM temp.ImportDelta AS d WHERE b.GuildId = d.GuildId AND b.UserId = d.UserId
"""
IMPORT_DELTA_SUMMARY = "SELECT COUNT(*), COALESCE(SUM(Xp), 0) FROM temp.ImportDelta"
IMPORT_ITEMS = """
INSERT OR IGNORE INTO XpShopOwnedItem (UserId, ItemType, ItemKey, IsUsing) SELECT UserId, ?, ItemKey, 0 FROM temp.ImportItem
"""
# the background a member used in NadekoBot, unless they already use one here
IMPORT_ITEMS_IN_USE = """
UPDATE XpShopOwnedItem SET IsUsing = 1
WHERE ItemType = ? AND (UserId, ItemKey) IN (SELECT UserId, ItemKey FROM temp.ImportItem WHERE IsUsing)
  AND NOT EXISTS (SELECT 1 FROM XpShopOwnedItem o WHERE o.UserId = XpShopOwnedItem.UserId
                  AND o.ItemType = XpShopOwnedItem.ItemType AND o.IsUsing = 1)
"""

EXPORT_GUILD = """
SELECT UserId, Xp, AwardedXp, MessageCount, VoiceSeconds, LinkCount, ThanksReceived, ReactionCount, CommandCount,
       DateAdded
FROM UserXpStats WHERE GuildId = ? ORDER BY Xp DESC, UserId
"""
