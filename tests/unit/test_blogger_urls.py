"""URL rules of archiver.blogger.urls: canonical form, kinds, scope, traps, image sizes."""

from __future__ import annotations

import pytest

from archiver.blogger.urls import (
    UrlError,
    archive_urls,
    blog_feed_url,
    blog_home,
    blogspot_host,
    canonicalize,
    classify,
    image_size,
    in_scope,
    original_image_url,
    safe_name,
    split_url,
    trap_reason,
    with_image_size,
)

HOST = "gongminziyoulianmeng.blogspot.com"
POST = f"https://{HOST}/2013/09/free-nobel-laureate-liu-xiaobo-rally.html"
BLOG_HOSTS = {HOST}


@pytest.mark.parametrize(
    "url",
    [
        POST,
        POST + "#more",
        POST + "?m=1",
        POST + "?showComment=1307287235945#c123",
        POST + "?utm_source=twitter&utm_medium=social",
        POST.replace("https://", "http://"),
        POST.replace(".com/", ".co.uk/"),
        POST.replace(".com/", ".de/"),
        POST.replace(".com/", ".com.au/"),
        POST.replace(f"{HOST}/", f"{HOST}/ncr/"),
        POST.replace(HOST, HOST.upper()),
        POST.replace(HOST, HOST + ":443"),
        POST.replace(HOST, HOST + "."),
        POST + "?x=1",
        POST + "?x=1&x=1&x=1&x=1&x=1",  # a post linking to itself with a growing query string
    ],
)
def test_one_post_has_one_canonical_url(url: str) -> None:
    assert canonicalize(url, HOST) == POST


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"http://{HOST}/2015/09", f"https://{HOST}/2015/09/"),
        (f"https://{HOST}/2015/09/", f"https://{HOST}/2015/09/"),
        (f"https://{HOST}/2015", f"https://{HOST}/2015/"),
        (f"https://{HOST}", f"https://{HOST}/"),
        (f"https://{HOST}/?m=1", f"https://{HOST}/"),
        (f"https://{HOST}/search/label/集会", f"https://{HOST}/search/label/%E9%9B%86%E4%BC%9A"),
        (f"https://{HOST}/search/label/Free%20Speech", f"https://{HOST}/search/label/Free%20Speech"),
        (
            f"https://{HOST}/search?updated-max=2015-10-17T10:00:00-07:00&max-results=7",
            f"https://{HOST}/search?updated-max=2015-10-17T10:00:00-07:00&max-results=7",
        ),
        (
            f"https://{HOST}/feeds/posts/default?max-results=150&m=1",
            f"https://{HOST}/feeds/posts/default?max-results=150",
        ),
        ("http://1.bp.blogspot.com/-a/b/c/d/s320/x.jpg#f", "https://1.bp.blogspot.com/-a/b/c/d/s320/x.jpg"),
        ("http://www.cfcr2008.org/#top", "http://www.cfcr2008.org/"),
    ],
)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url, HOST) == expected


def test_canonicalize_custom_domain_keeps_its_scheme() -> None:
    assert canonicalize("http://blog.example.org/2015/09?m=1", "blog.example.org", blog_scheme="http") == (
        "http://blog.example.org/2015/09/"
    )


@pytest.mark.parametrize("url", ["ftp://x.org/", "/relative/path", "mailto:a@b.org", "https:///nohost"])
def test_canonicalize_refuses_what_is_not_an_http_url(url: str) -> None:
    with pytest.raises(UrlError, match="not an absolute"):
        canonicalize(url, HOST)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"https://{HOST}/", "home"),
        (POST, "post"),
        (f"https://{HOST}/2011/07/blog-post_17.html", "post"),
        (f"https://{HOST}/p/about-us.html", "page"),
        (f"https://{HOST}/2015/", "archive_year"),
        (f"https://{HOST}/2015", "archive_year"),
        (f"https://{HOST}/2015/09/", "archive_month"),
        (f"https://{HOST}/2015/09", "archive_month"),
        (f"https://{HOST}/2011_10_26_archive.html", "archive_day"),
        (f"https://{HOST}/search/label/Rally", "label"),
        (f"https://{HOST}/search?updated-max=2015-10-17T10:00:00-07:00&max-results=7", "search"),
        (f"https://{HOST}/feeds/posts/default", "feed"),
        (f"https://{HOST}/feeds/posts/default?alt=rss", "feed"),
        (f"https://{HOST}/atom.xml", "feed"),
        (f"https://{HOST}/feeds/comments/default", "comment_feed"),
        (f"https://{HOST}/feeds/4016650753753410444/comments/default", "comment_feed"),
        (f"https://{HOST}/sitemap.xml", "sitemap"),
        (f"https://{HOST}/sitemap.xml?page=2", "sitemap"),
        (f"https://{HOST}/sitemap-pages.xml", "sitemap"),
        (f"https://{HOST}/robots.txt", "robots"),
        (f"https://{HOST}/favicon.ico", "icon"),
        ("https://2.bp.blogspot.com/-A/B/C/D/s400/DSC04732.png", "image"),
        ("https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEh/s1600/x.png", "image"),
        ("https://www.blogger.com/static/v1/widgets/2975350028-css_bundle_v2.css", "css"),
        ("https://www.blogger.com/static/v1/widgets/1601900224-widgets.js", "js"),
        ("https://resources.blogblog.com/img/icon18_email.gif", "image"),
        ("https://img1.blogblog.com/img/b16-rounded.gif", "image"),
        ("https://www.blogger.com/navbar.g?targetBlogID=1", "other"),
        ("not a url", "other"),
    ],
)
def test_classify(url: str, kind: str) -> None:
    assert classify(url) == kind


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (POST, True),
        (f"https://{HOST}/search/label/Rally", True),  # robots.txt decides, not the scope
        ("https://3.bp.blogspot.com/-A/B/C/D/s1600/x.png", True),
        ("https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEh/s1600/x.png", True),
        ("https://resources.blogblog.com/blogblog/data/1kt/simple/gradients_light.png", True),
        ("https://www.blogblog.com/1kt/simple/x.css", True),
        ("https://www.blogger.com/static/v1/widgets/2975350028-css_bundle_v2.css", True),
        ("https://www.blogger.com/img/icon18_wrench.png", True),
        ("https://www.blogger.com/navbar.g?targetBlogID=1&blogName=x", False),
        ("https://www.blogger.com/comment.g?blogID=1&postID=2", False),
        ("https://www.blogger.com/share-post.g?blogID=1&postID=2&target=email", False),
        ("https://www.blogger.com/profile/06918532735431028914", False),
        ("https://www.blogger.com/dyn-css/authorization.css?targetBlogID=1", False),
        ("https://www.blogger.com/feeds/6708796347548417155/posts/default", False),
        ("http://www.cfcr2008.org/", False),
        ("https://other.blogspot.com/2013/09/x.html", False),
        # the stock comment avatars of classic post pages: missing, they replayed as broken images in pywb
        ("https://img1.blogblog.com/img/b16-rounded.gif", True),
        ("https://img2.blogblog.com/img/icon18_edit_allbkg.gif", True),
        ("https://blogblog.com.example.org/x.gif", False),
        ("mailto:someone@example.org", False),
    ],
)
def test_in_scope(url: str, expected: bool) -> None:
    assert in_scope(url, BLOG_HOSTS) is expected


def test_in_scope_for_a_custom_domain_and_its_blogspot_alias() -> None:
    hosts = {"blog.example.org", HOST}
    assert in_scope("https://blog.example.org/2015/09/x.html", hosts)
    assert in_scope(POST.replace(".com/", ".co.uk/"), hosts)
    assert not in_scope("https://example.org/", hosts)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (POST, None),
        (f"https://{HOST}/?widgetType=BlogArchive&widgetId=BlogArchive1&action=toggle&dir=open", "widget"),
        (
            f"https://{HOST}/search?updated-min=2015-10-17T10:00:00-07:00&max-results=7&reverse-paginate=true",
            "reverse-paginate",
        ),
        (f"https://{HOST}/search?q=liu", "search query"),
        (f"https://{HOST}/2013/09/x.html?m=0", "desktop switch"),
        (f"https://{HOST}/a/a/a/a/x.html", "path loop"),
        (f"https://{HOST}/search?updated-max=2015-10-17T10:00:00-07:00&max-results=7", None),
    ],
)
def test_trap_reason(url: str, reason: str | None) -> None:
    assert trap_reason(url) == reason


def test_archive_urls_of_a_post() -> None:
    assert archive_urls(POST) == [f"https://{HOST}/2013/", f"https://{HOST}/2013/09/"]
    assert archive_urls(f"https://{HOST}/p/about.html") == []


def test_blogger_feed_links_map_to_the_blog_host() -> None:
    link = "https://www.blogger.com/feeds/6708796347548417155/posts/default?start-index=151&max-results=150"
    assert blog_feed_url(link, HOST, "6708796347548417155") == (
        f"https://{HOST}/feeds/posts/default?start-index=151&max-results=150"
    )
    assert blog_feed_url(link, HOST, "1") == link  # another blog's feed stays where it is
    assert blog_feed_url(POST, HOST) == POST


@pytest.mark.parametrize(
    ("url", "size", "original"),
    [
        (
            "https://2.bp.blogspot.com/-A/B/C/D/s400/DSC04732.png",
            "s400",
            "https://2.bp.blogspot.com/-A/B/C/D/s1600/DSC04732.png",
        ),
        (
            "https://2.bp.blogspot.com/-A/B/C/D/s72-c/DSC04732.png",
            "s72-c",
            "https://2.bp.blogspot.com/-A/B/C/D/s1600/DSC04732.png",
        ),
        (
            "https://2.bp.blogspot.com/-A/B/C/D/w640-h480/x.jpg",
            "w640-h480",
            "https://2.bp.blogspot.com/-A/B/C/D/s1600/x.jpg",
        ),
        (
            "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEh/s320/x.png",
            "s320",
            "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEh/s1600/x.png",
        ),
        (
            "https://blogger.googleusercontent.com/img/a/AVvXsEgQ=s320",
            "s320",
            "https://blogger.googleusercontent.com/img/a/AVvXsEgQ=s1600",
        ),
        ("https://resources.blogblog.com/img/icon18_email.gif", None, None),
        ("https://2.bp.blogspot.com/-A/B/C/D/DSC04732.png", None, None),
    ],
)
def test_image_sizes(url: str, size: str | None, original: str | None) -> None:
    assert image_size(url) == size
    assert original_image_url(url) == original


def test_with_image_size_full_resolution() -> None:
    assert with_image_size("https://1.bp.blogspot.com/-A/B/C/D/s400/x.png", "s0") == (
        "https://1.bp.blogspot.com/-A/B/C/D/s0/x.png"
    )


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://gongminziyoulianmeng.blogspot.com/", f"https://{HOST}/"),
        (POST, f"https://{HOST}/"),
        ("http://gongminziyoulianmeng.blogspot.co.uk/", f"https://{HOST}/"),
        ("http://blog.example.org/2015/09/x.html", "http://blog.example.org/"),
    ],
)
def test_blog_home(url: str, home: str) -> None:
    assert blog_home(url) == home


@pytest.mark.parametrize(
    ("host", "mapped"),
    [
        # Blogger's country addresses: .XX, .co.XX and .com.XX, all one blog at .blogspot.com
        ("name.blogspot.de", "name.blogspot.com"),
        ("name.blogspot.in", "name.blogspot.com"),
        ("name.blogspot.co.uk", "name.blogspot.com"),
        ("name.blogspot.co.nz", "name.blogspot.com"),
        ("name.blogspot.com.au", "name.blogspot.com"),
        ("name.blogspot.com.br", "name.blogspot.com"),
        ("name.blogspot.com", "name.blogspot.com"),
        # not a country address: left as it is (then not a blogspot blog)
        ("name.blogspot.net", "name.blogspot.net"),
        ("name.blogspot.org.uk", "name.blogspot.org.uk"),
        ("name.blogspot.com.evil", "name.blogspot.com.evil"),
        ("name.blogspot.de.example.org", "name.blogspot.de.example.org"),
        ("a.name.blogspot.de", "a.name.blogspot.de"),
        ("blogspot.de", "blogspot.de"),
    ],
)
def test_blogspot_country_addresses_map_to_dot_com(host: str, mapped: str) -> None:
    assert blogspot_host(host) == mapped


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("gongminziyoulianmeng", "not a blog URL: expected an absolute"),
        ("ftp://gongminziyoulianmeng.blogspot.com/", "not a blog URL"),
        ("https://1.bp.blogspot.com/-A/B/C/D/s400/x.png", "Blogger service or image host"),
        ("https://www.blogger.com/profile/1", "Blogger service or image host"),
        ("https://a.b.blogspot.com/", "not a NAME.blogspot.com address"),
    ],
)
def test_blog_home_names_the_bad_url(url: str, message: str) -> None:
    with pytest.raises(UrlError, match=message) as info:
        blog_home(url)
    assert url in str(info.value)


def test_static_pages_drop_their_query_string_too() -> None:
    assert canonicalize(f"https://{HOST}/p/about.html?a=1&m=1", HOST) == f"https://{HOST}/p/about.html"
    # other blog URLs keep what identifies them
    assert canonicalize(f"https://{HOST}/search/label/x?max-results=20", HOST).endswith("?max-results=20")


@pytest.mark.parametrize(
    ("url", "what"),
    [
        ("https://../", "empty"),
        ("http://.../", "empty label"),
        ("https://./", "empty host name"),
        ("https://a..b.blogspot.com/", "empty label"),
        ("https://user:pw@x.blogspot.com/", "user name or password"),
        ("https://user@x.blogspot.com/", "user name or password"),
        ("http://a%2eb.bp.blogspot.com/x.jpg", "percent-encoded"),
        ("http://a%2Eb.bp.blogspot.com/x.jpg", "percent-encoded"),
        ("https://-x.blogspot.com/", "letters, digits and inner hyphens"),
        ("https://x-.blogspot.com/", "letters, digits and inner hyphens"),
        ("https://x_y.blogspot.com/", "letters, digits and inner hyphens"),
        ("https://x y.blogspot.com/", "letters, digits and inner hyphens"),
        (f"https://{'a' * 64}.blogspot.com/", "longer than 63"),
        (f"https://{'.'.join(['a' * 60] * 5)}/", "longer than 253"),
        ("https://x.blogspot.com:0/", "bad port"),
        ("https://x.blogspot.com:65536/", "bad port"),
        ("https://x.blogspot.com:8o/", "bad port"),
        ("https://x.blogspot.com:1:2/", "more than one ':'"),
        ("http://[::1/", "IPv6"),
        ("http://[zz::1]/", "IPv6"),
    ],
)
def test_hosts_are_validated_strictly(url: str, what: str) -> None:
    for check in (split_url, canonicalize, blog_home):
        with pytest.raises(UrlError, match=what) as info:
            check(url)
        assert repr(url) in str(info.value)  # names the URL
    assert not in_scope(url, BLOG_HOSTS)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x.blogspot.com/", "data:text/html,hi", "//x.org/"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(UrlError, match="not an absolute http"):
        split_url(url)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("HTTPS://X.BlogSpot.COM/", "x.blogspot.com"),
        ("https://x.blogspot.com.:443/", "x.blogspot.com"),
        ("http://127.0.0.1:8080/", "127.0.0.1:8080"),
        ("http://[0:0::1]:8080/", "[::1]:8080"),
        ("http://bücher.example/", "xn--bcher-kva.example"),  # IDNA A-labels: one name per host
        ("http://x.org:/", "x.org"),  # an empty port is the default port
    ],
)
def test_valid_hosts_in_one_form(url: str, host: str) -> None:
    assert split_url(url)[1] == host


@pytest.mark.parametrize(
    ("host", "name"),
    [
        (HOST, HOST),
        ("127.0.0.1:8080", "127.0.0.1-8080"),
        ("[::1]:8080", "1-8080"),
        ("Blog.Example.ORG", "blog.example.org"),
    ],
)
def test_safe_name(host: str, name: str) -> None:
    assert safe_name(host) == name


@pytest.mark.parametrize("host", ["..", ".", "", "../etc", "a/b", "user:pw@x", "a%2eb", "x:99999"])
def test_safe_name_refuses_what_is_not_a_host(host: str) -> None:
    with pytest.raises(UrlError):
        safe_name(host)
