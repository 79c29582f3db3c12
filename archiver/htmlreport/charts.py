"""Inline SVG charts for the HTML report: pure functions from numbers to SVG text, no library, no script.

Every chart has a ``viewBox`` and no fixed width, so it scales with the page (CSS gives it ``width: 100%``);
every label is escaped (post titles and URLs come from a site that may have been compromised); numbers are
written with at most one decimal, so the same figures always give the same bytes.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

WIDTH = 640
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 12, 36


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_max(value: float) -> float:
    """The axis top: the smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value``."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:.3g}"


def _frame(title: str, body: list[str], top: float, height: int = HEIGHT) -> str:
    plot_h = height - _TOP - _BOTTOM
    axis = [
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{WIDTH - _RIGHT}" y2="{_TOP + plot_h}"/>',
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + plot_h}"/>',
    ]
    for fraction in (0.5, 1.0):
        y = _TOP + plot_h * (1 - fraction)
        axis.append(f'<line class="grid" x1="{_LEFT}" y1="{_n(y)}" x2="{WIDTH - _RIGHT}" y2="{_n(y)}"/>')
        axis.append(
            f'<text class="tick" x="{_LEFT - 4}" y="{_n(y + 4)}" text-anchor="end">{_number(top * fraction)}</text>'
        )
    axis.append(f'<text class="tick" x="{_LEFT - 4}" y="{_TOP + plot_h + 4}" text-anchor="end">0</text>')
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>' + "".join(axis + body) + "</svg>"
    )


def area_chart(values: Sequence[float], *, title: str, x_labels: Sequence[tuple[int, str]] = ()) -> str:
    """An area chart of ``values`` (one per bin, left to right); ``x_labels`` are (bin index, text) ticks."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    top = nice_max(max(values, default=0))
    count = max(len(values), 1)
    step = plot_w / max(count - 1, 1)
    points = [(_LEFT + i * step, _TOP + plot_h * (1 - v / top)) for i, v in enumerate(values)]
    if len(points) == 1:
        points.append((_LEFT + plot_w, points[0][1]))
    body = []
    if points:
        line = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        base = _TOP + plot_h
        body.append(f'<polygon class="area" points="{_n(points[0][0])},{base} {line} {_n(points[-1][0])},{base}"/>')
        body.append(f'<polyline class="line" points="{line}"/>')
    for index, text in x_labels:
        x = _LEFT + min(index, count - 1) * step
        anchor = "start" if index == 0 else ("end" if index >= count - 1 else "middle")
        body.append(
            f'<text class="tick" x="{_n(x)}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="{anchor}">{escape(text)}</text>'
        )
    return _frame(title, body, top)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, label_every: int = 0) -> str:
    """Vertical bars, one per (label, value), left to right; every ``label_every``-th label is written."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    top = nice_max(max((v for _, v in items), default=0))
    count = max(len(items), 1)
    slot = plot_w / count
    every = label_every or max(1, -(-count // 12))
    body = []
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top
        x = _LEFT + i * slot
        body.append(
            f'<rect class="bar" x="{_n(x + slot * 0.1)}" y="{_n(_TOP + plot_h - h)}" width="{_n(slot * 0.8)}" '
            f'height="{_n(h)}"><title>{escape(label)}: {_number(value)}</title></rect>'
        )
        if i % every == 0:
            body.append(
                f'<text class="tick" x="{_n(x + slot / 2)}" y="{HEIGHT - _BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _frame(title, body, top)


def hbar_chart(items: Sequence[tuple[str, float, str]], *, title: str) -> str:
    """Horizontal bars, one row per (label, value, value text), top to bottom, scaled to the largest value."""
    row, label_w = 22, 200
    height = max(len(items), 1) * row + 8
    top = max((v for _, v, _ in items), default=0) or 1
    bar_w = WIDTH - label_w - 110
    body = []
    for i, (label, value, text) in enumerate(items):
        y = 4 + i * row
        w = bar_w * value / top
        short = label if len(label) <= 30 else label[:29] + "…"
        body.append(
            f'<text class="label" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(short)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{_n(max(w, 1))}" height="{row - 6}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
            f'<text class="value" x="{_n(label_w + max(w, 1) + 6)}" y="{y + 15}">{escape(text)}</text>'
        )
    return (
        f'<svg class="chart hbar" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )
