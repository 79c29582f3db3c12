"""A behaviour that counts how many requests to the blog's host are being answered at once.

``counted``: every request for the blog's own host is answered as the blog answers it, after a pause of
``--opt counted_delay=SECONDS`` (default 0.1), and on arrival writes one JSON line to ``--opt
counted_log=FILE``: ``{"seq": N, "in_flight": M, "path": ...}``, where ``in_flight`` counts this request and
every other one to the host not yet answered. The lines are the concurrency the crawler opened, over time.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from tests.hostile.server import BLOG_HOST, Handler, behaviour

_LOCK = threading.Lock()
_STATE = {"seq": 0, "in_flight": 0}


@behaviour("counted")
def counted(h: Handler) -> bool:
    """The blog's page, after a pause, with the number of requests to the host in flight logged on arrival."""
    if h.host != BLOG_HOST:
        return False
    log = h.option("counted_log")
    with _LOCK:
        _STATE["seq"] += 1
        _STATE["in_flight"] += 1
        line = {"seq": _STATE["seq"], "in_flight": _STATE["in_flight"], "path": h.path}
        if log:
            with Path(log).open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(line) + "\n")
    try:
        time.sleep(float(h.option("counted_delay", "0.1")))
        h._answer_with_blog()
    finally:
        with _LOCK:
            _STATE["in_flight"] -= 1
    return True
