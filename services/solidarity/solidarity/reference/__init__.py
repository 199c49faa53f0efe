"""Reference configuration of the solidarity service, read once at start.

``bequest_rules.toml`` holds the dev default of the bequest acceptance thresholds and the
days each step may take; ``SOLIDARITY_BEQUEST_RULES`` names a deployment's own file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from common.refusals import invalid
from solidarity.domain.bequests import BequestRules, rules_from

ENV_BEQUEST_RULES = "SOLIDARITY_BEQUEST_RULES"
DEFAULT_BEQUEST_RULES = Path(__file__).with_name("bequest_rules.toml")


def bequest_rules(environ: Mapping[str, str] | None = None) -> BequestRules:
    """The configured bequest rules (the file ``SOLIDARITY_BEQUEST_RULES`` names, else the default)."""
    path = Path((os.environ if environ is None else environ).get(ENV_BEQUEST_RULES) or DEFAULT_BEQUEST_RULES)
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise invalid("bequest_rules_invalid", f"cannot read the bequest rules {path.name}: {exc}") from None
    return rules_from(config)
