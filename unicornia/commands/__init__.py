"""Command mixins: each parses, calls a service and formats the reply; no business rules here."""
from .admin import AdminCommands
from .level import LevelCommands

__all__ = ["AdminCommands", "LevelCommands"]
