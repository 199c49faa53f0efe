"""An import keeps the blocking keys' household counts that screening skips oversized blocks by."""

from collections import Counter
from typing import Any

from registry.adapters.households import BLOCKS, BlockCounts
from registry.importing.formats import RawRow
from registry.importing.rows import ValidRow, parse_row
from tests.unit.registry_importing.conftest import BulkCollection, head_row


def row(ref: str, number: int = 2, **changes: str | None) -> ValidRow:
    parsed = parse_row(RawRow(number, head_row(ref, **changes)))
    assert isinstance(parsed, ValidRow), parsed
    return parsed


def counted(households: BulkCollection) -> dict[str, int]:
    """The kept counts, keys no household holds left out."""
    return {doc["_id"]: doc["households"] for doc in households.database[BLOCKS].find({}) if doc["households"]}


def held(households: BulkCollection) -> dict[str, int]:
    """What the households hold, counted from scratch."""
    keys = Counter(key for doc in households.find({"status": {"$ne": "merged"}}) for key in doc["dedup_keys"])
    return dict(keys)


def test_created_households_count_in_their_blocks(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1"), row("H-2", 3), row("H-3", 4, head_phone="0661 00 11 22")], False)
    assert counted(households) == held(households)
    assert counted(households)["tel:+213550123456"] == 2  # H-1 and H-2 share the head's phone


def test_a_member_change_moves_the_household_between_blocks(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1"), row("H-2", 3)], False)
    make_writer().apply([row("H-1", head_phone="0661 00 11 22")], False)
    assert counted(households) == held(households)
    assert counted(households)["tel:+213550123456"] == 1
    assert counted(households)["tel:+213661001122"] == 1


def test_a_reimport_or_a_refused_row_counts_nothing(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1")], False)
    before = counted(households)
    make_writer().apply([row("H-1")], False)  # unchanged
    make_writer(within="/DZ/31").apply([row("H-9")], False)  # outside the area: refused
    make_writer().apply([row("H-2")], True)  # dry run
    assert counted(households) == before == held(households)


def test_a_registry_stored_before_counting_is_counted_once(households: BulkCollection, make_writer: Any) -> None:
    make_writer().apply([row("H-1"), row("H-2", 3)], False)
    households.database[BLOCKS].delete_many({})
    BlockCounts.count_once(households.database)
    assert counted(households) == held(households)
    households.database[BLOCKS].delete_many({})
    BlockCounts.count_once(households.database)  # the marker says it was done
    assert counted(households) == {}
