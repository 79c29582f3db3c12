"""The project's own Scrapy signals (plain objects, as in ``scrapy.signals``)."""

from __future__ import annotations

#: sent by the WARC middleware after a capture is written: ``location`` (archiver.warc.CaptureLocation),
#: ``request`` and ``response``
capture_written = object()

#: sent by the WARC middleware after it mended ``.open`` files left by a killed crawl: ``results``
#: (list of archiver.warc.MendResult)
warcs_mended = object()

#: sent by the spider of an incremental crawl for a known post it does not fetch again: ``carry``
#: (archiver.incremental.Carry); the WARC middleware writes it as a metadata record
carry_forward = object()

#: sent by the WARC middleware after it wrote a carry record: ``carry``, ``filename`` and ``location``
#: (archiver.warc.writer.RecordLocation)
carry_written = object()

#: sent by the WARC middleware after it closed a WARC file (rollover or the end of the crawl) and gave it its
#: final name: ``path`` (pathlib.Path), and ``sha256`` (hex) and ``size`` of its bytes as written (None when the
#: writer could not hash it); the file is never written again (archiver.extensions.timestamps, wacz, fixity)
warc_closed = object()

#: sent by the WACZ extension after it wrote the crawl's package: ``path`` (pathlib.Path), ``sha256`` (hex) and
#: ``size`` of the file, hashed while it was written (archiver.extensions.fixity reuses them)
wacz_written = object()

#: sent by the spider when a request has failed for good (its errback, after the retries): ``request``; the
#: frontier scheduler (archiver.frontier) takes it out of the worker's processing set
request_settled = object()
