"""common.explain classifies the winning plan of MongoDB's and DocumentDB's explain answers."""

from __future__ import annotations

from typing import Any

import pytest

from common.explain import DRIVER_FIELDS, WHOLE_COLLECTION, CommandRecorder, PlanKind, as_read, classify

# MongoDB 7/8 answers (queryPlanner verbosity), trimmed to the parts the classifier reads.
MONGO_IXSCAN_FIND: dict[str, Any] = {
    "explainVersion": "1",
    "queryPlanner": {
        "namespace": "registry.households",
        "parsedQuery": {"$and": [{"area_ancestors": {"$eq": "/DZ/16"}}, {"status": {"$not": {"$eq": "merged"}}}]},
        "winningPlan": {
            "stage": "LIMIT",
            "limitAmount": 51,
            "inputStage": {
                "stage": "FETCH",
                "filter": {"status": {"$not": {"$eq": "merged"}}},
                "inputStage": {
                    "stage": "IXSCAN",
                    "keyPattern": {"area_ancestors": 1},
                    "indexName": "area_ancestors_1",
                    "isMultiKey": True,
                    "direction": "forward",
                },
            },
        },
        "rejectedPlans": [{"stage": "FETCH", "inputStage": {"stage": "COLLSCAN", "direction": "forward"}}],
    },
    "command": {"find": "households", "filter": {"area_ancestors": "/DZ/16"}},
    "serverInfo": {"host": "db", "version": "7.0.14"},
    "ok": 1.0,
}
MONGO_COLLSCAN_FIND: dict[str, Any] = {
    "explainVersion": "1",
    "queryPlanner": {
        "namespace": "audit.records",
        "winningPlan": {
            "stage": "SORT",
            "inputStage": {
                "stage": "COLLSCAN",
                "filter": {"action": {"$eq": "household.read"}},
                "direction": "forward",
            },
        },
        "rejectedPlans": [],
    },
    "ok": 1.0,
}
# Slot-based engine: the stage tree sits under winningPlan.queryPlan.
MONGO_SBE_OR: dict[str, Any] = {
    "explainVersion": "2",
    "queryPlanner": {
        "winningPlan": {
            "queryPlan": {
                "stage": "FETCH",
                "inputStage": {
                    "stage": "OR",
                    "inputStages": [
                        {"stage": "IXSCAN", "indexName": "merged_into_1"},
                        {"stage": "IXSCAN", "indexName": "members.national_id_hash_1"},
                    ],
                },
            },
            "slotBasedPlan": {"slots": "...", "stages": "..."},
        },
        "rejectedPlans": [],
    },
    "ok": 1.0,
}
MONGO_IDHACK: dict[str, Any] = {"queryPlanner": {"winningPlan": {"stage": "EXPRESS_IDHACK"}}, "ok": 1.0}
# An aggregation whose $match was pushed into the cursor stage.
MONGO_AGGREGATE: dict[str, Any] = {
    "explainVersion": "1",
    "stages": [
        {
            "$cursor": {
                "queryPlanner": {
                    "winningPlan": {
                        "stage": "PROJECTION_SIMPLE",
                        "inputStage": {
                            "stage": "FETCH",
                            "inputStage": {"stage": "IXSCAN", "indexName": "dedup_keys_1"},
                        },
                    },
                    "rejectedPlans": [],
                }
            }
        },
        {"$group": {"_id": "$area"}},
    ],
    "ok": 1.0,
}
MONGO_COUNT_SCAN: dict[str, Any] = {
    "queryPlanner": {"winningPlan": {"stage": "COUNT", "inputStage": {"stage": "COUNT_SCAN", "indexName": "a_1"}}},
    "ok": 1.0,
}


@pytest.mark.parametrize(
    ("explained", "kind", "indexes"),
    [
        (MONGO_IXSCAN_FIND, PlanKind.INDEX, ("area_ancestors_1",)),
        (MONGO_COLLSCAN_FIND, PlanKind.COLLECTION_SCAN, ()),
        (MONGO_SBE_OR, PlanKind.INDEX, ("merged_into_1", "members.national_id_hash_1")),
        (MONGO_IDHACK, PlanKind.INDEX, ()),
        (MONGO_AGGREGATE, PlanKind.INDEX, ("dedup_keys_1",)),
        (MONGO_COUNT_SCAN, PlanKind.INDEX, ("a_1",)),
    ],
)
def test_mongodb_plans(explained: dict[str, Any], kind: PlanKind, indexes: tuple[str, ...]) -> None:
    plan = classify(explained)
    assert plan.kind == kind
    assert plan.indexes == indexes


def test_a_rejected_collection_scan_is_not_the_plan_that_runs() -> None:
    assert "COLLSCAN" not in classify(MONGO_IXSCAN_FIND).steps


def test_an_index_read_beside_a_scan_is_still_a_scan() -> None:
    both = {
        "queryPlanner": {
            "winningPlan": {
                "stage": "OR",
                "inputStages": [{"stage": "IXSCAN", "indexName": "a_1"}, {"stage": "COLLSCAN"}],
            }
        }
    }
    assert classify(both).kind == PlanKind.COLLECTION_SCAN


def test_an_answer_without_a_plan_proves_nothing() -> None:
    assert classify({"queryPlanner": {}, "ok": 1.0}).kind == PlanKind.UNKNOWN
    assert classify({"ok": 1.0}).kind == PlanKind.UNKNOWN


def test_the_plan_reads_as_a_sentence() -> None:
    assert str(classify(MONGO_COLLSCAN_FIND)) == "collection_scan (steps: SORT, COLLSCAN; indexes: -)"


class _Started:
    def __init__(self, name: str, command: dict[str, Any]) -> None:
        self.command_name = name
        self.command = command
        self.database_name = "it_registry"


def test_the_recorder_keeps_reads_and_hands_them_over_once() -> None:
    recorder = CommandRecorder()
    find = {"find": "households", "filter": {"dedup_keys": {"$in": ["k"]}}, "lsid": {"id": "x"}, "$db": "it_registry"}
    recorder.started(_Started("find", find))
    recorder.started(_Started("insert", {"insert": "households"}))
    recorder.started(_Started("hello", {"hello": 1}))
    taken = recorder.take()
    assert [(r.database, r.name) for r in taken] == [("it_registry", "find")]
    assert taken[0].command["filter"] == {"dedup_keys": {"$in": ["k"]}}
    assert recorder.take() == []


def test_driver_fields_are_what_explain_refuses() -> None:
    assert {"lsid", "$db", "$clusterTime"} <= DRIVER_FIELDS


# FerretDB 1.24 over SQLite, captured from the platform's database (an equality on an indexed field).
FERRETDB1_SCAN: dict[str, Any] = {
    "queryPlanner": {"Plan": ["id=2 parent=0 notused=0 detail=SCAN t_f10c3da3"]},
    "explainVersion": "1",
    "command": {"find": "t", "filter": {"a": 5}, "$db": "plans_probe"},
    "serverInfo": {"host": "vm", "version": "7.0.42", "gitVersion": "unknown", "ferretdbVersion": "v1.24.0"},
    "filterPushdown": False,
    "sortPushdown": False,
    "limitPushdown": False,
    "ok": 1.0,
}


def test_ferretdb1_scans_even_an_indexed_field() -> None:
    plan = classify(FERRETDB1_SCAN)
    assert plan.kind == PlanKind.COLLECTION_SCAN
    assert plan.steps == ("SQLITE_SCAN",)


def test_an_sqlite_search_through_an_index_is_an_index_read() -> None:
    search = {"queryPlanner": {"Plan": ["id=3 parent=0 notused=0 detail=SEARCH t_1 USING INDEX t_1_a_1 (a=?)"]}}
    plan = classify(search)
    assert (plan.kind, plan.indexes) == (PlanKind.INDEX, ("t_1_a_1",))


# FerretDB 2.7 over PostgreSQL 18 + DocumentDB, captured (queryPlanner), trimmed to the plan's nodes.
DOCUMENTDB_BITMAP_INDEX: dict[str, Any] = {  # find {"a": 5} with an index on a
    "queryPlanner": {
        "Plan": {
            "Node Type": "Custom Scan",
            "Custom Plan Provider": "DocumentDBApiExplainQueryScan",
            "namespaceName": "plans_probe.t",
            "IndexDetails": [{"indexBounds": ['["a": [5, 5]]'], "indexName": "a_1", "indexKey": '{"a": 1}'}],
            "IndexCosts": [{"indexKey": '{"_id": 1}', "indexName": "_id_", "selectivity": 0.005}],
            "Plans": [
                {
                    "Node Type": "Bitmap Heap Scan",
                    "Relation Name": "documents_4",
                    "Recheck Cond": "(document OPERATOR(documentdb_api_catalog.@=) 'BSONHEX0c00000010610005'::bson)",
                    "Plans": [
                        {
                            "Node Type": "Bitmap Index Scan",
                            "Index Name": "a_1",
                            "Index Cond": "(document OPERATOR(documentdb_api_catalog.@=) 'BSONHEX0c000000'::bson)",
                            "Plan Rows": 50.0,
                        }
                    ],
                }
            ],
        }
    },
    "explainVersion": "1",
    "serverInfo": {"host": "vm", "port": 27018, "version": "7.0.77", "ferretdb": {"version": "v2.7.0"}},
    "ok": 1.0,
}
DOCUMENTDB_ID_LOOKUP: dict[str, Any] = {  # find {"_id": ObjectId(...)}
    "queryPlanner": {
        "Plan": {
            "Node Type": "Index Scan",
            "Scan Direction": "Forward",
            "Relation Name": "documents_4",
            "Index Name": "_id_",
            "Index Cond": "((shard_key_value = '4'::bigint) AND (object_id OPERATOR(documentdb_core.=) "
            "'BSONHEX1300000007006b15107166983f59c55d904600'::documentdb_core.bson))",
        }
    },
    "ok": 1.0,
}
DOCUMENTDB_WHOLE_COLLECTION: dict[str, Any] = {  # find {"b": 5}, no index on b
    "queryPlanner": {
        "Plan": {
            "Node Type": "Custom Scan",
            "Custom Plan Provider": "DocumentDBApiExplainQueryScan",
            "IndexDetails": [{"indexName": "_id_"}],
            "Plans": [
                {
                    "Node Type": "Bitmap Heap Scan",
                    "Relation Name": "documents_4",
                    "Recheck Cond": "(shard_key_value = '4'::bigint)",
                    "Filter": "(document OPERATOR(documentdb_api_catalog.@=) 'BSONHEX0c00000010620005'::bson)",
                    "Plans": [
                        {
                            "Node Type": "Bitmap Index Scan",
                            "Index Name": "_id_",
                            "Index Cond": "(shard_key_value = '4'::bigint)",
                            "Plan Rows": 25.0,
                        }
                    ],
                }
            ],
        }
    },
    "ok": 1.0,
}
DOCUMENTDB_SEQ_SCAN: dict[str, Any] = {
    "queryPlanner": {"Plan": {"Node Type": "Custom Scan", "Plans": [{"Node Type": "Seq Scan", "Relation Name": "d"}]}}
}


def test_documentdb_reads_through_the_index_of_the_filtered_field() -> None:
    plan = classify(DOCUMENTDB_BITMAP_INDEX)
    assert (plan.kind, plan.indexes) == (PlanKind.INDEX, ("a_1",))


def test_documentdb_finds_an_id_through_its_index() -> None:
    assert classify(DOCUMENTDB_ID_LOOKUP).kind == PlanKind.INDEX


def test_documentdb_reading_a_whole_shard_through_id_is_a_collection_scan() -> None:
    plan = classify(DOCUMENTDB_WHOLE_COLLECTION)
    assert plan.kind == PlanKind.COLLECTION_SCAN
    assert WHOLE_COLLECTION in plan.steps


def test_a_postgresql_sequential_scan_is_a_collection_scan() -> None:
    assert classify(DOCUMENTDB_SEQ_SCAN).kind == PlanKind.COLLECTION_SCAN


def test_a_mongodb_index_read_without_bounds_walks_the_whole_collection() -> None:
    unbounded = {
        "queryPlanner": {
            "winningPlan": {
                "stage": "FETCH",
                "filter": {"action": {"$eq": "review.c"}},
                "inputStage": {"stage": "IXSCAN", "indexName": "_id_", "indexBounds": {"_id": ["[MinKey, MaxKey]"]}},
            }
        }
    }
    assert classify(unbounded).kind == PlanKind.COLLECTION_SCAN


@pytest.mark.parametrize(
    ("command", "read"),
    [
        (
            {"findAndModify": "jobs", "query": {"_id": "j1"}, "update": {"$set": {"s": 1}}, "lsid": {}, "$db": "x"},
            {"find": "jobs", "filter": {"_id": "j1"}, "limit": 1},
        ),
        (
            {"delete": "claims", "deletes": [{"q": {"request_id": "r1"}, "limit": 0}], "ordered": True},
            {"find": "claims", "filter": {"request_id": "r1"}},
        ),
        (
            {"update": "jobs", "updates": [{"q": {"_id": "j1"}, "u": {"$set": {"s": 1}}}]},
            {"find": "jobs", "filter": {"_id": "j1"}},
        ),
        ({"find": "t", "filter": {"a": 1}, "$db": "x"}, {"find": "t", "filter": {"a": 1}}),
    ],
)
def test_a_write_is_explained_as_the_find_of_what_it_selects(command: dict[str, Any], read: dict[str, Any]) -> None:
    assert as_read(command) == read
