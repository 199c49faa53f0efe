"""Names nobody else in a long-lived registry shares, for tests that must meet no duplicate.

The dev registry keeps every earlier run's households. Digits do not make a name unique
(the deduplication ignores them), so a stranger's names are random letters: two random
eight-letter words are never similar enough to be taken for the same person.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

_CONSONANTS = "bdfgjklmnprstvz"
_VOWELS = "aeiou"
_rng = random.Random(uuid.uuid4().int)


def stranger_name() -> str:
    """A capitalised, pronounceable word of eight letters drawn at random."""
    return "".join(_rng.choice(_CONSONANTS) + _rng.choice(_VOWELS) for _ in range(4)).capitalize()


def stranger_birth_date() -> str:
    return f"{_rng.randrange(1930, 2000)}-{_rng.randrange(1, 13):02d}-{_rng.randrange(1, 29):02d}"


def stranger_household(area: str) -> dict[str, Any]:
    """A one-person household nobody registered before resembles: no duplicate review, no related grant."""
    return {
        "area": area,
        "address": "Cité des 600 logements, bâtiment 3",
        "members": [
            {
                "given_name_lat": stranger_name(),
                "family_name_lat": stranger_name(),
                "sex": "F",
                "birth_date": stranger_birth_date(),
                "relationship": "head",
            }
        ],
    }
