"""The households an eligibility run found, kept beside its job (``common.jobs``).

Up to :data:`RESULT_CHUNK` per document keyed ``<run id>:<chunk number, 5 digits>``, so
a whole run is read chunk by chunk with ``_id`` lookups only.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database


def chunk_id(run_id: str, number: int) -> str:
    return f"{run_id}:{number:05d}"


class MongoEligibilityResults:
    def __init__(self, database: Database[Any]) -> None:
        self.results = database["eligibility_results"]

    def save_chunk(self, run_id: str, number: int, household_ids: list[str], amounts_dzd: list[int]) -> None:
        self.results.replace_one(
            {"_id": chunk_id(run_id, number)},
            {"run_id": run_id, "number": number, "household_ids": household_ids, "amounts_dzd": amounts_dzd},
            upsert=True,
        )

    def chunk(self, run_id: str, number: int) -> dict[str, Any] | None:
        doc = self.results.find_one({"_id": chunk_id(run_id, number)})
        if doc is None:
            return None
        return {"household_ids": doc["household_ids"], "amounts_dzd": doc["amounts_dzd"]}
