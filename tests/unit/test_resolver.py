"""PublicOnlyResolver: names resolving to internal addresses are refused, unless allowed; no real DNS here."""

from __future__ import annotations

import pytest
from twisted.internet.error import DNSLookupError

from archiver.blogger.netpolicy import parse_allowed
from archiver.resolver import PublicOnlyResolver, proxy_hosts


def resolver(allow: list[str] | None = None) -> PublicOnlyResolver:
    return PublicOnlyResolver(object(), 0, 5.0, allowed=parse_allowed(allow or []))  # type: ignore[arg-type]


def test_a_name_resolving_to_loopback_is_refused_as_a_failed_lookup() -> None:
    with pytest.raises(DNSLookupError, match="rebind.example.org resolves to 127.0.0.1, a loopback address"):
        resolver()._check("127.0.0.1", "rebind.example.org")


def test_public_and_allowed_results_pass() -> None:
    assert resolver()._check("93.184.216.34", "www.example.org") == "93.184.216.34"
    assert resolver(["10.0.0.0/8"])._check("10.1.2.3", "intranet.example") == "10.1.2.3"


def test_the_proxy_names_are_exempt() -> None:
    assert proxy_hosts({"http": "http://Proxy.Corp:3128", "https": "proxy2.corp:8080"}) == {"proxy.corp", "proxy2.corp"}
