"""Plots of quality results as standalone SVG files (no plotting library needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np


def _blend(share: float, rgb: tuple[int, int, int]) -> str:
    """White at 0, ``rgb`` at 1."""
    r, g, b = (round(255 + (c - 255) * share) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def write_confusion_svg(confusion: Sequence[Sequence[int]] | np.ndarray, classes: Sequence[str], path: str | Path,
                        *, title: str = "Confusion matrix") -> Path:
    """Write a confusion matrix as an SVG heat map with the count in every cell.

    Rows are the true classes, columns the predicted ones. A cell's shade grows with its share of
    the row (the recall on the diagonal): correct predictions in blue, mistakes in red, and any
    non-zero cell is tinted so that a single mistake shows. Each row ends
    with the class's recall and each column with its precision.

    Parameters
    ----------
    confusion : (k, k) counts
    classes : k class names, in the order of the rows and columns
    path : where to write the ``.svg`` file (its folder is created)
    title : text above the matrix

    Returns
    -------
    Path of the written file.

    Examples
    --------
    >>> import tempfile
    >>> p = write_confusion_svg([[9, 1], [0, 10]], ["Pitted", "Scratches"], Path(tempfile.mkdtemp()) / "cm.svg")
    >>> text = p.read_text()
    >>> text.startswith("<svg") and ">Scratches</text>" in text and ">9</text>" in text
    True
    """
    cm = np.asarray(confusion, dtype=np.int64)
    k = len(classes)
    if cm.shape != (k, k):
        raise ValueError(f"confusion is {cm.shape}, expected ({k}, {k}) for {k} classes")
    longest = max((len(str(c)) for c in classes), default=1)
    cell, left = 64, max(150, 8 * longest + 40)
    top = 60 + round(7.5 * longest * 0.71)  # room for the column names, slanted at 45 degrees
    width, height = left + cell * k + 80, top + cell * k + 36
    rows = cm.sum(axis=1)
    cols = cm.sum(axis=0)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
           f"<title>{escape(title)}</title>",
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{width / 2:.0f}" y="22" text-anchor="middle" font-size="16" font-weight="bold">'
           f"{escape(title)}</text>",
           f'<text x="{left - 8}" y="{top - 8}" text-anchor="end" fill="#444">true \u2193 / predicted \u2192</text>',
           ]
    for j, name in enumerate(classes):
        x = left + cell * j + cell / 2
        out.append(f'<text x="{x:.0f}" y="{top - 8}" text-anchor="start" '
                   f'transform="rotate(-45 {x:.0f} {top - 8})">{escape(str(name))}</text>')
    for i, name in enumerate(classes):
        y = top + cell * i
        out.append(f'<text x="{left - 8}" y="{y + cell / 2 + 5:.0f}" text-anchor="end">{escape(str(name))}</text>')
        for j in range(k):
            share = cm[i, j] / rows[i] if rows[i] else 0.0
            shade = 0.15 + 0.85 * share if cm[i, j] else 0.0  # a single mistake must still show
            fill = _blend(shade, (33, 102, 172) if i == j else (202, 0, 32))
            ink = "#ffffff" if shade > 0.55 else ("#111111" if cm[i, j] else "#999999")
            x = left + cell * j
            out.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#bbbbbb"/>')
            out.append(f'<text x="{x + cell / 2:.0f}" y="{y + cell / 2 + 5:.0f}" text-anchor="middle" '
                       f'fill="{ink}">{cm[i, j]}</text>')
        recall = f"{cm[i, i] / rows[i]:.1%}" if rows[i] else "-"
        out.append(f'<text x="{left + cell * k + 8}" y="{y + cell / 2 + 5:.0f}" fill="#444">{recall}</text>')
    out.append(f'<text x="{left + cell * k + 8}" y="{top - 8}" fill="#444">recall</text>')
    base = top + cell * k + 20
    for j in range(k):
        precision = f"{cm[j, j] / cols[j]:.1%}" if cols[j] else "-"
        out.append(f'<text x="{left + cell * j + cell / 2:.0f}" y="{base}" text-anchor="middle" '
                   f'fill="#444">{precision}</text>')
    out.append(f'<text x="{left - 8}" y="{base}" text-anchor="end" fill="#444">precision</text>')
    out.append("</svg>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path
