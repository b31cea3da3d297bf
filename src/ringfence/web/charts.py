"""Charts drawn on the server as inline SVG (no script, no library, nothing fetched): bars for
rankings and columns for days. Each chart has a title and a text alternative."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#0b5cad", "#b42318", "#1a7f37", "#9a3f06", "#6941c6")


def bars(label: str, items: Sequence[tuple[str, int]], *, width: int = 420) -> Markup:
    """Horizontal bars, one per (name, value), longest first as given."""
    row, left = 24, 150
    height = max(1, len(items)) * row + 10
    top = max((v for _, v in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for i, (name, value) in enumerate(items):
        y = 5 + i * row
        w = int((width - left - 50) * value / top)
        parts.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" font-size="12" '
            f'fill="#1d1d1b">{escape(name[:24])}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1)}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{left + w + 4}" y="{y + 16}" font-size="12" fill="#1d1d1b">{value}</text>'
        )
    if not items:
        parts.append('<text x="10" y="20" font-size="12" fill="#55554f">–</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or a number


def columns(
    label: str,
    days: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    width: int = 480,
    height: int = 200,
) -> Markup:
    """Stacked columns: one per day, one colour per series, with a legend."""
    bottom, left = 30, 30
    totals = [sum(s[1][i] for s in series) for i in range(len(days))]
    top = max(totals, default=0) or 1
    step = (width - left - 10) / max(1, len(days))
    plot = height - bottom - 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#8a8a82"/>',
        f'<text x="{left - 4}" y="{height - bottom - plot + 4}" text-anchor="end" '
        f'font-size="11" fill="#1d1d1b">{top}</text>',
    ]
    for i, day in enumerate(days):
        y: float = height - bottom
        for k, (_, values) in enumerate(series):
            h = plot * values[i] / top
            if h:
                y -= h
                parts.append(
                    f'<rect x="{left + i * step + 1:.1f}" y="{y:.1f}" '
                    f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"/>'
                )
        if i % max(1, len(days) // 6) == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - bottom + 14}" font-size="10" '
                f'fill="#1d1d1b">{escape(day[5:])}</text>'
            )
    for k, (name, _) in enumerate(series):
        x = left + k * 110
        parts.append(
            f'<rect x="{x}" y="{height - 12}" width="10" height="10" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{height - 3}" font-size="11" fill="#1d1d1b">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped or a number
