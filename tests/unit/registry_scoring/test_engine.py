"""The engine: known households, explanations, and one answer from both paths."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from common.contracts.assessment import Assessment
from registry.scoring import engine, features
from registry.scoring.model import ScoringModel
from synthetic.assessments import assessments
from tests.unit.registry_scoring.conftest import HOMELESS_ELDER, SALARIED_OWNERS


def test_a_homeless_elder_living_alone_without_income_is_extreme(
    models: dict[str, ScoringModel], assess: Callable[..., Assessment]
) -> None:
    for model in models.values():
        result = engine.score(model, assess(HOMELESS_ELDER))
        assert result.band == "extreme", model.version
    result = engine.score(models["v1"], assess(HOMELESS_ELDER))
    assert result.score == 77.0  # (20 x 60 + 25 x 100 + 35 x 100 + 20 x 25) / 100
    housing = result.dimensions[1]
    assert (housing.dimension, housing.points, housing.capped, housing.contribution) == ("housing", 175, 100, 25.0)


def test_a_salaried_owner_family_is_low(models: dict[str, ScoringModel], assess: Callable[..., Assessment]) -> None:
    for model in models.values():
        assert engine.score(model, assess(SALARIED_OWNERS)).band == "low", model.version
    assert engine.score(models["v1"], assess(SALARIED_OWNERS)).score == 2.0


def test_the_result_names_its_model_and_inputs(
    models: dict[str, ScoringModel], assess: Callable[..., Assessment]
) -> None:
    assessment = assess(SALARIED_OWNERS)
    first, second = engine.score(models["v1"], assessment), engine.score(models["v2"], assessment)
    assert (first.model_version, second.model_version) == ("v1", "v2")
    assert first.inputs_hash == second.inputs_hash == features.inputs_hash(assessment)
    stored = first.stored(assessment.assessed_at)
    assert stored == {
        "model_version": "v1",
        "score": 2.0,
        "band": "low",
        "inputs_hash": first.inputs_hash,
        "computed_at": assessment.assessed_at,
    }


def test_the_explanation_adds_up(models: dict[str, ScoringModel], assess: Callable[..., Assessment]) -> None:
    result = engine.score(models["v1"], assess(SALARIED_OWNERS, income__unemployed_adults=2, housing__tenure="tenant"))
    assert [d.dimension for d in result.dimensions] == ["family", "housing", "income", "autonomy"]
    for dimension in result.dimensions:
        assert dimension.points == sum(r.points for r in dimension.rules)
        assert dimension.capped == min(dimension.points, 100)
    assert sum(d.contribution for d in result.dimensions) == pytest.approx(result.score)
    rules = {r.rule: r for d in result.dimensions for r in d.rules}
    assert (rules["tenure"].value, rules["tenure"].points) == ("tenant", 15)
    assert (rules["unemployed_adults"].value, rules["unemployed_adults"].points) == (2, 15)
    assert (rules["overcrowding"].feature, rules["overcrowding"].value) == ("housing.persons_per_room", 4 / 3)
    assert rules["allowances"].value == ["school_grant"]


def test_income_bands_are_relative_to_the_minimum_wage(
    models: dict[str, ScoringModel], assess: Callable[..., Assessment]
) -> None:
    def income_points(model: ScoringModel, monthly: int) -> int:
        result = engine.score(model, assess(SALARIED_OWNERS, income__monthly_income_dzd=monthly))
        return next(r.points for d in result.dimensions for r in d.rules if r.rule == "income_per_person")

    # 4 people: a quarter of the 20,000 DZD minimum wage each is 20,000 DZD for the household
    assert income_points(models["v1"], 19_999) == 55
    assert income_points(models["v1"], 20_000) == 35
    assert income_points(models["v2"], 20_000) == 55  # v2's minimum wage is 24,000 DZD


def test_better_answers_never_score_worse(models: dict[str, ScoringModel], assess: Callable[..., Assessment]) -> None:
    base = engine.score(models["v1"], assess(SALARIED_OWNERS)).score
    for change in (
        {"housing__tenure": "tenant"},
        {"housing__condition": "ruin_risk"},
        {"income__debts": "heavy"},
        {"family__domestic_violence_signalled": True},
        {"autonomy__dependency_level": "bedridden"},
    ):
        assert engine.score(models["v1"], assess(SALARIED_OWNERS, **change)).score > base, change


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_vectorised_path_matches_the_scalar_one(models: dict[str, ScoringModel], seed: int) -> None:
    stored = assessments(1500, seed=seed) + [
        Assessment.model_validate(case).model_dump() for case in (HOMELESS_ELDER, SALARIED_OWNERS)
    ]
    columns = features.columns(stored)
    hashes = features.hex_digests(features.fingerprint(columns))
    for model in models.values():
        batch = engine.score_columns(model, columns)
        labels = batch.band_labels()
        for i, data in enumerate(stored):
            one = engine.score(model, Assessment.model_validate(data))
            assert one.score == batch.scores[i]
            assert one.band == labels[i]
            assert one.inputs_hash == hashes[i]
            assert [d.capped for d in one.dimensions] == batch.dimensions[i].tolist()
        assert set(labels) == set(model.band_names)  # the random households reach every band


def test_an_empty_batch_scores_nothing(models: dict[str, ScoringModel]) -> None:
    batch = engine.score_many(models["v1"], [])
    assert batch.scores.shape == (0,)
    assert batch.band_labels() == []
    assert features.fingerprint(features.columns([])).shape == (0,)


def test_the_inputs_hash_follows_the_answers_only(assess: Callable[..., Assessment]) -> None:
    base = assess(SALARIED_OWNERS)
    same = base.model_copy(update={"assessor": "someone.else"})
    assert features.inputs_hash(base) == features.inputs_hash(same)
    reordered = assess(SALARIED_OWNERS, income__income_sources=["salary", "informal_work"])
    assert reordered.income.income_sources == ["informal_work", "salary"]  # stored sorted
    others = {
        features.inputs_hash(assess(SALARIED_OWNERS, **{key: value}))
        for key, value in (
            ("family__dependants", 3),
            ("housing__rooms", 4),
            ("income__monthly_income_dzd", 95_001),
            ("income__allowances", []),
            ("autonomy__health_coverage", "free_care"),
        )
    }
    assert len(others) == 5
    assert features.inputs_hash(base) not in others


def test_batches_refuse_what_they_cannot_score() -> None:
    good = Assessment.model_validate(SALARIED_OWNERS).model_dump()
    bad_code = {**good, "housing": {**good["housing"], "tenure": "castle"}}
    bad_number = {**good, "income": {**good["income"], "monthly_income_dzd": 12.5}}
    out_of_bounds = {**good, "family": {**good["family"], "household_size": 0}}
    missing = {key: value for key, value in good.items() if key != "autonomy"}
    repeated = {**good, "income": {**good["income"], "allowances": ["afs", "afs"]}}
    for broken in (bad_code, bad_number, out_of_bounds, missing, repeated, None):
        with pytest.raises(features.UnscorableAnswers):
            features.columns([good, broken])
    assert np.array_equal(features.columns([good])["housing.tenure"], [0])
