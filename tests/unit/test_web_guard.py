"""Whom the web leaderboard's rate limit counts a request against (web/guard.client_address)."""
import pytest

from unicornia.web.guard import client_address


@pytest.mark.parametrize("peer, forwarded, counted", [
    ("203.0.113.7", None, "203.0.113.7"),                      # no proxy: the peer
    ("203.0.113.7", "198.51.100.1", "203.0.113.7"),             # a remote peer is not trusted to say
    ("127.0.0.1", "198.51.100.1", "198.51.100.1"),              # a local proxy is
    ("127.0.0.1", "10.9.0.1, 198.51.100.1", "198.51.100.1"),    # the address the proxy appended, not the client's
    ("127.0.0.1", "not an address", "127.0.0.1"),
    ("unknown", "198.51.100.1", "unknown"),
    ("2001:db8:1:2::1", None, "2001:db8:1:2::/64"),              # one subscriber's block, not each of its addresses
    ("2001:db8:1:2:ffff::9", None, "2001:db8:1:2::/64"),
    ("::1", "2001:db8:7:8::5", "2001:db8:7:8::/64"),
    ("::ffff:192.0.2.1", None, "192.0.2.1"),                   # an IPv4 client on a dual-stack socket
    ("::1", None, "::1"),
])
def test_the_address_counted(peer, forwarded, counted):
    assert client_address(peer, forwarded) == counted


def test_a_client_line_before_the_proxys_own_line_is_not_believed():
    """HAProxy's ``option forwardfor`` adds its own X-Forwarded-For line after the client's: the
    server joins every line (aiohttp's ``get`` returns the first), and the last entry wins."""
    lines = ["10.9.0.1", "203.0.113.50"]  # the client's made-up line, then the proxy's
    assert client_address("127.0.0.1", ", ".join(lines)) == "203.0.113.50"
