"""The choropleth of an indicator sheet: which figure colours each wilaya, with which classes.

``households`` is a count, split in quantile classes; ``in_need_share`` (households in need ÷
households) and ``coverage`` (assisted ÷ in need) are rates with fixed classes, so two maps
read alike. A boundary unit that holds several wilayas (a 2019 wilaya inside its former one)
adds their numerators and denominators; if one of them is hidden by suppression, the whole
unit shows "no data", so no hidden figure can be recovered from the unit's. A wilaya sheet
colours its own wilaya and zooms on it; a national sheet colours every wilaya.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from common import refusals
from reporting.domain.carte import Indicators, IndicatorSheet
from reporting.domain.carte_classes import Classification, by_quantiles, classify
from reporting.maps.boundaries import units
from reporting.maps.choropleth import MapText, render_png

Indicator = Literal["households", "in_need_share", "coverage"]
INDICATORS: tuple[Indicator, ...] = get_args(Indicator)

Ratio = tuple[float | None, float | None]
PARTS: dict[Indicator, tuple[Callable[[Indicators], Ratio], frozenset[str]]] = {
    "households": (lambda line: (line.households, 1.0), frozenset({"households"})),
    "in_need_share": (lambda line: (line.in_need, line.households), frozenset({"in_need", "households"})),
    "coverage": (lambda line: (line.assisted_households, line.in_need), frozenset({"assisted_households", "in_need"})),
}
FIXED_BREAKS: dict[Indicator, tuple[float, ...]] = {
    "in_need_share": (0.1, 0.2, 0.3, 0.5, 1.0),
    "coverage": (0.25, 0.5, 0.75, 1.0),
}
TITLES: dict[Indicator, tuple[str, str]] = {
    "households": ("Ménages inscrits par wilaya", "الأسر المسجلة حسب الولاية"),
    "in_need_share": ("Part des ménages dans le besoin", "نسبة الأسر المحتاجة"),
    "coverage": ("Couverture du besoin (ménages aidés ce trimestre ÷ ménages dans le besoin)",
                 "تغطية الحاجة (الأسر المستفيدة هذا الفصل ÷ الأسر المحتاجة)"),
}  # fmt: skip


def indicator_of(text: str) -> Indicator:
    """The indicator a map is asked for; anything else is refused (422 ``unknown_indicator``)."""
    for known in INDICATORS:
        if text == known:
            return known
    raise refusals.invalid("unknown_indicator", "the map shows one of the indicators", allowed=list(INDICATORS))


def must_have_map(sheet: IndicatorSheet) -> IndicatorSheet:
    """Boundaries exist for the nation and the wilayas, not for communes and cells (422 ``no_boundaries``)."""
    if sheet.level not in ("national", "wilaya"):
        raise refusals.invalid("no_boundaries", "maps are drawn for the nation and the wilayas", area=sheet.area)
    return sheet


def unit_classes(sheet: IndicatorSheet, indicator: Indicator) -> Classification:
    """Each boundary unit's class for ``indicator`` (NO_DATA where unknown, hidden or outside the sheet)."""
    lines = {line.area: line for line in (sheet.children if sheet.level == "national" else (sheet.totals,))}
    part, fields = PARTS[indicator]
    values: dict[str, float | None] = {}
    for unit in units():
        inside = [lines[a] for code in unit.codes if (a := f"/DZ/{code}") in lines]
        ratios = [part(line) for line in inside]
        if not inside or any(fields & line.hidden for line in inside) or any(None in r for r in ratios):
            values[unit.code] = None
            continue
        numerator = sum(n or 0.0 for n, _ in ratios)
        denominator = sum(d or 0.0 for _, d in ratios)
        values[unit.code] = numerator / denominator if denominator else None
    if indicator in FIXED_BREAKS:
        return classify(values, FIXED_BREAKS[indicator])
    return by_quantiles(values)


def map_png(sheet: IndicatorSheet, indicator: Indicator = "households") -> bytes:
    """The map of ``sheet`` for ``indicator`` as PNG bytes."""
    fr, ar = TITLES[indicator]
    percent = indicator in FIXED_BREAKS
    text = MapText(fr, ar, fmt=_percent) if percent else MapText(fr, ar)
    own = None if sheet.level == "national" else sheet.area
    return render_png(unit_classes(sheet, indicator), text, visible=lambda area: own is None or area == own)


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"
