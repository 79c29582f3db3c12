"""The 2017+ responsive theme (Contempo) of a zh-CN Blogger blog (docs/BLOGGER.md#templates).

Listing pages (home, archives, labels, search) show snippets only (``div#post-snippet-ID``), a featured
image and a jump link; the full body (``div#post-body-ID``) is on the post page alone. No date headers:
the date is in each post's byline. The theme is responsive, so ``?m=1`` serves the same markup with
``m=1`` on every internal link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogger_replica import assets_urls
from blogger_replica.html.common import (
    BLOGGER,
    CONTRIBUTORS,
    FREEDOM_TEXT,
    FREEDOM_TITLE,
    OLD_SITE,
    ZH,
    archive_title,
    body_html,
    canonical_url,
    chrome,
    comment_url,
    comments_feed,
    display_size,
    esc,
    first_image,
    iso,
    js_str,
    json_ld,
    page_list_items,
    page_title,
    share_url,
    sidebar_images,
    snippet,
    status_html,
    who_we_are_html,
    zh_datetime,
    zh_long_date,
)
from blogger_replica.html.routes import View, zh_month
from blogger_replica.site import Page

if TYPE_CHECKING:
    from blogger_replica.content import Post
    from blogger_replica.site import Site

_SKIN = f"""<style id='page-skin-1' type='text/css'><!--
/*
-----------------------------------------------
Blogger Template Style
Name:     Contempo
----------------------------------------------- */
body {{
overflow-wrap: break-word;
word-break: break-word;
word-wrap: break-word;
}}
.hidden {{
display: none;
}}
.invisible {{
visibility: hidden;
}}
.container::after, .float-container::after {{
clear: both;
content: '';
display: table;
}}
.bg-photo-container {{
height: 480px;
overflow: hidden;
position: absolute;
width: 100%;
z-index: 1;
}}
.bg-photo {{
background: #eeeeee url({assets_urls.CONTEMPO_HEADER}) repeat scroll top left;
background-attachment: scroll;
background-size: cover;
-webkit-filter: blur(0px);
filter: blur(0px);
height: calc(100% + 2 * 0px);
left: 0px;
position: absolute;
top: 0px;
width: calc(100% + 2 * 0px);
}}
.centered {{
margin: 0 auto;
max-width: 1262px;
padding: 0 40px;
}}
.post-outer-container {{
background: #ffffff;
margin-bottom: 48px;
}}
.post-title {{
font: 400 36px Roboto, sans-serif;
}}
.byline {{
color: rgba(0, 0, 0, 0.54);
display: inline-block;
font: 400 14px Roboto, sans-serif;
}}
.post-body {{
color: #757575;
font: 400 16px Roboto, sans-serif;
line-height: 1.6em;
}}
.snippet-thumbnail img {{
width: 100%;
}}
.comments .comment-thread > ol {{
margin: 0;
padding: 0;
}}
.sidebar-container {{
background-color: #f7f7f7;
max-width: 284px;
}}
.blog-pager {{
text-align: center;
}}
--></style>
"""


# --- head ---------------------------------------------------------------------------------------------


def _head(site: Site, view: View) -> str:
    blog = site.blog
    title = esc(page_title(site, view.page_name))
    canonical = canonical_url(site, view.canonical)
    feed_title = esc(f"{blog.title} - Atom")
    item = view.item
    parts = [
        "<!DOCTYPE html>\n<html dir='ltr' lang='zh-CN'>\n<head>\n",
        "<meta content='width=device-width, initial-scale=1' name='viewport'/>\n",
        f"<title>{title}</title>\n",
        "<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>\n",
        "<meta content='blogger' name='generator'/>\n",
        f"<link href='{site.url(assets_urls.FAVICON_PATH)}' rel='icon' type='image/x-icon'/>\n",
        f"<link href='{canonical}' rel='canonical'/>\n",
        f'<link rel="alternate" type="application/atom+xml" title="{feed_title}" href="{site.feed_url}" />\n',
        f'<link rel="alternate" type="application/rss+xml" title="{esc(blog.title)} - RSS" '
        f'href="{site.feed_url}?alt=rss" />\n',
        f'<link rel="service.post" type="application/atom+xml" title="{feed_title}" '
        f'href="{BLOGGER}/feeds/{blog.blog_id}/posts/default" />\n',
    ]
    if item is not None and item.kind == "post" and item.comments_enabled:
        parts.append(
            f'<link rel="alternate" type="application/atom+xml" title="{feed_title}" '
            f'href="{comments_feed(site, item)}" />\n'
        )
    parts.append(f"<meta content='{canonical}' property='og:url'/>\n")
    parts.append(f"<meta content='{esc(view.page_name or blog.title)}' property='og:title'/>\n")
    if item is not None:
        body = blog.body(item)
        parts.append(f"<meta content='{esc(snippet(body))}' property='og:description'/>\n")
        image = first_image(body)
        if image is not None:
            parts.append(f"<meta content='{image.url('w1200-h630-p-k-no-nu')}' property='og:image'/>\n")
    else:
        parts.append(f"<meta content='{esc(blog.description)}' property='og:description'/>\n")
    parts.append(_SKIN)
    parts.append(f"<link type='text/css' rel='stylesheet' href='{assets_urls.CONTEMPO_CSS}' />\n</head>\n")
    return "".join(parts)


# --- posts --------------------------------------------------------------------------------------------


def _ld_json(site: Site, post: Post) -> str:
    body = site.blog.body(post)
    data: dict[str, object] = {
        "@context": "http://schema.org",
        "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": site.post_url(post)},
        "headline": post.title,
        "description": snippet(body),
        "datePublished": iso(post.published),
        "dateModified": iso(post.updated),
    }
    image = first_image(body)
    if image is not None:
        data["image"] = {"@type": "ImageObject", "url": image.url("w1200-h630-p-k-no-nu"), "height": 630, "width": 1200}
    data["publisher"] = {"@type": "Organization", "name": "Blogger"}
    data["author"] = {"@type": "Person", "name": post.author.name}
    return f"<script type='application/ld+json'>{json_ld(data)}</script>\n"


def _byline(site: Site, view: View, post: Post) -> str:
    url = site.post_url(post, mobile=view.mobile)
    stamp = iso(post.published)
    return (
        "<div class='post-header'>\n<div class='post-header-line-1'>\n<span class='byline post-timestamp'>\n"
        f"<meta content='{site.post_url(post)}'/>\n"
        f"<a class='timestamp-link' href='{url}' rel='bookmark' title='permanent link'>\n"
        f"<time class='published' datetime='{stamp}' title='{stamp}'>\n{zh_long_date(post.published)}\n</time>\n"
        "</a>\n</span>\n</div>\n</div>\n"
    )


def _share(site: Site, view: View, post: Post, where: str) -> str:
    blog = site.blog
    url = site.post_url(post, mobile=view.mobile)
    items = "".join(
        f"<li>\n<span aria-label='{label}' class='sharing-platform-button sharing-element-{key}' "
        f"data-href='{share_url(blog, post, target)}' data-url='{url}' role='menuitem' tabindex='-1' "
        f"title='{label}'>\n<span class='platform-sharing-text'>{text}</span>\n</span>\n</li>\n"
        for key, target, label, text in (
            ("link", "", ZH["get_link"], ZH["get_link"]),
            ("facebook", "facebook", ZH["facebook"], "Facebook"),
            ("twitter", "twitter", ZH["twitter"], "Twitter"),
            ("pinterest", "pinterest", ZH["pinterest"], "Pinterest"),
            ("email", "email", ZH["email_this"], "电子邮件"),
        )
    )
    pid = f"sharing-popup-Blog1-{where}-{post.post_id}"
    return (
        f"<div class='post-share-buttons post-share-buttons-{where}'>\n"
        "<div class='byline post-share-buttons goog-inline-block'>\n"
        f"<div aria-owns='{pid}' class='sharing' data-title='{esc(post.title)}'>\n"
        f"<button aria-controls='{pid}' aria-label='{ZH['share']}' class='sharing-button touch-icon-button' "
        f"id='sharing-button-Blog1-{where}-{post.post_id}' role='button'>\n{ZH['share']}\n</button>\n"
        "<div class='share-buttons-container'>\n"
        f"<ul aria-hidden='true' aria-label='{ZH['share']}' class='share-buttons hidden' id='{pid}' role='menu'>\n"
        f"{items}</ul>\n</div>\n</div>\n</div>\n</div>\n"
    )


def _listing_post(site: Site, view: View, post: Post) -> str:
    blog = site.blog
    url = site.post_url(post, mobile=view.mobile)
    body = blog.body(post)
    out = [
        "<article class='post-outer-container'>\n<div class='post-outer'>\n<div class='post'>\n",
        _ld_json(site, post),
        f"<a name='{post.post_id}'></a>\n",
    ]
    if post.title:
        out.append(f"<h3 class='post-title entry-title'>\n<a href='{url}'>{esc(post.title)}</a>\n</h3>\n")
    out.append(_byline(site, view, post))
    image = first_image(body)
    if image is not None:
        out.append(
            f"<div class='snippet-thumbnail'>\n<a href='{url}'>\n"
            f"<img alt='' class='snippet-thumbnail-img' src='{image.url('w640-h400-p-k-no-nu')}'/>\n"
            "</a>\n</div>\n"
        )
    out.append(
        f"<div class='container post-body entry-content' id='post-snippet-{post.post_id}'>\n"
        "<div class='post-snippet snippet-container r-snippet-container'>\n"
        f"<div class='snippet-item r-snippetized'>\n{esc(snippet(body))}\n</div>\n"
        f"<a class='snippet-fade r-snippet-fade hidden' href='{url}'></a>\n</div>\n</div>\n"
    )
    out.append(
        "<div class='post-bottom'>\n<div class='post-footer float-container'>\n"
        "<div class='post-footer-line post-footer-line-1'>\n"
    )
    out.append(_share(site, view, post, "footer-0"))
    if post.comments_enabled:
        count = len(blog.comments(post))
        out.append(
            f"<span class='byline post-comment-link container'>\n"
            f"<a class='comment-link flat-button ripple' href='{url}#comments' onclick=''>\n"
            f"{count} {ZH['comments']}\n</a>\n</span>\n"
        )
    out.append(
        "</div>\n</div>\n"
        f"<div class='jump-link flat-button'>\n<a href='{url}' title='{esc(post.title)}'>\n"
        f"{ZH['read_more']}\n</a>\n</div>\n</div>\n</div>\n</div>\n</article>\n"
    )
    return "".join(out)


def _item_post(site: Site, view: View, post: Post) -> str:
    blog = site.blog
    mobile = view.mobile
    out = [
        "<article class='post-outer-container'>\n<div class='post-outer'>\n<div class='post'>\n",
        _ld_json(site, post),
        f"<a name='{post.post_id}'></a>\n",
    ]
    if post.title:
        out.append(f"<h3 class='post-title entry-title'>\n{esc(post.title)}\n</h3>\n")
    out.append(_share(site, view, post, "top"))
    if post.kind == "post":
        out.append(_byline(site, view, post))
    out.append(
        f"<div class='post-body entry-content float-container' id='post-body-{post.post_id}'>\n"
        f"{body_html(blog.page_body(post), listing=False)}\n</div>\n"
    )
    out.append(
        "<div class='post-bottom'>\n<div class='post-footer float-container'>\n"
        "<div class='post-footer-line post-footer-line-1'>\n<span class='byline post-author vcard'>\n"
        f"<span class='post-author-label'>\n{ZH['author'].rstrip('：')}\n</span>\n<span class='fn'>\n"
    )
    if post.author.uri:
        out.append(
            f"<meta content='{esc(post.author.uri)}'/>\n<a class='g-profile' href='{esc(post.author.uri)}' "
            f"rel='author' title='author profile'>\n<span>{esc(post.author.name)}</span>\n</a>\n"
        )
    else:
        out.append(f"<span>{esc(post.author.name)}</span>\n")
    out.append("</span>\n</span>\n</div>\n<div class='post-footer-line post-footer-line-2'>\n")
    if post.labels:
        links = "".join(
            f"<a href='{site.label_url(label, mobile=mobile)}' rel='tag'>\n{esc(label)}\n</a>\n"
            for label in post.labels
        )
        out.append(
            f"<span class='byline post-labels'>\n<span class='byline-label'>{ZH['labels']}</span>\n{links}</span>\n"
        )
    out.append("</div>\n<div class='post-footer-line post-footer-line-3'>\n</div>\n</div>\n</div>\n</div>\n")
    if post.kind == "post" and post.comments_enabled:
        out.append(_comments(site, view, post))
    out.append("</div>\n</article>\n")
    return "".join(out)


def _comments(site: Site, view: View, post: Post) -> str:
    blog = site.blog
    comments = blog.comments(post)
    out = [
        f"<section class='comments threaded' data-embed='true' data-num-comments='{len(comments)}' id='comments'>\n"
        f"<a name='comments'></a>\n<h3 class='title'>{ZH['comments_title']}</h3>\n"
        "<div class='comments-content'>\n<div id='comment-holder'>\n"
        "<div class='comment-thread toplevel-thread'>\n<ol id='top-ra'>\n"
    ]
    for comment in comments:
        cid = comment.comment_id
        user = (
            f"<a href='{esc(comment.author.uri)}' rel='nofollow'>{esc(comment.author.name)}</a>"
            if comment.author.uri
            else esc(comment.author.name)
        )
        avatar = assets_urls.AVATAR_DEFAULT if comment.author.uri else assets_urls.AVATAR_BLANK
        out.append(
            f"<li class='comment' id='c{cid}'>\n<div class='avatar-image-container'>\n"
            f"<img class='author-avatar' height='35' src='{avatar}' width='35'/>\n</div>\n"
            "<div class='comment-block'>\n<div class='comment-header'>\n"
            f"<cite class='user'>{user}</cite>\n<span class='icon user'></span>\n"
            "<span class='datetime secondary-text'>\n"
            f"<a rel='nofollow' href='{comment_url(site, post, cid, comment.show_comment, view.mobile)}'>"
            f"{zh_datetime(comment.published)}</a>\n</span>\n</div>\n"
            f"<p class='comment-content'>{esc(comment.text)}</p>\n"
            "<span class='comment-actions secondary-text'>\n"
            f"<a class='comment-reply' data-comment-id='{cid}' target='_self'>回复</a>\n</span>\n</div>\n"
            "<div class='comment-replies'>\n</div>\n"
            f"<div class='comment-replybox-single' id='c{cid}-ce'></div>\n"
            "</li>\n"
        )
    out.append(
        "</ol>\n<div class='continue' id='top-continue'><a class='comment-reply' href='javascript:void(0)' "
        "target='_self'>添加评论</a></div>\n<div class='comment-replybox-thread' id='top-ce'></div>\n"
        f"<div class='loadmore hidden' data-post-id='{post.post_id}'><a href='javascript:void(0)' "
        "target='_self'>加载更多...</a></div>\n</div>\n</div>\n</div>\n"
    )
    out.append(
        "<p class='comment-footer'>\n<div class='comment-form'>\n<a name='comment-form'></a>\n"
        f"<h4 id='comment-post-message'>{ZH['post_comment']}</h4>\n"
        f"<a href='{BLOGGER}/comment/frame/{blog.blog_id}?po={post.post_id}&hl=zh-CN' "
        "id='comment-editor-src'></a>\n"
        "<iframe allowtransparency='allowtransparency' "
        "class='blogger-iframe-colorize blogger-comment-from-post' "
        "frameborder='0' height='410px' id='comment-editor' name='comment-editor' src='' width='100%'>"
        "</iframe>\n</div>\n</p>\n</section>\n"
    )
    return "".join(out)


def _blog_widget(site: Site, view: View) -> str:
    mobile = view.mobile
    out = [
        "<div class='main section' id='page_body' name='页面正文'>\n"
        "<div class='widget Blog' data-version='2' id='Blog1'>\n<div class='blog-posts hfeed container'>\n",
        status_html(site, view),
    ]
    for post in view.posts:
        out.append(_item_post(site, view, post) if view.item is not None else _listing_post(site, view, post))
    out.append("</div>\n<div class='blog-pager container' id='blog-pager'>\n")
    listing = view.item is None
    if view.newer:
        out.append(
            f"<a class='blog-pager-newer-link flat-button ripple' href='{site.url(view.newer, mobile=mobile)}' "
            f"id='Blog1_blog-pager-newer-link' title='{ZH['newer']}'>\n{ZH['newer']}\n</a>\n"
        )
    if view.older:
        text = "更多博文" if listing else ZH["older"]
        out.append(
            f"<a class='blog-pager-older-link flat-button ripple' href='{site.url(view.older, mobile=mobile)}' "
            f"id='Blog1_blog-pager-older-link' title='{text}'>\n{text}\n</a>\n"
        )
    if not listing or view.page_type == "error":
        out.append(
            f"<a class='home-link flat-button ripple' href='{site.url('/', mobile=mobile)}'>\n{ZH['home']}\n</a>\n"
        )
    out.append("</div>\n</div>\n</div>\n")
    return "".join(out)


# --- sidebar ------------------------------------------------------------------------------------------


def _text_widgets(site: Site) -> str:
    blog = site.blog

    def build() -> str:
        out = [
            "<div class='widget HTML' data-version='2' id='HTML1'>\n<h3 class='title'>\nWho We Are\n</h3>\n"
            f"<div class='widget-content'>\n{who_we_are_html()}\n</div>\n</div>",
            "<div class='widget HTML' data-version='2' id='HTML2'>\n"
            f"<h3 class='title'>\n{esc(FREEDOM_TITLE)}\n</h3>\n"
            f"<div class='widget-content'>\n{esc(FREEDOM_TEXT)}\n</div>\n</div>",
        ]
        for k, image in enumerate(sidebar_images(blog), start=1):
            width, height = display_size(image)
            caption = esc(image.caption)
            out.append(
                f"<div class='widget Image' data-version='2' id='Image{k}'>\n"
                f"<h3 class='title'>\n{caption}\n</h3>\n"
                f"<div class='widget-content'>\n<img alt='{caption}' height='{height}' id='Image{k}_img' "
                f"src='{image.src}' width='{width}'/>\n<br/>\n<p class='image-caption'>{caption}</p>\n"
                "</div>\n</div>"
            )
        out.append(
            f"<div class='widget LinkList' data-version='2' id='LinkList1'>\n<h3 class='title'>\n{ZH['links']}\n"
            f"</h3>\n<div class='widget-content'>\n<ul>\n<li><a href='{OLD_SITE}'>www.cfcr2008.org</a></li>\n"
            "</ul>\n</div>\n</div>"
        )
        return "".join(out)

    return chrome(blog).cached(("contempo", "text", site.base), build)


def _archive(site: Site, view: View) -> str:
    blog = site.blog
    mobile = view.mobile
    expanded = view.expanded
    is_archive = view.page_type == "archive"

    def build() -> str:
        years = []
        for year, year_count, months in chrome(blog).years:
            parts = [
                f"<li class='archivedate'>\n<div class='hierarchy-title'>\n"
                f"<a class='post-count-link' href='{site.url(f'/{year:04d}/', mobile=mobile)}'>\n{year}\n"
                f"<span class='post-count'>{year_count}</span>\n</a>\n</div>\n"
                "<div class='hierarchy-content'>\n<ul class='hierarchy'>\n"
            ]
            for month, count in months:
                parts.append(
                    f"<li class='archivedate'>\n<div class='hierarchy-title'>\n<a class='post-count-link' "
                    f"href='{site.url(f'/{year:04d}/{month:02d}/', mobile=mobile)}'>\n{zh_month(month)}\n"
                    f"<span class='post-count'>{count}</span>\n</a>\n</div>\n"
                    "<div class='hierarchy-content'>\n"
                )
                if expanded == (year, month):
                    parts.append("<ul class='posts hierarchy'>\n")
                    parts.extend(
                        f"<li>\n<a href='{site.post_url(p, mobile=mobile)}'>{esc(archive_title(p.title))}</a>\n</li>\n"
                        for p in blog.months[(year, month)]
                    )
                    parts.append("</ul>\n")
                parts.append("</div>\n</li>\n")
            parts.append("</ul>\n</div>\n</li>\n")
            years.append("".join(parts))
        first, rest = years[:1], years[1:]
        more = ""
        if rest:
            more = (
                "<div class='remaining-items'>\n<ul class='hierarchy'>\n" + "".join(rest) + "</ul>\n</div>\n"
                "<span class='show-more flat-button'>显示更多</span>\n"
                "<span class='show-less hidden flat-button'>显示较少</span>\n"
            )
        return (
            f"<div class='widget BlogArchive' data-version='2' id='BlogArchive1'>\n"
            f"<details class='collapsible extendable'{' open' if is_archive else ''}>\n"
            f"<summary>\n<div class='collapsible-title'>\n<h3 class='title'>\n{ZH['archive']}\n</h3>\n</div>\n"
            "</summary>\n<div class='widget-content'>\n<div id='ArchiveList'>\n"
            "<div id='BlogArchive1_ArchiveList'>\n"
            "<div class='first-items'>\n<ul class='hierarchy'>\n"
            + "".join(first)
            + "</ul>\n</div>\n"
            + more
            + "</div>\n</div>\n</div>\n</details>\n</div>"
        )

    return chrome(blog).cached(("contempo", "archive", site.base, mobile, expanded, is_archive), build)


def _labels(site: Site, view: View) -> str:
    blog = site.blog
    mobile = view.mobile
    is_label = "label" in view.search

    def build() -> str:
        items = "".join(
            f"<li>\n<a class='label-name' href='{site.label_url(label, mobile=mobile)}'>\n{esc(label)}\n"
            f"<span class='label-count'>{count}</span>\n</a>\n</li>\n"
            for label, count in chrome(blog).labels
        )
        return (
            f"<div class='widget Label' data-version='2' id='Label1'>\n"
            f"<details class='collapsible extendable'{' open' if is_label else ''}>\n"
            f"<summary>\n<div class='collapsible-title'>\n<h3 class='title'>\n{ZH['labels_title']}\n</h3>\n"
            "</div>\n</summary>\n<div class='widget-content list-label-widget-content'>\n"
            f"<div class='first-items'>\n<ul>\n{items}</ul>\n</div>\n</div>\n</details>\n</div>"
        )

    return chrome(blog).cached(("contempo", "labels", site.base, mobile, is_label), build)


def _profile() -> str:
    items = "".join(
        f"<li>\n<div class='team-member'>\n<a class='profile-name-link g-profile' "
        f"href='{esc(a.uri or '')}'>\n{esc(a.name)}\n</a>\n</div>\n</li>\n"
        for a in CONTRIBUTORS
    )
    return (
        "<div class='widget Profile' data-version='2' id='Profile1'>\n<div class='wrapper'>\n"
        f"<h3 class='title'>\n{ZH['contributors']}\n</h3>\n<div class='widget-content team'>\n<ul>\n{items}</ul>\n"
        "</div>\n</div>\n</div>"
    )


def _sidebar(site: Site, view: View) -> str:
    return (
        "<aside class='sidebar-container container sidebar-invisible' role='complementary'>\n"
        "<div class='navigation'>\n<button class='svg-icon-24-button flat-icon-button ripple sidebar-back'>\n"
        "</button>\n</div>\n<div class='sidebar_top_wrapper'>\n"
        "<div class='sidebar_top section' id='sidebar_top' name='边栏（顶部）'>" + _profile() + "</div>\n</div>\n"
        "<div class='sidebar_bottom section' id='sidebar_bottom' name='边栏（底部）'>"
        + _text_widgets(site)
        + _archive(site, view)
        + _labels(site, view)
        + "</div>\n</aside>\n"
    )


# --- page ---------------------------------------------------------------------------------------------


def _header(site: Site, view: View) -> str:
    blog = site.blog
    home = site.url("/", mobile=view.mobile)
    back = ""
    if view.item is not None:
        back = (
            f"<div class='return_link'>\n<a class='back-button' href='{home}' title='{ZH['home']}'>\n"
            f"{ZH['home']}\n</a>\n</div>\n"
        )
    return (
        "<header class='centered-top-container' role='banner'>\n<div class='centered-top'>\n"
        + back
        + "<div class='section' id='header' name='标题'>"
        "<div class='widget Header' data-version='2' id='Header1'>\n"
        f"<div class='header-widget'>\n<a class='header-image-wrapper' href='{home}'>\n"
        f"<img alt='{esc(blog.title)}' data-original-height='400' data-original-width='1600' "
        f"src='{assets_urls.CONTEMPO_HEADER}'/>\n</a>\n</div>\n</div></div>\n"
        "<nav role='navigation'>\n"
        "<div class='clearboth section' id='page_list_top' name='网页列表（顶部）'>"
        f"<div class='widget PageList' data-version='2' id='PageList1'>\n<div class='widget-content'>\n"
        f"<ul class='tabs'>\n{page_list_items(site, mobile=view.mobile)}</ul>\n</div>\n</div>"
        "</div>\n</nav>\n</div>\n</header>\n"
    )


def _scripts(site: Site, view: View) -> str:
    blog = site.blog
    home = site.url("/")
    data = (
        f"{{'blogId': '{blog.blog_id}', 'title': '{js_str(blog.title)}', "
        f"'url': '{js_str(site.url(view.canonical, mobile=view.mobile))}', "
        f"'canonicalUrl': '{js_str(canonical_url(site, view.canonical))}', 'homepageUrl': '{js_str(home)}', "
        f"'searchUrl': '{js_str(site.url('/search'))}', 'bloggerUrl': 'https://www.blogger.com', "
        "'hasCustomDomain': false, 'httpsEnabled': true, 'locale': 'zh-CN', 'localeUnderscoreDelimited': 'zh_cn', "
        f"'languageDirection': 'ltr', 'isMobileRequest': {'true' if view.mobile else 'false'}, "
        f"'pageType': '{view.page_type}', 'pageName': '{js_str(view.page_name)}', "
        f"'pageTitle': '{js_str(page_title(site, view.page_name))}'}}"
    )
    widgets = (
        ("_HeaderView", "Header1", "header"),
        ("_BlogView", "Blog1", "page_body"),
        ("_ProfileView", "Profile1", "sidebar_top"),
        ("_HTMLView", "HTML1", "sidebar_bottom"),
        ("_HTMLView", "HTML2", "sidebar_bottom"),
        ("_ImageView", "Image1", "sidebar_bottom"),
        ("_ImageView", "Image2", "sidebar_bottom"),
        ("_LinkListView", "LinkList1", "sidebar_bottom"),
        ("_BlogArchiveView", "BlogArchive1", "sidebar_bottom"),
        ("_LabelView", "Label1", "sidebar_bottom"),
        ("_AttributionView", "Attribution1", "footer"),
    )
    register = "".join(
        f"_WidgetManager._RegisterWidget('{kind}', new _WidgetInfo('{wid}', '{section}', "
        f"document.getElementById('{wid}'), {{}}, 'displayModeFull'));\n"
        for kind, wid, section in widgets
    )
    return (
        f'<script type="text/javascript" src="{assets_urls.CONTEMPO_JS}"></script>\n'
        "<script type='text/javascript'>\n"
        f"_WidgetManager._Init('//www.blogger.com/rearrange?blogID\\x3d{blog.blog_id}','{home.split(':', 1)[1]}',"
        f"'{blog.blog_id}');\n_WidgetManager._SetDataContext([{{'name': 'blog', 'data': {data}}}]);\n"
        + register
        + "</script>\n"
    )


def render(site: Site, view: View) -> Page:
    html = "".join(
        (
            _head(site, view),
            "<body class='version-1-3-3 variant-indie_light'>\n",
            f"<a class='skip-navigation' href='#main' tabindex='0'>\n{ZH['skip']}\n</a>\n",
            "<div class='page'>\n<div class='bg-photo-overlay'></div>\n<div class='bg-photo-container'>\n"
            "<div class='bg-photo'></div>\n</div>\n<div class='page_body'>\n<div class='centered'>\n"
            "<div class='centered-top-placeholder'></div>\n",
            _header(site, view),
            "<div>\n<div class='vertical-ad-placeholder no-items section' id='ads' name='广告'>\n</div>\n"
            "<main class='centered-bottom' id='main' role='main' tabindex='-1'>\n",
            _blog_widget(site, view),
            "</main>\n</div>\n</div>\n</div>\n",
            _sidebar(site, view),
            "<footer class='footer section' id='footer' name='页脚'><div class='widget Attribution' data-version='2' "
            "id='Attribution1'>\n<div class='widget-content'>\n<div class='blogger'>\n"
            "<a href='https://www.blogger.com' rel='nofollow'>\n由 Blogger 提供支持\n</a>\n"
            "</div>\n</div>\n</div></footer>\n"
            "</div>\n",
            _scripts(site, view),
            "</body>\n</html>",
        )
    )
    return Page.html(html, status=view.status)
