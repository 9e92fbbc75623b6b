"""Command mixins: each parses, calls a service and formats the reply; no business rules here."""
from .activity_admin import ActivityAdminCommands
from .admin import AdminCommands
from .card import CardCommands
from .clubs import ClubCommands
from .goals import GoalCommands
from .goals_admin import GoalAdminCommands
from .level import LevelCommands
from .periods import PeriodCommands
from .setup import SetupCommands
from .shop import ShopCommands
from .transfer import TransferCommands
from .web import WebCommands

__all__ = ["ActivityAdminCommands", "AdminCommands", "CardCommands", "ClubCommands", "GoalAdminCommands", "GoalCommands", "LevelCommands", "PeriodCommands", "SetupCommands", "ShopCommands", "TransferCommands", "WebCommands"]
