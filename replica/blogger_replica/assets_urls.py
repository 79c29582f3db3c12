"""URLs of the Blogger asset hosts that the replica's pages reference (served by ``assets.py``)."""

from __future__ import annotations

# Hosts that Blogger serves page requisites from; the replica answers for all of them.
IMAGE_HOSTS = (
    "1.bp.blogspot.com",
    "2.bp.blogspot.com",
    "3.bp.blogspot.com",
    "4.bp.blogspot.com",
    "blogger.googleusercontent.com",
)
ASSET_HOSTS = ("www.blogger.com", "resources.blogblog.com", "www.blogblog.com", "img1.blogblog.com", *IMAGE_HOSTS)

CLASSIC_CSS = "https://www.blogger.com/static/v1/widgets/2975350028-css_bundle_v2.css"
CLASSIC_JS = "https://www.blogger.com/static/v1/widgets/1601900224-widgets.js"
CONTEMPO_CSS = "https://www.blogger.com/static/v1/widgets/3566091532-css_bundle_v2.css"
CONTEMPO_JS = "https://www.blogger.com/static/v1/widgets/2691022474-widgets.js"
# referenced from the classic CSS bundle with url(...), so only a crawler that parses CSS finds them
CLASSIC_BODY_TILE = "https://resources.blogblog.com/blogblog/data/1kt/simple/body_gradient_tile_light.png"
CLASSIC_GRADIENTS = "https://resources.blogblog.com/blogblog/data/1kt/simple/gradients_light.png"
ICON_WRENCH = "https://resources.blogblog.com/img/icon18_wrench_allbkg.png"
ICON_EDIT = "https://resources.blogblog.com/img/icon18_edit_allbkg.gif"
ICON_EMAIL = "https://resources.blogblog.com/img/icon18_email.gif"
CONTEMPO_HEADER = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEhContempoHeader/s1600/header.png"
AVATAR_DEFAULT = "https://img1.blogblog.com/img/b16-rounded.gif"  # feed author avatars
AVATAR_BLANK = "https://img1.blogblog.com/img/blank.gif"
FAVICON_PATH = "/favicon.ico"  # on the blog host itself


def navbar_url(blog_id: str, blog_name: str) -> str:
    return f"https://www.blogger.com/navbar.g?targetBlogID={blog_id}&blogName={blog_name}&publishMode=PUBLISH_MODE_BLOGSPOT&navbarType=BLUE&layoutType=LAYOUTS&searchRoot=https://{blog_name}.blogspot.com/search&blogLocale=zh_CN&v=2"


def profile_url(profile_id: str) -> str:
    return f"https://www.blogger.com/profile/{profile_id}"
