"""Following long jobs (imports, scans, score recomputes) and noticing the ones that died."""

from __future__ import annotations

from typing import Any

from nameko.timer import timer

from common import policy
from common.errors import NotFound
from common.nameko_ext.entrypoints import rpc
from registry.base import RegistryBase


class JobEntrypoints(RegistryBase):
    @rpc
    def get_job(self, job_id: str) -> dict[str, Any]:
        """A job's status and progress; jobs started outside the caller's area do not exist."""
        caller = policy.authorize(self.caller, "job.read")
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound("job not found")
        policy.visible(caller, job["area"], "job")
        return job

    @timer(interval=60, eager=True)
    def interrupt_stale_jobs(self) -> None:
        """Jobs whose process died stop showing as running."""
        self.jobs.interrupt_stale()
