from dataclasses import replace

from registry.dedup import DEFAULT_POLICY, PersonRecord, blocking_keys, candidate_pairs, oversized, searched
from synthetic.people import generate


def test_blocking_finds_nearly_all_true_pairs_among_few_candidates():
    data = generate(3000, seed=5)
    pairs = set(candidate_pairs(data.records))
    n = len(data.records)
    assert len(pairs & data.duplicate_pairs) / len(data.duplicate_pairs) >= 0.97
    assert len(pairs) < 3 * n  # n²/2 would be ~8 million


def test_keys_cover_each_kind_of_field_error(person):
    keys = blocking_keys(person("a", national_id_hash="h1"))
    kinds = {key.split(":", 1)[0] for key in keys}
    assert kinds == {"id", "tel", "ny", "nn", "bd"}
    assert "ny:bnl:1985:/DZ/16" in keys
    assert "nn:bnl|mhmd:1985" in keys
    assert "bd:1985-03-14:/DZ/16" in keys


def test_other_script_and_swapped_names_share_keys(person):
    arabic_only = person("a", given_name_lat=None, family_name_lat=None, phone=None)
    latin_only = person("b", given_name_ar=None, family_name_ar=None, phone=None, birth_date=None)
    swapped = person("c", given_name_lat="Benali", family_name_lat="Mohamed", given_name_ar=None, family_name_ar=None)
    assert blocking_keys(arabic_only) & blocking_keys(latin_only)
    assert blocking_keys(arabic_only) & blocking_keys(replace(swapped, phone=None, birth_date=None))


def test_pairs_come_once_and_in_order(person):
    records = [person("b"), person("a"), person("c", phone=None)]
    assert list(candidate_pairs(records)) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_oversized_blocks_are_skipped():
    def shop_phone(count: int) -> list[PersonRecord]:
        return [PersonRecord(id=str(i), phone="+213550000000") for i in range(count)]

    assert sum(1 for _ in candidate_pairs(shop_phone(10))) == 45
    assert list(candidate_pairs(shop_phone(30), max_block=20)) == []


def test_skipping_oversized_blocks_keeps_the_duplicates_rarer_keys_find():
    """The rule screening applies to the registry's blocks (``oversized``): even blocks of more
    than 5 records skipped, the true pairs are nearly all still met through another key."""
    data = generate(3000, seed=5)
    every = set(candidate_pairs(data.records, max_block=10_000))
    kept = set(candidate_pairs(data.records, max_block=5))
    assert len(kept) < 0.8 * len(every)
    assert len(kept & data.duplicate_pairs) / len(data.duplicate_pairs) >= 0.99


def test_a_block_is_oversized_past_the_policys_max_block():
    assert not oversized(DEFAULT_POLICY.max_block) and oversized(DEFAULT_POLICY.max_block + 1)
    assert oversized(21, max_block=20) and not oversized(20, max_block=20)


def test_a_screen_searches_its_rarest_keys_while_their_blocks_fit_the_budget():
    policy = replace(DEFAULT_POLICY, search_budget=10)
    blocks = {"ny:common": 9, "bd:rare": 1, "tel:shared": 3, "id:none": 0, "nn:pair": 6}
    assert searched(blocks, policy=policy) == ["id:none", "bd:rare", "tel:shared", "nn:pair"]
    assert searched(blocks, members=2, policy=policy) == ["id:none", "bd:rare", "tel:shared", "nn:pair", "ny:common"]
    assert searched({"ny:common": 11}, policy=policy) == []  # even alone, a block over the budget is not read
    assert searched({"k": -1}, policy=policy) == ["k"]  # a count not yet written costs nothing


def test_an_oversized_key_is_never_searched_whatever_the_budget():
    policy = replace(DEFAULT_POLICY, search_budget=10_000, max_block=50)
    assert searched({"tel:shop": 51, "bd:rare": 2}, policy=policy) == ["bd:rare"]


def test_a_tight_budget_skips_common_blocks_and_keeps_the_true_pairs():
    """Each record, in arrival order, searches the earlier ones through its budgeted keys.

    Blocks of 3,000 people are small: a budget of 3 makes them skip as a large registry's would.
    """
    policy = replace(DEFAULT_POLICY, search_budget=3)
    data = generate(3000, seed=5)
    holders: dict[str, list[str]] = {}
    found: set[tuple[str, str]] = set()
    everything: set[tuple[str, str]] = set()
    for record in data.records:
        keys = blocking_keys(record)
        chosen = searched({key: len(holders.get(key, ())) for key in keys}, policy=policy)
        for key in keys:
            others = holders.setdefault(key, [])
            pairs = {(min(o, record.id), max(o, record.id)) for o in others}
            everything |= pairs
            if key in chosen:
                found |= pairs
            others.append(record.id)
    truth = data.duplicate_pairs
    assert len(found) < 0.8 * len(everything)
    assert len(found & truth) / len(truth) >= len(everything & truth) / len(truth) - 0.03
