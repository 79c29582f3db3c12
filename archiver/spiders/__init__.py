"""The project's spiders (``SPIDER_MODULES``)."""

from __future__ import annotations
