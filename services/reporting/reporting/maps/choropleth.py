"""The choropleth of wilayas: each boundary unit coloured by its class, a grey "no data" class.

Drawn with matplotlib patches over the shipped boundaries (no GIS library). The legend and the
title are in Arabic and French: matplotlib 3.11 shapes Arabic and orders it right to left itself
(its complex text layout), so the text is passed as written. A wilaya outside the reader's sight is
drawn in outline only, with no figure at all, as if no data existed for it; a boundary unit that
holds a 2019 wilaya is coloured by the figures of every wilaya drawn inside it (noted below the map).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon

from reporting.domain.carte_classes import NO_DATA, Classification
from reporting.maps.boundaries import units

PALETTE = ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15")
NO_DATA_COLOUR = "#d9d9d9"
OUTSIDE_COLOUR = "#ffffff"
EDGE = "#555555"


@dataclass(frozen=True)
class MapText:
    """The map's words in both languages; ``fmt`` writes a class bound."""

    title_fr: str
    title_ar: str
    fmt: Callable[[float], str] = lambda v: f"{v:,.0f}".replace(",", " ")
    no_data_fr: str = "Pas de données"
    no_data_ar: str = "لا توجد بيانات"
    note_fr: str = "Les wilayas créées en 2019 (49 à 58) sont comptées dans la wilaya dont elles sont issues."
    note_ar: str = "الولايات المستحدثة سنة 2019 (49 إلى 58) محسوبة ضمن الولاية الأم."
    source: str = "Limites : Natural Earth (domaine public)"


def unit_values(values: Mapping[str, float | None], combine: Callable[[list[float]], float]) -> dict[str, float | None]:
    """Each boundary unit's value from its wilayas' values (``None`` when none of them is known)."""
    out: dict[str, float | None] = {}
    for unit in units():
        known = [v for code in unit.codes if (v := values.get(f"/DZ/{code}")) is not None]
        out[unit.code] = combine(known) if known else None
    return out


def render_png(
    classes: Classification,
    text: MapText,
    *,
    visible: Callable[[str], bool] = lambda area: True,
    dpi: int = 110,
) -> bytes:
    """The map as PNG bytes. ``classes.of`` is keyed by boundary unit code; ``visible(area)`` hides the others."""
    figure = draw(classes, text, visible=visible)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def draw(classes: Classification, text: MapText, *, visible: Callable[[str], bool] = lambda area: True) -> Figure:
    """The map as a matplotlib figure (the PDF embeds its PNG)."""
    figure = Figure(figsize=(7.2, 7.6))
    axes = figure.add_axes((0.02, 0.2, 0.96, 0.72))
    seen: list[tuple[float, float]] = []
    every: list[tuple[float, float]] = []
    for unit in units():
        shown = any(visible(f"/DZ/{code}") for code in unit.codes)
        index = classes.of.get(unit.code, NO_DATA) if shown else NO_DATA
        colour = (
            OUTSIDE_COLOUR if not shown else NO_DATA_COLOUR if index == NO_DATA else PALETTE[_colour(index, classes)]
        )
        for ring in unit.rings:
            axes.add_patch(Polygon(ring, closed=True, facecolor=colour, edgecolor=EDGE, linewidth=0.4))
            every.extend(ring)
            if shown:
                seen.extend(ring)
    xs, ys = [x for x, _ in seen or every], [y for _, y in seen or every]  # zoom on the areas shown
    margin = 0.1 + 0.05 * max(max(xs) - min(xs), max(ys) - min(ys))
    axes.set_xlim(min(xs) - margin, max(xs) + margin)
    axes.set_ylim(min(ys) - margin, max(ys) + margin)
    axes.set_aspect(1.15)
    axes.set_axis_off()
    figure.suptitle(f"{text.title_fr}\n{text.title_ar}", fontsize=12)
    handles = [
        Patch(facecolor=PALETTE[_colour(i, classes)], edgecolor=EDGE, label=_bounds(classes, i, text))
        for i in range(classes.count)
    ]
    handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor=EDGE, label=f"{text.no_data_fr} / {text.no_data_ar}"))
    figure.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.03, 0.06), fontsize=8, frameon=False)
    figure.text(0.97, 0.08, f"{text.note_fr}\n{text.note_ar}\n{text.source}", ha="right", fontsize=6.5)
    return figure


def _colour(index: int, classes: Classification) -> int:
    """Spread fewer classes than colours over the whole palette."""
    if classes.count <= 1:
        return 0  # one class (every known value alike, often all 0): the lightest, never a misleading dark
    return round(index * (len(PALETTE) - 1) / (classes.count - 1))


def _bounds(classes: Classification, index: int, text: MapText) -> str:
    low, high = classes.bounds(index)
    return text.fmt(high) if low == high else f"{text.fmt(low)} – {text.fmt(high)}"
