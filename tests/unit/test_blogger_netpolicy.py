"""The address policy of archiver.blogger.netpolicy: schemes, IP literals in every form, localhost, allow-lists."""

from __future__ import annotations

import pytest

from archiver.blogger.netpolicy import (
    address_refusal,
    ip_literal,
    parse_allowed,
    url_refusal,
)

NONE = parse_allowed([])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://gongminziyoulianmeng.blogspot.com/", None),
        ("https://www.example.org/2015/09/x.html", None),
        ("https://1.bp.blogspot.com/-a/s320/x.jpg", None),
        ("file:///etc/passwd", "refused_scheme"),
        ("ftp://x.blogspot.com/", "refused_scheme"),
        ("data:text/html,hi", "refused_scheme"),
        ("gopher://x.org/", "refused_scheme"),
        ("http://127.0.0.1:8080/", "refused_address"),
        ("http://127.0.0.1/", "refused_address"),
        ("http://8.8.8.8/", "refused_address"),  # any IP literal: a blog lives on a host name
        ("http://10.0.0.1/", "refused_address"),
        ("http://169.254.169.254/latest/meta-data/", "refused_address"),
        ("http://2130706433/", "refused_address"),
        ("http://0x7f.1/", "refused_address"),
        ("http://0177.0.0.1/", "refused_address"),
        ("http://127.1/", "refused_address"),
        ("http://1.2.3.4.5/", "refused_address"),
        ("http://[::1]:8080/", "refused_address"),
        ("http://[::ffff:127.0.0.1]/", "refused_address"),
        ("http://[fe80::1]/", "refused_address"),
        ("http://localhost:8080/", "refused_address"),
        ("http://LOCALHOST./", "refused_address"),
        ("http://evil.localhost/", "refused_address"),
        ("https://user:pw@x.blogspot.com/", "invalid_url"),
        ("http://a%2eb.bp.blogspot.com/x.jpg", "invalid_url"),
        ("https://../", "invalid_url"),
    ],
)
def test_url_refusal(url: str, reason: str | None) -> None:
    refusal = url_refusal(url, NONE)
    assert (refusal.reason if refusal else None) == reason
    if refusal is not None:
        assert url in refusal.message


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("10.0.0.1.", "10.0.0.1"),
        ("[::1]", "::1"),
        ("www.example.org", None),
        ("1x.example.org", None),
    ],
)
def test_ip_literals_in_every_form(host: str, address: str | None) -> None:
    found = ip_literal(host)
    assert (str(found) if found is not None else None) == address


def test_allow_list_lets_exactly_what_it_names_through() -> None:
    allowed = parse_allowed(["127.0.0.1:8080", "10.1.0.0/16", "localhost", "[::1]:9000"])
    assert url_refusal("http://127.0.0.1:8080/", allowed) is None
    assert url_refusal("http://0x7f.1:8080/", allowed) is None  # the same address, written otherwise
    assert url_refusal("http://127.0.0.1:8081/", allowed).reason == "refused_address"  # another port
    assert url_refusal("http://10.1.2.3/", allowed) is None
    assert url_refusal("http://10.2.0.1/", allowed).reason == "refused_address"
    assert url_refusal("http://localhost:1234/", allowed) is None
    assert url_refusal("http://a.localhost/", allowed).reason == "refused_address"
    assert url_refusal("http://[::1]:9000/", allowed) is None
    assert url_refusal("http://[::1]:9001/", allowed).reason == "refused_address"
    assert url_refusal("file:///etc/passwd", allowed).reason == "refused_scheme"  # schemes never


def test_refusal_names_the_setting_that_allows_it() -> None:
    refusal = url_refusal("http://127.0.0.1:8080/x", NONE)
    assert refusal is not None
    assert "http://127.0.0.1:8080/x" in refusal.message
    assert "loopback" in refusal.message
    assert "ARCHIVER_SCOPE_ALLOW_ADDRESSES" in refusal.message


@pytest.mark.parametrize("entry", ["127.0.0.1:x", "300.1.1.1", "10.0.0.0/33", "a b", "[::1]x", "x:0"])
def test_bad_allow_entries_are_named(entry: str) -> None:
    with pytest.raises(ValueError, match="ARCHIVER_SCOPE_ALLOW_ADDRESSES"):
        parse_allowed([entry])


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.216.34", False),
        ("127.0.0.1", True),
        ("10.0.0.5", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("::ffff:10.0.0.1", True),
        ("2606:4700::1", False),
    ],
)
def test_resolved_addresses(address: str, refused: bool) -> None:
    message = address_refusal("blog.example.org", address, NONE)
    assert (message is not None) is refused
    if refused:
        assert "blog.example.org" in message
        assert address in message


def test_resolved_addresses_allowed_by_network_or_name() -> None:
    assert address_refusal("proxy.corp", "10.0.0.5", parse_allowed(["10.0.0.0/8"])) is None
    assert address_refusal("proxy.corp", "10.0.0.5", parse_allowed(["proxy.corp"])) is None
