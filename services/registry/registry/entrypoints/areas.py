"""Administrative areas: reference data every signed-in role reads, communes the ministry imports."""

from __future__ import annotations

from typing import Any

from common import areas, policy
from common.errors import ValidationFailed
from common.nameko_ext.entrypoints import rpc
from registry.base import RegistryBase


class AreaEntrypoints(RegistryBase):
    @rpc
    def list_areas(self, parent: str) -> list[dict[str, Any]]:
        """The areas directly below ``parent`` (reference data: every signed-in role may read it)."""
        policy.authorize(self.caller, "area.read")
        return self.areas.children(areas.validate(parent))

    @rpc
    def import_communes(self, csv_text: str) -> dict[str, Any]:
        """Add or correct communes from a ``code;wilaya_code;name_fr;name_ar`` CSV."""
        policy.authorize(self.caller, "area.manage")
        if not isinstance(csv_text, str) or not csv_text.strip():
            raise ValidationFailed("the CSV is empty")
        return self.areas.import_communes(csv_text)
