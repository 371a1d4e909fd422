"""A small SVG drawing kit: every diagram of the book is a Python function built from these.

One visual style for the whole book (see README.md beside this file): a fixed palette with one
colour per role, one font, one arrow. The output is plain SVG text with an opaque background,
so a diagram reads the same in JupyterLab, in the light book and in the dark one.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html import escape

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
FONT_SIZE = 14
INK = "#1f2328"        # text, outlines and arrows
MUTED = "#6e7781"      # secondary text, dashed guides
BACKGROUND = "#ffffff"

# role -> (fill, stroke). Inputs blue, parameters orange, operations green, outputs purple,
# states (hidden / cell states, memory) yellow, losses red, plain boxes grey.
ROLES = {
    "input": ("#dbeafe", "#2563eb"),
    "param": ("#ffedd5", "#ea580c"),
    "op": ("#dcfce7", "#16a34a"),
    "output": ("#ede9fe", "#7c3aed"),
    "state": ("#fef9c3", "#ca8a04"),
    "loss": ("#fee2e2", "#dc2626"),
    "plain": ("#f3f4f6", "#6b7280"),
    "none": ("none", INK),
}


def _rich(label: str) -> str:
    """Escape ``label`` and turn ``x_t``/``x_{t-1}`` into subscripts and ``x^2``/``x^{-1}`` into
    superscripts (one level), as SVG ``tspan`` elements."""
    out, pos = [], 0
    for m in re.finditer(r"([_^])(\{([^}]*)\}|([^\s{}_^,)(]+))", label):
        out.append(escape(label[pos:m.start()]))
        text = m.group(3) if m.group(3) is not None else m.group(4)
        shift = "0.3em" if m.group(1) == "_" else "-0.45em"
        back = "-0.3em" if m.group(1) == "_" else "0.45em"
        out.append(f'<tspan dy="{shift}" font-size="75%">{escape(text)}</tspan>'
                   f'<tspan dy="{back}">\u200b</tspan>')
        pos = m.end()
    out.append(escape(label[pos:]))
    return "".join(out)


@dataclass
class Diagram:
    """A canvas ``width`` x ``height`` pixels; shapes are added in drawing order."""

    width: int
    height: int
    title: str                 # the alt text: what the picture shows, in one or two sentences
    items: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ shapes
    def box(self, x, y, w, h, label="", role="plain", *, size=FONT_SIZE, rx=6,
            dashed=False, bold=False):
        """A rounded box with its top-left corner at (x, y) and a centred label (lines split
        at ``\\n``). Returns the box's centre, for arrows."""
        fill, stroke = ROLES[role]
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.items.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" '
                          f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash}/>')
        if label:
            self.text(x + w / 2, y + h / 2, label, size=size, bold=bold)
        return (x + w / 2, y + h / 2)

    def circle(self, cx, cy, r, label="", role="op", *, size=FONT_SIZE):
        fill, stroke = ROLES[role]
        self.items.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{fill}" '
                          f'stroke="{stroke}" stroke-width="1.5"/>')
        if label:
            self.text(cx, cy, label, size=size)
        return (cx, cy)

    def text(self, x, y, label, *, size=FONT_SIZE, anchor="middle", color=INK,
             bold=False, italic=False):
        """Text centred vertically on y; ``\\n`` starts a new line."""
        lines = str(label).split("\n")
        weight = ' font-weight="bold"' if bold else ""
        style = ' font-style="italic"' if italic else ""
        top = y - (len(lines) - 1) * size * 0.6
        for i, line in enumerate(lines):
            self.items.append(
                f'<text x="{x:.1f}" y="{top + i * size * 1.2:.1f}" font-size="{size}" '
                f'text-anchor="{anchor}" dominant-baseline="central" fill="{color}"'
                f'{weight}{style}>{_rich(line)}</text>')

    def line(self, points, *, color=INK, width=1.5, dashed=False):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.items.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                          f'stroke-width="{width}"{dash}/>')

    def _head(self, x1, y1, angle, color):
        """The book's one arrow head: a filled triangle with its tip at (x1, y1)."""
        head = [(x1, y1)] + [(x1 - 9 * math.cos(angle + s * 0.4),
                              y1 - 9 * math.sin(angle + s * 0.4)) for s in (-1, 1)]
        self.items.append('<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in head)
                          + f'" fill="{color}"/>')

    def arrow(self, *points, label="", color=INK, dashed=False, width=1.5,
              label_at=0.5, label_dx=0, label_dy=-10, size=FONT_SIZE - 2):
        """An arrow through ``points`` (at least two (x, y) pairs), head at the last one."""
        pts = [tuple(p) for p in points]
        self.line(pts, color=color, width=width, dashed=dashed)
        (x0, y0), (x1, y1) = pts[-2], pts[-1]
        self._head(x1, y1, math.atan2(y1 - y0, x1 - x0), color)
        if label:
            i = min(int(label_at * (len(pts) - 1)), len(pts) - 2)
            (ax, ay), (bx, by) = pts[i], pts[i + 1]
            self.text((ax + bx) / 2 + label_dx, (ay + by) / 2 + label_dy, label, size=size,
                      color=color)

    def curve(self, start, control, end, *, color=INK, dashed=False, label="",
              label_dy=-10):
        """A quadratic Bézier arrow from ``start`` to ``end`` bent towards ``control``."""
        (x0, y0), (cx, cy), (x1, y1) = start, control, end
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.items.append(f'<path d="M {x0:.1f} {y0:.1f} Q {cx:.1f} {cy:.1f} {x1:.1f} {y1:.1f}" '
                          f'fill="none" stroke="{color}" stroke-width="1.5"{dash}/>')
        self._head(x1, y1, math.atan2(y1 - cy, x1 - cx), color)
        if label:
            self.text((x0 + 2 * cx + x1) / 4, (y0 + 2 * cy + y1) / 4 + label_dy, label,
                      size=FONT_SIZE - 2, color=color)

    def grid(self, x, y, rows, cols, cell, *, role="input", values=None, highlight=(),
             highlight_role="param", size=FONT_SIZE - 1):
        """A ``rows`` x ``cols`` grid of square cells (a matrix, an image, a feature map).
        ``values[r][c]`` labels the cells; cells in ``highlight`` ((r, c) pairs) take
        ``highlight_role``'s colours."""
        for r in range(rows):
            for c in range(cols):
                kind = highlight_role if (r, c) in highlight else role
                fill, stroke = ROLES[kind]
                self.items.append(f'<rect x="{x + c * cell}" y="{y + r * cell}" width="{cell}" '
                                  f'height="{cell}" fill="{fill}" stroke="{stroke}" '
                                  f'stroke-width="1"/>')
                if values is not None:
                    self.text(x + (c + 0.5) * cell, y + (r + 0.5) * cell, values[r][c], size=size)

    def legend(self, x, y, roles, *, size=FONT_SIZE - 2):
        """A row of small swatches naming what each colour means, e.g. ``{"input": "inputs"}``."""
        for role, name in roles.items():
            fill, stroke = ROLES[role]
            self.items.append(f'<rect x="{x}" y="{y - 7}" width="14" height="14" rx="3" '
                              f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
            self.text(x + 20, y, name, size=size, anchor="start")
            x += 34 + 0.56 * size * len(name)

    # ------------------------------------------------------------------ output
    def svg(self) -> str:
        w, h = self.width, self.height
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                f'viewBox="0 0 {w} {h}" role="img" aria-label="{escape(self.title)}" '
                f'font-family="{FONT}">\n'
                f'<title>{escape(self.title)}</title>\n'
                f'<rect width="{w}" height="{h}" rx="8" fill="{BACKGROUND}"/>\n')
        return head + "\n".join(self.items) + "\n</svg>\n"
