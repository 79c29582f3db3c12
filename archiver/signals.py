"""The project's own Scrapy signals (plain objects, as in ``scrapy.signals``)."""

from __future__ import annotations

#: sent by the WARC middleware after a capture is written: ``location`` (archiver.warc.CaptureLocation),
#: ``request`` and ``response``
capture_written = object()

#: sent by the WARC middleware after it mended ``.open`` files left by a killed crawl: ``results``
#: (list of archiver.warc.MendResult)
warcs_mended = object()
