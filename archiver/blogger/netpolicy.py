"""Which addresses a crawl may contact: http(s) only, and never an internal address unless explicitly allowed.

Pure functions over strings and :mod:`ipaddress`; no network, no Scrapy. The policy, and why:

- **Schemes**: ``http`` and ``https`` only. A redirect to ``file:``, ``ftp:`` or ``data:`` is refused
  (``refused_scheme``), never silently dropped.
- **Hosts**: a URL whose host breaks the rules of :func:`archiver.blogger.urls.split_url` (userinfo, empty or
  percent-encoded labels, a bad port) is refused (``invalid_url``).
- **Addresses**: a blog lives on host names. An IP literal (``127.0.0.1``, ``[::1]``, and the forms a browser
  or ``inet_aton`` also reads as IPv4: ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``: any host whose
  last label is a number), ``localhost`` and ``*.localhost`` are refused (``refused_address``), because a
  compromised site that redirects the crawler there makes it fetch, and archive, an internal service. They
  pass only when ``ARCHIVER_SCOPE_ALLOW_ADDRESSES`` names them (:func:`parse_allowed`): the replica and test
  servers in direct mode (``http://127.0.0.1:PORT/``).
- **Resolved addresses** (:func:`address_refusal`): a host *name* that resolves to a loopback, private,
  link-local, shared, reserved, multicast or unspecified address is refused the same way, by the crawl's DNS
  resolver (:mod:`archiver.resolver`), unless allowed; the proxy's own name is exempt there, since the
  operator chose it.

A refusal is a :class:`Refusal` (the give-up reason and a message naming the URL); the Scrapy layer raises it
as :class:`archiver.giveup.GaveUp`, so it is counted in ``archiver/gave_up/<reason>``, warned about, and makes
the exit status 3 (1 for the seed).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from archiver.blogger.urls import UrlError, split_url

if TYPE_CHECKING:
    from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = frozenset({"http", "https"})
ALLOW_SETTING = "ARCHIVER_SCOPE_ALLOW_ADDRESSES"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NUMBER = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


@dataclass(frozen=True)
class Refusal:
    """Why a URL may not be fetched: ``reason`` is the give-up reason, ``message`` names the URL."""

    reason: str
    message: str


@dataclass(frozen=True)
class AllowedAddresses:
    """What ``ARCHIVER_SCOPE_ALLOW_ADDRESSES`` lets through: networks and names, each with an optional port."""

    networks: tuple[tuple[IPNetwork, int | None], ...] = ()
    names: tuple[tuple[str, int | None], ...] = ()

    def allows_address(self, address: IPAddress, port: int | None = None) -> bool:
        """Tell whether an address (on ``port``, when known) is allowed."""
        address = _unmapped(address)
        return any(address in net and (want is None or port is None or want == port) for net, want in self.networks)

    def allows_name(self, name: str, port: int | None = None) -> bool:
        """Tell whether a host name (on ``port``, when known) is allowed."""
        name = name.lower().rstrip(".")
        return any(name == allowed and (want is None or port is None or want == port) for allowed, want in self.names)


def parse_allowed(entries: Iterable[str]) -> AllowedAddresses:
    """Read ``ARCHIVER_SCOPE_ALLOW_ADDRESSES``: hosts, ``host:port`` or CIDR networks (``127.0.0.0/8``).

    A host is an IP address (``127.0.0.1``, ``::1``, ``[::1]:8080``) or a name (``localhost``). Raises
    ValueError naming a bad entry.
    """
    networks: list[tuple[IPNetwork, int | None]] = []
    names: list[tuple[str, int | None]] = []
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        port: int | None = None
        host = entry
        try:
            if "/" in entry:
                networks.append((ipaddress.ip_network(entry, strict=False), None))
                continue
            if entry.startswith("["):
                host, _, rest = entry[1:].partition("]")
                port = _port(rest[1:]) if rest.startswith(":") else None
                if rest and not rest.startswith(":"):
                    raise ValueError("text after the IPv6 literal")
            elif entry.count(":") == 1:
                host, port_text = entry.split(":")
                port = _port(port_text)
            address = ip_literal(host)
        except ValueError as exc:
            raise ValueError(f"{ALLOW_SETTING}: bad entry {raw!r} ({exc})") from None
        if address is not None:
            networks.append((ipaddress.ip_network(address), port))
        elif re.match(r"^[a-z0-9.-]+$", host.lower()):
            names.append((host.lower().rstrip("."), port))
        else:
            raise ValueError(f"{ALLOW_SETTING}: bad entry {raw!r} (not an address, network or host name)")
    return AllowedAddresses(tuple(networks), tuple(names))


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise ValueError(f"bad port {text!r}")
    return int(text)


def _unmapped(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped IPv6 one (``::ffff:127.0.0.1``), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _ipv4_number(part: str) -> int:
    """One part of an IPv4 host as browsers and ``inet_aton`` read it: decimal, ``0x`` hex or ``0`` octal."""
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def ends_in_number(host: str) -> bool:
    """Tell whether a host's last label is a number, which makes browsers read the whole host as IPv4."""
    labels = host.rstrip(".").split(".")
    return bool(labels) and bool(_NUMBER.match(labels[-1]))


def ip_literal(host: str) -> IPAddress | None:
    """The address a host literally names (IPv6 in brackets or not, IPv4 in any numeric form), else None.

    Raises ValueError for a host that ends in a number but is no valid IPv4 address (``1.2.3.4.5``, ``999``
    in the last of four parts): browsers refuse those too.
    """
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        return ipaddress.IPv6Address(text)
    if not ends_in_number(text):
        return None
    parts = text.rstrip(".").split(".")
    if len(parts) > 4 or not all(_NUMBER.match(part) for part in parts):
        raise ValueError(f"{host!r} ends in a number but is not an IPv4 address")
    try:
        numbers = [_ipv4_number(part) for part in parts]
    except ValueError:  # an octal part with 8 or 9 in it
        raise ValueError(f"{host!r} ends in a number but is not an IPv4 address") from None
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host!r} ends in a number but is not an IPv4 address")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def is_local_name(host: str) -> bool:
    """Tell whether a host name is ``localhost`` or under ``.localhost`` (RFC 6761: always loopback)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def address_kind(address: IPAddress) -> str | None:
    """Why an address is internal (``loopback``, ``private``, ...), or None when it is a public one."""
    address = _unmapped(address)
    for kind, flag in (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return kind
    return None if address.is_global else "non-global"


def url_refusal(url: str, allowed: AllowedAddresses = AllowedAddresses()) -> Refusal | None:  # noqa: B008
    """Why ``url`` may not be fetched at all (scheme, host, IP literal, localhost), or None when it may be."""
    scheme = urlsplit(url.strip()).scheme.lower()
    if scheme not in SCHEMES:
        return Refusal("refused_scheme", f"{url}: only http and https are fetched, not {scheme or 'no scheme'!r}")
    try:
        _, hostport, _, _ = split_url(url)
    except UrlError as exc:
        return Refusal("invalid_url", str(exc))
    host, port = _host_port(hostport, scheme)
    try:
        address = ip_literal(host)
    except ValueError as exc:
        return Refusal("refused_address", f"{url}: {exc}")
    hint = f"(allow it with {ALLOW_SETTING})"
    if address is not None:
        if allowed.allows_address(address, port):
            return None
        kind = address_kind(address)
        what = f"a {kind} address" if kind else "an IP address"
        return Refusal("refused_address", f"{url}: the host {host} is {what}, not a host name {hint}")
    if is_local_name(host) and not allowed.allows_name(host, port):
        return Refusal("refused_address", f"{url}: {host} is the local machine {hint}")
    return None


def address_refusal(
    host: str,
    address: str,
    allowed: AllowedAddresses = AllowedAddresses(),  # noqa: B008
) -> str | None:
    """Why a host name that resolved to ``address`` may not be contacted (an internal address), else None."""
    try:
        resolved = ipaddress.ip_address(address)
    except ValueError:
        return f"{host} resolved to {address!r}, which is not an IP address"
    kind = address_kind(resolved)
    if kind is None or allowed.allows_address(resolved) or allowed.allows_name(host):
        return None
    return f"{host} resolves to {address}, a {kind} address (allow it with {ALLOW_SETTING})"


def _host_port(hostport: str, scheme: str) -> tuple[str, int]:
    """Split a validated ``host[:port]`` into host and effective port."""
    if hostport.startswith("["):
        host, _, rest = hostport.partition("]")
        return host + "]", int(rest[1:]) if rest else _DEFAULT_PORTS[scheme]
    host, _, port = hostport.partition(":")
    return host, int(port) if port else _DEFAULT_PORTS[scheme]
