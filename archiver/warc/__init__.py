"""Faithful WARC writing over warcio: capture records, the file life cycle, CDXJ indexing and crash repair.

Plain Python with no Scrapy import; the Scrapy middleware is a thin adapter over these names.
"""

from __future__ import annotations

from archiver.warc.cdxj import CdxjCollector, index_warc, location_to_cdxj, surt, write_cdxj
from archiver.warc.mend import MendResult, mend_directory, mend_open_file
from archiver.warc.records import Capture, CapturedRequest, CapturedResponse
from archiver.warc.writer import CaptureLocation, RecordLocation, WarcError, WarcFileWriter

__all__ = [
    "Capture",
    "CaptureLocation",
    "CapturedRequest",
    "CapturedResponse",
    "CdxjCollector",
    "MendResult",
    "RecordLocation",
    "WarcError",
    "WarcFileWriter",
    "index_warc",
    "location_to_cdxj",
    "mend_directory",
    "mend_open_file",
    "surt",
    "write_cdxj",
]
