"""Which network addresses an image download may reach: public unicast only.

Pure functions over :mod:`ipaddress`.  Host names are also read the way the C library's
``inet_aton`` would (decimal ``2130706433``, octal ``0177.0.0.1``, hex ``0x7f.1``, short
``127.1``), so a URL cannot smuggle a private address past the check by its spelling.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Optional, Union

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> Optional[ipaddress.IPv4Address]:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    value = int(ip)
    if value >> 32 == 0 and value > 1:  # ::a.b.c.d (deprecated "compatible" form); :: and ::1 excluded
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if ip in SIX_TO_FOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress) -> Optional[str]:
    """Why ``ip`` may not be contacted, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None:
            reason = refusal(inner)
            return f"IPv6 form of {inner}: {reason}" if reason else None
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in CARRIER_GRADE_NAT, "carrier-grade NAT"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not globally routable"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    return None


def is_allowed(ip: IPAddress, allow: Iterable[Network] = ()) -> bool:
    """Public addresses, plus any inside an explicit allow-list (tests pass their loopback server)."""
    return refusal(ip) is None or any(ip in net for net in allow if ip.version == net.version)


def parse_host_address(host: str) -> Optional[IPAddress]:
    """The address a host name spells, if it spells one in any notation; None for a real name."""
    host = host.strip().rstrip(".").strip("[]")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    return _inet_aton(host)


def _inet_aton(host: str) -> Optional[ipaddress.IPv4Address]:
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    # a.b.c.d / a.b.c(16 bits) / a.b(24 bits) / a(32 bits)
    limits = {1: [2**32], 2: [256, 2**24], 3: [256, 256, 2**16], 4: [256] * 4}[len(numbers)]
    if any(n < 0 or n >= limit for n, limit in zip(numbers, limits)):
        return None
    value = 0
    shifts = {1: [0], 2: [24, 0], 3: [24, 16, 0], 4: [24, 16, 8, 0]}[len(numbers)]
    for n, shift in zip(numbers, shifts):
        value |= n << shift
    return ipaddress.IPv4Address(value)
