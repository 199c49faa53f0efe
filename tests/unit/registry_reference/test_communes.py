from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.reference.areas import Area, RowError, Wilaya, load_wilayas, parse_communes, read_communes

HEADER = "code;wilaya_code;name_fr;name_ar"
SAMPLE = Path(__file__).parents[3] / "services/registry/registry/reference/communes_sample.csv"


@pytest.fixture(scope="module")
def wilayas() -> dict[str, Wilaya]:
    return load_wilayas()


def parse(wilayas: dict[str, Wilaya], *rows: str) -> list[Area | RowError]:
    return list(parse_communes([HEADER, *rows], wilayas))


def test_shipped_sample_is_clean(wilayas: dict[str, Wilaya]) -> None:
    load = read_communes(SAMPLE, wilayas)
    assert load.errors == []
    codes = {area.code: area for area in load.areas}
    assert codes["1601"].name_fr == "Alger-Centre"
    assert codes["1602"].name_fr == "Sidi M'Hamed"
    assert codes["3101"].name_ar == "وهران"
    assert sum(code.startswith("16") for code in codes) >= 15
    assert sum(code.startswith("31") for code in codes) >= 10


def test_a_commune_becomes_an_area_under_its_wilaya(wilayas: dict[str, Wilaya]) -> None:
    (area,) = parse(wilayas, "1601;16;Alger-Centre;الجزائر الوسطى")
    assert area == Area(
        path="/DZ/16/1601",
        level="commune",
        code="1601",
        name_fr="Alger-Centre",
        name_ar="الجزائر الوسطى",
        parent="/DZ/16",
    )
    assert area.as_record()["ancestors"] == ["/DZ", "/DZ/16", "/DZ/16/1601"]


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("1601;16;Alger-Centre", "column_count"),
        ("1601;16;Alger-Centre;الجزائر الوسطى;extra", "column_count"),
        ("161;16;Alger-Centre;الجزائر الوسطى", "code_malformed"),
        ("16A1;16;Alger-Centre;الجزائر الوسطى", "code_malformed"),
        ("١٦٠١;16;Alger-Centre;الجزائر الوسطى", "code_malformed"),
        ("5901;59;Nowhere;لا مكان", "wilaya_unknown"),
        ("1601;6;Alger-Centre;الجزائر الوسطى", "wilaya_unknown"),
        ("3101;16;Oran;وهران", "code_wilaya_mismatch"),
        ("1601;16;;الجزائر الوسطى", "name_missing"),
        ("1601;16;Alger-Centre;", "name_missing"),
    ],
)
def test_bad_rows_are_reported_with_their_line_and_code(wilayas: dict[str, Wilaya], row: str, code: str) -> None:
    (error,) = parse(wilayas, row)
    assert isinstance(error, RowError)
    assert (error.line, error.code) == (2, code)


def test_errors_do_not_stop_the_stream(wilayas: dict[str, Wilaya]) -> None:
    results = parse(
        wilayas,
        "1601;16;Alger-Centre;الجزائر الوسطى",
        "bad;16;X;س",
        "",
        "1601;16;Alger-Centre again;الجزائر الوسطى",
        "3101;31;Oran;وهران",
    )
    assert [type(r).__name__ for r in results] == ["Area", "RowError", "RowError", "Area"]
    duplicate = results[2]
    assert isinstance(duplicate, RowError)
    assert (duplicate.line, duplicate.code, duplicate.commune_code) == (5, "duplicate_code", "1601")
    assert "line 2" in duplicate.message


def test_wrong_header_stops_at_once(wilayas: dict[str, Wilaya]) -> None:
    rows = ["code,wilaya,name", "1601;16;Alger-Centre;الجزائر الوسطى"]
    results = list(parse_communes(rows, wilayas))
    assert len(results) == 1
    assert isinstance(results[0], RowError)
    assert results[0].code == "header_mismatch"


def test_bom_quotes_and_spaces_are_tolerated(tmp_path: Path, wilayas: dict[str, Wilaya]) -> None:
    source = tmp_path / "communes.csv"
    source.write_text(f'\ufeff{HEADER}\r\n 1605 ; 16 ;"Bab El Oued";باب الوادي\r\n', encoding="utf-8")
    load = read_communes(source, wilayas)
    assert load.errors == []
    assert [(a.path, a.name_fr) for a in load.areas] == [("/DZ/16/1605", "Bab El Oued")]


def test_parsing_is_lazy(wilayas: dict[str, Wilaya]) -> None:
    def rows() -> Iterator[str]:
        yield HEADER
        yield "1601;16;Alger-Centre;الجزائر الوسطى"
        raise AssertionError("read past what was asked")

    stream = parse_communes(rows(), wilayas)
    assert isinstance(next(stream), Area)
