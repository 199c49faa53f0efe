"""The assistance service: its groups of entrypoints (``assistance.entrypoints``)."""

from __future__ import annotations

from assistance.entrypoints.programmes import ProgrammeEntrypoints


class AssistanceService(
    ProgrammeEntrypoints,
):
    name = "assistance"
