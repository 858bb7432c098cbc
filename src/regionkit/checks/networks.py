"""Network lists judged by the addresses they cover together, not entry by entry.

`0.0.0.0/1` and `128.0.0.0/1` are the whole IPv4 internet as surely as `0.0.0.0/0`, and so is
every public range listed piece by piece around 10.0.0.0/8. A list is open to the internet
when the union of its networks covers every internet address of a family: IPv4 outside the
special-purpose ranges of RFC 6890 (private, shared, loopback, documentation, multicast, ...),
and IPv6 global unicast (2000::/3).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: IPv4 ranges that are not the internet (RFC 6890's special-purpose registry)
_NOT_INTERNET_V4 = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
]
_INTERNET_V6 = ipaddress.IPv6Network("2000::/3")


@cache
def _internet(version: int) -> tuple[Network, ...]:
    """The internet's blocks of one IP version."""
    if version == 6:
        return (_INTERNET_V6,)
    special = [ipaddress.IPv4Network(n) for n in _NOT_INTERNET_V4]
    return tuple(_gaps(ipaddress.IPv4Network("0.0.0.0/0"), special))


def _gaps(whole: Network, taken: Iterable[Network]) -> list[Network]:
    """The blocks of `whole` that no network of `taken` covers."""
    out: list[Network] = []
    start = int(whole.network_address)
    cls = type(whole.network_address)
    for net in ipaddress.collapse_addresses(taken):  # type: ignore[type-var]
        first = int(net.network_address)
        if first > start:
            out += ipaddress.summarize_address_range(cls(start), cls(first - 1))
        start = max(start, int(net.broadcast_address) + 1)
    if start <= int(whole.broadcast_address):
        out += ipaddress.summarize_address_range(cls(start), whole.broadcast_address)
    return out


def covers_internet(networks: Sequence[Network]) -> bool:
    """Whether `networks` (of one IP version) together cover that version's whole internet."""
    if not networks:
        return False
    union = list(ipaddress.collapse_addresses(networks))  # type: ignore[type-var]
    return all(_covered(block, union) for block in _internet(networks[0].version))


def _covered(block: Network, union: list[Network]) -> bool:
    inside = 0
    for net in union:
        if block.subnet_of(net):  # type: ignore[arg-type]
            return True
        if net.subnet_of(block):  # type: ignore[arg-type]
            inside += net.num_addresses
    return inside == block.num_addresses


def open_to_internet(cidrs: Sequence[str]) -> list[tuple[int | None, str]]:
    """What in `cidrs` opens a port to the whole internet, per IP version: each entry that does
    alone (its index and text), or else the list as a whole (index None, naming the entries)."""
    out: list[tuple[int | None, str]] = []
    for version in (4, 6):
        nets = [
            (index, ipaddress.ip_network(cidr, strict=False))
            for index, cidr in enumerate(cidrs)
            if ipaddress.ip_network(cidr, strict=False).version == version
        ]
        if not covers_internet([net for _, net in nets]):
            continue
        alone: list[tuple[int | None, str]] = [
            (index, cidrs[index]) for index, net in nets if covers_internet([net])
        ]
        together = ", ".join(cidrs[index] for index, _ in nets)
        out += alone or [(None, f"{together} (together)")]
    return out
