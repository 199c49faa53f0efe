"""Render time of the carte sociale: the choropleth PNG and the bilingual PDF sheet (issue 13, item 9).

Pure rendering, no platform: a national sheet over synthetic figures for the 58 wilayas (each
with communes below), the staff and the donor (suppressed) variants. ``make bench-reporting``
calls :func:`render_timings`; ``python -m bench.carte_bench [--smoke]`` prints the same.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bench.stats import summarize
from reporting.domain.carte import AreaFigures, sheet_of
from reporting.printing.carte_map import map_png
from reporting.printing.carte_pdf import render

BANDS = ("low", "moderate", "high", "extreme")


def figures(communes_per_wilaya: int, seed: int = 13) -> list[AreaFigures]:
    """Synthetic commune figures: household counts from 1 to 5,000 (small cells included)."""
    rng = random.Random(seed)
    rows = []
    for wilaya in range(1, 59):
        for commune in range(1, communes_per_wilaya + 1):
            households = rng.choice((1, 3, 40, 400, 5000))
            split = [rng.randint(0, households) for _ in BANDS]
            rows.append(
                AreaFigures(
                    f"/DZ/{wilaya:02d}/{wilaya:02d}{commune:02d}",
                    households=households,
                    people=households * 4,
                    bands=dict(zip(BANDS, split, strict=True)),
                    assisted_households=households // 6,
                    aid_delivered_dzd=(households // 6) * 12_000,
                    open_signals=rng.randint(0, 9),
                )
            )
    return rows


def render_timings(repeats: int = 5, communes_per_wilaya: int = 10) -> dict[str, Any]:
    """Median and p99 (wall) and median CPU time of the map PNG and the PDF sheet (with its map), staff and donor.

    CPU time is the figure to compare on a shared machine: wall time there includes waiting for a core.
    """
    rows = figures(communes_per_wilaya)
    out: dict[str, Any] = {"wilayas": 58, "communes": len(rows), "repeats": repeats}
    for suppressed in (False, True):
        page = sheet_of("/DZ", rows, as_of=datetime.now(UTC), suppressed=suppressed)
        works: tuple[tuple[str, Callable[[], bytes]], ...] = (
            ("map_png", partial(map_png, page)),
            ("pdf", lambda: render(page, map_png(page))),  # noqa: B023 (called inside this iteration)
        )
        for label, work in works:
            latencies, cpu = [], []
            started = time.perf_counter()
            for _ in range(repeats):
                one, one_cpu = time.perf_counter(), time.process_time()
                size = len(work())
                latencies.append(time.perf_counter() - one)
                cpu.append(time.process_time() - one_cpu)
            summary = summarize(label, latencies, time.perf_counter() - started)
            key = f"{label}_{'donor' if suppressed else 'staff'}"
            out[key] = {"p50_ms": round(summary.p50_ms, 1), "p99_ms": round(summary.p99_ms, 1),
                        "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1), "bytes": size}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one render of each, few communes")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    result = render_timings(1, 2) if args.smoke else render_timings(args.repeats)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
