"""The classic "layouts" template (Simple, 2011-2016) of a zh-CN Blogger blog, desktop and mobile (?m=1).

Markup follows rendered Blogger pages of that era (docs/BLOGGER.md#templates): template markup in single quotes,
the ``date-outer``/``date-posts`` wrappers written as raw text (``<div class="date-outer">``) as
Blogger's ``isDateStart`` logic emits them, ``&`` left raw in template-built hrefs as Blogger leaves it.
The blog's own text widgets ("Who We Are", "Freedom for …", the two photos) sit in the cross-column
section above the posts, so that page text starts with them as on the captured pages of the real blog.
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
    has_jump,
    iso,
    js_str,
    page_list_items,
    page_title,
    share_url,
    sidebar_images,
    snippet,
    status_html,
    who_we_are_html,
    zh_datetime,
    zh_time,
)
from blogger_replica.html.routes import View, zh_month
from blogger_replica.site import Page

if TYPE_CHECKING:
    from blogger_replica.content import Blog, Post
    from blogger_replica.site import Site

_CAP = "<div class='cap-left'></div>\n<div class='cap-right'></div>\n"


def _faux(region: str) -> str:
    return (
        f"<div class='fauxborder-left {region}-fauxborder-left'>\n"
        f"<div class='fauxborder-right {region}-fauxborder-right'></div>\n"
    )


_SKIN = """<style id='page-skin-1' type='text/css'><!--
/*
-----------------------------------------------
Blogger Template Style
Name:     Simple
Designer: Josh Peterson
URL:      www.noaesthetic.com
----------------------------------------------- */
/* Content
----------------------------------------------- */
body {
font: normal normal 12px Arial, Tahoma, Helvetica, FreeSans, sans-serif;
color: #222222;
background: #66bbdd none repeat scroll top left;
padding: 0 40px 40px 40px;
}
html body .region-inner {
min-width: 0;
max-width: 100%;
width: auto;
}
h2 {
font-size: 22px;
}
a:link {
text-decoration:none;
color: #2288bb;
}
a:visited {
text-decoration:none;
color: #888888;
}
a:hover {
text-decoration:underline;
color: #33aaff;
}
.body-fauxcolumn-outer .fauxcolumn-inner {
background: transparent url(%(tile)s) repeat scroll top left;
_background-image: none;
}
.body-fauxcolumn-outer .cap-top {
position: absolute;
z-index: 1;
height: 400px;
width: 100%;
}
.body-fauxcolumn-outer .cap-top .cap-left {
width: 100%%;
background: transparent url(%(gradients)s) repeat-x scroll top left;
_background-image: none;
}
.content-outer {
-moz-box-shadow: 0 0 40px rgba(0, 0, 0, .15);
-webkit-box-shadow: 0 0 5px rgba(0, 0, 0, .15);
-goog-ms-box-shadow: 0 0 10px #333333;
box-shadow: 0 0 40px rgba(0, 0, 0, .15);
margin-bottom: 1px;
}
.content-inner {
padding: 10px 10px;
}
.content-inner {
background-color: #ffffff;
}
/* Header
----------------------------------------------- */
.header-outer {
background: transparent none repeat-x scroll 0 -400px;
_background-image: none;
}
.Header h1 {
font: normal normal 60px Arial, Tahoma, Helvetica, FreeSans, sans-serif;
color: #3399bb;
text-shadow: -1px -1px 1px rgba(0, 0, 0, .2);
}
.Header h1 a {
color: #3399bb;
}
.Header .description {
font-size: 140%%;
color: #777777;
}
/* Posts
----------------------------------------------- */
h2.date-header {
font: normal bold 11px Arial, Tahoma, Helvetica, FreeSans, sans-serif;
}
.date-header span {
background-color: transparent;
color: #222222;
padding: inherit;
letter-spacing: inherit;
margin: inherit;
}
.main-inner {
padding-top: 30px;
padding-bottom: 30px;
}
.main-inner .column-center-inner {
padding: 0 15px;
}
.main-inner .column-center-inner .section {
margin: 0 15px;
}
.post {
margin: 0 0 25px 0;
}
h3.post-title, .comments h4 {
font: normal normal 22px Arial, Tahoma, Helvetica, FreeSans, sans-serif;
margin: .75em 0 0;
}
.post-body {
font-size: 110%%;
line-height: 1.4;
position: relative;
}
.post-body img, .post-body .tr-caption-container, .Profile img, .Image img,
.BlogList .item-thumbnail img {
padding: 2px;
background: #ffffff;
border: 1px solid #eeeeee;
-moz-box-shadow: 1px 1px 5px rgba(0, 0, 0, .1);
-webkit-box-shadow: 1px 1px 5px rgba(0, 0, 0, .1);
box-shadow: 1px 1px 5px rgba(0, 0, 0, .1);
}
.post-body img, .post-body .tr-caption-container {
padding: 5px;
}
.post-body .tr-caption-container {
color: #222222;
}
.post-body .tr-caption-container img {
padding: 0;
background: transparent;
border: none;
-moz-box-shadow: 0 0 0 rgba(0, 0, 0, .1);
-webkit-box-shadow: 0 0 0 rgba(0, 0, 0, .1);
box-shadow: 0 0 0 rgba(0, 0, 0, .1);
}
.post-header {
margin: 0 0 1.5em;
line-height: 1.6;
font-size: 90%%;
}
.post-footer {
margin: 20px -2px 0;
padding: 5px 10px;
color: #666666;
background-color: #f9f9f9;
border-bottom: 1px solid #eeeeee;
line-height: 1.6;
font-size: 90%%;
}
#comments .comment-author {
padding-top: 1.5em;
border-top: 1px solid #eeeeee;
background-position: 0 1.5em;
}
.blog-pager {
background: transparent none no-repeat scroll top center;
}
.blog-pager-older-link, .home-link,
.blog-pager-newer-link {
background-color: #ffffff;
padding: 5px;
}
.footer-outer {
border-top: 0 dashed #bbbbbb;
}
/* Mobile
----------------------------------------------- */
body.mobile  {
background-size: auto;
}
.mobile .body-fauxcolumn-outer {
background: transparent none repeat scroll top left;
}
.mobile .content-outer {
-webkit-box-shadow: 0 0 3px rgba(0, 0, 0, .15);
box-shadow: 0 0 3px rgba(0, 0, 0, .15);
}
.mobile .tabs-inner .widget ul {
margin-left: 0;
margin-right: 0;
}
.mobile .post {
margin: 0;
}
.mobile .main-inner .column-center-inner .section {
margin: 0;
}
.mobile .date-header span {
padding: 3px 10px;
margin: 0 -10px;
}
.mobile h3.post-title {
margin: 0;
}
.mobile .blog-pager {
background: transparent none no-repeat scroll top center;
}
.mobile .footer-outer {
border-top: none;
}
.mobile .main-inner, .mobile .footer-inner {
background-color: #ffffff;
}
.mobile-index-contents {
color: #222222;
}
.mobile-link-button {
background-color: #2288bb;
}
.mobile-link-button a:link, .mobile-link-button a:visited {
color: #ffffff;
}
.mobile .tabs-inner .section:first-child {
border-top: none;
}
--></style>
<style id='template-skin-1' type='text/css'><!--
body {
min-width: 960px;
}
.content-outer, .content-fauxcolumn-outer, .region-inner {
min-width: 960px;
max-width: 960px;
_width: 960px;
}
.main-inner .columns {
padding-left: 0px;
padding-right: 310px;
}
.main-inner .fauxcolumn-center-outer {
left: 0px;
right: 310px;
}
.main-inner .fauxcolumn-left-outer {
width: 0px;
}
.main-inner .fauxcolumn-right-outer {
width: 310px;
}
.main-inner .column-left-outer {
width: 0px;
right: 100%;
margin-left: -0px;
}
.main-inner .column-right-outer {
width: 310px;
margin-right: -310px;
}
#layout {
min-width: 0;
}
#layout .content-outer {
min-width: 0;
width: 800px;
}
#layout .region-inner {
min-width: 0;
width: auto;
}
--></style>
"""
# the first two url(...) values are filled in; "%%" in the rest of the sheet is a literal percent sign
_SKIN = (
    _SKIN.replace("%(tile)s", assets_urls.CLASSIC_BODY_TILE)
    .replace("%(gradients)s", assets_urls.CLASSIC_GRADIENTS)
    .replace("%%", "%")
)


# --- shared bits --------------------------------------------------------------------------------------


def _quickedit(blog: Blog, widget_type: str, widget_id: str, section: str) -> str:
    return (
        "<span class='widget-item-control'>\n<span class='item-control blog-admin'>\n"
        f"<a class='quickedit' href='//www.blogger.com/rearrange?blogID={blog.blog_id}&widgetType={widget_type}"
        f"&widgetId={widget_id}&action=editWidget&sectionId={section}' "
        f"onclick='return _WidgetManager._PopupConfig(document.getElementById(\"{widget_id}\"));' "
        f"target='config{widget_id}' title='编辑'>\n"
        f"<img alt='' height='18' src='{assets_urls.ICON_WRENCH}' width='18'/>\n</a>\n</span>\n</span>\n"
    )


def _widget_end(blog: Blog, widget_type: str, widget_id: str, section: str) -> str:
    return (
        "<div class='clear'></div>\n"
        + _quickedit(blog, widget_type, widget_id, section)
        + "<div class='clear'></div>\n"
    )


def _profile_link(name: str, uri: str | None) -> str:
    if uri:
        return (
            f"<span class='fn' itemprop='author' itemscope='itemscope' itemtype='http://schema.org/Person'>\n"
            f"<meta content='{esc(uri)}' itemprop='url'/>\n"
            f"<a class='g-profile' href='{esc(uri)}' rel='author' title='author profile'>\n"
            f"<span itemprop='name'>{esc(name)}</span>\n</a>\n</span>\n"
        )
    return (
        f"<span class='fn' itemprop='author' itemscope='itemscope' itemtype='http://schema.org/Person'>\n"
        f"<span itemprop='name'>{esc(name)}</span>\n</span>\n"
    )


# --- head ---------------------------------------------------------------------------------------------


def _head(site: Site, view: View) -> str:
    blog = site.blog
    title = esc(page_title(site, view.page_name))
    canonical = canonical_url(site, view.canonical)
    feed_title = esc(f"{blog.title} - Atom")
    rss_title = esc(f"{blog.title} - RSS")
    item = view.item
    viewport = (
        "width=device-width,initial-scale=1.0,minimum-scale=1.0,maximum-scale=1.0" if view.mobile else "width=1100"
    )
    parts = [
        "<!DOCTYPE html>\n<html class='v2' dir='ltr' xmlns='http://www.w3.org/1999/xhtml' "
        "xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data' "
        "xmlns:expr='http://www.google.com/2005/gml/expr'>\n<head>\n",
        f"<link href='{assets_urls.CLASSIC_CSS}' rel='stylesheet' type='text/css'/>\n",
        f"<meta content='{viewport}' name='viewport'/>\n",
        "<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>\n",
        "<meta content='blogger' name='generator'/>\n",
        f"<link href='{site.url(assets_urls.FAVICON_PATH)}' rel='icon' type='image/x-icon'/>\n",
        f"<link href='{canonical}' rel='canonical'/>\n",
        f'<link rel="alternate" type="application/atom+xml" title="{feed_title}" href="{site.feed_url}" />\n',
        f'<link rel="alternate" type="application/rss+xml" title="{rss_title}" href="{site.feed_url}?alt=rss" />\n',
        f'<link rel="service.post" type="application/atom+xml" title="{feed_title}" '
        f'href="{BLOGGER}/feeds/{blog.blog_id}/posts/default" />\n',
    ]
    if item is not None and item.kind == "post" and item.comments_enabled:
        parts.append(
            f'<link rel="alternate" type="application/atom+xml" title="{feed_title}" '
            f'href="{comments_feed(site, item)}" />\n'
        )
    parts.append(f'<link rel="me" href="{AUTHOR_URI}" />\n')
    parts.append(f"<meta content='{esc(blog.description)}' name='description'/>\n")
    parts.append(f"<meta content='{canonical}' property='og:url'/>\n")
    parts.append(f"<meta content='{esc(view.page_name or blog.title)}' property='og:title'/>\n")
    if item is not None:
        parts.append(f"<meta content='{esc(snippet(blog.body(item)))}' property='og:description'/>\n")
        image = first_image(blog.body(item))
        if image is not None:
            parts.append(f"<meta content='{image.url('w1200-h630-p-k-no-nu')}' property='og:image'/>\n")
    else:
        parts.append(f"<meta content='{esc(blog.description)}' property='og:description'/>\n")
    parts.append(f"<title>{title}</title>\n")
    parts.append(_SKIN)
    parts.append("</head>\n")
    return "".join(parts)


AUTHOR_URI = CONTRIBUTORS[0].uri or ""


# --- the post -----------------------------------------------------------------------------------------


def _post(site: Site, view: View, post: Post) -> str:
    blog = site.blog
    mobile = view.mobile
    item = view.item is not None
    url = site.post_url(post, mobile=mobile)
    body = blog.page_body(post) if item else blog.body(post)
    out = [
        "<div class='post hentry uncustomized-post-template' itemprop='blogPost' itemscope='itemscope' "
        "itemtype='http://schema.org/BlogPosting'>\n"
    ]
    image = first_image(body)
    if image is not None:
        out.append(f"<meta content='{image.url('s72-c')}' itemprop='image_url'/>\n")
    out.append(f"<meta content='{blog.blog_id}' itemprop='blogId'/>\n")
    out.append(f"<meta content='{post.post_id}' itemprop='postId'/>\n")
    out.append(f"<a name='{post.post_id}'></a>\n")
    if post.title:
        title = esc(post.title)
        inner = title if item else f"<a href='{url}'>{title}</a>"
        out.append(f"<h3 class='post-title entry-title' itemprop='name'>\n{inner}\n</h3>\n")
    out.append("<div class='post-header'>\n<div class='post-header-line-1'></div>\n</div>\n")
    out.append(f"<div class='post-body entry-content' id='post-body-{post.post_id}' itemprop='articleBody'>\n")
    out.append(body_html(body, listing=not item))
    out.append("\n<div style='clear: both;'></div>\n</div>\n")
    if not item and has_jump(body):
        out.append(
            f"<div class='jump-link'>\n<a href='{url}#more' title='{esc(post.title)}'>"
            f"{ZH['read_more']} &#187;</a>\n</div>\n"
        )
    out.append(_footer_lines(site, view, post))
    out.append("</div>\n")
    return "".join(out)


def _footer_lines(site: Site, view: View, post: Post) -> str:
    blog = site.blog
    mobile = view.mobile
    url = site.post_url(post, mobile=mobile)
    static = post.kind == "page"
    out = ["<div class='post-footer'>\n<div class='post-footer-line post-footer-line-1'>"]
    out.append(f"<span class='post-author vcard'>\n{ZH['author']}\n")
    out.append(_profile_link(post.author.name, post.author.uri))
    out.append("</span>\n")
    out.append("<span class='post-timestamp'>\n")
    if not static:
        out.append(
            f"{ZH['at']}\n<meta content='{site.post_url(post)}' itemprop='url'/>\n"
            f"<a class='timestamp-link' href='{url}' rel='bookmark' title='permanent link'>"
            f"<abbr class='published' itemprop='datePublished' title='{iso(post.published)}'>"
            f"{zh_time(post.published)}</abbr></a>\n"
        )
    out.append("</span>\n<span class='post-comment-link'>\n")
    if view.item is None and not static and post.comments_enabled:
        count = len(blog.comments(post))
        out.append(f"<a class='comment-link' href='{url}#comment-form' onclick=''>{count} {ZH['comments']}</a>\n")
    out.append("</span>\n<span class='post-icons'>\n")
    out.append(
        f"<span class='item-action'>\n<a href='{BLOGGER}/email-post.g?blogID={blog.blog_id}"
        f"&postID={post.post_id}' title='{ZH['email_post']}'>\n"
        f"<img alt='' class='icon-action' height='13' src='{assets_urls.ICON_EMAIL}' width='18'/>\n"
        "</a>\n</span>\n"
    )
    out.append(
        f"<span class='item-control blog-admin pid-{_admin_pid(post)}'>\n"
        f"<a href='{BLOGGER}/post-edit.g?blogID={blog.blog_id}&postID={post.post_id}&from=pencil' "
        f"title='{ZH['edit_post']}'>\n"
        f"<img alt='' class='icon-action' height='18' src='{assets_urls.ICON_EDIT}' width='18'/>\n"
        "</a>\n</span>\n</span>\n"
    )
    out.append("<div class='post-share-buttons goog-inline-block'>\n")
    out.append(
        f"<a class='goog-inline-block share-button sb-email' href='{share_url(blog, post, 'email')}' "
        f"target='_blank' title='{ZH['email_this']}'><span class='share-button-link-text'>{ZH['email_this']}</span></a>"
        f"<a class='goog-inline-block share-button sb-blog' href='{share_url(blog, post, 'blog')}' "
        "onclick='window.open(this.href, \"_blank\", \"height=270,width=475\"); return false;' target='_blank' "
        f"title='{ZH['blog_this']}'><span class='share-button-link-text'>{ZH['blog_this']}</span></a>"
        f"<a class='goog-inline-block share-button sb-twitter' href='{share_url(blog, post, 'twitter')}' "
        f"target='_blank' title='{ZH['twitter']}'><span class='share-button-link-text'>{ZH['twitter']}</span></a>"
        f"<a class='goog-inline-block share-button sb-facebook' href='{share_url(blog, post, 'facebook')}' "
        "onclick='window.open(this.href, \"_blank\", \"height=430,width=640\"); return false;' target='_blank' "
        f"title='{ZH['facebook']}'><span class='share-button-link-text'>{ZH['facebook']}</span></a>"
        f"<a class='goog-inline-block share-button sb-pinterest' href='{share_url(blog, post, 'pinterest')}' "
        f"target='_blank' title='{ZH['pinterest']}'>"
        f"<span class='share-button-link-text'>{ZH['pinterest']}</span></a>\n"
    )
    out.append("</div>\n</div>\n")
    out.append("<div class='post-footer-line post-footer-line-2'><span class='post-labels'>\n")
    if post.labels and not static:
        links = ",\n".join(
            f"<a href='{site.label_url(label, mobile=mobile)}' rel='tag'>{esc(label)}</a>" for label in post.labels
        )
        out.append(f"{ZH['labels']}\n{links}\n")
    out.append("</span>\n</div>\n")
    out.append("<div class='post-footer-line post-footer-line-3'><span class='post-location'>\n</span>\n</div>\n")
    out.append("</div>\n")
    return "".join(out)


def _admin_pid(post: Post) -> int:
    return int(post.author.uri.rsplit("/", 1)[1][-9:]) if post.author.uri else 1234567


def _comments(site: Site, view: View, post: Post) -> str:
    blog = site.blog
    mobile = view.mobile
    out = ["<div class='comments' id='comments'>\n<a name='comments'></a>\n"]
    if post.comments_enabled:
        comments = blog.comments(post)
        out.append(f"<h4>{len(comments)} {ZH['comments']}:</h4>\n")
        out.append("<div id='Blog1_comments-block-wrapper'>\n<dl class='avatar-comment-indent' id='comments-block'>\n")
        for comment in comments:
            cid = comment.comment_id
            author = (
                f"<a href='{esc(comment.author.uri)}' rel='nofollow'>{esc(comment.author.name)}</a>"
                if comment.author.uri
                else esc(comment.author.name)
            )
            avatar = assets_urls.AVATAR_DEFAULT if comment.author.uri else assets_urls.AVATAR_BLANK
            out.append(
                f"<dt class='comment-author ' id='c{cid}'>\n<a name='c{cid}'></a>\n"
                '<div class="avatar-image-container avatar-stock"><span dir="ltr">'
                f'<img src="{avatar}" width="35" height="35" alt="" '
                f'title="{esc(comment.author.name)}" /></span></div>\n'
                f"{author}\n{ZH['said']}\n</dt>\n"
            )
            out.append(f"<dd class='comment-body' id='Blog1_cmt-{cid}'>\n<p>\n{esc(comment.text)}\n</p>\n</dd>\n")
            out.append(
                "<dd class='comment-footer'>\n<span class='comment-timestamp'>\n"
                f"<a href='{comment_url(site, post, cid, comment.show_comment, mobile)}' "
                f"title='comment permalink'>\n{zh_datetime(comment.published)}\n</a>\n"
                f"<span class='item-control blog-admin pid-{_admin_pid(post)}'>\n"
                f"<a class='comment-delete' href='{BLOGGER}/delete-comment.g?blogID={blog.blog_id}"
                f"&postID={cid}' title='删除评论'>\n"
                "</a>\n</span>\n</span>\n</dd>\n"
            )
        out.append("</dl>\n</div>\n")
        out.append(
            "<p class='comment-footer'>\n"
            f"<a href='{BLOGGER}/comment.g?blogID={blog.blog_id}&postID={post.post_id}' "
            f"onclick=''>{ZH['post_comment']}</a>\n</p>\n"
        )
    out.append("</div>\n")
    return "".join(out)


# --- Blog1: the posts, the pager, the feed links --------------------------------------------------------


def _posts(site: Site, view: View) -> str:
    out = ["<div class='blog-posts hfeed'>\n", status_html(site, view)]
    show_header = view.page_type in ("index", "archive")
    previous = None
    for i, post in enumerate(view.posts):
        start = post.day != previous
        if start and i:
            out.append("\n          </div></div>\n        ")
        if start:
            out.append('\n          <div class="date-outer">\n        ')
            if show_header:
                out.append(f"\n<h2 class='date-header'><span>{esc(post.date_header)}</span></h2>\n")
            out.append('\n          <div class="date-posts">\n        \n')
        previous = post.day
        out.append("<div class='post-outer'>\n")
        out.append(_post(site, view, post))
        if view.item is not None and post.kind == "post":
            out.append(_comments(site, view, post))
        out.append("</div>\n")
    if view.posts:
        out.append("\n        </div></div>\n      \n")
    out.append("</div>\n")
    return "".join(out)


def _pager(site: Site, view: View) -> str:
    mobile = view.mobile
    out = ["<div class='blog-pager' id='blog-pager'>\n"]
    if view.newer:
        out.append(
            f"<span id='blog-pager-newer-link'>\n<a class='blog-pager-newer-link' "
            f"href='{site.url(view.newer, mobile=mobile)}' id='Blog1_blog-pager-newer-link' "
            f"title='{ZH['newer']}'>{ZH['newer']}</a>\n</span>\n"
        )
    if view.older:
        out.append(
            f"<span id='blog-pager-older-link'>\n<a class='blog-pager-older-link' "
            f"href='{site.url(view.older, mobile=mobile)}' id='Blog1_blog-pager-older-link' "
            f"title='{ZH['older']}'>{ZH['older']}</a>\n</span>\n"
        )
    out.append(
        f"<a class='home-link' href='{site.url('/', mobile=mobile)}'>{ZH['home']}</a>\n</div>\n"
        "<div class='clear'></div>\n"
    )
    return "".join(out)


def _feeds(site: Site, view: View) -> str:
    item = view.item
    if item is not None and view.page_type == "item":
        if not item.comments_enabled:
            return "<div class='post-feeds'>\n</div>\n"
        return (
            f"<div class='post-feeds'>\n<div class='feed-links'>\n{ZH['subscribe']}\n"
            f"<a class='feed-link' href='{comments_feed(site, item)}' target='_blank' "
            f"type='application/atom+xml'>{ZH['comments_atom']}</a>\n</div>\n</div>\n"
        )
    return (
        f"<div class='blog-feeds'>\n<div class='feed-links'>\n{ZH['subscribe']}\n"
        f"<a class='feed-link' href='{site.feed_url}' target='_blank' "
        f"type='application/atom+xml'>{ZH['posts_atom']}</a>\n</div>\n</div>\n"
    )


def _blog_widget(site: Site, view: View) -> str:
    return (
        "<div class='main section' id='main'><div class='widget Blog' data-version='1' id='Blog1'>\n"
        + _posts(site, view)
        + _pager(site, view)
        + _feeds(site, view)
        + "</div></div>\n"
    )


# --- widgets ------------------------------------------------------------------------------------------


def _header(site: Site, mobile: bool) -> str:
    blog = site.blog
    return (
        "<div class='header section' id='header'><div class='widget Header' data-version='1' id='Header1'>\n"
        "<div id='header-inner'>\n<div class='titlewrapper'>\n<h1 class='title'>\n"
        f"<a href='{site.url('/', mobile=mobile)}'>{esc(blog.title)}</a>\n</h1>\n</div>\n"
        f"<div class='descriptionwrapper'>\n<p class='description'><span>{esc(blog.description)}</span></p>\n"
        "</div>\n</div>\n</div></div>\n"
    )


def _crosscol(site: Site) -> str:
    blog = site.blog

    def build() -> str:
        out = ["<div class='tabs section' id='crosscol'>"]
        out.append(
            f"<div class='widget PageList' data-version='1' id='PageList1'>\n<h2>{ZH['pages']}</h2>\n"
            f"<div class='widget-content'>\n<ul>\n{page_list_items(site)}</ul>\n<div class='clear'></div>\n"
            + _widget_end(blog, "PageList", "PageList1", "crosscol")
            + "</div>\n</div>"
        )
        out.append(
            "<div class='widget HTML' data-version='1' id='HTML1'>\n<h2 class='title'>Who We Are</h2>\n"
            f"<div class='widget-content'>\n{who_we_are_html()}\n</div>\n"
            + _widget_end(blog, "HTML", "HTML1", "crosscol")
            + "</div>"
        )
        out.append(
            "<div class='widget HTML' data-version='1' id='HTML2'>\n"
            f"<h2 class='title'>{esc(FREEDOM_TITLE)}</h2>\n"
            f"<div class='widget-content'>\n{esc(FREEDOM_TEXT)}\n</div>\n"
            + _widget_end(blog, "HTML", "HTML2", "crosscol")
            + "</div>"
        )
        for k, image in enumerate(sidebar_images(blog), start=1):
            width, height = display_size(image)
            caption = esc(image.caption)
            out.append(
                f"<div class='widget Image' data-version='1' id='Image{k}'>\n<h2>{caption}</h2>\n"
                f"<div class='widget-content'>\n<img alt='{caption}' height='{height}' id='Image{k}_img' "
                f"src='{image.src}' width='{width}'/>\n<br/>\n<span class='caption'>{caption}</span>\n</div>\n"
                + _widget_end(blog, "Image", f"Image{k}", "crosscol")
                + "</div>"
            )
        out.append("</div>\n<div class='tabs no-items section' id='crosscol-overflow'></div>\n")
        return "".join(out)

    return chrome(blog).cached(("classic", "crosscol", site.base), build)


def _link_list(site: Site) -> str:
    blog = site.blog
    return (
        f"<div class='widget LinkList' data-version='1' id='LinkList1'>\n<h2>{ZH['links']}</h2>\n"
        f"<div class='widget-content'>\n<ul>\n<li><a href='{OLD_SITE}'>www.cfcr2008.org</a></li>\n</ul>\n"
        + _widget_end(blog, "LinkList", "LinkList1", "sidebar-right-1")
        + "</div>\n</div>"
    )


def _labels(site: Site) -> str:
    blog = site.blog

    def build() -> str:
        items = "".join(
            f"<li>\n<a dir='ltr' href='{site.label_url(label)}'>{esc(label)}</a>\n"
            f"<span dir='ltr'>({count})</span>\n</li>\n"
            for label, count in chrome(blog).labels
        )
        return (
            f"<div class='widget Label' data-version='1' id='Label1'>\n<h2>{ZH['labels_title']}</h2>\n"
            f"<div class='widget-content list-label-widget-content'>\n<ul>\n{items}</ul>\n"
            + _widget_end(blog, "Label", "Label1", "sidebar-right-1")
            + "</div>\n</div>"
        )

    return chrome(blog).cached(("classic", "labels", site.base), build)


_ZIPPY_OPEN = (
    "<a class='toggle' href='javascript:void(0)'>\n<span class='zippy toggle-open'>\n\n"
    "        &#9660;&#160;\n      \n</span>\n</a>\n"
)
_ZIPPY_SHUT = (
    "<a class='toggle' href='javascript:void(0)'>\n<span class='zippy'>\n\n"
    "        &#9658;&#160;\n      \n</span>\n</a>\n"
)


def _archive(site: Site, expanded: tuple[int, int] | None) -> str:
    blog = site.blog

    def build() -> str:
        out = [
            f"<div class='widget BlogArchive' data-version='1' id='BlogArchive1'>\n<h2>{ZH['archive']}</h2>\n"
            "<div class='widget-content'>\n<div id='ArchiveList'>\n<div id='BlogArchive1_ArchiveList'>\n"
        ]
        for year, year_count, months in chrome(blog).years:
            year_open = expanded is not None and expanded[0] == year
            state = "expanded" if year_open else "collapsed"
            out.append(
                f"<ul class='hierarchy'>\n<li class='archivedate {state}'>\n"
                + (_ZIPPY_OPEN if year_open else _ZIPPY_SHUT)
                + f"<a class='post-count-link' href='{site.year_url(year)}'>\n{year}\n</a>\n"
                f"<span class='post-count' dir='ltr'>({year_count})</span>\n"
            )
            for month, count in months:
                month_open = year_open and expanded is not None and expanded[1] == month
                mstate = "expanded" if month_open else "collapsed"
                out.append(
                    f"<ul class='hierarchy'>\n<li class='archivedate {mstate}'>\n"
                    + (_ZIPPY_OPEN if month_open else _ZIPPY_SHUT)
                    + f"<a class='post-count-link' href='{site.month_url(year, month)}'>\n"
                    f"{zh_month(month)}\n</a>\n"
                    f"<span class='post-count' dir='ltr'>({count})</span>\n"
                )
                if month_open:
                    out.append("<ul class='posts'>\n")
                    out.extend(
                        f"<li><a href='{site.post_url(p)}'>{esc(archive_title(p.title))}</a></li>\n"
                        for p in blog.months[(year, month)]
                    )
                    out.append("</ul>\n")
                out.append("</li>\n</ul>\n")
            out.append("</li>\n</ul>\n")
        out.append(
            "</div>\n</div>\n" + _widget_end(blog, "BlogArchive", "BlogArchive1", "sidebar-right-1") + "</div>\n</div>"
        )
        return "".join(out)

    return chrome(blog).cached(("classic", "archive", site.base, expanded), build)


def _profile(site: Site, section: str) -> str:
    blog = site.blog
    items = "".join(
        f"<li><a class='profile-name-link g-profile' href='{esc(a.uri or '')}'>{esc(a.name)}</a></li>\n"
        for a in CONTRIBUTORS
    )
    return (
        f"<div class='widget Profile' data-version='1' id='Profile1'>\n<h2>{ZH['contributors']}</h2>\n"
        f"<div class='widget-content'>\n<ul>\n{items}</ul>\n"
        + _widget_end(blog, "Profile", "Profile1", section)
        + "</div>\n</div>"
    )


def _sidebar(site: Site, view: View) -> str:
    return (
        "<div class='sidebar section' id='sidebar-right-1'>"
        + _link_list(site)
        + _labels(site)
        + _archive(site, view.expanded)
        + _profile(site, "sidebar-right-1")
        + "</div>\n<table border='0' cellpadding='0' cellspacing='0' class='section-columns columns-2'>\n"
        "<tbody>\n<tr>\n<td class='first columns-cell'>\n<div class='sidebar no-items section' "
        "id='sidebar-right-2-1'></div>\n</td>\n<td class='columns-cell'>\n<div class='sidebar no-items section' "
        "id='sidebar-right-2-2'></div>\n</td>\n</tr>\n</tbody>\n</table>\n"
        "<div class='sidebar no-items section' id='sidebar-right-3'></div>\n"
    )


def _attribution(site: Site) -> str:
    return (
        "<div class='foot section' id='footer-3'><div class='widget Attribution' data-version='1' "
        "id='Attribution1'>\n<div class='widget-content' style='text-align: center;'>\n"
        "“简单”主题背景. 由 <a href='https://www.blogger.com' target='_blank'>Blogger</a> "
        "提供支持.\n</div>\n" + _widget_end(site.blog, "Attribution", "Attribution1", "footer-3") + "</div></div>\n"
    )


def _navbar(site: Site) -> str:
    blog = site.blog
    src = esc(assets_urls.navbar_url(blog.blog_id, blog.name))
    return (
        "<div class='navbar section' id='navbar'><div class='widget Navbar' data-version='1' id='Navbar1'>"
        '<script type="text/javascript">\n    function setAttributeOnload(object, attribute, val) {\n'
        "      if(window.addEventListener) {\n        window.addEventListener('load',\n"
        "          function(){ object[attribute] = val; }, false);\n      } else {\n"
        "        window.attachEvent('onload', function(){ object[attribute] = val; });\n      }\n    }\n"
        '  </script>\n<iframe allowTransparency="true" class="blogger-iframe-colorize blogger-search-iframe" '
        f'frameborder="0" height="30px" id="navbar-iframe" scrolling="no" src="{src}" '
        'title="Blogger Navigation and Search" width="100%"></iframe>\n<div></div>\n</div></div>\n'
    )


# --- scripts ------------------------------------------------------------------------------------------

_WIDGETS = (
    ("_NavbarView", "Navbar1", "navbar"),
    ("_HeaderView", "Header1", "header"),
    ("_HTMLView", "HTML1", "crosscol"),
    ("_HTMLView", "HTML2", "crosscol"),
    ("_ImageView", "Image1", "crosscol"),
    ("_ImageView", "Image2", "crosscol"),
    ("_BlogView", "Blog1", "main"),
    ("_LinkListView", "LinkList1", "sidebar-right-1"),
    ("_LabelView", "Label1", "sidebar-right-1"),
    ("_BlogArchiveView", "BlogArchive1", "sidebar-right-1"),
    ("_ProfileView", "Profile1", "sidebar-right-1"),
    ("_AttributionView", "Attribution1", "footer-3"),
)
_MOBILE_WIDGETS = (
    ("_HeaderView", "Header1", "header"),
    ("_BlogView", "Blog1", "main"),
    ("_ProfileView", "Profile1", "footer-1"),
    ("_AttributionView", "Attribution1", "footer-3"),
)


def _scripts(site: Site, view: View) -> str:
    blog = site.blog
    home = site.url("/")
    host_rel = home.split(":", 1)[1]  # "//host/"
    page_url = site.url(view.canonical, mobile=view.mobile)
    data = (
        f"{{'blogId': '{blog.blog_id}', 'title': '{js_str(blog.title)}', 'url': '{js_str(page_url)}', "
        f"'canonicalUrl': '{js_str(canonical_url(site, view.canonical))}', 'homepageUrl': '{js_str(home)}', "
        f"'searchUrl': '{js_str(site.url('/search'))}', "
        f"'canonicalHomepageUrl': '{js_str(canonical_url(site, '/'))}', "
        f"'blogspotFaviconUrl': '{js_str(site.url('/favicon.ico'))}', 'bloggerUrl': 'https://www.blogger.com', "
        "'hasCustomDomain': false, 'httpsEnabled': true, 'enabledCommentProfileImages': true, "
        "'adultContent': false, 'analyticsAccountNumber': '', 'encoding': 'UTF-8', 'locale': 'zh-CN', "
        "'localeUnderscoreDelimited': 'zh_cn', 'languageDirection': 'ltr', 'isPrivate': false, "
        f"'isMobile': {'true' if view.mobile else 'false'}, "
        f"'isMobileRequest': {'true' if view.mobile else 'false'}, "
        f"'mobileClass': '{' mobile' if view.mobile else ''}', 'isPrivateBlog': false, "
        f"'pageType': '{view.page_type}', 'pageName': '{js_str(view.page_name)}', "
        f"'pageTitle': '{js_str(page_title(site, view.page_name))}'}}"
    )
    widgets = _MOBILE_WIDGETS if view.mobile else _WIDGETS
    register = "".join(
        f"_WidgetManager._RegisterWidget('{kind}', new _WidgetInfo('{wid}', '{section}', null, "
        f"document.getElementById('{wid}'), {{}}, 'displayModeFull'));\n"
        for kind, wid, section in widgets
    )
    return (
        "<script type='text/javascript'>\n    window.setTimeout(function() {\n"
        "        document.body.className = document.body.className.replace('loading', '');\n"
        "      }, 10);\n  </script>\n"
        f'<script type="text/javascript" src="{assets_urls.CLASSIC_JS}"></script>\n'
        "<script type='text/javascript'>\n"
        f"_WidgetManager._Init('//www.blogger.com/rearrange?blogID\\x3d{blog.blog_id}','{host_rel}',"
        f"'{blog.blog_id}');\n"
        f"_WidgetManager._SetDataContext([{{'name': 'blog', 'data': {data}}}, "
        "{'name': 'messages', 'data': {'edit': '编辑', "
        "'linkCopiedToClipboard': '已将链接复制到剪贴板！', "
        "'ok': '确定', 'postLink': '博文链接'}}]);\n" + register + "</script>\n"
    )


# --- pages --------------------------------------------------------------------------------------------


def _desktop(site: Site, view: View) -> str:
    blog = site.blog
    return "".join(
        (
            _head(site, view),
            "<body class='loading'>\n",
            _navbar(site),
            "<div itemscope='itemscope' itemtype='http://schema.org/Blog' style='display: none;'>\n"
            f"<meta content='{esc(blog.title)}' itemprop='name'/>\n"
            f"<meta content='{esc(blog.description)}' itemprop='description'/>\n</div>\n",
            "<div class='body-fauxcolumns'>\n<div class='fauxcolumn-outer body-fauxcolumn-outer'>\n"
            f"<div class='cap-top'>\n{_CAP}</div>\n<div class='fauxborder-left'>\n"
            "<div class='fauxborder-right'></div>\n"
            f"<div class='fauxcolumn-inner'>\n</div>\n</div>\n<div class='cap-bottom'>\n{_CAP}</div>\n</div>\n</div>\n",
            "<div class='content'>\n<div class='content-outer'>\n"
            f"<div class='content-cap-top cap-top'>\n{_CAP}</div>\n"
            f"{_faux('content')}"
            "<div class='content-inner'>\n<header>\n<div class='header-outer'>\n"
            f"<div class='header-cap-top cap-top'>\n{_CAP}</div>\n"
            f"{_faux('header')}"
            "<div class='region-inner header-inner'>\n",
            _header(site, mobile=False),
            "</div>\n</div>\n"
            f"<div class='header-cap-bottom cap-bottom'>\n{_CAP}</div>\n</div>\n</header>\n"
            "<div class='tabs-outer'>\n"
            f"<div class='tabs-cap-top cap-top'>\n{_CAP}</div>\n"
            f"{_faux('tabs')}"
            "<div class='region-inner tabs-inner'>\n",
            _crosscol(site),
            "</div>\n</div>\n"
            f"<div class='tabs-cap-bottom cap-bottom'>\n{_CAP}</div>\n</div>\n"
            "<div class='main-outer'>\n"
            f"<div class='main-cap-top cap-top'>\n{_CAP}</div>\n"
            f"{_faux('main')}"
            "<div class='region-inner main-inner'>\n<div class='columns fauxcolumns'>\n"
            "<!-- corrects IE6 width calculation -->\n<div class='columns-inner'>\n"
            "<div class='column-center-outer'>\n<div class='column-center-inner'>\n",
            _blog_widget(site, view),
            "</div>\n</div>\n<div class='column-left-outer'>\n<div class='column-left-inner'>\n<aside>\n</aside>\n"
            "</div>\n</div>\n<div class='column-right-outer'>\n<div class='column-right-inner'>\n<aside>\n",
            _sidebar(site, view),
            "</aside>\n</div>\n</div>\n</div>\n<div style='clear: both'></div>\n<!-- columns -->\n</div>\n"
            "<!-- main -->\n</div>\n</div>\n"
            f"<div class='main-cap-bottom cap-bottom'>\n{_CAP}</div>\n</div>\n"
            "<footer>\n<div class='footer-outer'>\n"
            f"<div class='footer-cap-top cap-top'>\n{_CAP}</div>\n"
            f"{_faux('footer')}"
            "<div class='region-inner footer-inner'>\n<div class='foot no-items section' id='footer-1'></div>\n"
            "<table border='0' cellpadding='0' cellspacing='0' class='section-columns columns-2'>\n<tbody>\n<tr>\n"
            "<td class='first columns-cell'>\n<div class='foot no-items section' id='footer-2-1'></div>\n</td>\n"
            "<td class='columns-cell'>\n<div class='foot no-items section' id='footer-2-2'></div>\n</td>\n</tr>\n"
            "</tbody>\n</table>\n<!-- outside of the include in order to lock Attribution widget -->\n",
            _attribution(site),
            "</div>\n</div>\n"
            f"<div class='footer-cap-bottom cap-bottom'>\n{_CAP}</div>\n</div>\n</footer>\n"
            "<!-- content -->\n</div>\n</div>\n"
            f"<div class='content-cap-bottom cap-bottom'>\n{_CAP}</div>\n</div>\n</div>\n",
            _scripts(site, view),
            "</body>\n</html>",
        )
    )


# --- mobile -------------------------------------------------------------------------------------------


def _mobile_index_post(site: Site, post: Post, header: bool) -> str:
    blog = site.blog
    url = site.post_url(post, mobile=True)
    body = blog.body(post)
    image = first_image(body)
    out = ["<div class='mobile-date-outer date-outer'>\n"]
    if header:
        out.append(f"<div class='date-header'>\n<span>{esc(post.date_header)}</span>\n</div>\n")
    out.append(
        f"<div class='mobile-post-outer'>\n<a href='{url}'>\n"
        f"<h3 class='mobile-index-title entry-title' itemprop='name'>\n{esc(post.title)}\n</h3>\n"
        "<div class='mobile-index-arrow'>&rsaquo;</div>\n<div class='mobile-index-contents'>\n"
    )
    if image is not None:
        out.append(
            "<div class='mobile-index-thumbnail'>\n<div class='Image'>\n"
            f"<img src='{image.url('s72-c')}'/>\n</div>\n</div>\n"
        )
    out.append(
        f"<div class='post-body'>\n{esc(snippet(body))}\n</div>\n</div>\n<div style='clear: both;'></div>\n"
        "</a>\n<div class='mobile-index-comment'>\n"
    )
    count = len(blog.comments(post))
    if post.comments_enabled and count:
        out.append(f"<a class='comment-link' href='{url}#comment-form' onclick=''>{count} {ZH['comments']}</a>\n")
    out.append("</div>\n</div>\n</div>\n")
    return "".join(out)


def _mobile_post(site: Site, view: View, post: Post, header: bool) -> str:
    blog = site.blog
    item = view.item is not None
    url = site.post_url(post, mobile=True)
    body = blog.page_body(post) if item else blog.body(post)
    out = ["<div class='date-outer'>\n"]
    if header:
        out.append(f"<h2 class='date-header'><span>{esc(post.date_header)}</span></h2>\n")
    out.append(
        "<div class='date-posts'>\n<div class='post-outer'>\n"
        "<div class='post hentry uncustomized-post-template' itemscope='itemscope' "
        "itemtype='http://schema.org/BlogPosting'>\n"
    )
    image = first_image(body)
    if image is not None:
        out.append(f"<meta content='{image.url('s72-c')}' itemprop='image_url'/>\n")
    out.append(
        f"<meta content='{blog.blog_id}' itemprop='blogId'/>\n"
        f"<meta content='{post.post_id}' itemprop='postId'/>\n"
        f"<a name='{post.post_id}'></a>\n"
    )
    if post.title:
        title = esc(post.title)
        inner = title if item else f"<a href='{url}'>{title}</a>"
        out.append(f"<h3 class='post-title entry-title' itemprop='name'>\n{inner}\n</h3>\n")
    out.append(
        "<div class='post-header'>\n<div class='post-header-line-1'></div>\n</div>\n"
        f"<div class='post-body entry-content' id='post-body-{post.post_id}' itemprop='articleBody'>\n"
        + body_html(body, listing=not item)
        + "\n<div style='clear: both;'></div>\n</div>\n"
    )
    if not item and has_jump(body):
        out.append(
            f"<div class='jump-link'>\n<a href='{site.post_url(post, mobile=True)}#more' "
            f"title='{esc(post.title)}'>{ZH['read_more']} &#187;</a>\n</div>\n"
        )
    out.append(
        "<div class='post-footer'>\n<div class='post-footer-line post-footer-line-1'>\n"
        "<span class='post-author vcard'>\n" + _profile_link(post.author.name, post.author.uri) + "</span>\n"
        "<span class='post-timestamp'>\n"
    )
    if post.kind == "post":
        out.append(
            f"{ZH['at']}\n<meta content='{site.post_url(post)}' itemprop='url'/>\n"
            f"<a class='timestamp-link' href='{url}' rel='bookmark' title='permanent link'>"
            f"<abbr class='published' itemprop='datePublished' title='{iso(post.published)}'>"
            f"{zh_time(post.published)}</abbr></a>\n"
        )
    out.append("</span>\n<span class='post-comment-link'>\n")
    if not item and post.kind == "post" and post.comments_enabled:
        out.append(
            f"<a class='comment-link' href='{url}#comment-form' onclick=''>"
            f"{len(blog.comments(post))} {ZH['comments']}</a>\n"
        )
    out.append(
        "</span>\n</div>\n<div class='post-footer-line post-footer-line-2'>\n"
        "<div class='mobile-link-button goog-inline-block' id='mobile-share-button'>\n"
        f"<a href='javascript:void(0);'>{ZH['share']}</a>\n</div>\n</div>\n</div>\n</div>\n"
    )
    if item and post.kind == "post":
        out.append(_comments(site, view, post))
    out.append("</div>\n</div>\n</div>\n")
    return "".join(out)


def _mobile_blog(site: Site, view: View) -> str:
    out = [
        "<div class='main section' id='main'><div class='widget Blog' data-version='1' id='Blog1'>\n"
        "<div class='blog-posts hfeed'>\n",
        status_html(site, view),
    ]
    previous = None
    for post in view.posts:
        header = post.day != previous and view.page_type in ("index", "archive")
        previous = post.day
        if view.page_type == "index":
            out.append(_mobile_index_post(site, post, header))
        else:
            out.append(_mobile_post(site, view, post, header))
    out.append("</div>\n<div class='blog-pager' id='blog-pager'>\n")
    if view.newer:
        out.append(
            f"<div class='mobile-link-button' id='blog-pager-newer-link'>\n<a class='blog-pager-newer-link' "
            f"href='{site.url(view.newer, mobile=True)}' id='Blog1_blog-pager-newer-link' "
            f"title='{ZH['newer']}'>&lsaquo;</a>\n</div>\n"
        )
    if view.older:
        out.append(
            f"<div class='mobile-link-button' id='blog-pager-older-link'>\n<a class='blog-pager-older-link' "
            f"href='{site.url(view.older, mobile=True)}' id='Blog1_blog-pager-older-link' "
            f"title='{ZH['older']}'>&rsaquo;</a>\n</div>\n"
        )
    desktop = site.url(view.canonical)
    desktop += ("&" if "?" in desktop else "?") + "m=0"
    out.append(
        f"<div class='mobile-link-button' id='blog-pager-home-link'>\n<a class='home-link' "
        f"href='{site.url('/', mobile=True)}'>{ZH['home']}</a>\n</div>\n"
        f"<div class='mobile-desktop-link'>\n<a class='home-link' href='{desktop}'>{ZH['web_version']}</a>\n"
        "</div>\n</div>\n<div class='clear'></div>\n</div></div>\n"
    )
    return "".join(out)


def _mobile(site: Site, view: View) -> str:
    blog = site.blog
    return "".join(
        (
            _head(site, view),
            "<body class='mobile variant-simplysimple'>\n",
            "<div itemscope='itemscope' itemtype='http://schema.org/Blog' style='display: none;'>\n"
            f"<meta content='{esc(blog.title)}' itemprop='name'/>\n"
            f"<meta content='{esc(blog.description)}' itemprop='description'/>\n</div>\n",
            "<div class='content'>\n<div class='content-outer'>\n<div class='content-inner'>\n"
            "<header>\n<div class='header-outer'>\n<div class='region-inner header-inner'>\n",
            _header(site, mobile=True),
            "</div>\n</div>\n</header>\n<div class='main-outer'>\n<div class='region-inner main-inner'>\n"
            "<div class='columns fauxcolumns'>\n<div class='columns-inner'>\n<div class='column-center-outer'>\n"
            "<div class='column-center-inner'>\n",
            _mobile_blog(site, view),
            "</div>\n</div>\n</div>\n</div>\n</div>\n</div>\n<footer>\n<div class='footer-outer'>\n"
            "<div class='region-inner footer-inner'>\n<div class='foot section' id='footer-1'>",
            _profile(site, "footer-1"),
            "</div>\n",
            _attribution(site),
            "</div>\n</div>\n</footer>\n</div>\n</div>\n</div>\n",
            _scripts(site, view),
            "</body>\n</html>",
        )
    )


def render(site: Site, view: View) -> Page:
    html = _mobile(site, view) if view.mobile else _desktop(site, view)
    return Page.html(html, status=view.status)
