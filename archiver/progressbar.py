"""A live progress line on a terminal: redrawn in place, with log lines printed whole above it.

Policy:

- **Live only on a terminal.** The stream must be a TTY and ``TERM`` must not be ``dumb`` (an editor's shell
  buffer, a CI log viewer), and the caller must not have switched it off (``ARCHIVER_PROGRESS_LIVE``,
  ``--no-progress``). ``TERM`` describes the terminal, not the archiver's configuration, so it is read here at
  the one place that draws, as every terminal library does. Off a terminal nothing is drawn: callers log their
  plain lines as before (a redirected stderr, a cron mail or a CI log never holds carriage returns).
- **One line, redrawn at most every ``min_interval`` seconds** (a few times a second): ``CR``, the text, then
  ``ESC [ K`` (erase to the end of the line), so a shorter text leaves no tail of the longer one.
- **Clipped to the terminal's width minus one column.** A line exactly as wide as the terminal wraps on some
  terminals, and the next ``CR`` would then redraw only its second row, leaving a trail of stale lines.
- **Log lines stay whole.** :func:`attach_logging` wraps the root logger's handlers that write to the same
  stream: before a record is written the live line is erased, after it the line is drawn again below it.
  Records marked with :data:`LIVE_SHOWN` (the crawl's periodic ``progress:`` line) are what the live line
  already shows: they still go to every other handler (a log file), not to the terminal.
- **The last state stays.** :meth:`LiveLine.close` draws the last text once more and ends the line.

Why not rich: its ``Live``/``Progress`` would do all this, but it is a large dependency for one line, and its
logging integration means replacing Scrapy's root handler with rich's own (which reformats every log line).
A carriage return and one ANSI erase sequence are understood by every terminal the archiver runs in.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: the attribute (``logger.info(..., extra={LIVE_SHOWN: True})``) of a log record the live line already shows
LIVE_SHOWN = "archiver_live_shown"

ERASE_LINE = "\x1b[K"
#: how often a live line is redrawn at most, in seconds
DEFAULT_MIN_INTERVAL = 0.25
_ELLIPSIS = "..."


def human_bytes(count: float) -> str:
    """``1536`` → ``1.5 KiB``."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(count) < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TiB"  # pragma: no cover - the loop always returns


def duration_text(seconds: float) -> str:
    """``65`` → ``1:05``, ``3725`` → ``1:02:05``; a day or more → ``2d 3h``."""
    whole = max(0, round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def eta_text(remaining: float | None, rate: float) -> str:
    """``ETA 1:05`` from what remains and the rate it goes at; ``ETA unknown`` without a total or a rate."""
    if remaining is None or rate <= 0:
        return "ETA unknown"
    return f"ETA {duration_text(max(0.0, remaining) / rate)}"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``...`` when it was cut."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    if width <= len(_ELLIPSIS):
        return text[:width]
    return text[: width - len(_ELLIPSIS)] + _ELLIPSIS


def live_wanted(stream: IO[str], *, enabled: bool = True, term: str | None = None) -> bool:
    """Whether a live line may be drawn on ``stream``: enabled, a TTY, ``TERM`` (default: the process's) not dumb."""
    if not enabled:
        return False
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
    term = os.environ.get("TERM", "") if term is None else term
    return tty and term.lower() != "dumb"


def terminal_width(stream: IO[str], fallback: int = 80) -> int:
    """The width of the terminal ``stream`` writes to (``fallback`` when it cannot be told)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or fallback
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size((fallback, 24)).columns


class RateWindow:
    """A count's rate over the last ``window`` seconds (the whole run's average hides a slowdown)."""

    def __init__(self, window: float = 10.0) -> None:
        """Keep samples for ``window`` seconds."""
        self.window = window
        self.samples: deque[tuple[float, float]] = deque()

    def add(self, when: float, count: float) -> None:
        """Note that the count was ``count`` at time ``when`` (seconds, increasing)."""
        self.samples.append((when, count))
        while len(self.samples) > 2 and when - self.samples[1][0] >= self.window:
            self.samples.popleft()

    def rate(self) -> float:
        """Counted per second between the oldest and the newest sample kept (0 with fewer than two)."""
        if len(self.samples) < 2:
            return 0.0
        (start, first), (end, last) = self.samples[0], self.samples[-1]
        return (last - first) / (end - start) if end > start else 0.0


class LiveLine:
    """One line of text redrawn in place on a terminal stream (see the module's policy)."""

    def __init__(
        self,
        stream: IO[str],
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        width: Callable[[], int] | None = None,
    ) -> None:
        """Draw on ``stream`` at most every ``min_interval`` seconds; ``width`` gives the terminal's columns."""
        self.stream = stream
        self.min_interval = min_interval
        self.clock = clock
        self.width = width or (lambda: terminal_width(stream))
        self.lock = threading.RLock()
        self.text = ""
        self.shown = False  # the line is on the screen now
        self.closed = False
        self._drawn_at: float | None = None

    def due(self) -> bool:
        """Whether an :meth:`update` now would draw (``min_interval`` has passed since the last draw)."""
        return self._drawn_at is None or self.clock() - self._drawn_at >= self.min_interval

    def update(self, text: str, *, force: bool = False) -> None:
        """Show ``text``: now when ``force`` or ``min_interval`` has passed since the last draw, else at the next."""
        with self.lock:
            self.text = text
            if force or self.due():
                self._drawn_at = self.clock()
                self.redraw()

    def redraw(self) -> None:
        """Draw the current text again (after a log line erased it)."""
        with self.lock:
            if self.closed or not self.text:
                return
            self.stream.write("\r" + clip(self.text, self.width() - 1) + ERASE_LINE)
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        """Erase the line, leaving the cursor at its start (a log line is written there next)."""
        with self.lock:
            if self.shown and not self.closed:
                self.stream.write("\r" + ERASE_LINE)
                self.stream.flush()
                self.shown = False

    def close(self, text: str | None = None) -> None:
        """Leave ``text`` (default: the last one) as the final line and stop drawing."""
        with self.lock:
            if self.closed:
                return
            if text is not None:
                self.text = text
            if self.text:
                self.redraw()
                self.stream.write("\n")
                self.stream.flush()
            self.closed = True
            self.shown = False


class _ClearingHandler(logging.Handler):
    """A handler that writes through ``inner``, erasing the live line before and drawing it again after."""

    def __init__(self, inner: logging.Handler, line: LiveLine) -> None:
        super().__init__(inner.level)
        self.inner = inner
        self.line = line

    def handle(self, record: logging.LogRecord) -> bool:
        if getattr(record, LIVE_SHOWN, False):
            return False
        with self.line.lock:
            self.line.clear()
            try:
                return bool(self.inner.handle(record))
            finally:
                self.line.redraw()

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover - handle() never calls it
        self.inner.emit(record)


def attach_logging(line: LiveLine, logger: logging.Logger | None = None) -> Callable[[], None]:
    """Wrap ``logger``'s (default: the root's) handlers writing to the live line's stream; return the undo."""
    target = logger or logging.getLogger()
    swapped: list[tuple[logging.Handler, _ClearingHandler]] = []
    for handler in list(target.handlers):
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is line.stream:
            wrapper = _ClearingHandler(handler, line)
            index = target.handlers.index(handler)
            target.handlers[index] = wrapper
            swapped.append((handler, wrapper))

    def detach() -> None:
        for handler, wrapper in swapped:
            if wrapper in target.handlers:
                target.handlers[target.handlers.index(wrapper)] = handler

    return detach


class Meter:
    """Work done of a total (records or bytes), its rate and ETA, on a live line when there is one."""

    def __init__(
        self,
        label: str,
        *,
        unit: Literal["bytes", "records"],
        total: int | None = None,
        line: LiveLine | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Count toward ``total`` (None: unknown) in ``unit``; draw on ``line`` (None: count only)."""
        self.label = label
        self.unit = unit
        self.total = total
        self.done = 0
        self.line = line
        self.clock = clock
        self.started = clock()
        self.window = RateWindow()
        self.window.add(self.started, 0)

    @property
    def live(self) -> bool:
        """Whether a live line shows it (else the caller says its plain lines)."""
        return self.line is not None

    def update(self, done: int, total: int | None = None) -> None:
        """The work done so far (and the total when it is known better now)."""
        self.done = done
        if total is not None:
            self.total = total
        if self.line is not None and self.line.due():  # called for every chunk read: format only what is drawn
            self.window.add(self.clock(), done)
            self.line.update(self.text())

    def text(self, *, final: bool = False) -> str:
        """``verify: 1.2 GiB of 3.4 GiB (35%) | 80.0 MiB/s | ETA 0:28``; ``final``: the whole run's rate, ``done``."""
        if final:
            elapsed = self.clock() - self.started
            rate = self.done / elapsed if elapsed > 0 else 0.0
        else:
            rate = self.window.rate()
        if self.unit == "bytes":
            done, total, speed = human_bytes(self.done), human_bytes(self.total or 0), f"{human_bytes(rate)}/s"
            what = ""
        else:
            done, total, speed = f"{self.done:,}", f"{self.total or 0:,}", f"{rate:,.0f} {self.unit}/s"
            what = f" {self.unit}"
        remaining: float | None = None
        if self.total:
            amount = f"{done} of {total}{what} ({min(100.0, 100 * self.done / self.total):.0f}%)"
            remaining = self.total - self.done
        else:
            amount = done + what
        return f"{self.label}: {amount} | {speed} | " + ("done" if final else eta_text(remaining, rate))

    def close(self) -> None:
        """Leave the final state as the last line."""
        if self.line is not None:
            self.line.close(self.text(final=True))


@contextmanager
def meter(
    label: str,
    *,
    unit: Literal["bytes", "records"],
    total: int | None = None,
    stream: IO[str] | None = None,
    enabled: bool = True,
) -> Iterator[Meter]:
    """A :class:`Meter` drawn live on ``stream`` (default stderr) when :func:`live_wanted`, with logging kept whole."""
    import sys

    out: Any = stream if stream is not None else sys.stderr
    line = LiveLine(out) if live_wanted(out, enabled=enabled) else None
    detach = attach_logging(line) if line is not None else None
    progress = Meter(label, unit=unit, total=total, line=line)
    try:
        yield progress
        progress.close()
    finally:
        if line is not None and not line.closed:
            line.clear()
            line.closed = True
        if detach is not None:
            detach()
