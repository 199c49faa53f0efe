"""Recompute every household's vulnerability score with a scoring model, as a streamed batch job.

This module decides (:func:`rescore`: which households' scores a model changes, and to
what); ``registry.adapters.households.recompute_all`` reads and writes.

Households are read once, in batches, with only the answers and the stored score
projected; each batch is scored by the vectorised engine and written back with one
``bulk_write`` of ``UpdateOne($set score)`` for the rows whose score sub-document would
change (another model version, another score or band, other answers). Nothing is held
beyond a batch, so memory stays flat whatever the number of households.

Re-running is safe and is how the job resumes: households already scored by the model
from the same answers are read and compared, never rewritten, so a run interrupted at
any point is completed by the next one, and a run with an unchanged model writes nothing.

Concurrent assessments. The registry writes an assessment and its score (with the model
active at that moment) in one single-document update, so a household reassessed during
the run is scored on that write anyway. What the job must not do is put back a score of
the answers it read before: each update also matches the ``inputs_hash``
it read, and a household rewritten meanwhile is left alone (counted in ``conflicts``).

Events. ``outbox_event`` turns a change into an outbox entry (or ``None``); the entry is
pushed into the household's ``_outbox`` by the same update that changes the score, so an
event exists exactly when its change was written (see ``common.nameko_ext.outbox``).

Updates go in commands of ``write_batch`` statements (1000): one batch's writes never
become one command of unbounded size. Each update finds its household by ``_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from common.contracts.assessment import DIMENSIONS
from registry.scoring import features
from registry.scoring.engine import score_columns, stored_score
from registry.scoring.features import Columns, UnscorableAnswers
from registry.scoring.model import ScoringModel

log = logging.getLogger(__name__)

WRITE_BATCH = 1000  # updates per command
STORED = ("model_version", "score", "band", "inputs_hash")
PROJECTION = {"area": 1} | {f"assessment.{d}": 1 for d in DIMENSIONS} | {f"score.{f}": 1 for f in STORED}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScoreChange:
    """A household whose stored score the job rewrote; ``old_*`` is ``None`` if it had none."""

    household_id: str
    area: str | None
    model_version: str
    old_score: float | None
    new_score: float
    old_band: str | None
    new_band: str

    @property
    def band_changed(self) -> bool:
        return self.old_band != self.new_band


OutboxEvent = Callable[[ScoreChange], dict[str, Any] | None]


@dataclass
class RecomputeReport:
    """What a run did; ``seconds`` splits its time between reading, computing and writing.

    ``written`` counts applied updates and ``conflicts`` guarded ones that found the
    household reassessed; ``band_changes`` and ``events`` count the updates sent.
    """

    model_version: str
    estimated_total: int
    seen: int = 0
    written: int = 0
    unchanged: int = 0
    unscorable: int = 0
    conflicts: int = 0
    band_changes: int = 0
    events: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "compute": 0.0, "write": 0.0})
    elapsed: float = 0.0

    @property
    def per_second(self) -> float:
        return self.seen / self.elapsed if self.elapsed else 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"per_second": round(self.per_second, 1)}


def _scorable(assessments: Sequence[Mapping[str, Any]]) -> tuple[Columns, list[int]]:
    """Columns of the rows that can be scored, and their positions in the batch."""
    try:
        return features.columns(assessments), list(range(len(assessments)))
    except UnscorableAnswers:
        pass
    valid = []
    for i, assessment in enumerate(assessments):
        try:
            features.columns([assessment])
        except UnscorableAnswers:
            continue
        valid.append(i)
    return features.columns([assessments[i] for i in valid]), valid


@dataclass(frozen=True)
class Rescore:
    """A household whose stored score must change: ``old`` is its stored score (``{}`` if none)."""

    household_id: Any
    area: str | None
    old: dict[str, Any]
    new: dict[str, Any]

    def change(self) -> ScoreChange:
        """The change as the event hook sees it."""
        old, new = self.old, self.new
        return ScoreChange(
            str(self.household_id),
            self.area,
            new["model_version"],
            old.get("score"),
            new["score"],
            old.get("band"),
            new["band"],
        )


def rescore(docs: list[dict[str, Any]], model: ScoringModel, report: RecomputeReport) -> list[Rescore]:
    """The households of ``docs`` (as read with ``PROJECTION``) whose score ``model`` changes.

    Unscorable answers and unchanged scores are counted in ``report``; nothing is written.
    """
    columns, rows = _scorable([d.get("assessment", {}) for d in docs])
    if len(rows) < len(docs):
        unscorable = sorted(set(range(len(docs))) - set(rows))
        report.unscorable += len(unscorable)
        log.warning("unscorable assessments", extra={"households": [str(docs[i]["_id"]) for i in unscorable[:20]]})
    scored = score_columns(model, columns)
    version = model.version
    computed_at = datetime.now(UTC)
    changes = []
    for row, score, band, inputs_hash in zip(
        rows,
        scored.scores.tolist(),
        scored.band_labels(),
        features.hex_digests(features.fingerprint(columns)),
        strict=True,
    ):
        doc = docs[row]
        old = doc.get("score") or {}
        if (
            old.get("inputs_hash") == inputs_hash
            and old.get("model_version") == version
            and old.get("score") == score
            and old.get("band") == band
        ):
            continue
        new = stored_score(version, score, band, inputs_hash, computed_at)
        changes.append(Rescore(doc["_id"], doc.get("area"), old, new))
    report.unchanged += len(rows) - len(changes)
    return changes
