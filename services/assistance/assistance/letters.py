"""Decision letters in Arabic (right to left, shaped) and French, as PDF.

fpdf2 lays the text out; with text shaping on, HarfBuzz (``uharfbuzz``) joins the
Arabic letters and fpdf2's bidirectional algorithm orders mixed runs (a reference or an
amount inside an Arabic line). The font must carry Arabic glyphs: DejaVu Sans (Debian
``fonts-dejavu-core``) does.

A letter names the household only by its reference: no name and no national id, so a
letter that goes astray discloses nothing the reference does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from fpdf import FPDF

from assistance.domain.lifecycle import LEVEL_BY_ROLE
from common.errors import ServiceUnavailable

Language = Literal["ar", "fr"]
LANGUAGES: tuple[Language, ...] = ("ar", "fr")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "letter"


@dataclass(frozen=True)
class LetterData:
    """What a decision letter says; built by the service from the request and its programme."""

    request_id: str
    household_id: str
    area: str
    programme_fr: str
    programme_ar: str
    granted: bool
    amount_dzd: int | None
    period: str | None
    motive: str
    decided_on: date
    authority_role: str
    authority_area: str
    urgent: bool


TEXT: dict[Language, dict[str, str]] = {
    "fr": {
        "state": "République Algérienne Démocratique et Populaire",
        "ministry": "Ministère de la Solidarité nationale, de la Famille et de la Condition de la femme",
        "directorate": "Direction de l'action sociale et de la solidarité",
        "title_grant": "DÉCISION D'OCTROI D'UNE AIDE SOCIALE",
        "title_refuse": "DÉCISION DE REFUS D'UNE AIDE SOCIALE",
        "urgent": "Aide d'urgence, accordée sous réserve de régularisation",
        "request": "Référence de la demande",
        "household": "Référence du ménage",
        "programme": "Programme",
        "decision": "Décision",
        "granted": "Aide accordée",
        "refused": "Aide refusée",
        "amount": "Montant",
        "currency": "DA",
        "period": "Période couverte",
        "motive": "Motif",
        "authority": "Autorité qui décide",
        "date": "Date de la décision",
        "area": "Territoire",
        "notice": "Cette décision peut faire l'objet d'un recours auprès de la direction de l'action sociale "
        "de la wilaya dans un délai de deux mois à compter de sa notification.",
    },
    "ar": {
        "state": "الجمهورية الجزائرية الديمقراطية الشعبية",
        "ministry": "وزارة التضامن الوطني والأسرة وقضايا المرأة",
        "directorate": "مديرية النشاط الاجتماعي والتضامن",
        "title_grant": "قرار منح مساعدة اجتماعية",
        "title_refuse": "قرار رفض مساعدة اجتماعية",
        "urgent": "مساعدة استعجالية ممنوحة في انتظار التسوية",
        "request": "مرجع الطلب",
        "household": "مرجع الأسرة",
        "programme": "البرنامج",
        "decision": "القرار",
        "granted": "منح المساعدة",
        "refused": "رفض المساعدة",
        "amount": "المبلغ",
        "currency": "دج",
        "period": "الفترة المعنية",
        "motive": "السبب",
        "authority": "السلطة المقررة",
        "date": "تاريخ القرار",
        "area": "الإقليم",
        "notice": "يمكن الطعن في هذا القرار لدى مديرية النشاط الاجتماعي للولاية في أجل شهرين من تاريخ تبليغه.",
    },
}


AREA_WORDS: dict[Language, tuple[str, str, str, str]] = {
    "fr": ("Territoire national", "Wilaya", "commune", "cellule"),
    "ar": ("التراب الوطني", "ولاية", "بلدية", "خلية"),
}


def area_label(path: str, language: Language) -> str:
    """``/DZ/16/1601`` as words (``Wilaya 16, commune 1601``): a path's slashes do not survive right-to-left."""
    national, wilaya, commune, cell = AREA_WORDS[language]
    parts = path.strip("/").split("/")[1:]
    if not parts:
        return national
    comma = "،" if language == "ar" else ","
    words = [f"{label} {code}" for label, code in zip((wilaya, commune, cell), parts, strict=False)]
    return f"{comma} ".join(words)


def period_label(period: str) -> str:
    """``2026-03`` as ``03/2026`` (the separator bidirectional text keeps in order); a year as is."""
    return f"{period[5:7]}/{period[:4]}" if len(period) == 7 else period


def amount_text(amount_dzd: int) -> str:
    """``15 000``: thousands apart, as both languages write amounts here."""
    return f"{amount_dzd:,}".replace(",", " ")


def lines(letter: LetterData, language: Language) -> tuple[str, list[tuple[str, str]]]:
    """The title and the labelled lines of the letter, in ``language``."""
    t = TEXT[language]
    level = LEVEL_BY_ROLE.get(letter.authority_role)
    authority = (level.title_ar if language == "ar" else level.title_fr) if level else letter.authority_role
    rows = [
        (t["request"], letter.request_id),
        (t["household"], letter.household_id),
        (t["programme"], letter.programme_ar if language == "ar" else letter.programme_fr),
        (t["decision"], t["granted"] if letter.granted else t["refused"]),
    ]
    if letter.granted and letter.amount_dzd is not None:
        rows.append((t["amount"], f"{amount_text(letter.amount_dzd)} {t['currency']}"))
    if letter.period:
        rows.append((t["period"], period_label(letter.period)))
    rows += [
        (t["motive"], letter.motive),
        (t["authority"], f"{authority} — {area_label(letter.authority_area, language)}"),
        (t["date"], letter.decided_on.strftime("%d/%m/%Y")),
        (t["area"], area_label(letter.area, language)),
    ]
    return t["title_grant"] if letter.granted else t["title_refuse"], rows


def render(letter: LetterData, language: Language, font_dir: str) -> bytes:
    """The letter as PDF bytes."""
    t = TEXT[language]
    rtl = language == "ar"
    align = "R" if rtl else "L"
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_lang(language)
    pdf.set_title(t["title_grant"] if letter.granted else t["title_refuse"])
    pdf.set_creator("solidarity platform")
    for style, name in FONT_FILES.items():
        path = Path(font_dir) / name
        if not path.is_file():
            raise ServiceUnavailable("the letter font is not installed", {"font": name})
        pdf.add_font(FAMILY, style, str(path))
    if rtl:
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    else:
        pdf.set_text_shaping(use_shaping_engine=True, direction="ltr", script="latn", language="fra")
    pdf.add_page()
    title, rows = lines(letter, language)

    def write(text: str, size: float, style: str = "", where: str = align, gap: float = 2) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(0, size * 0.55, text, align=where, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    write(t["state"], 12, "B", "C")
    write(t["ministry"], 10, "", "C", 0)
    write(f"{t['directorate']} — {area_label(letter.authority_area, language)}", 10, "", "C", 10)
    write(title, 15, "B", "C", 4)
    if letter.urgent:
        write(t["urgent"], 11, "B", "C", 6)
    pdf.ln(4)
    for label, value in rows:
        write(f"{label} : {value}" if not rtl else f"{label}: {value}", 11)
    pdf.ln(8)
    write(t["notice"], 9)
    return bytes(pdf.output())
