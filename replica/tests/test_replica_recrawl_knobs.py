"""The replica's knobs for recrawls: posts edited silently (only the post page changes) and photo-weight images."""

from __future__ import annotations

import http.client
import json
import ssl
import struct
import zlib
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from blogger_replica import assets
from blogger_replica.app import ReplicaApp, Request
from blogger_replica.assets import photo_png, png, variant_size
from blogger_replica.cli import main
from blogger_replica.content import DEFAULT_BLOG_NAME, SILENT_CORRECTION_EN, SILENT_CORRECTION_ZH, Blog, Image
from blogger_replica.truth import truth_records
from lxml import html

if TYPE_CHECKING:
    from collections.abc import Callable

    from blogger_replica.launch import Replica

POSTS = 80
SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLOG_HOST = f"{DEFAULT_BLOG_NAME}.blogspot.com"


def get_via_tunnel(replica: Replica, path: str, host: str = BLOG_HOST) -> tuple[int, dict[str, str], bytes]:
    """GET an https URL through the replica's CONNECT proxy."""
    context = ssl.create_default_context(cafile=str(replica.ca_cert))
    conn = http.client.HTTPSConnection("127.0.0.1", replica.port, timeout=10, context=context)
    conn.set_tunnel(host, 443)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def get(app: ReplicaApp, url: str) -> tuple[int, bytes, object]:
    """Ask the app for an https URL as a crawler does through the proxy's tunnel."""
    host, _, rest = url.removeprefix("https://").partition("/")
    path, _, query = f"/{rest}".partition("?")
    page = app.handle(Request("GET", "https", host, path, query, "tunnel"))
    assert page is not None, url
    return page.status, page.body, page.last_modified


@pytest.fixture(scope="module")
def plain() -> Blog:
    return Blog(POSTS, 1)


@pytest.fixture(scope="module")
def silent() -> Blog:
    return Blog(POSTS, 1, silent_edits=0.1)


def blog_urls(blog: Blog) -> list[str]:
    """Every page a crawler of the blog reads: listings, archives, labels, feeds, sitemaps, posts (desktop, mobile)."""
    base = f"https://{blog.host}"
    urls = [f"{base}/", f"{base}/?m=1", f"{base}/sitemap.xml", f"{base}/sitemap.xml?page=1", f"{base}/robots.txt"]
    urls += [f"{base}/feeds/posts/default{q}" for q in ("", "?alt=rss", "?max-results=500", "?alt=json")]
    urls += [f"{base}/feeds/posts/summary?max-results=500", f"{base}/feeds/comments/default?max-results=500"]
    urls += [f"{base}/{y:04d}/" for y in blog.years] + [f"{base}/{y:04d}/{m:02d}/" for y, m in blog.months]
    urls += [f"{base}/search/label/{quote(label, safe='')}" for label in blog.label_index]
    for post in blog.posts:
        urls += [f"{base}{post.path}", f"{base}{post.path}?m=1", f"{base}/feeds/{post.post_id}/comments/default"]
    return urls


# --- silent edits -----------------------------------------------------------------------------------------


def test_silent_edits_change_exactly_the_post_pages_of_the_listed_posts(plain: Blog, silent: Blog) -> None:
    edited = {f"https://{silent.host}{path}" for path in silent.silent_edits}
    assert 6 <= len(edited) <= 8  # 10% of the posts, less those deleted in state 1
    for theme in ("classic", "contempo"):
        before, after = ReplicaApp(plain, theme), ReplicaApp(silent, theme)
        changed = set()
        for url in blog_urls(silent):
            status, body, last_modified = get(after, url)
            old_status, old_body, old_last_modified = get(before, url)
            assert (status, last_modified) == (old_status, old_last_modified), url  # Last-Modified announces nothing
            if body != old_body:
                changed.add(url.removesuffix("?m=1"))
                text = html.fromstring(body.decode()).xpath("string(//*[starts-with(@id,'post-body-')])")
                assert "".join(text.split()).endswith("".join((SILENT_CORRECTION_EN + SILENT_CORRECTION_ZH).split()))
                assert SILENT_CORRECTION_EN not in old_body.decode(), url
        assert changed == edited, theme


def test_silent_edits_keep_the_posts_metadata(plain: Blog, silent: Blog) -> None:
    for path in silent.silent_edits:
        post, old = silent.by_path[path], plain.by_path[path]
        assert post == old  # updated, title, labels, edits and comments are those of the state without the knob
        assert silent.body(post) == plain.body(old)  # what feeds, listings and snippets show
        assert silent.page_body(post).paragraphs() == [*plain.body(old).paragraphs(), *silent_correction()]


def silent_correction() -> list[str]:
    return [SILENT_CORRECTION_EN, SILENT_CORRECTION_ZH]


def test_truth_lists_the_silently_edited_posts_with_their_page_body(plain: Blog, silent: Blog) -> None:
    want = {r["post_id"]: r for r in truth_records(plain)}
    got = {r["post_id"]: r for r in truth_records(silent)}
    flagged = {pid for pid, r in got.items() if r["silent_edit"]}
    assert flagged == {silent.by_path[p].post_id for p in silent.silent_edits}
    assert not any(r["silent_edit"] for r in want.values())
    for pid, record in got.items():
        if pid in flagged:
            assert record["paragraphs"][-2:] == silent_correction()
            assert record["body_text"] == want[pid]["body_text"] + "\n\n" + "\n\n".join(silent_correction())
            same = {k: v for k, v in record.items() if k not in ("body_text", "paragraphs", "silent_edit")}
            assert same == {k: v for k, v in want[pid].items() if k not in ("body_text", "paragraphs", "silent_edit")}
        else:
            assert record == want[pid]


def test_silent_edits_start_in_state_1_and_last_into_state_2() -> None:
    assert Blog(POSTS, 0, silent_edits=1.0).silent_edits == frozenset()
    one, two = Blog(POSTS, 1, silent_edits=0.2), Blog(POSTS, 2, silent_edits=0.2)
    state0 = {p.path for p in Blog(POSTS, 0).posts}
    assert one.silent_edits <= state0  # never a post added later: it has no earlier version
    assert one.silent_edits & set(two.by_path) == two.silent_edits & set(one.by_path) != set()
    assert Blog(POSTS, 1, silent_edits=0.2).silent_edits == one.silent_edits  # deterministic
    assert 36 <= len(Blog(400, 1, silent_edits=0.1).silent_edits) <= 40  # 10% of state 0, less the deleted


def test_silent_edit_picks_posts_by_path(plain: Blog) -> None:
    paths = [plain.posts[3].path, plain.posts[40].path]
    assert Blog(POSTS, 1, silent_edit_paths=paths).silent_edits == frozenset(paths)
    with pytest.raises(ValueError, match="no post at /p/about-us.html"):
        Blog(POSTS, 1, silent_edit_paths=["/p/about-us.html"])


def test_truth_command_lists_silent_edits(plain: Blog, capsys: pytest.CaptureFixture[str]) -> None:
    path = plain.posts[5].path
    assert main(["truth", "--posts", str(POSTS), "--state", "1", "--silent-edits", "0.1", "--silent-edit", path]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    listed = {(r["post_id"], r["url"]) for r in records if r["silent_edit"]}
    expected = Blog(POSTS, 1, silent_edits=0.1, silent_edit_paths=[path])
    assert listed == {(expected.by_path[p].post_id, f"https://{BLOG_HOST}{p}") for p in expected.silent_edits}
    assert main(["truth", "--posts", "10", "--state", "1", "--silent-edit", "/2099/01/none.html"]) == 1
    assert "no post at /2099/01/none.html" in capsys.readouterr().err


def test_served_replica_edits_silently(replica_factory: Callable[..., Replica], plain: Blog) -> None:
    target = next(p for p in plain.posts if p.comments_enabled)
    served = replica_factory("--posts", str(POSTS), "--state", "1", "--silent-edit", target.path)
    status, headers, body = get_via_tunnel(served, target.path)
    assert status == 200
    assert SILENT_CORRECTION_EN in body.decode()
    assert parsedate_to_datetime(headers["last-modified"]) == target.updated.replace(microsecond=0)
    site_app = ReplicaApp(plain)
    for path in ("/feeds/posts/default?max-results=500", f"/feeds/{target.post_id}/comments/default"):
        _, _, feed = get_via_tunnel(served, path)
        assert SILENT_CORRECTION_EN not in feed.decode()
        assert feed == get(site_app, f"https://{BLOG_HOST}{path}")[1]


# --- photo-weight images ----------------------------------------------------------------------------------


def post_images(blog: Blog) -> list[Image]:
    return [image for post in blog.posts for image in blog.body(post).images]


def decoded_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from the IHDR of a PNG, after checking its signature, chunks and pixels."""
    assert data[:8] == SIGNATURE
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(kind + payload)
        chunks[kind] = chunks.get(kind, b"") + payload
        pos += 12 + length
    assert pos == len(data)
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8
    channels = {2: 3, 3: 1}[colour]
    if colour == 3:
        assert len(chunks[b"PLTE"]) == 3 * 256
    raw = zlib.decompress(chunks[b"IDAT"])
    assert len(raw) == height * (1 + channels * width)
    assert all(raw[y * (1 + channels * width)] == 0 for y in range(height))  # filter type None on every row
    return width, height, colour


@pytest.mark.parametrize("size", ["s1600", "s0", "s400", "s320", "w640-h400-p-k-no-nu", "w1200-h630-p-k-no-nu"])
def test_photo_variants_are_valid_pngs_of_their_size_and_weight(size: str) -> None:
    for image in post_images(Blog(30))[:6]:
        dims = variant_size(size, image.width, image.height)
        assert dims is not None
        page = assets.image_page(image, size)
        assert page is not None
        assert decoded_size(page.body)[:2] == dims
        for bpp in (1.2, 3.0):
            target = dims[0] * dims[1] * bpp / 8
            body = photo_png(dims[0], dims[1], image.ident, bpp)
            assert 0.9 * target <= len(body) <= 1.1 * target, (size, bpp, len(body), target)
        assert photo_png(*dims, image.ident, 1.2) == page.body  # 1.2 bits per pixel by default


def test_photo_sizes_of_the_brief() -> None:
    assert 270_000 <= len(photo_png(1600, 1200, 5, 1.2)) <= 310_000
    assert 16_000 <= len(photo_png(400, 300, 5, 1.2)) <= 20_000
    assert 1_000 <= len(photo_png(72, 72, 5, 1.2)) <= 2_000  # PNG framing and palette weigh on a thumbnail
    assert decoded_size(photo_png(1, 1, 5, 1.2))[:2] == (1, 1)
    assert decoded_size(photo_png(64, 48, 5, 8.0))[:2] == (64, 48)
    with pytest.raises(ValueError, match="at most 8"):
        photo_png(64, 48, 5, 9.0)


def test_photo_bpp_option_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--photo-bpp", "9"])
    assert exited.value.code == 2
    assert "--photo-bpp: must be at most 8 bits per pixel" in capsys.readouterr().err


def test_photos_are_the_same_bytes_in_every_run_and_state() -> None:
    urls = [image.original for image in post_images(Blog(30))[:4]]
    first = [get(ReplicaApp(Blog(30, 0)), url)[1] for url in urls]
    photo_png.cache_clear()
    assert [get(ReplicaApp(Blog(30, 2)), url)[1] for url in urls] == first
    assert len(set(first)) == len(first)  # each image its own bytes


def stripes(width: int, height: int, seed: int) -> bytes:
    """The raw rows of the replica's original tiny images, from their definition: 12-pixel diagonal stripes."""
    a = bytes(((seed * 97) % 200 + 30, (seed * 57) % 200 + 30, (seed * 31) % 200 + 30))
    b = bytes(255 - v for v in a)
    return b"".join(
        b"\x00" + b"".join(a if ((x + y % 24) // 12) % 2 == 0 else b for x in range(width)) for y in range(height)
    )


def test_photo_bpp_0_serves_the_tiny_stripes() -> None:
    image = post_images(Blog(30))[0]
    for size in ("s1600", "s320", "s72-c"):
        page = assets.image_page(image, size, 0)
        assert page is not None
        dims = variant_size(size, image.width, image.height)
        assert dims is not None
        assert page.body == png(*dims, image.ident)
        assert decoded_size(page.body) == (*dims, 2)
        if size != "s1600":
            idat = page.body[8 + 25 + 8 : -12 - 4]
            assert zlib.decompress(idat) == stripes(*dims, image.ident)
        assert len(page.body) < len(photo_png(*dims, image.ident, 1.2)) / 2
    app = ReplicaApp(Blog(30), photo_bpp=0)
    assert get(app, image.original)[1] == png(image.width, image.height, image.ident)


def test_sidebar_images_stay_tiny(replica: Replica) -> None:
    status, _, body = get_via_tunnel(replica, "/")
    sidebar = [
        src
        for src in html.fromstring(body).xpath("//div[contains(@class,'widget Image')]//img/@src")
        if ".bp.blogspot.com/" in src
    ]
    assert status == 200
    assert sidebar
    host, _, path = sidebar[0].removeprefix("https://").partition("/")
    served = get_via_tunnel(replica, f"/{path}", host=host)[2]
    assert decoded_size(served)[2] == 2  # the striped RGB image of bpp 0
    assert len(served) < 10_000


def test_default_replica_serves_photo_weight_originals(replica: Replica) -> None:
    _, _, body = get_via_tunnel(replica, "/2013/09/free-nobel-laureate-liu-xiaobo-rally.html")
    original = html.fromstring(body).xpath("//div[contains(@class,'post-body')]//a[img]/@href")[0]
    host, _, path = original.removeprefix("https://").partition("/")
    status, headers, data = get_via_tunnel(replica, f"/{path}", host=host)
    width, height, _ = decoded_size(data)
    assert (status, headers["content-type"]) == (200, "image/png")
    assert 0.9 <= len(data) / (width * height * 1.2 / 8) <= 1.1
