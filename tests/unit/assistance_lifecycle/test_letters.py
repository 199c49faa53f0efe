"""Decision letters: valid PDF in Arabic and French with the expected text and an embedded Arabic font."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from assistance import letters
from common import policy
from common.errors import ServiceUnavailable

FONT_DIR = "/usr/share/fonts/truetype/dejavu"

GRANT = letters.LetterData(
    request_id="66b0c2f1e4a1b2c3d4e5f601",
    household_id="66b0c2f1e4a1b2c3d4e5f602",
    area="/DZ/16/1601",
    programme_fr="Allocation forfaitaire de solidarité",
    programme_ar="المنحة الجزافية للتضامن",
    granted=True,
    amount_dzd=15000,
    period="2026-03",
    motive="Ménage sans revenu",
    decided_on=date(2026, 3, 2),
    authority_role=policy.CELL_COORDINATOR,
    authority_area="/DZ/16/1601",
    urgent=False,
)


def text_of(pdf: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def fonts_of(reader: PdfReader) -> set[str]:
    resources = reader.pages[0]["/Resources"]["/Font"]
    return {str(font.get_object()["/BaseFont"]) for font in resources.values()}


def test_french_letter() -> None:
    text, reader = text_of(letters.render(GRANT, "fr", FONT_DIR))
    for expected in (
        "DÉCISION D'OCTROI",
        "Allocation forfaitaire de solidarité",
        "15 000 DA",
        "Ménage sans revenu",
        "02/03/2026",
        GRANT.household_id,
        "Coordinateur de la cellule",
        "Wilaya 16, commune 1601",
        "03/2026",
    ):
        assert expected in text
    assert any("DejaVuSans" in name for name in fonts_of(reader))


def test_arabic_letter_is_shaped_right_to_left() -> None:
    pdf = letters.render(GRANT, "ar", FONT_DIR)
    text, reader = text_of(pdf)
    # extraction gives each Arabic word in reading order (the line's runs in visual order)
    for word in ("قرار", "منح", "المنحة", "الجزافية", "للتضامن", "منسق", "الخلية", "دج", "ولاية", GRANT.household_id):
        assert word in text
    assert "15 000" in text or "000 15" in text
    assert "03/2026" in text and "02/03/2026" in text
    assert reader.trailer["/Root"].get("/Lang") == "ar"
    assert any("DejaVuSans" in name for name in fonts_of(reader))


def test_a_refusal_has_no_amount() -> None:
    refusal = letters.LetterData(
        **{**GRANT.__dict__, "granted": False, "amount_dzd": None, "motive": "Revenu suffisant"}
    )
    text, _ = text_of(letters.render(refusal, "fr", FONT_DIR))
    assert "REFUS" in text and "Aide refusée" in text and "DA" not in text.replace("DÉCISION", "")


def test_a_missing_font_is_a_clear_error() -> None:
    with pytest.raises(ServiceUnavailable):
        letters.render(GRANT, "fr", "/nonexistent")
