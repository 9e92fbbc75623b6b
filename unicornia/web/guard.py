"""Pure input and abuse rules of the web server: ids, page numbers, the per-address rate limit."""
from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from typing import Callable, Optional

#: Discord ids (snowflakes) are 15 to 21 digits in practice (17-19 today).
ID_DIGITS = (15, 21)
#: The deepest leaderboard page served (the bot's own board stops there too).
MAX_PAGE = 100
#: The longest ``page`` query value looked at (a longer one is refused without parsing).
MAX_PAGE_TEXT = 3


class BadInput(ValueError):
    """An address or query value the server refuses (answered 400 or 404)."""


def parse_id(text: str) -> Optional[int]:
    """A Discord id from a path segment, or None when it can't be one (ASCII digits only)."""
    low, high = ID_DIGITS
    if not (low <= len(text) <= high) or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def parse_page(text: Optional[str]) -> int:
    """The ``page`` query value: absent means 1; anything but 1..MAX_PAGE raises :class:`BadInput`."""
    if text is None:
        return 1
    if not (1 <= len(text) <= MAX_PAGE_TEXT) or not text.isascii() or not text.isdigit():
        raise BadInput("page")
    page = int(text)
    if not 1 <= page <= MAX_PAGE:
        raise BadInput("page")
    return page


def client_address(peer: Optional[str], forwarded_for: Optional[str]) -> str:
    """Whom a request is counted against: the peer, or, when the peer is this machine (a reverse
    proxy in front of the bot), the last address the proxy appended to X-Forwarded-For (give every
    X-Forwarded-For line, joined by commas: a proxy may add its own line after the client's).  An
    IPv6 client is counted by its /64, the block one subscriber holds: counted by address, one
    subscriber would have more addresses than the limiter keeps buckets."""
    peer = peer or "unknown"
    try:
        address = ipaddress.ip_address(peer)
        if forwarded_for and address.is_loopback:  # only a local proxy is trusted to say who the client is
            address = ipaddress.ip_address(forwarded_for.rsplit(",", 1)[-1].strip())
    except ValueError:
        return peer
    if address.version == 6:
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 client
            return str(address.ipv4_mapped)
        if not address.is_loopback:
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class RateLimiter:
    """A token bucket per client address: ``burst`` requests at once, refilled at ``rate`` a second.

    At most ``max_addresses`` buckets are kept; the one seen longest ago goes first (a forgotten
    address starts again with a full bucket, which only ever lets a request through)."""

    def __init__(self, rate: float = 10.0, burst: float = 60.0, max_addresses: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.max_addresses = max_addresses
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, address: str, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens: 0.0 when the request may go ahead, else the seconds to wait."""
        now = self.clock()
        tokens, then = self._buckets.pop(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= cost:
            tokens -= cost
        else:
            wait = (cost - tokens) / self.rate
        self._buckets[address] = (tokens, now)
        while len(self._buckets) > self.max_addresses:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """The Retry-After header's whole seconds (at least 1)."""
        return str(max(1, math.ceil(wait)))

    def __len__(self) -> int:
        return len(self._buckets)
