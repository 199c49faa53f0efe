"""Every code a person reads has a French and an Arabic label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import pytest

from common.contracts.assessment import Tenure
from common.contracts.labels import LABELS, label, labels
from common.contracts.people import SEVERITIES, VULNERABLE_CATEGORIES

MODELS = Path(__file__).parents[3] / "services/registry/registry/scoring/models"
BANDS = sorted({band["name"] for path in MODELS.glob("*.json") for band in json.loads(path.read_text())["bands"]})


@pytest.mark.parametrize("code", [*VULNERABLE_CATEGORIES, *get_args(Tenure), *SEVERITIES, *BANDS])
def test_the_code_has_both_labels(code: str) -> None:
    french, arabic = LABELS[code]
    assert french and french != code
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic)


def test_unknown_codes_show_as_themselves_and_lists_use_each_languages_comma() -> None:
    assert label("new_band", "fr") == "new_band"
    assert labels(["tenant", "owner"], "fr") == "locataire, propriétaire"
    assert labels(["tenant", "owner"], "ar") == "مستأجر، مالك"
