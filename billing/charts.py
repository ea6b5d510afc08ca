"""A bar chart of call revenue per day, drawn on the server as SVG (no script, no CDN)."""

from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 48, 28, 12


def revenue_chart_svg(rows: list[dict], *, currency: str) -> SafeString:
    """rows: [{"day": date, "revenue": Decimal, "calls": int}] in day order."""
    if not rows:
        return mark_safe("")
    top = max((row["revenue"] for row in rows), default=Decimal(0)) or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / len(rows)
    bar = max(1.0, step * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'class="revenue-chart" '
        f'aria-label="Call revenue per day, highest {escape(str(top))} {escape(currency)}">',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" stroke="#888"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="10" text-anchor="end">{escape(str(top))}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    label_every = max(1, len(rows) // 10)
    for i, row in enumerate(rows):
        height = float(row["revenue"] / top) * plot_h
        x = LEFT + i * step + (step - bar) / 2
        y = TOP + plot_h - height
        title = f"{row['day']:%a %d %b}: {row['revenue']} {currency}, {row['calls']} calls"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" fill="#0d6efd">'
            f"<title>{escape(title)}</title></rect>"
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 10}" font-size="10" text-anchor="middle">'
                f"{row['day']:%d %b}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every value above is escaped or a number
