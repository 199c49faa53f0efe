"""The carte sociale printed: the map PNG, the bilingual PDF with the suppression mark for donors."""

import io
import struct
from datetime import UTC, datetime

from pypdf import PdfReader

from reporting.domain.carte import AreaFigures, sheet_of
from reporting.domain.carte_classes import by_quantiles
from reporting.maps.boundaries import units, wilayas
from reporting.maps.choropleth import MapText, render_png, unit_values
from reporting.printing.carte_pdf import render
from reporting.printing.words import HIDDEN

AS_OF = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
FIGURES = [
    AreaFigures("/DZ/16/1601", households=40, people=170, bands={"high": 30, "low": 10}, assisted_households=12,
                aid_delivered_dzd=120_000),
    AreaFigures("/DZ/31/3101", households=3, people=9, bands={"extreme": 3}, assisted_households=1,
                aid_delivered_dzd=10_000),
    AreaFigures("/DZ/05/0501", households=25, people=80, bands={"high": 25}, assisted_households=9,
                aid_delivered_dzd=90_000),
]  # fmt: skip


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_boundaries_cover_the_58_wilayas_in_48_units() -> None:
    assert len(units()) == 48
    covered = sorted(code for unit in units() for code in unit.codes)
    assert covered == [f"{i:02d}" for i in range(1, 59)]
    assert wilayas()["/DZ/16"].name_fr == "Alger"
    assert next(u for u in units() if u.code == "01").codes == ("01", "49", "50")


def test_a_unit_holding_a_2019_wilaya_adds_its_figures_and_an_unknown_unit_has_no_data() -> None:
    values = unit_values({"/DZ/01": 10.0, "/DZ/49": 5.0, "/DZ/16": 7.0}, sum)
    assert values["01"] == 15.0
    assert values["16"] == 7.0
    assert values["31"] is None


def test_the_map_is_a_png_picture() -> None:
    png = render_png(by_quantiles(unit_values({"/DZ/16": 40.0, "/DZ/31": 3.0}, sum)), MapText("Titre", "عنوان"))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 500 and height > 500


def test_the_staff_pdf_prints_every_figure() -> None:
    pdf = render(sheet_of("/DZ", FIGURES, as_of=AS_OF, suppressed=False))
    text = text_of(pdf)
    assert "Carte sociale — fiche d'indicateurs : Algérie" in text
    assert "Document interne de la direction" in text
    assert "68" in text  # households
    assert HIDDEN not in text


def test_the_public_pdf_hides_small_cells_and_says_why() -> None:
    pdf = render(sheet_of("/DZ", FIGURES, as_of=AS_OF, suppressed=True))
    text = text_of(pdf)
    assert "Chiffres publics : les effectifs inférieurs à 5 sont masqués" in text
    assert HIDDEN in text
    oran = next(line for line in text.splitlines() if line.startswith("Oran"))
    assert "9" not in oran and "3" not in oran  # neither its households nor its people
    assert pdf.startswith(b"%PDF")
