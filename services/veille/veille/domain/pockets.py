"""Poverty pockets and coverage gaps: where signals and high-score households gather on the map.

Signals and high-score households are clustered with DBSCAN over the haversine distance (points
within ``radius_m`` of each other, at least ``min_points`` to a pocket). Around each pocket's centre
the registered households, and those assisted, are counted; a pocket with many signals but few
registered or assisted households is flagged as a likely exclusion error, with its signals as
the cell's visit list (most severe first). :func:`coverage_gaps` lists the communes with no
assisted household at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.cluster import DBSCAN
from sklearn.neighbors import BallTree

from veille.domain.signals import GeoPoint

EARTH_RADIUS_M = 6_371_008.8
Reason = Literal["few_registered", "few_assisted"]
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SignalPoint(BaseModel):
    model_config = _FROZEN

    signal_id: str
    point: GeoPoint
    commune: str
    severity: int = Field(ge=1, le=5)


class HouseholdPoint(BaseModel):
    """A registered household's place; ``high_score`` marks the poorest (clustered with the signals)."""

    model_config = _FROZEN

    household_id: str
    point: GeoPoint
    commune: str
    high_score: bool = False
    assisted: bool = False


class PocketConfig(BaseModel):
    """Clustering distance and density, and the coverage below which a pocket looks excluded."""

    model_config = _FROZEN

    radius_m: float = Field(default=500.0, gt=0, le=50_000)
    min_points: int = Field(default=5, ge=2)
    min_signals: int = Field(default=3, ge=1)
    registered_per_signal: float = Field(default=1.0, ge=0)
    assisted_per_signal: float = Field(default=0.5, ge=0)


DEFAULT_POCKETS = PocketConfig()


class Pocket(BaseModel):
    model_config = ConfigDict(frozen=True)

    centre: GeoPoint
    radius_m: float  # from the centre to its farthest point
    communes: tuple[str, ...]
    signals: int
    high_score_households: int
    registered_nearby: int  # registered households within the pocket's radius (plus the clustering radius)
    assisted_nearby: int
    exclusion: tuple[Reason, ...]  # why it looks like an exclusion error; empty if it does not
    visit_list: tuple[str, ...]  # its signal ids, most severe first

    @property
    def likely_exclusion(self) -> bool:
        return bool(self.exclusion)


def find_pockets(
    signals: Sequence[SignalPoint], households: Sequence[HouseholdPoint], config: PocketConfig = DEFAULT_POCKETS
) -> list[Pocket]:
    """The pockets, those with the most signals first."""
    poor = [h for h in households if h.high_score]
    points = [s.point for s in signals] + [h.point for h in poor]
    if not points:
        return []
    coordinates = _radians(points)
    labels = DBSCAN(
        eps=config.radius_m / EARTH_RADIUS_M, min_samples=config.min_points, metric="haversine", algorithm="ball_tree"
    ).fit_predict(coordinates)
    around = BallTree(_radians([h.point for h in households]), metric="haversine") if households else None
    pockets = []
    for label in sorted(set(labels) - {-1}):
        members = np.flatnonzero(labels == label)
        indexes = [int(i) for i in members]
        pocket_signals = [signals[i] for i in indexes if i < len(signals)]
        pocket_poor = [poor[i - len(signals)] for i in indexes if i >= len(signals)]
        centre, radius = _extent(coordinates[members])
        registered, assisted = _nearby(around, households, centre, radius + config.radius_m)
        pockets.append(
            Pocket(
                centre=GeoPoint(lat=float(np.degrees(centre[0])), lon=float(np.degrees(centre[1]))),
                radius_m=radius,
                communes=tuple(sorted({s.commune for s in pocket_signals} | {h.commune for h in pocket_poor})),
                signals=len(pocket_signals),
                high_score_households=len(pocket_poor),
                registered_nearby=registered,
                assisted_nearby=assisted,
                exclusion=_exclusion(len(pocket_signals), registered, assisted, config),
                visit_list=tuple(s.signal_id for s in sorted(pocket_signals, key=lambda s: (-s.severity, s.signal_id))),
            )
        )
    return sorted(pockets, key=lambda p: (-p.signals, -p.high_score_households, p.communes))


def coverage_gaps(communes: Iterable[str], households: Iterable[HouseholdPoint]) -> list[str]:
    """The communes (of those given, e.g. the deprived ones) with no assisted household."""
    covered = {h.commune for h in households if h.assisted}
    return sorted(set(communes) - covered)


def _exclusion(signals: int, registered: int, assisted: int, config: PocketConfig) -> tuple[Reason, ...]:
    if signals < config.min_signals:
        return ()
    reasons: list[Reason] = []
    if registered < config.registered_per_signal * signals:
        reasons.append("few_registered")
    if assisted < config.assisted_per_signal * signals:
        reasons.append("few_assisted")
    return tuple(reasons)


def _radians(points: Sequence[GeoPoint]) -> np.ndarray:
    return np.radians(np.array([[p.lat, p.lon] for p in points], dtype=float))


def _extent(members: np.ndarray) -> tuple[np.ndarray, float]:
    """The members' centre (mean on the unit sphere, in radians) and the distance in metres to the farthest."""
    lat, lon = members[:, 0], members[:, 1]
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]).mean(axis=0)
    centre = np.array([np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1])), np.arctan2(xyz[1], xyz[0])])
    return centre, float(_haversine(centre, members).max() * EARTH_RADIUS_M)


def _haversine(origin: np.ndarray, points: np.ndarray) -> np.ndarray:
    dlat, dlon = points[:, 0] - origin[0], points[:, 1] - origin[1]
    a = np.sin(dlat / 2) ** 2 + np.cos(origin[0]) * np.cos(points[:, 0]) * np.sin(dlon / 2) ** 2
    return 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _nearby(
    tree: BallTree | None, households: Sequence[HouseholdPoint], centre: np.ndarray, radius_m: float
) -> tuple[int, int]:
    """Registered and assisted households within ``radius_m`` of ``centre``."""
    if tree is None:
        return 0, 0
    [found] = tree.query_radius(centre.reshape(1, 2), r=radius_m / EARTH_RADIUS_M)
    return len(found), sum(1 for i in found if households[i].assisted)
