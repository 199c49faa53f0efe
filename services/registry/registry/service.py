"""The registry service: its groups of entrypoints (``registry.entrypoints``); events leave through the outbox relay."""

from __future__ import annotations

from registry.entrypoints.areas import AreaEntrypoints
from registry.entrypoints.facts import FactsEntrypoints
from registry.entrypoints.households import HouseholdEntrypoints
from registry.entrypoints.imports import ImportEntrypoints
from registry.entrypoints.jobs import JobEntrypoints
from registry.entrypoints.reviews import ReviewEntrypoints
from registry.entrypoints.scoring import ScoringEntrypoints


class RegistryService(
    HouseholdEntrypoints,
    ReviewEntrypoints,
    AreaEntrypoints,
    JobEntrypoints,
    FactsEntrypoints,
    ImportEntrypoints,
    ScoringEntrypoints,
):
    name = "registry"
