"""An eligibility run: every household of an area checked against one programme's rules.

:func:`run_eligibility` consumes pages of household facts in the batch wire form
(``common.contracts.facts.facts_to_columns``; streamed by the registry in the service,
read from the database directly in the benchmark), evaluates
each page as columns, and hands the eligible households with their amounts to ``save``
in chunks of at most ``chunk_size``. It returns the run's counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from assistance.eligibility.columns import amounts, evaluate_columns, to_columns
from common.contracts.programmes import AmountFormula, RuleSet

SaveChunk = Callable[[int, list[str], list[int]], None]
Report = Callable[[dict[str, Any]], None]


def run_eligibility(
    pages: Iterable[Mapping[str, Sequence[Any]]],
    rules: RuleSet,
    formula: AmountFormula,
    save: SaveChunk,
    report: Report | None = None,
    chunk_size: int = 1000,
) -> dict[str, Any]:
    """Evaluate every page; return ``households``, ``eligible``, ``not_eligible``, ``failed_by`` and ``amount_dzd``.

    ``failed_by`` counts, per criterion id, the households that failed it (one household
    may fail several). ``amount_dzd`` is the total the eligible households would receive.
    """
    failed_by = {c.id: 0 for c in rules.criteria}
    state: dict[str, Any] = {"households": 0, "eligible": 0, "not_eligible": 0, "amount_dzd": 0, "failed_by": failed_by}
    pending_ids: list[str] = []
    pending_amounts: list[int] = []
    chunks = 0

    def flush(final: bool) -> None:
        nonlocal chunks, pending_ids, pending_amounts
        while len(pending_ids) >= chunk_size or (final and pending_ids):
            save(chunks, pending_ids[:chunk_size], pending_amounts[:chunk_size])
            chunks += 1
            pending_ids, pending_amounts = pending_ids[chunk_size:], pending_amounts[chunk_size:]

    for page in pages:
        if not page["household_id"]:
            continue
        cols = to_columns(page)
        eligible, by_criterion = evaluate_columns(rules, cols)
        for criterion_id, passed in by_criterion.items():
            failed_by[criterion_id] += int(len(cols) - np.count_nonzero(passed))
        given = amounts(formula, cols)[eligible]
        chosen = np.flatnonzero(eligible)
        pending_ids.extend(cols.household_ids[i] for i in chosen)
        pending_amounts.extend(given.tolist())
        state["households"] += len(cols)
        state["eligible"] += len(chosen)
        state["not_eligible"] += len(cols) - len(chosen)
        state["amount_dzd"] += int(given.sum())
        flush(final=False)
        if report is not None:
            report({**state, "failed_by": dict(failed_by)})
    flush(final=True)
    return {**state, "rules_version": rules.version, "chunks": chunks}
