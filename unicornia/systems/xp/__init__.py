"""The XP engine, one concern a file; start at ``engine.py`` ("How a message becomes XP")."""
from .engine import DEFAULT_CACHE_SIZE, XpSystem
from .flush import FLUSH_INTERVAL, SPILL_FILE
from .messages import channel_lineage
from .state import COUNTERS, NO_MARKS, SOURCES, Award, Gain, Key, MemberEntry, MilestoneSource
from .voice import VOICE_INTERVAL

__all__ = ["XpSystem", "DEFAULT_CACHE_SIZE", "FLUSH_INTERVAL", "SPILL_FILE", "VOICE_INTERVAL", "channel_lineage",
           "COUNTERS", "NO_MARKS", "SOURCES", "Award", "Gain", "Key", "MemberEntry", "MilestoneSource"]
