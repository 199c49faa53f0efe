"""Reference data and jobs: the administrative areas, and following long jobs."""

from __future__ import annotations

from typing import Any

from common import areas
from common.errors import NotFound, ValidationFailed
from common.scope import Scope
from registry.app.ports import AreaRepository, JobRepository


def list_areas(repository: AreaRepository, parent: str) -> list[dict[str, Any]]:
    """The areas directly below ``parent``."""
    return repository.children(areas.validate(parent))


def import_communes(repository: AreaRepository, csv_text: str) -> dict[str, Any]:
    """Add or correct communes from a ``code;wilaya_code;name_fr;name_ar`` CSV."""
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise ValidationFailed("the CSV is empty")
    return repository.import_communes(csv_text)


def get_job(jobs: JobRepository, scope: Scope, job_id: str) -> dict[str, Any]:
    """A job's status and progress; jobs started outside ``scope`` do not exist."""
    job = jobs.get(job_id)
    if job is None or not scope.contains(job["area"]):
        raise NotFound("job not found")
    return job
