"""The indicator sheet of the carte sociale as a bilingual PDF: figures, charts, the map, one line per area.

Laid out like the directorates' papers (as the receipts and decision letters are): the state and
the ministry in both languages, the title, the area and the "as of" time; then one row per
indicator with its French label, the value and its Arabic label; the score distribution and the
vulnerable categories as charts; the map; and a table of the child areas. fpdf2 lays the text out
and HarfBuzz shapes the Arabic (right to left; French needs no shaping engine, and fpdf2 lays it out
several times faster without); DejaVu Sans, which matplotlib ships, has the glyphs.
A hidden figure prints as ● and a figure with no source yet as "n.d." / "غ.م.".
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import matplotlib
from fpdf import FPDF

from reporting.domain.carte import Indicators, IndicatorSheet
from reporting.maps.boundaries import name
from reporting.printing.charts import bands_png, categories_png
from reporting.printing.words import TEXT, Language, number

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "carte"
PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 14.0
INNER = PAGE_WIDTH - 2 * MARGIN
INK, MUTED = (20, 20, 20), (90, 90, 90)

FIGURES = ("households", "people", "in_need", "assisted_households", "aid_per_assisted_household_dzd", "coverage",
           "open_signals")  # fmt: skip
COLUMNS = ("households", "people", "assisted_households", "coverage", "open_signals")


class _Page:
    """A4 pages that write French left to right and Arabic right to left, shaped."""

    def __init__(self, title: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(title)
        self.pdf.set_creator("solidarity platform")
        for style, file in FONT_FILES.items():
            self.pdf.add_font(FAMILY, style, str(FONT_DIR / file))
        self.pdf.add_page()

    def text(self, text: str, language: Language, *, x: float, w: float, size: float, style: str = "",
             align: str | None = None, color: tuple[int, int, int] = INK, y: float | None = None) -> float:  # fmt: skip
        """Write ``text`` in a box at ``x`` of width ``w`` (at ``y``, or the current line); returns the y below it."""
        if language == "ar":
            self.pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
        else:  # Latin needs no shaping engine: fpdf2's own layout is several times faster
            self.pdf.set_text_shaping(False)
        self.pdf.set_font(FAMILY, style, size)
        self.pdf.set_text_color(*color)
        self.pdf.set_xy(x, self.pdf.get_y() if y is None else y)
        self.pdf.multi_cell(w, size * 0.48, text, align=align or ("R" if language == "ar" else "L"),
                            new_x="LEFT", new_y="NEXT")  # fmt: skip
        return self.pdf.get_y()

    def rule(self, y: float) -> None:
        self.pdf.set_draw_color(*MUTED)
        self.pdf.set_line_width(0.2)
        self.pdf.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)

    def image(self, png: bytes, y: float, width: float) -> float:
        """Centre a PNG ``width`` mm wide at ``y`` (or atop a new page if it does not fit); returns the y below."""
        pixels_w, pixels_h = struct.unpack(">II", png[16:24])  # the PNG's IHDR chunk
        height = width * pixels_h / pixels_w
        if y + height > PAGE_HEIGHT - MARGIN:
            y = self.new_page()
        self.pdf.image(io.BytesIO(png), x=(PAGE_WIDTH - width) / 2, y=y, w=width, h=height)
        return y + height

    def new_page(self) -> float:
        self.pdf.add_page()
        return MARGIN


def render(sheet: IndicatorSheet, map_png: bytes | None = None) -> bytes:
    """The sheet as PDF bytes (``map_png``: the choropleth to print, if the area has one)."""
    area_fr, area_ar = name(sheet.area, "fr"), name(sheet.area, "ar")
    page = _Page(f"{TEXT['fr']['title']} — {area_fr}")
    y = _header(page, sheet, area_fr, area_ar)
    y = _figures(page, sheet.totals, y + 4, suppressed=sheet.suppressed)
    for png in (bands_png(sheet.totals.score_bands),
                categories_png(sheet.totals.categories) if sheet.totals.categories else None):  # fmt: skip
        if png is not None:
            y = page.image(png, y + 4, 140)
    if map_png is not None:
        y = page.image(map_png, page.new_page(), 165)
    if sheet.children:
        _table(page, sheet, y + 6)
    return bytes(page.pdf.output())


def _header(page: _Page, sheet: IndicatorSheet, area_fr: str, area_ar: str) -> float:
    fr, ar = TEXT["fr"], TEXT["ar"]
    y = page.text(ar["state"], "ar", x=MARGIN, w=INNER, size=11, style="B", align="C", y=MARGIN)
    y = page.text(fr["state"], "fr", x=MARGIN, w=INNER, size=9.5, align="C", y=y + 0.5)
    y = page.text(ar["ministry"], "ar", x=MARGIN, w=INNER, size=9.5, align="C", y=y + 1)
    y = page.text(fr["ministry"], "fr", x=MARGIN, w=INNER, size=8.5, align="C", y=y + 0.5)
    page.rule(y + 2)
    y = page.text(f"{ar['title']}: {area_ar}", "ar", x=MARGIN, w=INNER, size=15, style="B", align="C", y=y + 5)
    y = page.text(f"{fr['title']} : {area_fr}", "fr", x=MARGIN, w=INNER, size=13, style="B", align="C", y=y + 1)
    stamp = sheet.as_of.strftime("%d/%m/%Y %H:%M UTC") if sheet.as_of else "—"
    half = INNER / 2
    page.text(f"{fr['as_of']} {stamp} — {sheet.area}", "fr", x=MARGIN, w=half, size=8.5, color=MUTED, y=y + 3)
    y = page.text(f"{ar['as_of']} {stamp}", "ar", x=MARGIN + half, w=half, size=9, color=MUTED, y=y + 3)
    key = "public" if sheet.suppressed else "staff"
    y = page.text(fr[key].format(threshold=sheet.threshold), "fr", x=MARGIN, w=INNER, size=8, color=MUTED, y=y + 2)
    y = page.text(ar[key].format(threshold=sheet.threshold), "ar", x=MARGIN, w=INNER, size=8.5, color=MUTED, y=y + 1)
    return y


def _value(line: Indicators, key: str, language: Language) -> str:
    value = getattr(line, key)
    return number(value, hidden=key in line.hidden, language=language, percent=key == "coverage")


def _figures(page: _Page, totals: Indicators, y: float, *, suppressed: bool) -> float:
    """One row per indicator: French label, the value, Arabic label."""
    label_w, value_w = 78.0, INNER - 2 * 78.0
    for key in FIGURES:
        page.rule(y)
        top = y + 1.6
        y = 1.4 + max(
            page.text(TEXT["fr"][key], "fr", x=MARGIN, w=label_w, size=9, color=MUTED, y=top),
            page.text(_value(totals, key, "fr"), "fr", x=MARGIN + label_w, w=value_w, size=10.5, style="B",
                      align="C", y=top),
            page.text(TEXT["ar"][key], "ar", x=PAGE_WIDTH - MARGIN - label_w, w=label_w, size=9.5, color=MUTED, y=top),
        )  # fmt: skip
    page.rule(y)
    fr, ar = (TEXT[lang]["legend"] + (TEXT[lang]["legend_hidden"] if suppressed else "") for lang in ("fr", "ar"))
    page.text(fr, "fr", x=MARGIN, w=INNER / 2, size=7.5, color=MUTED, y=y + 1.5)
    return page.text(ar, "ar", x=MARGIN + INNER / 2, w=INNER / 2, size=8, color=MUTED, y=y + 1.5) + 0.5


def _table(page: _Page, sheet: IndicatorSheet, y: float) -> None:
    """One line per child area: its names, then the columns' figures."""
    name_w = 62.0
    col_w = (INNER - name_w) / len(COLUMNS)
    head = [f"{TEXT['fr'][key]}\n{TEXT['ar'][key]}" for key in COLUMNS]
    page.text(TEXT["fr"]["areas"], "fr", x=MARGIN, w=INNER / 2, size=10, style="B", y=y)
    y = page.text(TEXT["ar"]["areas"], "ar", x=MARGIN + INNER / 2, w=INNER / 2, size=10.5, style="B", y=y)

    def header(y: float) -> float:
        page.text(TEXT["fr"]["area"], "fr", x=MARGIN, w=name_w / 2, size=7, y=y + 1)
        bottom = page.text(TEXT["ar"]["area"], "ar", x=MARGIN + name_w / 2, w=name_w / 2 - 2, size=7.5, y=y + 1)
        for i, title in enumerate(head):
            fr, ar = title.split("\n")
            below = page.text(fr, "fr", x=MARGIN + name_w + i * col_w, w=col_w, size=6.5, align="C", y=y + 1)
            bottom = max(bottom, page.text(ar, "ar", x=MARGIN + name_w + i * col_w, w=col_w, size=7, align="C",
                                           y=below))  # fmt: skip
        page.rule(bottom + 0.8)
        return bottom + 1.2

    y = header(y)
    for line in sheet.children:
        if y > PAGE_HEIGHT - MARGIN - 8:
            y = header(page.new_page())
        fr, ar = name(line.area, "fr"), name(line.area, "ar")
        bottom = page.text(fr, "fr", x=MARGIN, w=name_w / 2, size=7.5, y=y)
        if ar != fr:  # a commune or a cell is named by its code alone
            bottom = max(bottom, page.text(ar, "ar", x=MARGIN + name_w / 2, w=name_w / 2 - 2, size=8, y=y))
        for i, key in enumerate(COLUMNS):
            page.text(_value(line, key, "fr"), "fr", x=MARGIN + name_w + i * col_w, w=col_w, size=8, align="C", y=y)
        y = bottom + 0.6
