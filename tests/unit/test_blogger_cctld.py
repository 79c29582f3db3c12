"""The archiver and the replica agree on which hosts are Blogger's country addresses of a blog.

Each package keeps its own copy of the rule (neither may import the other): the archiver maps
``NAME.blogspot.<ccTLD>`` to ``NAME.blogspot.com`` (:func:`archiver.blogger.urls.blogspot_host`), and the
replica answers such a host with a 301 to ``NAME.blogspot.com``, as Blogger does.
"""

from __future__ import annotations

import pytest
from blogger_replica.app import ReplicaApp, Request
from blogger_replica.content import Blog
from hypothesis import given
from hypothesis import strategies as st

from archiver.blogger.urls import blogspot_host

APP = ReplicaApp(Blog(3))

#: the blogspot.* entries of the Public Suffix List (2024): every one is a two-letter country code, after
#: nothing, ``co.`` or ``com.``
REAL_CCTLDS = (
    "ae al am ba be bg bj ca cf ch cl co.at co.id co.il co.ke co.nz co.uk co.za com.ar com.au com.br com.by "
    "com.co com.cy com.ee com.eg com.es com.mt com.ng com.tr com.uy cv cz de dk fi fr gr hk hr hu ie in is it "
    "jp kr li lt lu md mk mx my nl no pe pt qa re ro rs ru se sg si sk sn td tw ug vn"
).split()


def replica_redirect(host: str) -> str | None:
    """Where the replica's proxy sends ``https://HOST/2011/05/x.html``, or None if it does not redirect."""
    page = APP.handle(Request("GET", "https", host, "/2011/05/x.html", "", "tunnel"))
    if page is None or page.status != 301:
        return None
    return dict(page.headers)["Location"]


def archiver_redirect(host: str) -> str | None:
    """The URL the archiver makes of the same address when it maps the host, else None."""
    mapped = blogspot_host(host)
    return None if mapped == host else f"https://{mapped}/2011/05/x.html"


@pytest.mark.parametrize("suffix", REAL_CCTLDS)
def test_every_real_blogger_cctld_is_mapped_by_both(suffix: str) -> None:
    host = f"myblog.blogspot.{suffix}"
    assert archiver_redirect(host) == "https://myblog.blogspot.com/2011/05/x.html"
    assert replica_redirect(host) == "https://myblog.blogspot.com/2011/05/x.html"


@pytest.mark.parametrize(
    "host",
    [
        "myblog.blogspot.com",  # already the canonical address
        "myblog.blogspot.org",
        "myblog.blogspot.net",
        "myblog.blogspot.info",  # not country codes
        "myblog.blogspot.com.a",
        "myblog.blogspot.co.uk.example",
        "myblog.blogspot.c0",
        "a.b.blogspot.de",  # a name is one label
    ],
)
def test_what_is_not_a_blogger_cctld_is_mapped_by_neither(host: str) -> None:
    assert archiver_redirect(host) is None
    assert replica_redirect(host) is None


_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)
_TAIL = st.lists(
    st.sampled_from(["co", "com", "org", "uk", "de", "au", "c", "comm", "x1", "blogspot"]), min_size=1, max_size=3
).map(".".join)


@given(name=_LABEL, tail=_TAIL | st.text(alphabet="abcdefghijklmnopqrstuvwxyz.-", max_size=10))
def test_the_two_copies_of_the_rule_agree_on_any_host(name: str, tail: str) -> None:
    host = f"{name}.blogspot.{tail}"
    assert archiver_redirect(host) == replica_redirect(host)
