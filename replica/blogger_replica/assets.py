"""Blogger's asset hosts in the replica: images in any size variant, CSS and JS bundles, icons.

Images are real PNG files generated from the image's identity, so each size variant (``s320``,
``s1600``, ``s72-c``, ``w640-h400-p-k-no-nu``, ``s0``, ``d``) is a distinct, valid image whose pixel size
follows Blogger's rules; a crawler that fetches them stores real bytes a browser can decode.
"""

from __future__ import annotations

import random
import re
import struct
import zlib
from datetime import UTC, datetime
from functools import lru_cache

from blogger_replica import assets_urls as au
from blogger_replica.content import SITE_IMAGE_BASE, Blog, Image, decode_image_ident
from blogger_replica.site import Page

_ASSET_TIME = datetime(2015, 6, 1, tzinfo=UTC)  # Last-Modified of the static bundles
_IMAGE_HEADERS = [
    ("Cache-Control", "public, max-age=86400, no-transform"),
    ("Access-Control-Allow-Origin", "*"),
    ("Timing-Allow-Origin", "*"),
]

# --- PNG ----------------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=256)
def png(width: int, height: int, seed: int) -> bytes:
    """A deterministic RGB PNG of the given size: diagonal stripes in colours derived from ``seed``."""
    a = ((seed * 97) % 200 + 30, (seed * 57) % 200 + 30, (seed * 31) % 200 + 30)
    b = (255 - a[0], 255 - a[1], 255 - a[2])
    period = 24
    pattern = b"".join(bytes(a if (x // 12) % 2 == 0 else b) for x in range(width + period))
    rows = b"".join(b"\x00" + pattern[3 * (y % period) : 3 * (y % period + width)] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 6)) + _chunk(b"IEND", b"")
    )


DEFAULT_PHOTO_BPP = 1.2  # a JPEG photo of a Blogger post, in bits per pixel of the served file
MAX_PHOTO_BPP = 8.0  # one byte of noise per pixel: the most a palette PNG can weigh


@lru_cache(maxsize=256)
def photo_png(width: int, height: int, seed: int, bpp: float) -> bytes:
    """A deterministic PNG that weighs what a photo of its pixel size does: ``bpp`` bits per pixel.

    A 256-colour palette image (one byte per pixel, a third of RGB's bytes to deflate, at zlib level 1, so a
    1600x1200 original takes milliseconds): the stripes of :func:`png` in palette entries 0 and 1, which
    cost little once deflated, then a band of pseudo-random rows at the bottom (incompressible: deflate
    stores them) sized so that the file weighs the target. The palette and the noise come from a generator
    seeded with the image and its size, so each URL has the same bytes in every run, in every state. ``bpp``
    0 gives :func:`png` itself.
    """
    if bpp <= 0:
        return png(width, height, seed)
    if bpp > MAX_PHOTO_BPP:
        raise ValueError(f"photo bpp must be at most {MAX_PHOTO_BPP}, got {bpp}")
    rng = random.Random(f"photo:{seed}:{width}x{height}")
    a = ((seed * 97) % 200 + 30, (seed * 57) % 200 + 30, (seed * 31) % 200 + 30)
    b = (255 - a[0], 255 - a[1], 255 - a[2])
    palette = bytes(a) + bytes(b) + rng.randbytes(3 * 254)
    period = 24
    pattern = bytes((x // 12) % 2 for x in range(width + period))
    block = b"".join(b"\x00" + pattern[y : y + width] for y in range(period))  # one period of stripe rows
    row = 1 + width
    per_row = len(zlib.compress(block, 1)) / period  # what a stripe row costs once deflated
    target = width * height * bpp / 8 - 57 - len(palette)  # less signature, chunk framing, IHDR, zlib
    noisy = min(height, max(0, round((target - per_row * height) / (row - per_row))))
    plain = height - noisy
    stripes = block * (plain // period) + block[: row * (plain % period)]
    noise = rng.randbytes(noisy * width)
    band = b"".join(b"\x00" + noise[i : i + width] for i in range(0, len(noise), width))
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", palette)
        + _chunk(b"IDAT", zlib.compress(stripes + band, 1))
        + _chunk(b"IEND", b"")
    )


@lru_cache(maxsize=8)
def gradient_png(width: int, height: int, top: tuple[int, int, int, int], bottom: tuple[int, int, int, int]) -> bytes:
    """A vertical RGBA gradient, like the background tiles and translucent overlays of Blogger's Simple template."""
    rows = []
    for y in range(height):
        f = y / max(1, height - 1)
        pixel = bytes(round(a + (b - a) * f) for a, b in zip(top, bottom, strict=True))
        rows.append(b"\x00" + pixel * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def variant_size(size: str, width: int, height: int) -> tuple[int, int] | None:
    """Pixel size Blogger's image server gives for a size segment; None when the segment is not valid."""
    if size in ("d", "s0"):
        return width, height
    match = re.fullmatch(r"s(\d+)(-c)?", size)
    if match:
        limit = int(match.group(1))
        if match.group(2):
            return limit, limit
        limit = min(limit, 1600) if limit else max(width, height)
        scale = min(1.0, limit / max(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))
    match = re.fullmatch(r"w(\d+)-h(\d+)(-[a-z-]+)?", size)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.fullmatch(r"([wh])(\d+)", size)
    if match:
        scale = int(match.group(2)) / (width if match.group(1) == "w" else height)
        scale = min(scale, 1.0)
        return max(1, round(width * scale)), max(1, round(height * scale))
    return None


def image_page(image: Image, size: str, photo_bpp: float = DEFAULT_PHOTO_BPP) -> Page | None:
    """One size variant of an image: a post's photo weighs ``photo_bpp``; the sidebar's images stay tiny."""
    dims = variant_size(size, image.width, image.height)
    if dims is None:
        return None
    if image.ident >= SITE_IMAGE_BASE:
        body = png(dims[0], dims[1], image.ident)
    else:
        body = photo_png(dims[0], dims[1], image.ident, photo_bpp)
    return Page(200, "image/png", body, last_modified=_ASSET_TIME, headers=list(_IMAGE_HEADERS))


# --- CSS / JS / icons ---------------------------------------------------------------------------------

_CLASSIC_CSS = f"""/* Blogger widgets bundle (replica) */
body {{ font: normal normal 12px Arial, Tahoma, Helvetica, FreeSans, sans-serif; color: #222222;
  background: #66bbdd url({au.CLASSIC_BODY_TILE}) repeat-x scroll top left; }}
.body-fauxcolumn-outer .cap-top {{ background: url({au.CLASSIC_GRADIENTS}) repeat-x scroll top left; }}
.widget .zippy {{ color: #999999; }}
.post-body img {{ padding: 2px; background: #ffffff; border: 1px solid #eeeeee; }}
.date-header span {{ background-color: transparent; color: #222222; letter-spacing: 0; }}
.blog-pager {{ background: transparent none no-repeat scroll top center; }}
.comments .avatar-image-container img {{ max-width: 36px; }}
.post-share-buttons {{ margin-top: .5em; }}
.goog-inline-block {{ position: relative; display: inline-block; }}
"""

_CONTEMPO_CSS = f"""/* Blogger v2 widgets bundle (replica) */
body {{ background-color: #eeeeee; font: 15px Roboto, sans-serif; color: #757575; }}
.bg-photo {{ background-image: url({au.CONTEMPO_HEADER}); background-size: cover; }}
.post-snippet.snippet-container {{ max-height: 120px; overflow: hidden; }}
details.collapsible > summary {{ list-style: none; }}
.byline {{ margin-right: 1em; }}
"""

_WIDGETS_JS = """// Blogger widgets (replica): enough for the page to load without errors.
var _WidgetManager = {
  _Init: function (a, b, c) { this.dataUrl = a; this.blogUrl = b; },
  _SetDataContext: function (ctx) { this.context = ctx; },
  _RegisterWidget: function (kind, obj) { (this.widgets = this.widgets || []).push([kind, obj]); }
};
function _WidgetInfo(id, section) { this.id = id; this.section = section; }
"""


def _ico() -> bytes:
    payload = png(16, 16, 7)
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(payload), 6 + 16)
    return header + entry + payload


def _gif1x1() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def _static_assets() -> dict[str, tuple[str, bytes]]:
    out: dict[str, tuple[str, bytes]] = {
        au.CLASSIC_CSS: ("text/css", _CLASSIC_CSS.encode()),
        au.CONTEMPO_CSS: ("text/css", _CONTEMPO_CSS.encode()),
        au.CLASSIC_JS: ("text/javascript", _WIDGETS_JS.encode()),
        au.CONTEMPO_JS: ("text/javascript", _WIDGETS_JS.encode()),
        au.CLASSIC_BODY_TILE: ("image/png", gradient_png(1, 800, (102, 187, 221, 255), (235, 245, 250, 255))),
        au.CLASSIC_GRADIENTS: ("image/png", gradient_png(1, 1000, (255, 255, 255, 140), (255, 255, 255, 0))),
        au.ICON_WRENCH: ("image/png", png(18, 18, 13)),
        au.ICON_EDIT: ("image/gif", _gif1x1()),
        au.ICON_EMAIL: ("image/gif", _gif1x1()),
        au.AVATAR_DEFAULT: ("image/gif", _gif1x1()),
        au.AVATAR_BLANK: ("image/gif", _gif1x1()),
        au.CONTEMPO_HEADER: ("image/png", png(1600, 400, 14)),
    }
    return {url.split("://", 1)[1]: value for url, value in out.items()}


_STATIC = _static_assets()
FAVICON = _ico()


def favicon_page() -> Page:
    return Page(200, "image/x-icon", FAVICON, last_modified=_ASSET_TIME, headers=list(_IMAGE_HEADERS))


def render(
    blog: Blog, host: str, path: str, query: dict[str, list[str]], *, photo_bpp: float = DEFAULT_PHOTO_BPP
) -> Page | None:
    """Answer a request to one of Blogger's asset hosts; None when nothing lives at that path."""
    static = _STATIC.get(f"{host}{path}")
    if static is not None:
        content_type, body = static
        if content_type.startswith("text/"):
            content_type += "; charset=UTF-8"
        return Page(
            200, content_type, body, last_modified=_ASSET_TIME, headers=[("Cache-Control", "public, max-age=31536000")]
        )
    if host.endswith(".bp.blogspot.com"):
        return _bp_image(blog, path, photo_bpp)
    if host == "www.blogger.com":
        return _blogger_dot_com(blog, path, query)
    return None


def _bp_image(blog: Blog, path: str, photo_bpp: float) -> Page | None:
    parts = path.split("/")
    # "", "-KEY", "KEY", "AAAAAAAAAxx", "KEY", SIZE, FILENAME
    if len(parts) != 7:
        return None
    ident = decode_image_ident(parts[1], blog.name)
    image = blog.image(ident) if ident is not None else None
    if image is None or "/".join(parts[1:5]) != image.key or parts[6] != image.filename:
        return None
    return image_page(image, parts[5], photo_bpp)


_LOGIN = "https://accounts.google.com/ServiceLogin?service=blogger&continue=https://www.blogger.com/"


def _blogger_dot_com(blog: Blog, path: str, query: dict[str, list[str]]) -> Page | None:
    if path.endswith(".g") and path[1:-2] in ("comment", "share-post", "email-post", "post-edit"):
        # Blogger sends these to the Google sign-in page, which is outside the replica
        return Page(302, "text/html; charset=UTF-8", b"", headers=[("Location", _LOGIN)], cacheable=False)
    if path == "/navbar.g":
        body = (
            "<!DOCTYPE html><html><head><title>Blogger: navbar</title></head><body class='navbar'>"
            f"<a href='https://www.blogger.com/'>Blogger</a> <a href='https://{blog.host}/'>{blog.title}</a>"
            "</body></html>"
        )
        return Page.html(body, cacheable=False)
    if path == "/dyn-css/authorization.css":
        return Page(200, "text/css; charset=UTF-8", b"/* authorization */\n", cacheable=False)
    match = re.fullmatch(r"/profile/(\d{10,21})", path)
    if match:
        body = (
            f"<!DOCTYPE html><html><head><title>Blogger: User Profile</title></head><body>"
            f"<h1>User Profile</h1><p>Blogs: <a href='https://{blog.host}/'>{blog.title}</a></p></body></html>"
        )
        return Page.html(body)
    return None
