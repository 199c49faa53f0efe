"""A gift's receipt (or a donor's annual receipt) as one bilingual PDF page: French on the left, Arabic on the right.

Laid out like the directorates' official papers: the state and the issuer in both languages,
the number, then one row per fact with its French label, the value, and its Arabic label; the
amount in figures and in words in both languages; the verification code and a QR code that
opens the public verification page. A cancelled receipt is printed with a void stamp.

As the decision letters (``assistance.letters``) do: fpdf2 lays the text out, HarfBuzz
(``uharfbuzz``) shapes the Arabic (letters joined), fpdf2's bidirectional algorithm orders
it right to left; DejaVu Sans (Debian ``fonts-dejavu-core``) carries the Arabic glyphs.
The QR code is drawn by ``segno`` and embedded as an image.
"""

from __future__ import annotations

import copy
import functools
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import segno
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from common.errors import ServiceUnavailable
from solidarity.domain.donors import ANONYMOUS
from solidarity.domain.money import Money, currency
from solidarity.domain.receipts import MINISTRY, Receipt, verification_code, verification_url
from solidarity.printing.amount_words import in_words

Language = Literal["ar", "fr"]
LANGUAGES: tuple[Language, ...] = ("ar", "fr")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "receipt"
PAGE_WIDTH, MARGIN = 210.0, 15.0
INNER = PAGE_WIDTH - 2 * MARGIN
INK, MUTED, VOID_RED = (20, 20, 20), (90, 90, 90), (200, 30, 30)

TEXT: dict[Language, dict[str, str]] = {
    "fr": {
        "state": "République Algérienne Démocratique et Populaire",
        "ministry": "Ministère de la Solidarité nationale, de la Famille et de la Condition de la femme",
        "directorate": "Direction de l'action sociale et de la solidarité de la wilaya de {wilaya}",
        "title_gift": "REÇU DE DON",
        "title_annual": "REÇU ANNUEL DES DONS DE L'ANNÉE {year}",
        "number": "N°",
        "date": "Date",
        "donor": "Donateur",
        "campaign": "Campagne",
        "unrestricted": "Don non affecté",
        "gifts": "Dons consolidés",
        "amount": "Montant",
        "words": "Arrêté le présent reçu à la somme de",
        "replaces": "Annule et remplace le reçu",
        "code": "Code de vérification",
        "check": "Vérifiez ce reçu en scannant le code QR ou sur",
        "void": "ANNULÉ",
        "reason": "Reçu annulé, motif :",
        "thanks": "Merci pour votre générosité.",
    },
    "ar": {
        "state": "الجمهورية الجزائرية الديمقراطية الشعبية",
        "ministry": "وزارة التضامن الوطني والأسرة وقضايا المرأة",
        "directorate": "مديرية النشاط الاجتماعي والتضامن لولاية {wilaya}",
        "title_gift": "وصل تبرع",
        "title_annual": "الوصل السنوي للتبرعات لسنة {year}",
        "number": "رقم",
        "date": "التاريخ",
        "donor": "المتبرع",
        "campaign": "الحملة",
        "unrestricted": "تبرع غير مخصص",
        "gifts": "عدد التبرعات",
        "amount": "المبلغ",
        "words": "أوقف هذا الوصل على مبلغ",
        "replaces": "يلغي ويعوض الوصل",
        "code": "رمز التحقق",
        "check": "تحقق من هذا الوصل بمسح رمز QR أو عبر",
        "void": "ملغى",
        "reason": "وصل ملغى، السبب:",
        "thanks": "شكرا على كرمكم.",
    },
}


@dataclass(frozen=True, slots=True)
class ReceiptSheet:
    """What the printed receipt says; :func:`sheet` builds it from the receipt."""

    receipt: Receipt
    donor_name: str | None  # None: the donor chose to appear as "a benefactor"
    campaign_fr: str | None
    campaign_ar: str | None
    code: str
    url: str


def sheet(
    receipt: Receipt,
    *,
    donor_name: str | None,
    campaign_names: tuple[str, str] | None,
    key: bytes,
    base_url: str,
) -> ReceiptSheet:
    """The sheet of ``receipt`` with its verification code (under ``key``) and the URL its QR code opens."""
    code = verification_code(receipt, key)
    fr, ar = campaign_names or (None, None)
    return ReceiptSheet(receipt, donor_name, fr, ar, code, verification_url(base_url, receipt.number, code))


def figures(amount: Money, language: Language) -> str:
    """``15 000,50 DA`` / ``15 000,50 دج``: thousands apart, a decimal comma, the currency's symbol.

    The thousands are apart by a no-break space: a common separator to the bidirectional
    algorithm, so right to left the number stays one (a plain space splits it in two, reordered).
    """
    unit = currency(amount.currency)
    major, minor = divmod(amount.minor, 10**unit.exponent)
    text = f"{major:,}".replace(",", "\u00a0") + (f",{minor:0{unit.exponent}d}" if unit.exponent else "")
    return f"{text} {unit.symbol_ar if language == 'ar' else unit.symbol_fr}"


def _date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _issuer(receipt: Receipt, language: Language) -> str:
    """The ministry, and under it the wilaya's directorate that issues (the ministry issues national receipts)."""
    t = TEXT[language]
    issuer = receipt.number.issuer
    if issuer == MINISTRY:
        return t["ministry"]
    return f"{t['ministry']}\n{t['directorate'].format(wilaya=issuer.removeprefix('DAS-'))}"


@functools.cache
def _measured(style: str, path: str) -> TTFFont:
    """The font as fpdf2 measures it (widths, glyph ids, names): read from the file once per process."""
    pdf = FPDF()
    pdf.add_font(FAMILY, style, path)
    font = pdf.fonts[f"{FAMILY}{style}"]
    assert isinstance(font, TTFFont)  # a TrueType file, never a core font
    font.hbfont  # noqa: B018 - HarfBuzz's face, made once, read-only from then on
    return font


def _add_font(pdf: FPDF, style: str, path: str) -> None:
    """``pdf.add_font``, without measuring the font again (two thirds of a receipt's time without the cache).

    The measured font is copied; what a document changes is its own: a fresh lazy ``ttfont`` (the
    output subsets it in place), an empty subset, no missing glyphs.
    """
    font = copy.copy(_measured(style, path))
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(path, recalcTimestamp=False, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


class _Page:
    """An A4 page that writes French left to right and Arabic right to left, shaped."""

    def __init__(self, font_dir: str, title: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(MARGIN, MARGIN, MARGIN)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(title)
        self.pdf.set_creator("solidarity platform")
        for style, name in FONT_FILES.items():
            path = Path(font_dir) / name
            if not path.is_file():
                raise ServiceUnavailable("the receipt font is not installed", {"font": name})
            _add_font(self.pdf, style, str(path))
        self.pdf.add_page()

    def language(self, language: Language) -> None:
        if language == "ar":
            self.pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
        else:
            self.pdf.set_text_shaping(use_shaping_engine=True, direction="ltr", script="latn", language="fra")

    def text(self, text: str, language: Language, *, x: float, w: float, size: float, style: str = "",
             align: str | None = None, color: tuple[int, int, int] = INK, y: float | None = None) -> float:  # fmt: skip
        """Write ``text`` in a box at ``x`` of width ``w`` (at ``y``, or the current line); returns the y below it."""
        self.language(language)
        self.pdf.set_font(FAMILY, style, size)
        self.pdf.set_text_color(*color)
        self.pdf.set_xy(x, self.pdf.get_y() if y is None else y)
        where = align or ("R" if language == "ar" else "L")
        self.pdf.multi_cell(w, size * 0.5, text, align=where, new_x="LEFT", new_y="NEXT")
        return self.pdf.get_y()

    def rule(self, y: float) -> None:
        self.pdf.set_draw_color(*MUTED)
        self.pdf.set_line_width(0.3)
        self.pdf.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)


def render(sheet: ReceiptSheet, font_dir: str) -> bytes:
    """The receipt as PDF bytes."""
    receipt = sheet.receipt
    year = {"year": receipt.year}
    titles = {lang: TEXT[lang]["title_annual" if receipt.kind == "annual" else "title_gift"].format(**year)
              for lang in LANGUAGES}  # fmt: skip
    page = _Page(font_dir, f"{titles['fr']} {receipt.number}")
    y = _header(page, receipt, titles)
    y = _facts(page, sheet, y + 6)
    y = _in_words(page, receipt.amount, y)
    y = _verification(page, sheet, y + 9)
    page.text(TEXT["ar"]["thanks"], "ar", x=MARGIN, w=INNER, size=10, align="C", y=y + 8)
    y = page.text(TEXT["fr"]["thanks"], "fr", x=MARGIN, w=INNER, size=9.5, align="C")
    if receipt.state == "cancelled":
        _void_stamp(page, receipt.reason or "", y + 10)
    return bytes(page.pdf.output())


def _header(page: _Page, receipt: Receipt, titles: dict[Language, str]) -> float:
    """The state, the ministry and the issuer in both languages, the title and the number."""
    fr, ar = TEXT["fr"], TEXT["ar"]
    half = INNER / 2 - 3
    y = page.text(ar["state"], "ar", x=MARGIN, w=INNER, size=12, style="B", align="C", y=MARGIN)
    y = page.text(fr["state"], "fr", x=MARGIN, w=INNER, size=10, align="C", y=y + 1)
    below = max(
        page.text(_issuer(receipt, "fr"), "fr", x=MARGIN, w=half, size=8.5, y=y + 4),
        page.text(_issuer(receipt, "ar"), "ar", x=PAGE_WIDTH - MARGIN - half, w=half, size=9,
                  y=y + 4),
    )  # fmt: skip
    page.rule(below + 3)
    y = page.text(titles["ar"], "ar", x=MARGIN, w=INNER, size=16, style="B", align="C", y=below + 9)
    y = page.text(titles["fr"], "fr", x=MARGIN, w=INNER, size=14, style="B", align="C", y=y + 1)
    return page.text(f"{fr['number']} {receipt.number}", "fr", x=MARGIN, w=INNER, size=15, style="B", align="C",
                     y=y + 4)  # fmt: skip


def _facts(page: _Page, sheet: ReceiptSheet, y: float) -> float:
    """One row per fact: French label, value in French, value in Arabic, Arabic label."""
    receipt, fr, ar = sheet.receipt, TEXT["fr"], TEXT["ar"]
    rows = [
        (fr["date"], _date(receipt.issued_on), _date(receipt.issued_on), ar["date"]),
        (fr["donor"], sheet.donor_name or ANONYMOUS["fr"], sheet.donor_name or ANONYMOUS["ar"], ar["donor"]),
        (fr["gifts"], str(len(receipt.gift_ids)), str(len(receipt.gift_ids)), ar["gifts"]) if receipt.kind == "annual"
        else (fr["campaign"], sheet.campaign_fr or fr["unrestricted"], sheet.campaign_ar or ar["unrestricted"],
              ar["campaign"]),
        (fr["amount"], figures(receipt.amount, "fr"), figures(receipt.amount, "ar"), ar["amount"]),
    ]  # fmt: skip
    if receipt.replaces is not None:
        rows.append((fr["replaces"], str(receipt.replaces), str(receipt.replaces), ar["replaces"]))
    label_w = 38.0
    value_w = INNER / 2 - label_w
    for label_fr, value_fr, value_ar, label_ar in rows:
        page.rule(y)
        top = y + 2.5
        y = 2 + max(
            page.text(label_fr, "fr", x=MARGIN, w=label_w, size=9, color=MUTED, y=top),
            page.text(value_fr, language_of(value_fr), x=MARGIN + label_w, w=value_w, size=10.5, style="B", y=top,
                      align="L"),
            page.text(value_ar, language_of(value_ar), x=PAGE_WIDTH / 2, w=value_w, size=11, style="B", y=top,
                      align="R"),
            page.text(label_ar, "ar", x=PAGE_WIDTH - MARGIN - label_w, w=label_w, size=10, color=MUTED, y=top),
        )  # fmt: skip
    page.rule(y)
    return y


def _in_words(page: _Page, amount: Money, y: float) -> float:
    """The amount in words, a paragraph per language, as receipts close ("arrêté le présent reçu à la somme de")."""
    fr, ar = TEXT["fr"], TEXT["ar"]
    y = page.text(f"{fr['words']} : {in_words(amount, 'fr')}.", "fr", x=MARGIN, w=INNER, size=10, y=y + 5)
    y = page.text(f"{ar['words']}: {in_words(amount, 'ar')}.", "ar", x=MARGIN, w=INNER, size=11, y=y + 3)
    page.rule(y + 4)
    return y + 4


def _verification(page: _Page, sheet: ReceiptSheet, top: float) -> float:
    """The QR code on the left; the verification code and where to check it beside it."""
    fr, ar = TEXT["fr"], TEXT["ar"]
    qr_size = 34.0
    image = io.BytesIO()
    segno.make(sheet.url, error="m").save(image, kind="png", scale=8, border=2)
    page.pdf.image(image, x=MARGIN, y=top, w=qr_size, h=qr_size)
    x = MARGIN + qr_size + 6
    w = INNER - qr_size - 6
    page.text(fr["code"], "fr", x=x, w=w, size=9, color=MUTED, y=top + 1)
    y = page.text(ar["code"], "ar", x=x, w=w, size=10, color=MUTED, y=top + 1)
    y = page.text(sheet.code, "fr", x=x, w=w, size=18, style="B", y=y + 1)
    y = max(
        page.text(f"{fr['check']} :", "fr", x=x, w=w / 2, size=8.5, y=y + 3),
        page.text(f"{ar['check']}:", "ar", x=x + w / 2, w=w / 2, size=9, y=y + 3),
    )
    y = page.text(sheet.url, "fr", x=x, w=w, size=8, color=MUTED, y=y + 1)
    return max(y, top + qr_size)


def _void_stamp(page: _Page, reason: str, y: float) -> None:
    """A red stamp across the page (the number stays readable, the receipt is worth nothing) and the reason."""
    pdf, width = page.pdf, INNER
    with pdf.rotation(20, x=PAGE_WIDTH / 2, y=150), pdf.local_context(fill_opacity=0.4):
        page.text(TEXT["fr"]["void"], "fr", x=MARGIN, w=width, size=44, style="B", align="C", color=VOID_RED, y=128)
        page.text(TEXT["ar"]["void"], "ar", x=MARGIN, w=width, size=40, style="B", align="C", color=VOID_RED)
    y = page.text(TEXT["fr"]["reason"], "fr", x=MARGIN, w=width / 2, size=9.5, style="B", color=VOID_RED, y=y)
    page.text(TEXT["ar"]["reason"], "ar", x=PAGE_WIDTH / 2, w=width / 2, size=10, style="B", color=VOID_RED, y=y - 4.75)
    page.text(reason, language_of(reason), x=MARGIN, w=width, size=10, align="C", color=VOID_RED, y=y + 2)


def language_of(text: str) -> Language:
    """Arabic if ``text`` holds an Arabic letter (a donor's name or a reason may be written in either)."""
    return "ar" if any("\u0600" <= char <= "\u06ff" for char in text) else "fr"
