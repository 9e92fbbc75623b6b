"""``hybrid.command`` and ``hybrid.group``: Red's hybrid decorators (a prefix command and a slash
command in one) under the names Red's ``redgettext`` looks for, so their docstrings, the help
members read, are extracted for translation (it does not recognise ``hybrid_command``)."""
from redbot.core import commands

command = commands.hybrid_command
group = commands.hybrid_group
