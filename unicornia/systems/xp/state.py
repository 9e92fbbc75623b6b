"""What the engine keeps per member, as small classes with named fields.

``Gain``: XP and counters not yet written (the write-back buffer holds one per member).
``MemberEntry``: a cached member's totals, unwritten gains included, and the next marks to check.
``Award``: what one event earned, built on every message that crosses something.
A member's recent activity (cooldown, minute cap, last text) is ``core.rules.Activity``.

On Python 3.11 reading or writing a ``__slots__`` attribute costs what a constant list index
does (measured: 22 ns against 25 ns a read, 38 against 45 ns an ``+= 1``), so the message path
pays nothing for the names.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

from ...core.rules import Activity

Key = tuple[int, int]  # (guild id, user id)

#: Where XP came from, for the hourly history (index into Gain.by_source; the store's order).
SOURCES = ("message", "link", "voice", "thanks", "reaction", "command")
MESSAGE, LINK, VOICE, THANKS, REACTION, COMMAND = range(len(SOURCES))
COUNTERS = ("messages", "links", "thanks", "reactions", "commands", "voice_seconds")
#: Counters a MemberEntry keeps in ``counts`` (messages have their own field, for the message path).
TALLIED = ("links", "thanks", "reactions", "commands", "voice_seconds")
TALLY_INDEX = {name: i for i, name in enumerate(TALLIED)}

INF = float("inf")
NO_MARKS: dict[str, float] = {}  # shared by every member with nothing to reach (never mutated)
EMPTY_UNLOCKED: frozenset = frozenset()


class Gain:
    """Gains not yet written, for one member in one guild: XP, XP by source, activity counters.

    ``by_source`` holds every source but messages: the message share is ``xp`` minus the others
    (the message path then adds to one number instead of two).  The slots after the counters are
    not gains: they are what the message path remembers about the member until the next flush;
    the last one says where the flush announces what it paid them."""

    __slots__ = ("xp", "by_source", *COUNTERS, "activity", "entry", "admitted_in", "role_ids", "wrote_in")
    #: What a spill file keeps (an older spill's "leveled_at" is ignored).
    SAVED = ("xp", "by_source", *COUNTERS)

    def __init__(self) -> None:
        self.xp = 0
        self.by_source: Optional[list[int]] = None  # made on the first XP from a source other than messages
        self.messages = self.links = self.thanks = self.reactions = self.commands = self.voice_seconds = 0
        #: The member's Activity and cache entry, so a message costs one look-up, not three.
        self.activity: Optional[Activity] = None
        self.entry: Optional[MemberEntry] = None
        #: The channel where the member last passed every admission rule (see messages.py); None: ask again.
        self.admitted_in = None
        #: The member's roles among those the guild's rules name (messages.rule_roles: too dear
        #: for every message); None: read them again (their roles or the guild's settings
        #: changed, see engine.rules_changed and settings_changed).
        self.role_ids: Optional[tuple[int, ...]] = None
        #: The channel the member was last admitted in, kept when ``admitted_in`` is forgotten (a
        #: refresh of Red's verdicts, a role change): a quest the flush completes is announced there.
        self.wrote_in = None

    def merge(self, other: "Gain") -> None:
        self.xp += other.xp
        if other.wrote_in is not None:
            self.wrote_in = other.wrote_in
        if other.by_source is not None:
            self.by_source = [a + b for a, b in zip(self.sources(), other.by_source)]
        for counter in COUNTERS:
            setattr(self, counter, getattr(self, counter) + getattr(other, counter))

    def sources(self) -> list[int]:
        """XP by source (its own list, made now if the gain had only messages)."""
        if self.by_source is None:
            self.by_source = [0] * len(SOURCES)
        return self.by_source

    def as_dict(self) -> dict:
        return {s: getattr(self, s) for s in self.SAVED}

    @classmethod
    def from_dict(cls, data: dict) -> "Gain":
        gain = cls()
        for slot in cls.SAVED:
            if slot in data:
                setattr(gain, slot, data[slot])
        if gain.by_source is not None and len(gain.by_source) != len(SOURCES):  # an older version's spill
            gain.by_source = None  # all of it counts as messages
        return gain


NO_GAIN = Gain()  # nothing unwritten (never modified)


class Award(NamedTuple):
    """What one event earned a member (a tuple: built on every message, so it must be cheap)."""

    key: Key
    amount: int
    old_xp: int
    new_xp: int


class MemberEntry:
    """A cached member: XP and counters with every unwritten gain, and the marks that matter next.

    ``xp_check`` is the next level or the next XP achievement, whichever comes first, and
    ``message_mark`` the next messages achievement, so the message path compares two integers
    and never scans anything."""

    __slots__ = ("xp", "xp_check", "messages", "message_mark", "used",
                 "counts", "marks", "xp_mark", "unlocked", "checking")

    def __init__(self, xp: int, messages: int, counts: list[int], unlocked: frozenset) -> None:
        self.xp = xp
        self.xp_check = 0
        self.messages = messages
        self.message_mark = INF
        #: The LRU's second chance: True once the message path used it; None once it left the cache.
        self.used: Optional[bool] = False
        self.counts = counts              # links, thanks, reactions, commands, voice_seconds (TALLIED's order)
        self.marks: dict[str, float] = NO_MARKS
        self.xp_mark = INF                # XP at which a level or total_xp achievement unlocks
        self.unlocked = unlocked          # frozen: most members never unlock anything, and share one
        self.checking = False             # a milestone check is running: marks are parked at infinity

    def count(self, counter: str) -> int:
        return self.counts[TALLY_INDEX[counter]]

    def due(self) -> bool:
        """Whether a mark is reached (the milestone check is owed)."""
        return self.xp >= self.xp_mark or self.messages >= self.message_mark or bool(self.marks) and any(
            self.counts[TALLY_INDEX[name]] >= mark for name, mark in self.marks.items() if name != "messages")


def used_since(entry: MemberEntry) -> bool:
    """The LRU's second chance: an entry the message path marked used goes to the back once."""
    if entry.used:
        entry.used = False
        return True
    return False


def dropped(entry: MemberEntry) -> None:
    """Out of the cache: a gain still pointing at it must look the member up again."""
    entry.used = None


class MilestoneSource:
    """Marks for a guild's members and the check that runs when one is reached (see achievements).

    This default reaches nothing: an engine built without achievements."""

    def marks(self, guild_id: int, unlocked) -> tuple[float, dict[str, float]]:
        """(XP mark, {counter: mark}) with counters named as in :data:`COUNTERS`."""
        return INF, NO_MARKS

    def tracks(self, guild_id: int) -> bool:
        """Whether the guild has anything to reach (else its members' reads skip unlocked keys)."""
        return False

    async def reached(self, key: Key, member, channel) -> None:
        """Unlock what is due for ``key``; called at most once at a time per member."""


NO_MILESTONES = MilestoneSource()
