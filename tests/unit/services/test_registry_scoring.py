"""Scoring entrypoints of the registry over in-memory fakes: roles, scope, validation, models, the recompute job."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from common.context import CallerContext
from common.contracts.assessment import Assessment
from common.errors import Conflict, Forbidden, IdempotencyKeyReused, NotFound, Unauthenticated, ValidationFailed
from common.idempotency import KeyedRequest
from common.scope import Scope
from registry.scoring.batch import RecomputeReport
from registry.scoring.engine import ScoreResult, score
from registry.scoring.model import ScoringModel, builtin_models
from registry.service import RegistryService
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER, SALARIED_OWNERS

HOUSEHOLD_ID = "65f000000000000000000001"
AREA = "/DZ/16/1601"


def answers(base: dict[str, Any] = HOMELESS_ELDER, **changes: Any) -> dict[str, Any]:
    """An assessment as the gateway sends it (JSON), with ``dimension__field=value`` replaced."""
    data = copy.deepcopy(base)
    data["assessed_at"] = data["assessed_at"].isoformat()
    for key, value in changes.items():
        dimension, name = key.split("__")
        data[dimension][name] = value
    return data


class FakeScores:
    """In-memory ScoreRepository: raw households by id, answers recorded by idempotency key."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, tuple[str, dict[str, Any]]] = {}
        self.recomputes: list[tuple[str, Scope | None]] = []

    def add(self, household_id: str = HOUSEHOLD_ID, area: str = AREA, **fields: Any) -> None:
        self.rows[household_id] = {"_id": household_id, "area": area, "status": "active", **fields}

    def household(self, household_id: str) -> dict[str, Any] | None:
        return self.rows.get(household_id)

    def assess(
        self, household: dict[str, Any], assessment: Assessment, scored: ScoreResult, user_id: str, key: KeyedRequest
    ) -> dict[str, Any]:
        hid = household["_id"]
        if key.scoped in self.answers:
            fingerprint, answer = self.answers[key.scoped]
            key.ensure_same(fingerprint)
            return answer
        if household["status"] == "merged":
            raise Conflict("a merged household cannot be assessed")
        stored = scored.stored(datetime(2026, 1, 1, tzinfo=UTC))
        self.rows[hid].update(assessment=assessment.model_dump(), score=stored)
        answer = {
            "household_id": hid,
            "score": {**stored, "computed_at": stored["computed_at"].isoformat()},
            "explanation": [d.model_dump(mode="json") for d in scored.dimensions],
        }
        self.answers[key.scoped] = (key.fingerprint, answer)
        return answer

    def recompute(self, model: ScoringModel, scope: Scope | None, progress: Any) -> RecomputeReport:
        self.recomputes.append((model.version, scope))
        progress(3, 4)
        return RecomputeReport(model.version, estimated_total=4, seen=3, written=2, unchanged=1)


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.locks: set[str] = set()

    def start(
        self, kind: str, area: str, user_id: str, params: dict[str, Any], exclusive: str | None = None
    ) -> dict[str, Any]:
        if exclusive in self.locks:
            raise Conflict("a job of this kind is already running")
        if exclusive is not None:
            self.locks.add(exclusive)
        job = {"id": f"job{len(self.jobs) + 1}", "kind": kind, "area": area, "params": params, "status": "running"}
        self.jobs[job["id"]] = {**job, "progress": {}, "exclusive": exclusive}
        return job

    def progress(self, job_id: str, progress: dict[str, Any]) -> None:
        self.jobs[job_id]["progress"] = progress

    def finish(self, job_id: str, status: str, result: dict[str, Any]) -> None:
        self.jobs[job_id].update(status=status, result=result)
        self.locks.discard(self.jobs[job_id]["exclusive"])


class Spawned:
    """The ``background`` dependency, holding the work until the test runs it."""

    def __init__(self) -> None:
        self.work: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None], name: str) -> None:
        self.work.append(work)

    def run(self) -> None:
        while self.work:
            self.work.pop(0)()


@pytest.fixture
def scores() -> FakeScores:
    repo = FakeScores()
    repo.add()
    return repo


@pytest.fixture
def registry(scores: FakeScores, caller: Callable[..., CallerContext]) -> Callable[..., Any]:
    def make(area: str = AREA, *roles: str, jobs: Any = None, background: Any = None) -> Any:
        deps: dict[str, Any] = {"scores": scores, "caller": caller(area, *roles)}
        deps.update({k: v for k, v in (("jobs", jobs), ("background", background)) if v is not None})
        return worker_factory(RegistryService, **deps)

    return make


def test_assessment_is_scored_with_the_model_in_force_and_explained(
    registry: Callable[..., Any], scores: FakeScores
) -> None:
    result = registry().assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    assert result["household_id"] == HOUSEHOLD_ID
    assert result["score"]["model_version"] == "v1" and result["score"]["band"] == "extreme"
    explained = result["explanation"]
    assert [d["dimension"] for d in explained] == ["family", "housing", "income", "autonomy"]
    assert sum(d["contribution"] for d in explained) == pytest.approx(result["score"]["score"])
    tenure = next(r for d in explained for r in d["rules"] if r["feature"] == "housing.tenure")
    assert tenure["value"] == "homeless" and tenure["points"] > 0
    stored = scores.rows[HOUSEHOLD_ID]
    assert stored["score"]["score"] == result["score"]["score"]
    assert stored["assessment"]["housing"]["tenure"] == "homeless"


def test_better_living_conditions_score_lower(registry: Callable[..., Any]) -> None:
    worker = registry()
    poor = worker.assess_household(HOUSEHOLD_ID, answers(), "key-00000001")["score"]
    well_off = worker.assess_household(HOUSEHOLD_ID, answers(SALARIED_OWNERS), "key-00000002")["score"]
    assert well_off["score"] < poor["score"] and well_off["band"] == "low"


@pytest.mark.parametrize(
    ("area", "roles"),
    [("/DZ/16/1601", ("auditor",)), ("/DZ/16/1601", ("donor",)), ("/DZ", ("auditor",))],
)
def test_only_staff_may_assess(registry: Callable[..., Any], scores: FakeScores, area: str, roles: tuple[str]) -> None:
    with pytest.raises(Forbidden):
        registry(area, *roles).assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    assert "score" not in scores.rows[HOUSEHOLD_ID]


def test_anonymous_calls_are_refused(scores: FakeScores) -> None:
    anonymous = worker_factory(RegistryService, scores=scores, caller=None)
    with pytest.raises(Unauthenticated):
        anonymous.assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    with pytest.raises(Unauthenticated):
        anonymous.explain_score(HOUSEHOLD_ID)


@pytest.mark.parametrize("household_id", [HOUSEHOLD_ID, "65f0000000000000000000ff", "not-an-id", None])
def test_out_of_area_or_unknown_household_is_not_found(
    registry: Callable[..., Any], scores: FakeScores, household_id: Any
) -> None:
    neighbour = registry("/DZ/16/1602")
    with pytest.raises(NotFound) as assessing:
        neighbour.assess_household(household_id, answers(), "key-00000001")
    assert assessing.value.message == "household not found"  # the same answer as for one that does not exist
    assert "score" not in scores.rows[HOUSEHOLD_ID]
    with pytest.raises(NotFound):
        neighbour.explain_score(household_id)


def test_a_director_of_the_wilaya_sees_the_score_of_a_commune(registry: Callable[..., Any]) -> None:
    registry().assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    explained = registry("/DZ/16", "wilaya-director").explain_score(HOUSEHOLD_ID)
    assert explained["household_id"] == HOUSEHOLD_ID
    with pytest.raises(NotFound):
        registry("/DZ/31", "wilaya-director").explain_score(HOUSEHOLD_ID)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"family__household_size": 0}, "family.household_size"),
        ({"housing__tenure": "castle"}, "housing.tenure"),
        ({"income__monthly_income_dzd": -1}, "income.monthly_income_dzd"),
        ({"income__allowances": ["afs", "afs"]}, "income.allowances"),
        ({"family__household_size": 4}, "family"),  # an elderly person "living alone" among four
        ({"autonomy__members_with_disability": 1}, "autonomy"),  # severity 'none' with a disabled member
    ],
)
def test_invalid_assessment_reports_fields(
    registry: Callable[..., Any], scores: FakeScores, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as err:
        registry().assess_household(HOUSEHOLD_ID, answers(**change), "key-00000001")
    fields = [e["field"] for e in err.value.details["errors"]]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields
    assert "score" not in scores.rows[HOUSEHOLD_ID]


@pytest.mark.parametrize(
    "payload",
    [
        {**answers(), "owner": "me"},
        {k: v for k, v in answers().items() if k != "income"},
        {**answers(), "assessor": ""},
        "not an assessment",
    ],
)
def test_malformed_assessment_is_refused(registry: Callable[..., Any], payload: Any) -> None:
    with pytest.raises(ValidationFailed):
        registry().assess_household(HOUSEHOLD_ID, payload, "key-00000001")


@pytest.mark.parametrize("key", ["", "short", None, "x" * 129])
def test_bad_idempotency_key(registry: Callable[..., Any], key: Any) -> None:
    with pytest.raises(ValidationFailed):
        registry().assess_household(HOUSEHOLD_ID, answers(), key)


def test_same_key_answers_the_same(registry: Callable[..., Any], scores: FakeScores) -> None:
    worker = registry()
    first = worker.assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    assert worker.assess_household(HOUSEHOLD_ID, answers(), "key-00000001") == first
    with pytest.raises(IdempotencyKeyReused):
        worker.assess_household(HOUSEHOLD_ID, answers(SALARIED_OWNERS), "key-00000001")
    assert scores.rows[HOUSEHOLD_ID]["assessment"]["housing"]["tenure"] == "homeless"


def test_merged_household_cannot_be_assessed(registry: Callable[..., Any], scores: FakeScores) -> None:
    scores.add("65f000000000000000000002", status="merged", merged_into=HOUSEHOLD_ID)
    with pytest.raises(Conflict):
        registry().assess_household("65f000000000000000000002", answers(), "key-00000001")


def test_explanation_repeats_the_assessment(registry: Callable[..., Any]) -> None:
    worker = registry()
    result = worker.assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    explained = registry(AREA, "auditor").explain_score(HOUSEHOLD_ID)
    assert explained["dimensions"] == result["explanation"] and explained["matches_stored"] is True
    assert {k: explained[k] for k in result["score"]} == result["score"]
    assert explained["assessed_at"] == HOMELESS_ELDER["assessed_at"].isoformat()


def test_explanation_uses_the_model_version_of_the_stored_score(
    registry: Callable[..., Any], scores: FakeScores
) -> None:
    draft = builtin_models()["v2"]
    scored = score(draft, Assessment.model_validate(HOMELESS_ELDER))
    scores.rows[HOUSEHOLD_ID].update(
        assessment=Assessment.model_validate(HOMELESS_ELDER).model_dump(), score=scored.stored(datetime.now(UTC))
    )
    explained = registry().explain_score(HOUSEHOLD_ID)
    assert explained["model_version"] == "v2" and explained["matches_stored"] is True
    assert {d["dimension"]: d["weight"] for d in explained["dimensions"]} == {
        name: dimension.weight for name, dimension in draft.dimensions.items()
    }


def test_a_score_the_answers_no_longer_give_is_flagged(registry: Callable[..., Any], scores: FakeScores) -> None:
    registry().assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    scores.rows[HOUSEHOLD_ID]["score"]["score"] = 1.0
    explained = registry().explain_score(HOUSEHOLD_ID)
    assert explained["score"] == 1.0 and explained["matches_stored"] is False


def test_unassessed_household_has_no_score(registry: Callable[..., Any]) -> None:
    with pytest.raises(NotFound) as err:
        registry().explain_score(HOUSEHOLD_ID)
    assert "no score" in err.value.message


def test_merged_household_explains_its_survivor(registry: Callable[..., Any], scores: FakeScores) -> None:
    registry().assess_household(HOUSEHOLD_ID, answers(), "key-00000001")
    scores.add("65f000000000000000000002", status="merged", merged_into=HOUSEHOLD_ID)
    explained = registry().explain_score("65f000000000000000000002")
    assert explained["household_id"] == HOUSEHOLD_ID and explained["redirected_from"] == "65f000000000000000000002"


def test_merged_into_another_area_has_no_score_of_its_own(registry: Callable[..., Any], scores: FakeScores) -> None:
    """The merged household answers to its own area as itself (registry reviews); the survivor stays unseen."""
    scores.add(HOUSEHOLD_ID, area="/DZ/31/3101", score={"score": 40})
    scores.add("65f000000000000000000002", status="merged", merged_into=HOUSEHOLD_ID)
    with pytest.raises(NotFound) as err:
        registry().explain_score("65f000000000000000000002")
    assert err.value.message == "this household has no score"
    assert HOUSEHOLD_ID not in str(err.value.details)


def test_models_are_listed_with_the_one_in_force(registry: Callable[..., Any]) -> None:
    listed = {m["version"]: m for m in registry(AREA, "auditor").list_scoring_models()}
    assert listed["v1"]["active"] is True and listed["v1"]["draft"] is False
    assert listed["v2"]["active"] is False and listed["v2"]["draft"] is True and listed["v2"]["activated_at"] is None
    assert [b["name"] for b in listed["v1"]["bands"]] == ["low", "moderate", "high", "extreme"]
    assert listed["v1"]["bands"][0] == {"name": "low", "from": 0, "to": 25}
    assert sum(listed["v1"]["weights"].values()) == 100
    with pytest.raises(Forbidden):
        registry(AREA, "donor").list_scoring_models()


@pytest.mark.parametrize("roles", [("wilaya-director",), ("social-worker",), ("auditor",)])
def test_only_national_officers_recompute(registry: Callable[..., Any], roles: tuple[str]) -> None:
    jobs, background = FakeJobs(), Spawned()
    with pytest.raises(Forbidden):
        registry("/DZ/16", *roles, jobs=jobs, background=background).start_score_recompute()
    assert jobs.jobs == {} and background.work == []


@pytest.mark.parametrize(("area", "scope"), [("/DZ", None), ("/DZ/16", Scope("/DZ/16"))])
def test_recompute_runs_as_a_job_in_the_callers_area(
    registry: Callable[..., Any], scores: FakeScores, area: str, scope: Scope | None
) -> None:
    jobs, background = FakeJobs(), Spawned()
    officer = registry(area, "national-officer", jobs=jobs, background=background)
    job = officer.start_score_recompute()
    assert job["kind"] == "score_recompute" and job["area"] == area and job["params"] == {"model_version": "v1"}
    with pytest.raises(Conflict):  # one at a time
        officer.start_score_recompute()
    assert scores.recomputes == []
    background.run()
    assert scores.recomputes == [("v1", scope)]
    done = jobs.jobs[job["id"]]
    assert done["status"] == "succeeded" and done["progress"] == {"done": 3, "total": 4}
    assert done["result"]["written"] == 2 and done["result"]["model_version"] == "v1"
    assert officer.start_score_recompute()["id"] != job["id"]  # the key is released at the end


def test_a_failed_recompute_fails_its_job(registry: Callable[..., Any], scores: FakeScores) -> None:
    def broken(*args: Any) -> RecomputeReport:
        raise RuntimeError("database went away")

    scores.recompute = broken  # type: ignore[method-assign]
    jobs, background = FakeJobs(), Spawned()
    job = registry("/DZ", "national-officer", jobs=jobs, background=background).start_score_recompute()
    background.run()
    assert jobs.jobs[job["id"]]["status"] == "failed"
    assert jobs.jobs[job["id"]]["result"]["error"] == "internal_error"
