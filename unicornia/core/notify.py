"""Where a member's own level-ups are announced: their choice (NadekoBot's ``xpnotify``) against
the server's setting. Pure: no discord, no I/O."""
from __future__ import annotations

#: What a member may choose; ``server`` (the default) follows the server's setting.
NOTIFY_CHOICES = ("server", "here", "dm", "off")
DEFAULT_NOTIFY = "server"
#: Member-scope Config defaults the cog registers.
MEMBER_DEFAULTS = {"notify": DEFAULT_NOTIFY}


def announce_mode(server_mode: str, choice: str, has_channel: bool) -> str:
    """The announce mode (one of the server's: ``channel``, ``set``, ``dm``, ``off``) for one level-up.

    The server's ``off`` wins over any choice; ``here`` is the channel the member levelled up in,
    or the server's setting when there is none (voice, a reward paid by a flush); an unknown
    choice counts as ``server``."""
    if server_mode == "off" or choice == "off":
        return "off"
    if choice == "dm":
        return "dm"
    if choice == "here" and has_channel:
        return "channel"
    return server_mode
