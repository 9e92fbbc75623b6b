"""The XP engine's old address, kept for code that imports it from here: it lives in ``systems/xp/``."""
from .xp import *  # noqa: F401,F403
