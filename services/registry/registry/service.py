"""The registry service: its groups of entrypoints (``registry.entrypoints``) and the event relay."""

from __future__ import annotations

from nameko.timer import timer

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

    @timer(interval=0.5)
    def relay_outbox(self) -> None:
        """Publish the events written with the records (see common.nameko_ext.outbox)."""
        self.households.relay_events(self.dispatch)

    @timer(interval=600, eager=True)
    def sweep_outbox(self) -> None:
        """At start and every 10 minutes: catch events a crash left unmarked."""
        self.households.sweep_events()
