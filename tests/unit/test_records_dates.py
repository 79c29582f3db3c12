"""Timestamps: kept as stated, their UTC form, and comment times rebuilt from a post page's markup."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from blogger_replica.html.common import zh_datetime

from archiver.records import dates


def test_stated_keeps_the_spelling_and_rejects_non_times() -> None:
    assert dates.stated(" 2013-09-17T21:38:00.001-04:00 ") == "2013-09-17T21:38:00.001-04:00"
    assert dates.stated("2013-09-17T21:38:00") is None  # no offset: not an instant
    assert dates.stated("2013年9月17日") is None
    assert dates.stated(None) is None


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2013-09-17T21:38:00.001-04:00", "2013-09-18T01:38:00.001Z"),
        ("2013-09-17T21:38:00-04:00", "2013-09-18T01:38:00Z"),
        ("2013-09-18T01:38:00Z", "2013-09-18T01:38:00Z"),
        ("nonsense", None),
    ],
)
def test_to_utc(value: str, utc: str | None) -> None:
    assert dates.to_utc(value) == utc


@pytest.mark.parametrize("offset_hours", [-4, -5, 8, 0])
def test_comment_time_from_show_comment_and_the_zh_display(offset_hours: int) -> None:
    moment = datetime(2013, 9, 18, 15, 5, 41, 123000, tzinfo=timezone(timedelta(hours=offset_hours)))
    millis = int(moment.timestamp() * 1000)
    assert dates.comment_time(millis, zh_datetime(moment)) == moment.isoformat(timespec="milliseconds")


def test_comment_time_from_an_english_display_and_without_one() -> None:
    moment = datetime(2013, 9, 18, 23, 59, 1, 0, tzinfo=timezone(timedelta(hours=-7)))
    millis = int(moment.timestamp() * 1000)
    assert dates.comment_time(millis, "September 18, 2013 at 11:59 PM") == "2013-09-18T23:59:01.000-07:00"
    assert dates.comment_time(millis, "yesterday") == "2013-09-19T06:59:01.000Z"
