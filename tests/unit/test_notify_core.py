"""Where a member's level-up goes: their ``[p]level notify`` choice against the server's mode."""
import pytest

from unicornia.core.notify import NOTIFY_CHOICES, announce_mode
from unicornia.core.settings import ANNOUNCE_MODES


@pytest.mark.parametrize("server", ANNOUNCE_MODES)
def test_server_follows_the_server_and_off_always_wins(server):
    assert announce_mode(server, "server", True) == server
    assert announce_mode(server, "server", False) == server
    assert announce_mode(server, "off", True) == "off"
    assert announce_mode("off", "dm", True) == "off" and announce_mode("off", "here", True) == "off"


@pytest.mark.parametrize("server", [m for m in ANNOUNCE_MODES if m != "off"])
def test_member_choices(server):
    assert announce_mode(server, "dm", False) == "dm"
    assert announce_mode(server, "here", True) == "channel"
    assert announce_mode(server, "here", False) == server  # voice: no channel written in
    assert announce_mode(server, "nonsense", True) == server


def test_every_result_is_a_server_mode():
    for server in ANNOUNCE_MODES:
        for choice in NOTIFY_CHOICES:
            for has_channel in (True, False):
                assert announce_mode(server, choice, has_channel) in ANNOUNCE_MODES
