"""The sheet's charts: bars of the score distribution and of the vulnerable categories (matplotlib).

Labels carry both languages (matplotlib shapes the Arabic itself). A suppressed bar is not drawn:
its label says it is hidden, so no height can be read off the picture.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from matplotlib.figure import Figure

from reporting.printing.words import BANDS, CATEGORIES, HIDDEN, TEXT

BAR = "#de2d26"


def bars_png(
    counts: Mapping[str, int | None], labels: Mapping[str, tuple[str, str]], title_key: str, *, dpi: int = 130
) -> bytes:
    """A horizontal bar chart, one bar per key (in ``labels`` order first), as PNG bytes."""
    keys = [k for k in labels if k in counts] + sorted(k for k in counts if k not in labels)
    figure = Figure(figsize=(6.0, 0.45 * max(len(keys), 1) + 0.9))
    axes = figure.add_axes((0.42, 0.12, 0.5, 0.88 - 0.5 / (0.45 * max(len(keys), 1) + 0.9)))
    names = [f"{labels.get(k, (k, k))[0]} / {labels.get(k, (k, k))[1]}" for k in keys]
    heights = [counts[k] or 0 for k in keys]
    axes.barh(range(len(keys)), heights, color=BAR)
    axes.set_yticks(range(len(keys)), names, fontsize=8)
    axes.invert_yaxis()
    top = max(heights, default=0) or 1
    for i, k in enumerate(keys):
        shown = counts[k]
        axes.text((shown or 0) + top * 0.01, i, HIDDEN if shown is None else f"{shown:,}".replace(",", " "),
                  va="center", fontsize=8)  # fmt: skip
    axes.set_xlim(0, top * 1.15)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="x", labelsize=7)
    figure.suptitle(f"{TEXT['fr'][title_key]} — {TEXT['ar'][title_key]}", fontsize=10)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def bands_png(bands: Mapping[str, int | None]) -> bytes:
    return bars_png(bands, BANDS, "bands")


def categories_png(categories: Mapping[str, int | None]) -> bytes:
    return bars_png(categories, CATEGORIES, "categories")
