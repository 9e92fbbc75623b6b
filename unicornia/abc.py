"""The shared base the command mixins are written against (Red's core cogs do the same)."""
from __future__ import annotations

from abc import ABC, ABCMeta
from typing import TYPE_CHECKING

from redbot.core import Config, commands

if TYPE_CHECKING:
    from pathlib import Path

    from redbot.core.bot import Red

    from .systems.rewards import RewardService
    from .systems.settings import SettingsCache
    from .systems.xp import XpSystem
    from .db.store import XpStore
    from .systems.card_service import CardService
    from .systems.shop import ShopService
    from .systems.clubs import ClubService
    from .systems.achievements import AchievementService
    from .systems.goals import GoalService
    from .systems.periods import PeriodService
    from .systems.importer import ImportService
    from .systems.notify import NotifyPreferences
    from .systems.gate import RedGate
    from .web import WebServer
    from .web.privacy import WebPrivacy


class MixinMeta(ABC):
    """What every mixin may use from the assembled cog."""

    bot: "Red"
    config: Config
    settings: "SettingsCache"
    store: "XpStore"
    xp: "XpSystem"
    rewards: "RewardService"
    shop: "ShopService"
    cards: "CardService"
    clubs: "ClubService"
    achievements: "AchievementService"
    goals: "GoalService"
    importer: "ImportService"
    notify: "NotifyPreferences"
    periods: "PeriodService"
    data_path: "Path"
    gate: "RedGate"
    web: "WebServer"
    web_privacy: "WebPrivacy"


class CompositeMetaClass(type(commands.Cog), ABCMeta):
    """Lets the cog inherit from both ``commands.Cog`` and the abstract mixins."""
