"""Charts drawn on the server as SVG: the same markup in the pages (readable without JavaScript,
printable) and in the PDF report. Every chart sits next to a table with its numbers, so the SVG is
marked as an image with a title and the table carries the data for screen readers."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAR_COLOUR = "#1d4f91"  # contrast 8.6:1 on white
ON_TIME_COLOUR = "#1b6b3a"
LATE_COLOUR = "#a4262c"
TEXT_COLOUR = "#1a1a1a"


def _svg(height: int, title: str, body: str) -> SafeString:
    title_text = escape(title)
    return mark_safe(  # noqa: S308 (every text inside is escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{title_text}">'
        f"<title>{title_text}</title>{body}</svg>"
    )


def _short(label: str, limit: int) -> str:
    """A label that fits beside its bar (the table beside the chart has it whole)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bars(items: list[tuple[str, int]], title: str) -> SafeString:
    """Vertical bars, one per item (e.g. reports per month), each with its value on top."""
    height, base, top = 260, 220, 24
    n = max(len(items), 1)
    peak = max((value for _, value in items), default=0) or 1
    slot = (WIDTH - 20) / n
    width = max(min(slot * 0.7, 60), 4)
    parts = [
        f'<line x1="10" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
    ]
    for i, (label, value) in enumerate(items):
        x = 10 + slot * i + (slot - width) / 2
        h = (base - top) * value / peak
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{BAR_COLOUR}"/>'
        )
        centre = x + width / 2
        parts.append(
            f'<text x="{centre:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT_COLOUR}">{value}</text>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{base + 16}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
    return _svg(height, title, "".join(parts))


def horizontal(items: list[tuple[str, int]], title: str) -> SafeString:
    """Horizontal bars with their labels on the left (e.g. reports per category)."""
    row, label_width = 26, 250
    height = max(len(items), 1) * row + 10
    peak = max((value for _, value in items), default=0) or 1
    room = WIDTH - label_width - 50
    parts = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = room * value / peak
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_COLOUR}">{escape(_short(label, 36))}</text>'
        )
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="18" fill="{BAR_COLOUR}"/>')
        parts.append(
            f'<text x="{label_width + w + 6:.1f}" y="{y + 16}" font-size="12" fill="{TEXT_COLOUR}">{value}</text>'
        )
    return _svg(height, title, "".join(parts))


def shares(items: list[tuple[str, int, int]], title: str) -> SafeString:
    """Per item (a stage): a bar split into steps on time and late, with the share on time."""
    row, label_width = 34, 150
    height = max(len(items), 1) * row + 10
    room = WIDTH - label_width - 90
    parts = []
    for i, (label, done, on_time) in enumerate(items):
        y = 5 + i * row
        good = room * on_time / done if done else 0
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 20}" text-anchor="end" font-size="12" '
            f'fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
        if done:
            parts.append(
                f'<rect x="{label_width}" y="{y + 5}" width="{good:.1f}" height="22" fill="{ON_TIME_COLOUR}"/>'
            )
            parts.append(
                f'<rect x="{label_width + good:.1f}" y="{y + 5}" width="{room - good:.1f}" height="22" '
                f'fill="{LATE_COLOUR}"/>'
            )
        share = f"{round(100 * on_time / done)}%" if done else "–"
        parts.append(
            f'<text x="{label_width + room + 8}" y="{y + 20}" font-size="12" fill="{TEXT_COLOUR}">{share}</text>'
        )
    return _svg(height, title, "".join(parts))
