"""The bequest configuration a container runs with, read once when it starts.

The rules come from ``reference/bequest_rules.toml`` or the file ``SOLIDARITY_BEQUEST_RULES``
names (environment, or the container config for tests); a malformed file stops the start.
"""

from __future__ import annotations

import os
from typing import Any

from nameko.extensions import DependencyProvider

from solidarity.domain.bequests import BequestRules
from solidarity.reference import ENV_BEQUEST_RULES, bequest_rules

ENV_DOCUMENT_MAX_BYTES = "SOLIDARITY_DOCUMENT_MAX_BYTES"


class BequestRulesProvider(DependencyProvider):
    """Inject the container's :class:`BequestRules`."""

    def setup(self) -> None:
        environ = dict(os.environ)
        configured = self.container.config.get(ENV_BEQUEST_RULES)
        if configured:
            environ[ENV_BEQUEST_RULES] = str(configured)
        self.rules = bequest_rules(environ)

    def get_dependency(self, worker_ctx: Any) -> BequestRules:
        return self.rules
