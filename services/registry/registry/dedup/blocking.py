"""Blocking: the few index keys under which a record's possible duplicates are found.

A pair becomes a candidate when the two records share at least one key. Every key is
built from the script-neutral name skeleton, so Arabic and Latin registrations of a
person meet, and ignores which field a name was written in (given/family swapped). Each
kind tolerates a different field error; all but the national one stay within a wilaya,
which keeps blocks of common names (Mohamed, 1985) small:

* ``id:<hash>``                       same national-ID hash (deterministic match)
* ``tel:<phone>``                     same phone (household members too: compare decides)
* ``ny:<name>:<year>:<region>``       one name garbled, or any date error but the year
* ``nn:<name>|<name>:<year>``         registered again in another wilaya (national)
* ``nn:<name>|<name>:<region>``       wrong or missing birth date
* ``bd:<date>:<region>``              both names garbled (a swap plus a typo, say)

The service stores ``blocking_keys(record)`` with each person and fetches candidates by
any shared key; ``candidate_pairs`` does the same for a batch in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from registry.dedup.policy import DEFAULT_POLICY, DedupPolicy
from registry.dedup.records import PersonRecord, prepare, region

BLOCKING_KEYS_VERSION = 1
"""Bump when the keys change (normalisation included): stored keys must then be recomputed."""
DEFAULT_MAX_BLOCK = DEFAULT_POLICY.max_block
"""A key shared by more records than this (a shop's phone, say) carries no signal and is skipped."""


def oversized(block_size: int, max_block: int = DEFAULT_MAX_BLOCK) -> bool:
    """Whether a block is too large to search: the one rule of the batch scan and of the registry's screening.

    A key held by more than ``max_block`` records (or stored households) is common to
    people who have nothing else in common (a frequent name in one wilaya, a shop's
    phone); its duplicates are found through their rarer keys.
    """
    return block_size > max_block


def searched(blocks: Mapping[str, int], members: int = 1, policy: DedupPolicy = DEFAULT_POLICY) -> list[str]:
    """The keys one screened record (or household of ``members``) searches, given each key's block size.

    Rarest first, while the blocks searched together hold at most ``search_budget`` per
    member; an oversized key never. The work of a screen is thus bounded however large
    the registry grows, and spent where duplicates are: a key held by few others (a
    birth date, a phone) is more telling than one held by many (a common name in a
    wilaya). ``blocks`` counts the others holding each key (0 or absent: none yet).
    """
    budget = policy.search_budget * max(1, members)
    chosen: list[str] = []
    spent = 0
    for key in sorted(blocks, key=lambda k: (blocks[k], k)):
        size = max(0, blocks[key])
        if oversized(size, policy.max_block) or spent + size > budget:
            break
        chosen.append(key)
        spent += size
    return chosen


def blocking_keys(record: PersonRecord) -> set[str]:
    """The index keys of one record (see the module docstring for what each one catches)."""
    prepared = prepare(record)
    keys: set[str] = set()
    if record.national_id_hash:
        keys.add(f"id:{record.national_id_hash}")
    if record.phone:
        keys.add(f"tel:{record.phone}")
    given = {key.skeleton for key in prepared.given}
    family = {key.skeleton for key in prepared.family}
    names = {f"{min(g, f)}|{max(g, f)}" for g in given for f in family}
    where = region(record.area)
    year = record.year
    if year is not None:
        keys.update(f"ny:{name}:{year}:{where}" for name in given | family)
        keys.update(f"nn:{pair}:{year}" for pair in names)
    keys.update(f"nn:{pair}:{where}" for pair in names)
    if record.birth_date is not None:
        keys.add(f"bd:{record.birth_date.isoformat()}:{where}")
    return keys


def candidate_pairs(records: Iterable[PersonRecord], max_block: int = DEFAULT_MAX_BLOCK) -> Iterator[tuple[str, str]]:
    """Each pair of record ids sharing a blocking key, once, in canonical (sorted) order.

    Work is O(records × block size): pairs are formed inside blocks only, and blocks
    larger than ``max_block`` are skipped.
    """
    blocks: defaultdict[str, list[str]] = defaultdict(list)
    for record in records:
        for key in blocking_keys(record):
            blocks[key].append(record.id)
    seen: set[tuple[str, str]] = set()
    for ids in blocks.values():
        if len(ids) < 2 or oversized(len(ids), max_block):
            continue
        ordered = sorted(set(ids))
        for index, a in enumerate(ordered):
            for b in ordered[index + 1 :]:
                if (a, b) not in seen:
                    seen.add((a, b))
                    yield a, b
