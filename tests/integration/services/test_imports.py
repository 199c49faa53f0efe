"""Bulk import through the registry's RPCs: upload in parts, import as a job, screen, clean up.

Real nameko containers, broker and database. Each test works in a commune of its own,
imported by a wilaya agent of that commune's wilaya.
"""

from __future__ import annotations

import base64
import csv
import io
import random
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from openpyxl import Workbook
from pymongo import MongoClient

from common.context import CallerContext
from registry.adapters.uploads import part_id
from registry.service import RegistryService
from reporting.service import ReportingService
from tests.integration.services.conftest import MONGO_URI, PREFIX, eventually, new_commune

PART = 4096  # small parts, so that a file spans several


def as_user(user: str, area: str, *roles: str) -> CallerContext:
    return CallerContext(user_id=user, roles=roles, area=area, correlation_id=uuid.uuid4().hex)


def wilaya_of(commune: str) -> str:
    return "/".join(commune.split("/")[:3])


def row(ref: str, area: str, given: str, family: str, **cells: str) -> dict[str, str]:
    return {
        "household_ref": ref,
        "area": area,
        "address": f"{ref} rue Larbi Ben M'hidi",
        "head_given_name_lat": given,
        "head_family_name_lat": family,
        "head_sex": "M",
        "head_birth_date": "1970-01-15",
        **cells,
    }


def csv_file(rows: Iterable[Mapping[str, str]]) -> bytes:
    rows = list(rows)
    columns = list(dict.fromkeys(column for r in rows for column in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([[r.get(column, "") for column in columns] for r in rows])
    return out.getvalue().encode()


def name() -> str:
    """A made-up name: no two tests (nor rows) share blocking keys by accident."""
    letters = "".join(random.choice("bdfghklmnrstz") + random.choice("aeiou") for _ in range(4))
    return letters.capitalize()


def phone() -> str:
    return "0550" + "".join(random.choice("0123456789") for _ in range(6))


def families(area: str, count: int) -> list[dict[str, str]]:
    """Distinct families: made-up names, birth dates a day apart."""
    return [
        row(f"H-{n:04d}", area, name(), name(), head_birth_date=str(date(1940, 1, 1) + timedelta(days=97 * n)))
        for n in range(count)
    ]


def upload(registry: Any, data: bytes) -> str:
    upload_id = uuid.uuid4().hex
    pieces = [data[start : start + PART] for start in range(0, len(data), PART)] or [b""]
    for seq, piece in enumerate(pieces):
        state = registry.put_upload_part(upload_id, seq, base64.b64encode(piece).decode())
    assert state == {"upload_id": upload_id, "parts": len(pieces), "size": len(data)}
    return upload_id


def imported(registry: Any, data: bytes, file_format: str = "csv", source: str | None = None, **options: Any) -> Any:
    """Upload ``data``, import it, wait for the job's end; the upload id and the finished job."""
    upload_id = upload(registry, data)
    job = registry.start_import(upload_id, file_format, source or f"survey-{uuid.uuid4().hex[:8]}", **options)
    assert (job["kind"], job["status"]) == ("import", "running")
    done = eventually(lambda: (j := registry.get_job(job["id"]))["status"] != "running" and j, timeout=90)
    return upload_id, done


def database() -> Any:
    return MongoClient(MONGO_URI)[f"{PREFIX}registry"]


def upload_is_gone(upload_id: str) -> bool:
    db = database()
    return (
        db["uploads"].find_one({"_id": upload_id}) is None
        and db["upload_parts"].find_one({"_id": part_id(upload_id, 0)}, {"_id": 1}) is None
    )


@pytest.fixture
def services(start_service: Callable[[type[Any]], Any]) -> None:
    start_service(RegistryService)
    start_service(ReportingService)


def test_csv_import_creates_households_publishes_events_and_reimport_changes_nothing(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent"))
    data = csv_file(families(commune, 120))
    source = f"survey-{uuid.uuid4().hex[:8]}"

    upload_id, job = imported(agent.registry, data, source=source)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert (result["total_rows"], result["created"], result["invalid"], result["held_for_review"]) == (120, 120, 0, 0)
    assert result["applied"] is True and result["errors"] == []
    progress = job["progress"]
    assert progress["total_rows"] > 0 and "held_for_review" in progress  # written while it ran
    assert job["params"]["size"] == len(data) and job["area"] == wilaya_of(commune)
    assert upload_is_gone(upload_id)

    local = rpc_as(as_user("reader", commune, "social-worker"))
    assert local.registry.count_households() == 120
    eventually(lambda: local.reporting.household_count()["households"] == 120, timeout=30)

    _, again = imported(agent.registry, data, source=source)
    assert again["status"] == "succeeded"
    assert (again["result"]["created"], again["result"]["updated"], again["result"]["unchanged"]) == (0, 0, 120)
    assert local.registry.count_households() == 120


def test_dry_run_writes_nothing_and_reports_each_error(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    commune = new_commune()
    elsewhere = "/DZ/48/4801" if not commune.startswith("/DZ/48") else "/DZ/47/4701"
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent"))
    rows = [
        row("H-1", commune, name(), name()),
        row("H-2", commune, name(), name(), head_sex="X"),
        row("H-3", elsewhere, name(), name()),
        row("H-4", commune, name(), name(), head_birth_date="1970-02-31"),
        row("H-1", commune, name(), name()),
    ]
    upload_id, job = imported(agent.registry, csv_file(rows), dry_run=True)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert (result["dry_run"], result["applied"], result["total_rows"]) == (True, False, 5)
    assert (result["created"], result["invalid"]) == (1, 4)  # what it would do
    errors = {(e["row"], e["field"], e["code"]) for e in result["errors"]}
    assert {
        (3, "head_sex", "invalid_choice"),
        (4, "area", "outside_area"),
        (5, "head_birth_date", "invalid_date"),
        (6, "household_ref", "duplicate_ref_in_file"),
    } <= errors, errors
    assert upload_is_gone(upload_id)
    local = rpc_as(as_user("reader", commune, "social-worker"))
    assert local.registry.count_households() == 0

    _, refused = imported(agent.registry, csv_file(rows), all_or_nothing=True)
    assert (refused["result"]["applied"], refused["result"]["invalid"]) == (False, 4)
    assert local.registry.count_households() == 0
    _, whole = imported(agent.registry, csv_file(families(commune, 60)), all_or_nothing=True)  # the file read twice
    assert (whole["result"]["applied"], whole["result"]["created"]) == (True, 60)
    assert local.registry.count_households() == 60


def register_person(worker: Any, commune: str, born: str) -> tuple[dict[str, Any], tuple[str, str, str]]:
    """A man of made-up name and phone, living alone, registered by ``worker``; his household and names."""
    given, family, number = name(), name(), phone()
    head = {"given_name_lat": given, "family_name_lat": family, "sex": "M", "birth_date": born}
    registered = worker.register_household(
        {
            "area": commune,
            "address": "Douar Ouled Sidi Brahim",
            "members": [{**head, "phone": number, "relationship": "head"}],
        },
        uuid.uuid4().hex,
    )
    return registered, (given, family, number)


def test_a_row_repeating_a_registered_person_is_held_for_review(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    worker = rpc_as(as_user("worker-a", commune, "social-worker")).registry
    registered, (given, family, number) = register_person(worker, commune, "1958-03-14")
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent")).registry
    rows = [
        *families(commune, 3),
        row("DUP-1", commune, given.upper(), family, head_birth_date="1958-03-14", head_phone=number),
    ]
    _, job = imported(agent, csv_file(rows))
    assert job["status"] == "succeeded", job
    assert (job["result"]["created"], job["result"]["held_for_review"]) == (4, 1)

    held = worker.list_households({"status": "held_for_review"})["items"]
    assert [h["household_ref"] for h in held] == ["DUP-1"]
    [review] = [r for r in worker.list_duplicate_reviews(200) if r["held"].get("household_id") == held[0]["id"]]
    assert review["existing"]["household_id"] == registered["id"]
    coordinator = rpc_as(as_user("coordinator", commune, "cell-coordinator")).registry
    with pytest.raises(RemoteError) as own:
        agent.decide_duplicate_review(review["id"], "different")  # imported it: may not decide
    assert own.value.exc_type == "Forbidden"
    assert coordinator.decide_duplicate_review(review["id"], "different")["household"]["status"] == "active"

    first = rows[0]  # imported: a later registration of the same family finds it
    again = {
        "given_name_lat": first["head_given_name_lat"],
        "family_name_lat": first["head_family_name_lat"],
        "sex": "M",
        "birth_date": first["head_birth_date"],
        "relationship": "head",
    }
    late = worker.register_household(
        {"area": commune, "address": "Cité 5 Juillet", "members": [again]}, uuid.uuid4().hex
    )
    imported_first = [
        h for h in worker.list_households({})["items"] if h.get("household_ref") == first["household_ref"]
    ]
    assert late["status"] == "held_for_review" and late["possible_duplicates"] == [imported_first[0]["id"]]


def test_an_update_resembling_a_registered_person_is_queued_for_review_not_held(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    worker = rpc_as(as_user("worker-a", commune, "social-worker")).registry
    registered, (given, family, number) = register_person(worker, commune, "1961-07-02")
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent")).registry
    source = f"survey-{uuid.uuid4().hex[:8]}"
    rows = families(commune, 3)
    _, first = imported(agent, csv_file(rows), source=source)
    assert (first["result"]["created"], first["result"]["held_for_review"]) == (3, 0), first

    # the survey corrects H-0001's head: it is the person registered by the worker
    rows[1] = row("H-0001", commune, given.upper(), family, head_birth_date="1961-07-02", head_phone=number)
    _, second = imported(agent, csv_file(rows), source=source)
    result = second["result"]
    assert (result["updated"], result["held_for_review"], result["updated_in_review"]) == (1, 0, 1), result
    corrected = next(h for h in worker.list_households({})["items"] if h.get("household_ref") == "H-0001")
    assert corrected["status"] == "active"  # established: queued, not held
    [review] = [r for r in worker.list_duplicate_reviews(200) if r["held"].get("household_id") == corrected["id"]]
    assert review["existing"]["household_id"] == registered["id"]

    _, again = imported(agent, csv_file(rows), source=source)  # unchanged: nothing asked twice
    assert (again["result"]["unchanged"], again["result"]["updated_in_review"]) == (3, 0), again
    coordinator = rpc_as(as_user("coordinator", commune, "cell-coordinator")).registry
    assert coordinator.decide_duplicate_review(review["id"], "different")["household"]["status"] == "active"


def test_xlsx_import_and_a_broken_workbook(services: None, rpc_as: Callable[[CallerContext], Any]) -> None:
    commune = new_commune()
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent")).registry
    rows = families(commune, 2)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    for r in rows:
        sheet.append(list(r.values()))
    out = io.BytesIO()
    workbook.save(out)

    upload_id, job = imported(agent, out.getvalue(), "xlsx")
    assert job["status"] == "succeeded", job
    assert (job["result"]["created"], job["result"]["invalid"]) == (2, 0)
    assert upload_is_gone(upload_id)

    broken_id, broken = imported(agent, out.getvalue()[: len(out.getvalue()) // 2], "xlsx")
    assert broken["status"] == "succeeded" and broken["result"]["file_error"]["code"] == "corrupt_xlsx"
    assert upload_is_gone(broken_id)


def test_uploads_belong_to_their_owner_and_social_workers_cannot_import(
    services: None, rpc_as: Callable[[CallerContext], Any]
) -> None:
    commune = new_commune()
    agent = rpc_as(as_user("agent-a", wilaya_of(commune), "wilaya-agent")).registry
    upload_id = upload(agent, csv_file(families(commune, 1)))
    other = rpc_as(as_user("agent-b", wilaya_of(commune), "wilaya-agent")).registry
    with pytest.raises(RemoteError) as err:
        other.start_import(upload_id, "csv", "survey-x")
    assert err.value.exc_type == "NotFound"
    worker = rpc_as(as_user("worker-a", commune, "social-worker")).registry
    with pytest.raises(RemoteError) as refused:
        worker.put_upload_part(uuid.uuid4().hex, 0, base64.b64encode(b"x").decode())
    assert refused.value.exc_type == "Forbidden"
    agent.discard_upload(upload_id)
    assert upload_is_gone(upload_id)
