"""Pieces both themes share: escaping, the post body as Blogger's editor wrote it, dates, the blog chrome.

The post body is the author's HTML, stored by Blogger and served unchanged by every theme, so it is built
here once: double-quoted attributes and ``<br />`` as the 2011-2016 editor wrote them, captions in a
``tr-caption-container`` table, the ``<a name='more'></a>`` jump break Blogger puts in place of
``<!--more-->``. Template markup (single-quoted attributes) lives in the theme modules.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from blogger_replica import seeds
from blogger_replica.content import AUTHOR_EN, AUTHOR_MAIN, Author, Image, iso_seconds, site_images
from blogger_replica.html.routes import View, zh_month

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from blogger_replica.content import Block, Blog, Body, Post
    from blogger_replica.site import Site

BLOGGER = "https://www.blogger.com"
OLD_SITE = "http://www.cfcr2008.org/"  # the compromised former site: linked, never to be crawled
SNIPPET_CHARS = 150
ARCHIVE_TITLE_CHARS = 50  # BlogArchive truncates longer titles to this many characters + "..."

# zh-CN strings of Blogger's templates and widgets
ZH = {
    "newer": "较新的博文",
    "older": "较早的博文",
    "home": "主页",
    "author": "发布者：",
    "at": "时间：",
    "labels": "标签：",
    "comments": "条评论",
    "said": "说...",
    "post_comment": "发表评论",
    "subscribe": "订阅：",
    "posts_atom": "博文 (Atom)",
    "comments_atom": "博文评论 (Atom)",
    "read_more": "阅读全文",
    "archive": "博客归档",
    "labels_title": "标签",
    "contributors": "供稿人",
    "links": "链接",
    "email_post": "通过电子邮件发送博文",
    "edit_post": "修改博文",
    "email_this": "通过电子邮件发送",
    "blog_this": "BlogThis!",
    "twitter": "分享到 Twitter",
    "facebook": "分享到 Facebook",
    "pinterest": "分享到 Pinterest",
    "not_found": "抱歉，您在此博客中查找的网页不存在。",
    "pages": "网页",
    "no_posts": "没有博文。",
    "show_all": "显示所有博文",
    "web_version": "查看网络版本",
    "skip": "跳到主要内容",
    "comments_title": "评论",
    "share": "分享",
    "get_link": "获取链接",
}


def esc(text: str) -> str:
    """Escape text for an HTML text node or a quoted attribute, as Blogger does (``&#39;``, ``&quot;``)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def js_str(text: str) -> str:
    r"""A JavaScript string body in Blogger's escaping (``\\x27``, ``\\x3d``, ``\\x26`` …)."""
    out = text.replace("\\", "\\\\")
    for char, code in (
        ("'", "\\x27"),
        ('"', "\\x22"),
        ("<", "\\x3c"),
        (">", "\\x3e"),
        ("&", "\\x26"),
        ("=", "\\x3d"),
        ("\n", "\\n"),
    ):
        out = out.replace(char, code)
    return out


def json_ld(data: dict[str, object]) -> str:
    """JSON for a ``<script type='application/ld+json'>`` block, safe inside the script element."""
    return json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")


# --- dates --------------------------------------------------------------------------------------------


def zh_time(moment: datetime) -> str:
    """Blogger's zh-CN post timestamp: ``下午9:38``."""
    half = "上午" if moment.hour < 12 else "下午"
    return f"{half}{moment.hour % 12 or 12}:{moment.minute:02d}"


def zh_datetime(moment: datetime) -> str:
    """Blogger's zh-CN comment timestamp: ``2013年9月18日 下午3:05``."""
    return f"{moment.year}年{moment.month}月{moment.day}日 {zh_time(moment)}"


def zh_long_date(moment: datetime) -> str:
    """The zh-CN rendering of a 2017+ theme's ``MMMM dd, yyyy`` date: ``九月 17, 2013``."""
    return f"{zh_month(moment.month)} {moment.day}, {moment.year}"


# --- the post body ------------------------------------------------------------------------------------


def display_size(image: Image) -> tuple[int, int]:
    """(width, height) of the ``sNNN`` variant the body shows: longest side scaled to ``display_size``."""
    longest = max(image.width, image.height)
    scale = image.display_size / longest if longest > image.display_size else 1.0
    return round(image.width * scale), round(image.height * scale)


def image_html(image: Image) -> str:
    width, height = display_size(image)
    img = (
        f'<a href="{image.original}" imageanchor="1" style="{{}}"><img border="0" height="{height}" '
        f'src="{image.src}" width="{width}" /></a>'
    )
    if image.caption:
        anchor = img.replace("{}", "margin-left: auto; margin-right: auto;", 1)
        return (
            '<table align="center" cellpadding="0" cellspacing="0" class="tr-caption-container" '
            'style="margin-left: auto; margin-right: auto; text-align: center;"><tbody>'
            f'<tr><td style="text-align: center;">{anchor}</td></tr>'
            f'<tr><td class="tr-caption" style="text-align: center;">{esc(image.caption)}</td></tr>'
            "</tbody></table>"
        )
    anchor = img.replace("{}", "margin-left: 1em; margin-right: 1em;", 1)
    return f'<div class="separator" style="clear: both; text-align: center;">{anchor}</div>'


def _block_html(block: Block, style: str) -> str:
    if block.kind == "img" and block.image is not None:
        return image_html(block.image)
    if block.kind == "lines":
        inner = "<br />".join(esc(line) for line in block.lines)
    elif block.kind == "blank":
        inner = "" if style == "br" else "<br />"
    else:
        inner = esc(block.text)
    if style == "br":
        return inner
    tag = "p" if style == "p" else "div"
    return f"<{tag}>{inner}</{tag}>"


MORE_ANCHOR = "<a name='more'></a>"


def body_html(body: Body, *, listing: bool) -> str:
    """The author's post HTML, as Blogger serves it on a listing or on the post page.

    On a listing only the blocks up to the jump break; on the post page the whole body with Blogger's
    ``<a name='more'></a>`` where the break sits.

    ``br`` style (old compose mode, "convert line breaks"): paragraphs separated by ``<br /><br />``
    straight in the post body, no newlines; ``p`` and ``div`` styles: one element per paragraph, one per
    line as the rich editor wrote them.
    """
    blocks = body.blocks
    jump = body.jump_after
    if listing and jump is not None:
        blocks = blocks[: jump + 1]
    sep = "<br /><br />" if body.style == "br" else "\n"
    parts = []
    for i, block in enumerate(blocks):
        html = _block_html(block, body.style)
        if not listing and jump is not None and i == jump and i < len(blocks) - 1:
            html += MORE_ANCHOR
        parts.append(html)
    planted = "" if listing else "".join(body.planted)  # blogger_replica.planted: the post page only
    return sep.join(parts) + planted


def has_jump(body: Body) -> bool:
    return body.jump_after is not None and body.jump_after < len(body.blocks) - 1


def snippet(body: Body, limit: int = SNIPPET_CHARS) -> str:
    """Blogger's post snippet: the body's text, whitespace collapsed, cut near ``limit`` with an ellipsis."""
    text = " ".join(" ".join(body.paragraphs()).split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + "\u2026"


def first_image(body: Body) -> Image | None:
    images = body.images
    return images[0] if images else None


# --- the blog chrome (per blog, cached) ---------------------------------------------------------------


@dataclass
class Chrome:
    """Per-blog facts the sidebar widgets show, computed once per Blog (O(months + labels))."""

    years: list[tuple[int, int, list[tuple[int, int]]]]  # (year, count, [(month, count)]), newest first
    labels: list[tuple[str, int]]  # (label, count), Blogger's ALPHA sorting
    cache: dict[tuple[object, ...], str] = field(default_factory=dict)  # rendered widgets

    def cached(self, key: tuple[object, ...], build: Callable[[], str]) -> str:
        hit = self.cache.get(key)
        if hit is None:
            hit = build()
            if len(self.cache) > 512:
                self.cache.clear()
            self.cache[key] = hit
        return hit


_CHROME: weakref.WeakKeyDictionary[Blog, Chrome] = weakref.WeakKeyDictionary()


def chrome(blog: Blog) -> Chrome:
    found = _CHROME.get(blog)
    if found is None:
        by_year: dict[int, list[tuple[int, int]]] = {}
        for (year, month), posts in blog.months.items():
            by_year.setdefault(year, []).append((month, len(posts)))
        years = [
            (year, len(blog.years[year]), sorted(by_year[year], reverse=True)) for year in sorted(by_year, reverse=True)
        ]
        labels = sorted(
            ((label, len(index.posts)) for label, index in blog.label_index.items()),
            key=lambda item: (item[0].casefold(), item[0]),
        )
        found = _CHROME[blog] = Chrome(years=years, labels=labels)
    return found


def archive_title(title: str) -> str:
    return title if len(title) <= ARCHIVE_TITLE_CHARS else title[:ARCHIVE_TITLE_CHARS] + "..."


CONTRIBUTORS: tuple[Author, ...] = (AUTHOR_MAIN, AUTHOR_EN)


def who_we_are_html() -> str:
    """The "Who We Are" HTML widget's content: the seed text, the former site's URL as a plain link."""
    text = esc(seeds.SIDEBAR_WHO_WE_ARE)
    return text.replace(esc(OLD_SITE), f'<a href="{OLD_SITE}">{esc(OLD_SITE)}</a>', 1)


def sidebar_images(blog: Blog) -> tuple[Image, ...]:
    return site_images(blog.name)


FREEDOM_TITLE = seeds.SIDEBAR_FREEDOM_TITLE
FREEDOM_TEXT = seeds.SIDEBAR_FREEDOM


# --- shared page facts --------------------------------------------------------------------------------


def page_title(site: Site, page_name: str) -> str:
    return f"{site.blog.title}: {page_name}" if page_name else site.blog.title


def canonical_url(site: Site, path: str) -> str:
    """The page's canonical URL: https on the blog's own host (Blogger, since 2016), else ``site.base``."""
    base = site.base
    if base.startswith("http://") and base[len("http://") :].rstrip("/") == site.blog.host:
        base = "https://" + base[len("http://") :]
    return f"{base}{path}"


def comment_count(blog: Blog, post: Post) -> int:
    return len(blog.comments(post))


def share_url(blog: Blog, post: Post, target: str) -> str:
    return f"{BLOGGER}/share-post.g?blogID={blog.blog_id}&postID={post.post_id}&target={target}"


def comments_feed(site: Site, post: Post) -> str:
    return site.url(f"/feeds/{post.post_id}/comments/default")


def comment_url(site: Site, post: Post, comment_id: str, show: int, mobile: bool) -> str:
    url = site.url(f"{post.path}?showComment={show}", mobile=mobile)
    return f"{url}#c{comment_id}"


def iso(moment: datetime) -> str:
    return iso_seconds(moment)


def status_html(site: Site, view: View) -> str:
    """Blogger's status message above the posts: label or search results, an empty period, the 404 text."""
    message = view.message
    if message is None:
        return ""
    show_all = f"<a href='{site.url('/', mobile=view.mobile)}'>{ZH['show_all']}</a>"
    if message.kind == "not_found":
        text = ZH["not_found"]
    elif message.kind in ("label", "query"):
        what = "标签为" if message.kind == "label" else "与查询"
        css = "search-label" if message.kind == "label" else "search-query"
        tail = "的博文" if message.kind == "label" else "匹配的博文"
        lead = "显示" if view.posts else "没有"
        text = f"{lead}{what}“<span class='{css}'>{esc(message.arg)}</span>”{tail}。 {show_all}"
    else:
        text = ZH["no_posts"]
    return (
        "<div class='status-msg-wrap'>\n<div class='status-msg-body'>\n" + text + "\n</div>\n"
        "<div class='status-msg-border'>\n<div class='status-msg-bg'>\n"
        f"<div class='status-msg-hidden'>{text}</div>\n</div>\n</div>\n</div>\n"
        "<div style='clear: both;'></div>\n"
    )


def page_list_items(site: Site, *, mobile: bool = False, current: str | None = None) -> str:
    """The PageList widget's links: the home page, then every static page (``/p/…``), as Blogger lists them."""
    entries = [("/", ZH["home"])] + [(page.path, page.title) for page in site.blog.pages]
    selected = " class='selected'"
    return "".join(
        f"<li{selected if path == current else ''}><a href='{site.url(path, mobile=mobile)}'>{esc(title)}</a></li>\n"
        for path, title in entries
    )
