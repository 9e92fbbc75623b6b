"""Every SQL statement the clubs run, by name.  All take parameters; none is built from input.

A club's XP is the sum of its members' XP in that guild (``UserXpStats.Xp``); a member without
a stats row counts 0.  Ties in the ranking go to the older club (the lower ``Id``), so a
club's rank and its position on the leaderboard always agree.
"""

#: The columns of :class:`~unicornia.db.clubs.ClubRow`, in its order.
CLUB_COLUMNS = "c.Id, c.GuildId, c.Name, c.OwnerId, c.IconUrl, c.CreatedAt"

INSERT_CLUB = """
INSERT INTO Club (GuildId, Name, NameKey, OwnerId, IconUrl, CreatedAt) VALUES (?, ?, ?, ?, NULL, ?)
"""
INSERT_MEMBER = "INSERT INTO ClubMember (GuildId, UserId, ClubId, JoinedAt) VALUES (?, ?, ?, ?)"

SELECT_CLUB_BY_KEY = f"SELECT {CLUB_COLUMNS} FROM Club c WHERE c.GuildId = ? AND c.NameKey = ?"
SELECT_CLUB_BY_ID = f"SELECT {CLUB_COLUMNS} FROM Club c WHERE c.Id = ?"
SELECT_CLUB_OF_MEMBER = f"""
SELECT {CLUB_COLUMNS} FROM ClubMember m JOIN Club c ON c.Id = m.ClubId WHERE m.GuildId = ? AND m.UserId = ?
"""

DELETE_MEMBER = "DELETE FROM ClubMember WHERE GuildId = ? AND UserId = ? AND ClubId = ?"
SET_OWNER = "UPDATE Club SET OwnerId = ? WHERE Id = ?"
SET_ICON = "UPDATE Club SET IconUrl = ? WHERE Id = ?"
DELETE_CLUB = "DELETE FROM Club WHERE Id = ?"  # members go with it (ON DELETE CASCADE)

# --- XP and ranking ---
#: (members, XP) of one club.
CLUB_TOTALS = """
SELECT COUNT(*), COALESCE(SUM(s.Xp), 0)
FROM ClubMember m LEFT JOIN UserXpStats s ON s.UserId = m.UserId AND s.GuildId = m.GuildId
WHERE m.ClubId = ?
"""

#: Every club of a guild with its member count and XP (a CTE the ranking statements share).
_GUILD_CLUBS = """
WITH Ranked AS (
    SELECT c.Id AS Id, c.Name AS Name, c.OwnerId AS OwnerId, COUNT(m.UserId) AS Members,
           COALESCE(SUM(s.Xp), 0) AS Xp
    FROM Club c
    LEFT JOIN ClubMember m ON m.ClubId = c.Id
    LEFT JOIN UserXpStats s ON s.UserId = m.UserId AND s.GuildId = m.GuildId
    WHERE c.GuildId = ?
    GROUP BY c.Id
)
"""
#: (id, name, owner id, members, XP) rows in rank order; params: guild, limit, offset.
CLUB_LEADERBOARD = _GUILD_CLUBS + "SELECT Id, Name, OwnerId, Members, Xp FROM Ranked ORDER BY Xp DESC, Id LIMIT ? OFFSET ?"
#: How many clubs rank above (xp, id); params: guild, xp, xp, id.
COUNT_CLUBS_ABOVE = _GUILD_CLUBS + "SELECT COUNT(*) FROM Ranked WHERE Xp > ? OR (Xp = ? AND Id < ?)"
COUNT_CLUBS = "SELECT COUNT(*) FROM Club WHERE GuildId = ?"
# names starting with a (casefolded) prefix, in name order, through the (GuildId, NameKey) index
CLUB_NAMES_FROM = ("SELECT Name FROM Club WHERE GuildId = ? AND NameKey >= ? AND NameKey < ? || char(1114111) "
                   "ORDER BY NameKey LIMIT ?")

#: (user id, XP) of a club's members, most XP first; params: club, limit.
TOP_MEMBERS = """
SELECT m.UserId, COALESCE(s.Xp, 0) AS Xp
FROM ClubMember m LEFT JOIN UserXpStats s ON s.UserId = m.UserId AND s.GuildId = m.GuildId
WHERE m.ClubId = ?
ORDER BY Xp DESC, m.JoinedAt, m.UserId LIMIT ?
"""
#: A club's members in no particular order (its index alone, nothing sorted): for matching names.
MEMBER_IDS = "SELECT UserId FROM ClubMember WHERE ClubId = ? LIMIT ?"

# --- data rights ---
SELECT_USER_MEMBERSHIPS = """
SELECT m.GuildId, m.ClubId, c.Name, c.OwnerId = m.UserId, m.JoinedAt
FROM ClubMember m JOIN Club c ON c.Id = m.ClubId WHERE m.UserId = ?
"""
SELECT_OWNED_CLUBS = "SELECT Id FROM Club WHERE OwnerId = ?"
#: The member who has been in the club longest, other than the owner; params: club, owner.
SELECT_SUCCESSOR = """
SELECT UserId FROM ClubMember WHERE ClubId = ? AND UserId != ? ORDER BY JoinedAt, UserId LIMIT 1
"""
DELETE_USER_MEMBERSHIPS = "DELETE FROM ClubMember WHERE UserId = ?"

SELECT_OWNED_CLUBS_IN_GUILD = "SELECT Id FROM Club WHERE OwnerId = ? AND GuildId = ?"
DELETE_GUILD_MEMBERSHIP = "DELETE FROM ClubMember WHERE UserId = ? AND GuildId = ?"
