"""Scoring models are data: the shipped ones load, broken ones fail with the reason."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from registry.scoring.model import MODELS_DIR, ModelError, ScoringModel, active_model, load_model, parse_model


def v1() -> dict[str, Any]:
    return json.loads((MODELS_DIR / "v1.json").read_text())


def rule(data: dict[str, Any], dimension: str, rule_id: str) -> dict[str, Any]:
    return next(r for r in data["dimensions"][dimension]["rules"] if r["id"] == rule_id)


def invalid(data: dict[str, Any]) -> str:
    with pytest.raises(ModelError) as failure:
        parse_model(data, "test model")
    return str(failure.value)


def test_shipped_models_load(models: dict[str, ScoringModel]) -> None:
    assert set(models) >= {"v1", "v2"}
    assert models["v1"].band_names == ("low", "moderate", "high", "extreme")
    assert models["v2"].activated_at is None  # a draft, for recompute tests


def test_the_active_model_is_the_last_activated_one(models: dict[str, ScoringModel]) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert active_model(models.values(), now).version == "v1"
    later = models["v2"].model_copy(update={"activated_at": datetime(2025, 6, 1, tzinfo=UTC)})
    assert active_model([models["v1"], later], now).version == "v2"
    with pytest.raises(ModelError, match="no scoring model is active"):
        active_model(models.values(), datetime(2024, 1, 1, tzinfo=UTC))


def test_weights_must_sum_to_100() -> None:
    data = v1()
    data["dimensions"]["family"]["weight"] = 15
    assert "dimension weights must sum to 100, got 95 (family 15 + housing 25 + income 35 + autonomy 20)" in invalid(
        data
    )


def test_every_dimension_is_needed() -> None:
    data = v1()
    data["dimensions"]["income"]["weight"] += data["dimensions"].pop("autonomy")["weight"]
    assert "dimension 'autonomy' is missing" in invalid(data)


def test_overlapping_bands_are_refused() -> None:
    data = v1()
    data["bands"][1]["to"] = 50  # moderate 25-50 against high 45-65
    assert "score bands 'moderate' (25-50) and 'high' (45-65) overlap" in invalid(data)


def test_gaps_between_bands_are_refused() -> None:
    data = v1()
    data["bands"][1]["to"] = 40
    assert "scores from 40 to 45 fall in no score band" in invalid(data)


def test_bands_must_cover_the_whole_scale() -> None:
    data = v1()
    data["bands"][-1]["to"] = 90
    assert "score bands must cover 0 to 100" in invalid(data)


def test_lookup_tables_price_every_code() -> None:
    data = v1()
    points = rule(data, "housing", "tenure")["points"]
    del points["hosted"]
    points["squat"] = 30
    message = invalid(data)
    assert "dimension 'housing': rule 'tenure' on 'housing.tenure'" in message
    assert "missing ['hosted']" in message
    assert "unknown ['squat']" in message


def test_flags_are_priced_true_and_false() -> None:
    data = v1()
    rule(data, "family", "single_parent")["points"] = {"yes": 20, "no": 0}
    assert "must price exactly the codes ['false', 'true']" in invalid(data)


def test_rules_name_known_features_of_their_own_dimension() -> None:
    data = v1()
    data["dimensions"]["family"]["rules"].append(
        {
            "id": "tenure_again",
            "kind": "lookup",
            "feature": "housing.tenure",
            "points": rule(data, "housing", "tenure")["points"],
        }
    )
    data["dimensions"]["family"]["rules"].append(
        {"id": "pets", "kind": "lookup", "feature": "family.pets", "points": {}}
    )
    message = invalid(data)
    assert "rule 'tenure_again' looks at 'housing.tenure', of another one" in message
    assert "rule 'pets': unknown feature 'family.pets'" in message


def test_rule_kind_must_fit_the_feature() -> None:
    data = v1()
    data["dimensions"]["housing"]["rules"].append(
        {"id": "tenure_bands", "kind": "bands", "feature": "housing.tenure", "bands": [{"points": 0}]}
    )
    assert "feature 'housing.tenure' is a code, not a number" in invalid(data)


def test_band_bounds_increase_and_units_exist() -> None:
    data = v1()
    income = rule(data, "income", "income_per_person")
    income["bands"][1]["below"] = 0.05
    income["unit"] = "smic"
    message = invalid(data)
    assert "unit 'smic' is not among constants ['snmg_dzd']" in message
    data = v1()
    rule(data, "income", "income_per_person")["bands"][1]["below"] = 0.05
    assert "band bounds must increase, got [0.1, 0.05, 0.5, 1.0]" in invalid(data)


def test_points_are_whole_and_bounded() -> None:
    data = v1()
    rule(data, "housing", "tenure")["points"]["homeless"] = 150
    assert "dimensions.housing.rules.0.lookup.points.homeless" in invalid(data)


def test_several_problems_are_reported_together() -> None:
    data = copy.deepcopy(v1())
    data["dimensions"]["family"]["weight"] = 10
    data["bands"][0]["to"] = 30
    message = invalid(data)
    assert "weights must sum to 100" in message
    assert "'low' (0-30) and 'moderate' (25-45) overlap" in message


def test_the_file_name_is_the_version(tmp_path: Path) -> None:
    path = tmp_path / "v7.json"
    path.write_text((MODELS_DIR / "v1.json").read_text())
    with pytest.raises(ModelError, match="declares version 'v1', the file name says 'v7'"):
        load_model(path)
    (tmp_path / "v1.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot read a scoring model"):
        load_model(tmp_path / "v1.json")
