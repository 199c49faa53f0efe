"""The wilaya boundaries shipped with the service, read without any GIS library.

Each boundary unit is one polygon (or multipolygon) of Natural Earth's admin-1 and lists the
wilaya codes drawn inside it (a wilaya of 1984 and those carved from it in 2019). See
``data/SOURCE.md`` for the source and its licence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Unit:
    """One drawn shape: its main wilaya, every wilaya code it covers and its outer rings (lon, lat)."""

    code: str
    codes: tuple[str, ...]
    rings: tuple[Ring, ...]


@dataclass(frozen=True)
class Wilaya:
    code: str
    name_fr: str
    name_ar: str

    @property
    def area(self) -> str:
        return f"/DZ/{self.code}"


@cache
def units() -> tuple[Unit, ...]:
    """The 48 boundary units, by code."""
    text = resources.files("reporting.maps").joinpath("data/dz-wilayas.geojson").read_text(encoding="utf-8")
    out = []
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        rings = tuple(tuple((float(x), float(y)) for x, y in polygon[0]) for polygon in polygons)
        props = feature["properties"]
        out.append(Unit(props["code"], tuple(props["codes"]), rings))
    return tuple(out)


@cache
def wilayas() -> dict[str, Wilaya]:
    """The 58 wilayas by area path (``/DZ/16``), with their French and Arabic names."""
    text = resources.files("reporting.maps").joinpath("data/wilayas.json").read_text(encoding="utf-8")
    rows = json.loads(text)["wilayas"]
    return {f"/DZ/{w['code']}": Wilaya(w["code"], w["name_fr"], w["name_ar"]) for w in rows}


def name(area: str, language: str) -> str:
    """The area's name in ``language`` (a wilaya's, else its code)."""
    wilaya = wilayas().get(area)
    if wilaya is None:
        return area.rsplit("/", 1)[-1] if area != "/DZ" else ("الجزائر" if language == "ar" else "Algérie")
    return wilaya.name_ar if language == "ar" else wilaya.name_fr
