"""The replica's content model: a deterministic Blogger blog of any size, built lazily.

Post metadata (id, URL, title, dates, labels) for every post is computed up front in O(N), because
listings, archives and feeds need it sorted; bodies, images and comments are generated on demand from a
per-post random stream, so a 20,000-post blog starts quickly and pages cost the same whatever N is.
The same seed always gives the same blog, byte for byte, so tests can compare a crawl with the truth.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import random
import re
import struct
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from blogger_replica import seeds
from blogger_replica.planted import MIN_POSTS, Plant, plants_by_index

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

DEFAULT_BLOG_NAME = "gongminziyoulianmeng"
BLOG_TITLE = "公民自由联盟 Coalition for Citizens Rights"
BLOG_DESCRIPTION = "Coalition for Citizens Rights - 公民自由联盟"
FIRST_DAY = date(2011, 7, 4)
LAST_DAY = date(2016, 6, 28)
MAX_STATE = 2

Lang = Literal["en", "zh", "mixed"]
BlockKind = Literal["p", "lines", "img", "blank"]


# --- time ---------------------------------------------------------------------------------------------


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (6 - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def new_york_offset(local: datetime) -> timedelta:
    """UTC offset of America/New_York at a naive local time (US rules since 2007), without tzdata."""
    start = datetime.combine(_nth_sunday(local.year, 3, 2), datetime.min.time()) + timedelta(hours=2)
    end = datetime.combine(_nth_sunday(local.year, 11, 1), datetime.min.time()) + timedelta(hours=2)
    return timedelta(hours=-4) if start <= local < end else timedelta(hours=-5)


def localize(local: datetime) -> datetime:
    """Attach the blog's time-zone offset (New York) to a naive local time."""
    return local.replace(tzinfo=timezone(new_york_offset(local)))


def iso_ms(moment: datetime) -> str:
    """Format as Blogger's feeds do: ``2013-09-17T21:38:00.001-04:00``."""
    text = moment.isoformat(timespec="milliseconds")
    return text


def iso_seconds(moment: datetime) -> str:
    """Format as Blogger's HTML does in ``abbr.published@title``: ``2013-09-17T21:38:00-04:00``."""
    return moment.replace(microsecond=0).isoformat()


_ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def zh_date_header(moment: datetime) -> str:
    """The date header of a zh-CN Blogger blog: ``2013年9月17日星期二``."""
    return f"{moment.year}年{moment.month}月{moment.day}日{_ZH_WEEKDAYS[moment.weekday()]}"


def en_long_date(moment: datetime | date) -> str:
    return f"{_EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def zh_month_name(month: int) -> str:
    return f"{month}月"


# --- model --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    name: str
    uri: str | None


@dataclass(frozen=True)
class Image:
    """An image uploaded to Blogger's image host; any size variant of it can be served."""

    ident: int
    host: str
    key: str  # "-AAAA/BBBB/AAAAAAAAXXX/CCCC" between the host and the size segment
    filename: str
    width: int
    height: int
    caption: str
    display_size: int

    def url(self, size: str) -> str:
        return f"https://{self.host}/{self.key}/{size}/{self.filename}"

    @property
    def src(self) -> str:
        return self.url(f"s{self.display_size}")

    @property
    def original(self) -> str:
        return self.url("s1600")

    @property
    def alt(self) -> str:
        return ""  # Blogger's editor leaves alt empty; the caption sits in a table below


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    lines: tuple[str, ...] = ()
    image: Image | None = None


@dataclass(frozen=True)
class Comment:
    comment_id: str
    author: Author
    published: datetime
    text: str

    @property
    def show_comment(self) -> int:
        """The ``?showComment=`` value Blogger uses: the comment time in epoch milliseconds."""
        return int(self.published.timestamp() * 1000)


@dataclass(frozen=True)
class Post:
    """Metadata of one post or static page in one state of the blog; the body is built on demand."""

    index: int
    post_id: str
    kind: Literal["post", "page"]
    path: str  # "/2013/09/free-nobel-laureate-liu-xiaobo-rally.html" or "/p/about-us.html"
    title: str
    published: datetime
    updated: datetime
    labels: tuple[str, ...]
    author: Author
    seed_key: str | None = None
    edits: tuple[int, ...] = ()  # states in which the post was edited
    extra_comments: int = 0  # comments added in later states
    comments_enabled: bool = True

    @property
    def date_header(self) -> str:
        return zh_date_header(self.published)

    @property
    def day(self) -> date:
        return self.published.date()


@dataclass(frozen=True)
class Body:
    blocks: tuple[Block, ...]
    jump_after: int | None  # index of the block after which the "more" jump break sits
    attendees_en: tuple[str, ...] = ()
    attendees_zh: tuple[str, ...] = ()
    style: Literal["br", "p", "div"] = "p"
    planted: tuple[str, ...] = ()  # markup planted at the end of the post page's body (blogger_replica.planted)

    @property
    def images(self) -> tuple[Image, ...]:
        return tuple(b.image for b in self.blocks if b.image is not None)

    def paragraphs(self) -> list[str]:
        """Visible text units in order: paragraphs, poem lines and image captions."""
        out: list[str] = []
        for block in self.blocks:
            if block.kind == "p":
                out.append(block.text)
            elif block.kind == "lines":
                out.extend(block.lines)
            elif block.kind == "img" and block.image is not None and block.image.caption:
                out.append(block.image.caption)
        return out

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs())


# --- generation pools ---------------------------------------------------------------------------------

_CAUSES: tuple[tuple[str, str, str, str], ...] = (
    # (English name, Chinese name, background EN, background ZH)
    (
        "Liu Xiaobo",
        "刘晓波",
        "was sentenced to 11 years in prison in 2009 for co-writing Charter 08.",
        "因参与起草《零八宪章》于2009年被判处11年有期徒刑。",
    ),
    (
        "Chen Guangcheng",
        "陈光诚",
        "is a blind lawyer who defended victims of forced abortion.",
        "是一位为强制堕胎受害者维权的盲人律师。",
    ),
    (
        "Gao Zhisheng",
        "高智晟",
        "is a human rights lawyer who has disappeared repeatedly in custody.",
        "是一位多次在羁押中失踪的人权律师。",
    ),
    (
        "Xu Zhiyong",
        "许志永",
        "founded the New Citizens Movement and was sentenced to four years in 2014.",
        "是新公民运动的发起人,2014年被判处四年有期徒刑。",
    ),
    (
        "Ilham Tohti",
        "伊力哈木",
        "is a Uyghur economist sentenced to life in prison in 2014.",
        "是一位维吾尔族经济学家,2014年被判处无期徒刑。",
    ),
    (
        "Liu Xia",
        "刘霞",
        "has been held under house arrest without charge since 2010.",
        "自2010年起在没有任何指控的情况下被软禁。",
    ),
    (
        "Hu Jia",
        "胡佳",
        "is an AIDS activist who served three and a half years in prison.",
        "是一位艾滋病维权人士,曾入狱三年半。",
    ),
    (
        "Tan Zuoren",
        "谭作人",
        "was imprisoned for investigating school collapses in the Sichuan earthquake.",
        "因调查四川地震中的校舍倒塌而入狱。",
    ),
    (
        "Guo Feixiong",
        "郭飞雄",
        "is a writer and activist detained again in 2013.",
        "是一位作家和维权人士,2013年再次被拘押。",
    ),
    ("Pu Zhiqiang", "浦志强", "is a free speech lawyer detained in May 2014.", "是一位言论自由律师,2014年5月被拘押。"),
    (
        "Cao Shunli",
        "曹顺利",
        "died in custody in March 2014 after being denied medical care.",
        "因被拒绝就医,于2014年3月在羁押中去世。",
    ),
    ("Zhu Yufu", "朱虞夫", "was sentenced to 7 years in prison for a poem.", "因一首诗被判处7年徒刑。"),
    ("Wang Bingzhang", "王炳章", "has served a life sentence since 2003.", "自2003年起被判处无期徒刑。"),
)

_PLACES: tuple[tuple[str, str], ...] = (
    ("across from the Chinese Consulate in New York", "纽约中领馆前"),
    ("at the United Nations Square", "联合国广场"),
    ("in Times Square", "时代广场"),
    ("in Flushing, Queens", "法拉盛"),
    ("at Dag Hammarskjold Plaza", "哈马舍尔德广场"),
)

_COMMENTERS: tuple[Author, ...] = (
    Author("Anonymous", None),
    Author("王先生", "https://www.blogger.com/profile/04381220562839201745"),
    Author("David Chen", "https://www.blogger.com/profile/11726104481183525091"),
    Author("自由之声", "https://www.blogger.com/profile/15870011427736154402"),
    Author("Mary L.", None),
)

_COMMENT_TEXTS: tuple[str, ...] = (
    "Thank you for standing up for them.",
    "支持你们!",
    "Free all political prisoners in China!",
    "为你们的勇气点赞。",
    "I was there too. Photos are great.",
    "请问下次集会是什么时候?",
    "Keep up the good work 加油!",
)

AUTHOR_MAIN = Author("公民自由联盟", "https://www.blogger.com/profile/06918532735431028914")
AUTHOR_EN = Author("Coalition for Citizens Rights", "https://www.blogger.com/profile/17345024659381237702")
AUTHOR_UNKNOWN = Author("Unknown", None)

_STOP_WORDS = frozenset(
    "a an the of for and or to in on at by with is are was were be from as its it this that".split()
)

IMAGE_HOSTS = ("1.bp.blogspot.com", "2.bp.blogspot.com", "3.bp.blogspot.com", "4.bp.blogspot.com")
_SIZES = ((1600, 1200), (1024, 768), (800, 600), (1200, 1600), (640, 480))
SITE_IMAGE_BASE = 1 << 38  # idents at and above this are the sidebar's images


# --- helpers ------------------------------------------------------------------------------------------


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _digest(*parts: object) -> bytes:
    return hashlib.sha1(":".join(str(p) for p in parts).encode()).digest()


def _blogger_id(rng: random.Random) -> str:
    return str(rng.randrange(10**18, 10**19 - 1))


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _token(seed: bytes, length: int) -> str:
    return "".join(_ALPHABET[b % 64] for b in hashlib.sha256(seed).digest()[:length])


def encode_image_key(ident: int, blog_name: str) -> str:
    """The path key of an image; the first segment encodes the ident so the server can find it again."""
    check = _digest(blog_name, ident)[:2]
    first = base64.urlsafe_b64encode(b"\x00" + struct.pack(">Q", ident)[3:] + check).decode().rstrip("=")
    seed = _digest("img", blog_name, ident)
    return f"-{first}/{_token(seed + b'1', 11)}/AAAAAAAAA{_token(seed + b'2', 2)}/{_token(seed + b'3', 11)}"


def decode_image_ident(first_segment: str, blog_name: str) -> int | None:
    """Inverse of :func:`encode_image_key` for the first path segment; None when it is not ours."""
    if not first_segment.startswith("-") or len(first_segment) != 12:
        return None
    try:
        raw = base64.urlsafe_b64decode(first_segment[1:] + "=")
    except ValueError:
        return None
    if len(raw) != 8 or raw[0] != 0:
        return None
    ident = struct.unpack(">Q", b"\x00\x00\x00" + raw[1:6])[0]
    return ident if _digest(blog_name, ident)[:2] == raw[6:] else None


_NON_LATIN = re.compile(r"[^\x00-\x7f\u2019]")


def english_slug(title: str) -> str:
    """Blogger's permalink from a title: latin words, lower-cased, stop-words dropped, about 39 chars.

    Non-latin characters vanish without a separator, so ``10月25日集会`` gives ``1025``; apostrophes
    vanish too (``Yufu's`` gives ``yufus``).
    """
    latin = _NON_LATIN.sub("", title).replace("'", "").replace("\u2019", "").lower()
    words = [w for w in re.findall(r"[a-z0-9]+", latin) if w not in _STOP_WORDS]
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > 39:
            break
        slug = candidate
    return slug


# --- the blog -----------------------------------------------------------------------------------------


@dataclass
class _Index:
    posts: list[Post] = field(default_factory=list)  # newest first by published
    keys: list[float] = field(default_factory=list)  # -timestamp of posts, ascending, for bisect


class Blog:
    """One Blogger blog in one state: ``state`` 0 is the first visit; 1 and 2 are later visits.

    ``silent_edits`` (a fraction of the posts, rolled per blog name and post) and ``silent_edit_paths`` (posts
    picked by path) choose posts edited *silently* from state 1 on: their post page shows a correction that
    nothing else announces (see :meth:`page_body`).
    """

    def __init__(
        self,
        posts: int = 200,
        state: int = 0,
        name: str = DEFAULT_BLOG_NAME,
        *,
        silent_edits: float = 0.0,
        silent_edit_paths: Iterable[str] = (),
        planted: bool = False,
    ) -> None:
        if posts < 1:
            raise ValueError(f"posts must be at least 1, got {posts}")
        if not 0 <= state <= MAX_STATE:
            raise ValueError(f"state must be between 0 and {MAX_STATE}, got {state}")
        if not 0.0 <= silent_edits <= 1.0:
            raise ValueError(f"silent_edits must be a fraction between 0 and 1, got {silent_edits}")
        self.name = name
        self.host = f"{name}.blogspot.com"
        self.n_posts = posts
        self.state = state
        self.blog_id = _blogger_id(_rng(name, "blog-id"))
        self.title = BLOG_TITLE
        self.description = BLOG_DESCRIPTION
        self._all = self._build_posts()
        self.pages = self._build_pages()
        self.posts = sorted(self._all, key=lambda p: (p.published, p.index), reverse=True)
        self.by_path: dict[str, Post] = {p.path: p for p in self.posts}
        self.by_path.update({p.path: p for p in self.pages})
        self.by_id: dict[str, Post] = {p.post_id: p for p in self.posts}
        self.by_id.update({p.post_id: p for p in self.pages})
        self._by_updated = sorted(self.posts, key=lambda p: (p.updated, p.index), reverse=True)
        self.all_index = self._index(self.posts)
        months: dict[tuple[int, int], list[Post]] = defaultdict(list)
        years: dict[int, list[Post]] = defaultdict(list)
        labels: dict[str, list[Post]] = defaultdict(list)
        for post in self.posts:
            months[(post.published.year, post.published.month)].append(post)
            years[post.published.year].append(post)
            for label in post.labels:
                labels[label].append(post)
        self.months = dict(months)
        self.years = dict(years)
        self.label_index = {label: self._index(lst) for label, lst in labels.items()}
        self.updated = max(p.updated for p in self.posts)
        self._deleted = self._build_deleted()
        self._index_map = {p.index: p for p in self._all}
        self.silent_edits = self._build_silent_edits(silent_edits, tuple(silent_edit_paths))
        if planted and posts < MIN_POSTS:
            raise ValueError(f"a planted blog needs at least {MIN_POSTS} posts, got {posts}")
        self.plants = plants_by_index() if planted else {}

    # -- construction --

    def _build_posts(self) -> list[Post]:
        n_seed = min(len(seeds.SEED_POSTS), self.n_posts)
        generated = self.n_posts - n_seed
        posts: list[Post] = []
        used_ids: set[str] = set()
        taken_minutes: set[datetime] = set()
        for i, seed in enumerate(seeds.SEED_POSTS[:n_seed]):
            local = datetime.fromisoformat(str(seed["local"]))
            taken_minutes.add(local)
            posts.append(self._seed_post(i, seed, used_ids))
        span = (LAST_DAY - FIRST_DAY).days
        for j in range(generated):
            rng = _rng(self.name, "post", j)
            day = FIRST_DAY + timedelta(days=int((j + rng.random()) * span / max(generated, 1)))
            local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(9 * 60, 23 * 60))
            while local in taken_minutes:
                local += timedelta(minutes=1)
            taken_minutes.add(local)
            posts.append(self._generated_post(n_seed + j, rng, local, used_ids))
        for state in range(1, self.state + 1):
            count = max(2, self.n_posts // 100)
            start = date(2016, 7, 1) if state == 1 else date(2016, 10, 1)
            for k in range(count):
                rng = _rng(self.name, "added", state, k)
                day = start + timedelta(days=int((k + rng.random()) * 80 / count))
                local = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(9 * 60, 23 * 60))
                while local in taken_minutes:
                    local += timedelta(minutes=1)
                taken_minutes.add(local)
                posts.append(self._generated_post(1_000_000 * state + k, rng, local, used_ids))
        kept = [changed for p in posts if (changed := self._apply_states(p)) is not None]
        return self._assign_paths(kept)

    def _unique_id(self, rng: random.Random, used: set[str]) -> str:
        while True:
            candidate = _blogger_id(rng)
            if candidate not in used:
                used.add(candidate)
                return candidate

    def _seed_post(self, index: int, seed: Mapping[str, object], used_ids: set[str]) -> Post:
        rng = _rng(self.name, "seed", seed["key"])
        published = localize(datetime.fromisoformat(str(seed["local"]))) + timedelta(milliseconds=1)
        updated = published + timedelta(
            minutes=rng.randrange(3, 40), seconds=rng.randrange(60), milliseconds=rng.randrange(1000)
        )
        labels = seed["labels"]
        assert isinstance(labels, list)
        return Post(
            index=index,
            post_id=self._unique_id(rng, used_ids),
            kind="post",
            path="",
            title=str(seed["title"]),
            published=published,
            updated=updated,
            labels=tuple(sorted(labels)),
            author=AUTHOR_MAIN,
            seed_key=str(seed["key"]),
        )

    def _generated_post(self, index: int, rng: random.Random, local: datetime, used_ids: set[str]) -> Post:
        post_id = self._unique_id(rng, used_ids)
        published = localize(local) + timedelta(milliseconds=1)
        cause = _CAUSES[rng.randrange(len(_CAUSES))]
        title = self._title(rng, cause, published)
        # about one post in twelve was edited days after publication
        if rng.random() < 0.08:
            updated = published + timedelta(
                days=rng.randrange(1, 60), minutes=rng.randrange(1440), milliseconds=rng.randrange(1000)
            )
        else:
            updated = published + timedelta(
                minutes=rng.randrange(1, 30), seconds=rng.randrange(60), milliseconds=rng.randrange(1000)
            )
        pool = [
            "Rally",
            "集会",
            cause[0],
            cause[1],
            "Human Rights",
            "人权",
            "Free Speech",
            "言论自由",
            "New York",
            "Statement",
            "声明",
        ]
        roll = rng.random()
        if roll < 0.1:
            labels: tuple[str, ...] = ()
        else:
            labels = tuple(sorted(set(rng.sample(pool, rng.randrange(1, 4)))))
        author_roll = rng.random()
        author = AUTHOR_UNKNOWN if author_roll < 0.02 else AUTHOR_EN if author_roll < 0.2 else AUTHOR_MAIN
        return Post(
            index=index,
            post_id=post_id,
            kind="post",
            path="",
            title=title,
            published=published,
            updated=updated,
            labels=labels,
            author=author,
            comments_enabled=rng.random() > 0.05,
        )

    @staticmethod
    def _title(rng: random.Random, cause: tuple[str, str, str, str], published: datetime) -> str:
        en, zh = cause[0], cause[1]
        roll = rng.random()
        if roll < 0.50:
            return rng.choice(
                (
                    f'"Free {en}" Rally (释放{zh})',
                    f'"Release {en}" Rally (要求释放{zh})',
                    f"Rally in Support of {en} (声援{zh})",
                    f"Candlelight Vigil for {en} (为{zh}烛光守夜)",
                )
            )
        if roll < 0.62:
            return rng.choice((f"释放{zh}集会", f"声援{zh}", f"抗议迫害{zh}"))
        if roll < 0.67:
            return f"{published.month}月{published.day}日集会"
        if roll < 0.80:
            return rng.choice((f"公民自由联盟 Rally for {en}", f"声明 Statement on {en}"))
        if roll < 0.96:
            return rng.choice((f"Statement on the Case of {en}", f"Rally at the United Nations for {en}"))
        return ""

    def _apply_states(self, post: Post) -> Post | None:
        """Apply the edits, deletions and new comments of states 1..self.state to an original post."""
        if post.index >= 1_000_000 or post.seed_key is not None:
            return post
        rng = _rng(self.name, "states", post.index)
        deleted_in = 1 if rng.random() < 0.02 else 2 if rng.random() < 0.02 else None
        edit_rolls = (rng.random(), rng.random())
        comment_rolls = (rng.random(), rng.random())
        if deleted_in is not None and deleted_in <= self.state:
            return None
        edits = tuple(s for s in (1, 2) if s <= self.state and edit_rolls[s - 1] < 0.05)
        extra = sum(1 for s in (1, 2) if s <= self.state and comment_rolls[s - 1] < 0.05)
        if not edits and not extra:
            return post
        updated = post.updated
        title = post.title
        for state in edits:
            updated = localize(
                datetime(2017, 1 if state == 1 else 7, 10, 12, 0) + timedelta(minutes=post.index % 5000)
            ) + timedelta(milliseconds=517)
            if title and not title.endswith("(更新)"):
                title = f"{title} (更新)"
        return replace(post, updated=updated, title=title, edits=edits, extra_comments=extra)

    def _assign_paths(self, posts: list[Post]) -> list[Post]:
        """Give each post its permalink as Blogger would: in order of first publication per URL month."""
        ordered = sorted(posts, key=lambda p: (p.published, p.index))
        taken: set[str] = set()
        out: list[Post] = []
        for post in ordered:
            year, month = post.published.year, post.published.month
            rng = _rng(self.name, "path", post.index)
            if post.seed_key is None and post.index < 1_000_000 and rng.random() < 0.03:
                # first published the month before; the date was later moved, the URL stayed
                year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            prefix = f"/{year:04d}/{month:02d}/"
            slug = english_slug(post.title) or "blog-post"
            path = f"{prefix}{slug}.html"
            if path in taken:
                path = f"{prefix}{slug}_{post.published.day:02d}.html"
            while path in taken:
                path = f"{prefix}{slug}_{rng.randrange(10, 9999)}.html"
            taken.add(path)
            out.append(replace(post, path=path))
        return out

    def _build_pages(self) -> list[Post]:
        rng = _rng(self.name, "pages")
        used: set[str] = {p.post_id for p in self._all}
        specs = (
            ("/p/about-us.html", "About Us 关于我们", datetime(2011, 7, 4, 10, 0)),
            ("/p/contact.html", "Contact Us", datetime(2011, 7, 4, 10, 30)),
            ("/p/blog-page.html", "公民自由联盟章程", datetime(2012, 3, 1, 20, 15)),
        )
        pages = []
        for k, (path, title, local) in enumerate(specs):
            published = localize(local) + timedelta(milliseconds=1)
            pages.append(
                Post(
                    index=-1 - k,
                    post_id=self._unique_id(rng, used),
                    kind="page",
                    path=path,
                    title=title,
                    published=published,
                    updated=published + timedelta(days=3, milliseconds=250),
                    labels=(),
                    author=AUTHOR_MAIN,
                    comments_enabled=False,
                )
            )
        return pages

    def _build_deleted(self) -> set[str]:
        if self.state == 0:
            return set()
        earlier = Blog(self.n_posts, 0, self.name) if self.state else None
        assert earlier is not None
        return {p.path for p in earlier.posts} - set(self.by_path)

    def _build_silent_edits(self, rate: float, paths: tuple[str, ...]) -> frozenset[str]:
        """Paths of the posts edited silently in this state: none in state 0, the same ones in states 1 and 2.

        The rate picks ``round(rate * N)`` of the N posts of state 0 (never one added later: a new post has no
        earlier version to differ from), those with the lowest rolls per blog name and post, so the choice is
        the same in every state (less the posts deleted by then); a path picks any post of this state and must
        name one.
        """
        unknown = [p for p in paths if p not in self.by_path or self.by_path[p].kind != "post"]
        if unknown:
            raise ValueError(f"--silent-edit: no post at {', '.join(unknown)} in state {self.state}")
        if self.state == 0:
            return frozenset()
        chosen: set[int] = set()
        if rate > 0:  # the indices 0..N-1 are the posts of state 0
            ranked = sorted(range(self.n_posts), key=lambda i: (_rng(self.name, "silent-edit", i).random(), i))
            chosen = set(ranked[: round(rate * self.n_posts)])
        return frozenset({p.path for p in self.posts if p.index in chosen} | set(paths))

    @staticmethod
    def _index(posts: list[Post]) -> _Index:
        return _Index(posts=posts, keys=[-p.published.timestamp() for p in posts])

    # -- queries --

    def is_deleted(self, path: str) -> bool:
        """Whether a post existed in state 0 and was deleted by this state (served as 404)."""
        return path in self._deleted

    def before(self, index: _Index, max_published: datetime | None, count: int) -> tuple[list[Post], bool]:
        """Up to ``count`` posts published strictly before ``max_published``, newest first; and whether more exist."""
        start = 0 if max_published is None else bisect.bisect_right(index.keys, -max_published.timestamp())
        chunk = index.posts[start : start + count]
        return chunk, start + count < len(index.posts)

    def by_updated(self) -> list[Post]:
        return self._by_updated

    def neighbours(self, post: Post) -> tuple[Post | None, Post | None]:
        """(newer, older) neighbours of a post in publication order."""
        i = bisect.bisect_left(self.all_index.keys, -post.published.timestamp())
        newer = self.posts[i - 1] if i > 0 else None
        older = self.posts[i + 1] if i + 1 < len(self.posts) else None
        return newer, older

    def body(self, post: Post) -> Body:
        """The body every listing, feed and snippet shows."""
        return _body(self.name, post)

    def is_silently_edited(self, post: Post) -> bool:
        return post.path in self.silent_edits

    def page_body(self, post: Post) -> Body:
        """The body the post's own page shows: :meth:`body`, plus a correction on a silently edited post.

        A silent edit models an edit the feeds do not announce (a stale feed cache, a template-level change):
        only the post page changes; ``updated``, the feeds, the sitemaps, the comment count and the listing
        pages stay as without it. A planted blog's post page also carries its plant (:meth:`plant`).
        """
        body = self.body(post)
        body = _silently_edited(body) if self.is_silently_edited(post) else body
        plant = self.plant(post)
        return replace(body, planted=(plant.markup,)) if plant is not None else body

    def plant(self, post: Post) -> Plant | None:
        """The code planted into this post's own page (``planted`` blogs only), or None."""
        return self.plants.get(post.index) if post.kind == "post" else None

    def comments(self, post: Post) -> tuple[Comment, ...]:
        return _comments(self.name, post)

    def image(self, ident: int) -> Image | None:
        if ident >= SITE_IMAGE_BASE:
            number = ident - SITE_IMAGE_BASE
            return site_images(self.name)[number] if number < len(site_images(self.name)) else None
        post_index, number = divmod(ident, 16)
        post = self._post_by_index(post_index)
        if post is None:
            return None
        images = self.body(post).images
        return images[number] if number < len(images) else None

    def _post_by_index(self, index: int) -> Post | None:
        return self._index_map.get(index)


# --- lazily generated parts ---------------------------------------------------------------------------


def _make_image(blog_name: str, ident: int, caption: str, rng: random.Random) -> Image:
    width, height = _SIZES[rng.randrange(len(_SIZES))]
    host = IMAGE_HOSTS[_digest(blog_name, "host", ident)[0] % len(IMAGE_HOSTS)]
    if caption and rng.random() < 0.5:
        filename = english_slug(caption).replace("-", "+") or f"IMG_{ident % 10000:04d}"
        filename = f"{filename}.png"
    else:
        filename = f"DSC0{rng.randrange(1000, 9999)}.png"
    display = 320 if width >= height else 400
    if rng.random() < 0.3:
        display = 400 if display == 320 else 320
    return Image(
        ident=ident,
        host=host,
        key=encode_image_key(ident, blog_name),
        filename=filename,
        width=width,
        height=height,
        caption=caption,
        display_size=display,
    )


@lru_cache(maxsize=4)
def site_images(blog_name: str) -> tuple[Image, ...]:
    """The sidebar's photos ("Liu Xiaobo", "Chen Guangcheng"), part of the blog chrome."""
    out = []
    for k, caption in enumerate(("Liu Xiaobo", "Chen Guangcheng")):
        rng = _rng(blog_name, "site-image", k)
        out.append(_make_image(blog_name, SITE_IMAGE_BASE + k, caption, rng))
    return tuple(out)


def _attendees(rng: random.Random) -> tuple[list[tuple[str, str]], str]:
    count = rng.randrange(4, 18)
    names = rng.sample(seeds.SEED_NAMES, count)
    return names, rng.choice(("both", "both", "both", "both", "both", "en-only", "mismatch"))


@lru_cache(maxsize=8192)
def _body(blog_name: str, post: Post) -> Body:
    if post.kind == "page":
        return _page_body(post)
    if post.seed_key is not None:
        return _seed_body(blog_name, post)
    rng = _rng(blog_name, "body", post.index)
    cause_en, cause_zh, bg_en, bg_zh = _CAUSES[rng.randrange(len(_CAUSES))]
    for en, zh, b_en, b_zh in _CAUSES:  # keep the body about the person the title names
        if en in post.title or zh in post.title:
            cause_en, cause_zh, bg_en, bg_zh = en, zh, b_en, b_zh
            break
    place_en, place_zh = _PLACES[rng.randrange(len(_PLACES))]
    when = post.published
    zh_date = f"{when.year}年{when.month}月{when.day}日"
    if rng.random() < 0.03:  # as on the real blog, 年/月 sometimes lost in the markup: "2012925日"
        zh_date = f"{when.year}{when.month}{when.day}日"
    blocks: list[Block] = []
    ident_base = post.index * 16
    n_images = rng.choice((0, 0, 1, 1, 1, 2, 3))
    captions = [rng.choice((cause_en, f"{cause_en} rally", "", f"{place_zh}")) for _ in range(n_images)]
    images = [_make_image(blog_name, ident_base + k, captions[k], rng) for k in range(n_images)]
    blocks.append(
        Block(
            "p",
            f'On {en_long_date(when)}, "Coalition for Citizens Rights" held a rally {place_en} '
            f"calling for the release of {cause_en}.",
        )
    )
    blocks.append(Block("p", f"{zh_date}, 公民自由联盟在{place_zh}举行集会,要求释放{cause_zh}。"))
    if images:
        blocks.append(Block("img", image=images[0]))
    blocks.append(Block("p", f"{cause_en} {bg_en}"))
    blocks.append(Block("p", f"{cause_zh}{bg_zh}"))
    for image in images[1:]:
        blocks.append(Block("img", image=image))
    blocks.append(
        Block(
            "p",
            f'"Coalition for Citizens Rights" calls on the Chinese government to release '
            f"{cause_en} immediately, and return freedom of speech to the people.",
        )
    )
    blocks.append(Block("p", f"公民自由联盟号召中国政府立即释放{cause_zh},归还人民的言论自由。"))
    names, form = _attendees(rng)
    en_names = tuple(n[0] for n in names)
    zh_names = tuple(n[1] for n in names)
    if form == "mismatch":
        zh_names = zh_names[:-1]
    blocks.append(
        Block(
            "p",
            'Members of "Coalition for Citizens Rights" attending today\'s rally include: ' + ", ".join(en_names) + ".",
        )
    )
    if form != "en-only":
        blocks.append(Block("p", "参加今天集会的成员有:" + ",".join(zh_names) + "。"))
    else:
        zh_names = ()
    for state in post.edits:
        blocks.append(
            Block(
                "p",
                f"Update ({'January' if state == 1 else 'July'} 2017): {cause_en} remains in "
                "detention. We will continue to hold rallies.",
            )
        )
        blocks.append(
            Block("p", f"更新({'2017年1月' if state == 1 else '2017年7月'}):{cause_zh}仍被关押。我们将继续举行集会。")
        )
    jump = 1 if rng.random() < 0.12 else None
    style: Literal["br", "p", "div"] = rng.choice(("br", "p", "p", "div"))
    return Body(blocks=tuple(blocks), jump_after=jump, attendees_en=en_names, attendees_zh=zh_names, style=style)


SILENT_CORRECTION_EN = "Correction: an earlier version of this post gave the wrong place for the rally."
SILENT_CORRECTION_ZH = "更正:本文早前的版本写错了集会地点。"


def _silently_edited(body: Body) -> Body:
    blocks = (*body.blocks, Block("p", SILENT_CORRECTION_EN), Block("p", SILENT_CORRECTION_ZH))
    return replace(body, blocks=blocks)


def _seed_body(blog_name: str, post: Post) -> Body:
    seed = next(s for s in seeds.SEED_POSTS if s["key"] == post.seed_key)
    rng = _rng(blog_name, "seed-body", post.seed_key)
    blocks: list[Block] = []
    raw = seed["body"]
    assert isinstance(raw, list)
    n_img = 0
    for kind, value in raw:
        if kind == "img":
            image = _make_image(blog_name, post.index * 16 + n_img, str(value), rng)
            n_img += 1
            blocks.append(Block("img", image=image))
        elif kind == "lines":
            blocks.append(Block("lines", lines=tuple(value)))
        elif kind == "blank":
            blocks.append(Block("blank"))
        else:
            blocks.append(Block("p", str(value)))
    attendee_blocks = [b.text for b in blocks if b.kind == "p" and ("include:" in b.text or "成员有" in b.text)]
    en_part = attendee_blocks[0].split("include:", 1)[1].strip().rstrip(".")
    zh_part = attendee_blocks[1].split(":", 1)[1].strip().rstrip("。")
    en_names = tuple(n.strip() for n in en_part.split(","))
    zh_names = tuple(n.strip() for n in zh_part.split(","))
    return Body(blocks=tuple(blocks), jump_after=None, attendees_en=en_names, attendees_zh=zh_names, style="br")


def _page_body(post: Post) -> Body:
    texts = {
        "/p/about-us.html": (
            seeds.SIDEBAR_WHO_WE_ARE,
            "公民自由联盟是一个致力于中国言论、新闻和网络自由的人权组织,成立于2008年5月。",
        ),
        "/p/contact.html": (
            "Write to us at the rallies in New York, or leave a comment on any post.",
            "欢迎在纽约的集会上与我们联系,或在任何文章下留言。",
        ),
        "/p/blog-page.html": (
            "Charter of the Coalition for Citizens Rights (draft of 2012).",
            "第一条 本联盟名称为公民自由联盟。第二条 本联盟的宗旨是争取言论自由和人权。",
        ),
    }
    en, zh = texts.get(post.path, ("", ""))
    return Body(blocks=(Block("p", en), Block("p", zh)), jump_after=None, style="p")


@lru_cache(maxsize=8192)
def _comments(blog_name: str, post: Post) -> tuple[Comment, ...]:
    if post.kind == "page" or not post.comments_enabled:
        return ()
    rng = _rng(blog_name, "comments", post.index)
    count = rng.randrange(1, 6) if rng.random() < 0.18 or post.seed_key == "seed-liu-xiaobo-2013" else 0
    out = []
    when = post.published
    for _ in range(count):
        when = when + timedelta(
            hours=rng.randrange(1, 72),
            minutes=rng.randrange(60),
            seconds=rng.randrange(60),
            milliseconds=rng.randrange(1000),
        )
        out.append(
            Comment(
                comment_id=_blogger_id(rng),
                author=rng.choice(_COMMENTERS),
                published=when,
                text=rng.choice(_COMMENT_TEXTS),
            )
        )
    for state in range(1, post.extra_comments + 1):
        crng = _rng(blog_name, "late-comment", post.index, state)
        moment = localize(datetime(2017, 2 if state == 1 else 8, 1, 9, 0) + timedelta(minutes=post.index % 5000))
        out.append(
            Comment(
                comment_id=_blogger_id(crng),
                author=crng.choice(_COMMENTERS),
                published=moment,
                text=crng.choice(_COMMENT_TEXTS),
            )
        )
    return tuple(out)
