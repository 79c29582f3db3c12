"""Timestamps as Blogger states them, their UTC form, and comment times rebuilt from page markup."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_ZH_TIME = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(上午|下午)?\s*(\d{1,2}):(\d{2})")
_EN_TIME = re.compile(r"([A-Z][a-z]+)\s+(\d{1,2}),\s+(\d{4})(?:\s+at)?\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?")
_MONTHS = {
    name: n
    for n, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        1,
    )
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse(value: str | None) -> datetime | None:
    """An aware datetime from ISO 8601 (``2013-09-17T21:38:00.001-04:00``, ``…Z``); None if naive or invalid."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def iso(moment: datetime) -> str:
    """ISO 8601 with the moment's own offset, milliseconds only when there are any (Blogger's forms)."""
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def to_utc(value: str | None) -> str | None:
    """The same instant in UTC with a ``Z`` (``2013-09-18T01:38:00.001Z``); None when ``value`` is not a time."""
    moment = parse(value)
    if moment is None:
        return None
    return iso(moment.astimezone(UTC)).replace("+00:00", "Z")


def stated(value: str | None) -> str | None:
    """A timestamp exactly as the source spells it (stripped), or None when it is not an aware ISO 8601 time."""
    return value.strip() if value is not None and parse(value) is not None else None


def _shown_local(text: str) -> datetime | None:
    """The naive local time a comment shows (zh-CN ``2013年9月18日 下午3:05`` or ``September 18, 2013 at 3:05 PM``)."""
    zh = _ZH_TIME.search(text)
    if zh:
        year, month, day, half, hour, minute = zh.groups()
        h = int(hour) % 12 + (12 if half == "下午" else 0) if half else int(hour)
        return _naive(int(year), int(month), int(day), h, int(minute))
    en = _EN_TIME.search(text)
    if en and en.group(1).lower() in _MONTHS:
        name, day, year, hour, minute, half = en.groups()
        h = int(hour) % 12 + (12 if half and half.lower() == "pm" else 0) if half else int(hour)
        return _naive(int(year), _MONTHS[name.lower()], int(day), h, int(minute))
    return None


def _naive(year: int, month: int, day: int, hour: int, minute: int) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute)
    except ValueError:
        return None


def comment_time(show_comment_ms: int, shown: str) -> str:
    """A comment's time from its ``?showComment=`` epoch milliseconds, in the offset its shown time implies.

    Blogger's comment permalink carries the exact instant; the displayed local time (minute precision)
    gives the blog's offset, rounded to a quarter hour. Without a readable displayed time the result is UTC
    (``Z``). Milliseconds are always written, as in Blogger's comment feeds.
    """
    instant = _EPOCH + timedelta(milliseconds=show_comment_ms)
    local = _shown_local(shown)
    if local is not None:
        minutes = (local - instant.replace(tzinfo=None, second=0, microsecond=0)).total_seconds() / 60
        quarter = round(minutes / 15) * 15
        if -14 * 60 <= quarter <= 14 * 60:
            return instant.astimezone(timezone(timedelta(minutes=quarter))).isoformat(timespec="milliseconds")
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")
