"""Charts drawn on the server as inline SVG (no script, no library, nothing fetched): bars for
rankings and columns for days. Each chart has a title and a text alternative. Given ``links``,
each bar or column segment is a link (drill-down; works without JavaScript), named for screen
readers by its label and value, and the chart is a ``group`` of links rather than an image."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#0b5cad", "#b42318", "#1a7f37", "#9a3f06", "#6941c6")


def _open(label: str, width: int, height: int, linked: bool) -> str:
    role = "group" if linked else "img"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="{role}" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>'
    )


def _link(href: str | None, name: str, shape: str) -> str:
    """``shape`` inside a link to ``href`` named ``name``, or alone without one."""
    if not href:
        return shape
    return f'<a href="{escape(href)}" aria-label="{escape(name)}">{shape}</a>'


def bars(
    label: str,
    items: Sequence[tuple[str, int]],
    *,
    width: int = 420,
    links: Sequence[str | None] | None = None,
) -> Markup:
    """Horizontal bars, one per (name, value), longest first as given; ``links[i]`` is where
    bar ``i`` leads."""
    row, left = 24, 150
    height = max(1, len(items)) * row + 10
    top = max((v for _, v in items), default=0) or 1
    parts = [_open(label, width, height, bool(links))]
    for i, (name, value) in enumerate(items):
        y = 5 + i * row
        w = int((width - left - 50) * value / top)
        bar = (
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1)}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"/>'
        )
        href = links[i] if links and i < len(links) else None
        parts.append(
            f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" font-size="12" '
            f'fill="#1d1d1b">{escape(name[:24])}</text>'
            + _link(href, f"{name}: {value}", bar)  # the bar links; its texts stay visible
            + f'<text x="{left + w + 4}" y="{y + 16}" font-size="12" fill="#1d1d1b">{value}</text>'
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
    links: Sequence[Sequence[str | None]] | None = None,
) -> Markup:
    """Stacked columns: one per day, one colour per series, with a legend; ``links[k][i]`` is
    where series ``k``'s segment of day ``i`` leads."""
    bottom, left = 30, 30
    totals = [sum(s[1][i] for s in series) for i in range(len(days))]
    top = max(totals, default=0) or 1
    step = (width - left - 10) / max(1, len(days))
    plot = height - bottom - 24
    parts = [
        _open(label, width, height, bool(links)),
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#8a8a82"/>',
        f'<text x="{left - 4}" y="{height - bottom - plot + 4}" text-anchor="end" '
        f'font-size="11" fill="#1d1d1b">{top}</text>',
    ]
    for i, day in enumerate(days):
        y: float = height - bottom
        for k, (name, values) in enumerate(series):
            h = plot * values[i] / top
            if h:
                y -= h
                shape = (
                    f'<rect x="{left + i * step + 1:.1f}" y="{y:.1f}" '
                    f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"/>'
                )
                href = links[k][i] if links and k < len(links) and i < len(links[k]) else None
                parts.append(_link(href, f"{day} {name}: {values[i]}", shape))
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
