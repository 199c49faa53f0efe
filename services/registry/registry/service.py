"""The registry service: households and their people, the source of truth for "who".

One nameko class. Each entrypoint authorizes the caller, builds its scope, calls one
use case of ``registry.app`` and returns what it answers. Reading order: this file,
then ``registry.app`` (use cases), ``registry.domain`` (rules), ``registry.adapters``
(MongoDB, one module per collection). Events are written with the records (outbox)
and leave through the one :class:`~common.nameko_ext.outbox_relay.OutboxRelay`.
"""

from __future__ import annotations

from typing import Any

from nameko.timer import timer

from common import areas, policy
from common.contracts.assessment import Assessment
from common.contracts.households import HouseholdFilter, HouseholdIn, HouseholdUpdate
from common.errors import ValidationFailed
from common.jobs import MongoJobRepository
from common.nameko_ext.background import Background, Spawn
from common.nameko_ext.entrypoints import rpc
from common.nameko_ext.mongo import MongoRepository
from common.nameko_ext.ops import PlatformService
from common.nameko_ext.outbox_relay import OutboxRelay
from common.nameko_ext.page_stream import OpenSender, PageSenders
from common.pii import NationalIdProtector
from common.validation import parse
from registry import views
from registry.adapters.areas import MongoAreaRepository
from registry.adapters.assessment_requests import MongoScoreRepository
from registry.adapters.households import MongoHouseholdRepository
from registry.adapters.reviews import MongoReviewRepository
from registry.adapters.uploads import MongoUploadRepository
from registry.app import facts, households, imports, reference, reviews, scoring
from registry.app.ports import (
    AreaRepository,
    HouseholdRepository,
    JobRepository,
    ReviewRepository,
    ScoreRepository,
    UploadRepository,
)
from registry.dependencies import NationalIds


class RegistryService(PlatformService):
    name = "registry"

    households: HouseholdRepository = MongoRepository(MongoHouseholdRepository)
    reviews: ReviewRepository = MongoRepository(MongoReviewRepository)
    jobs: JobRepository = MongoRepository(MongoJobRepository)
    areas: AreaRepository = MongoRepository(MongoAreaRepository)
    scores: ScoreRepository = MongoRepository(MongoScoreRepository)
    uploads: UploadRepository = MongoRepository(MongoUploadRepository)
    national_ids: NationalIdProtector = NationalIds()
    background: Spawn = Background()
    page_senders: OpenSender = PageSenders()
    outbox = OutboxRelay(collections=("households",))  # publishes the events written with the households

    # --- households -------------------------------------------------------------------

    @rpc
    def register_household(self, household: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Register a household; the same idempotency key always yields the same one.

        A household whose members are probably already registered is stored
        ``held_for_review`` with a review item per existing household it resembles,
        unless a reviewer already said the pair differs. ``possible_duplicates`` names
        those inside the caller's area; the others are only counted
        (``possible_duplicates_outside_area``).
        """
        caller = policy.authorize(self.caller, "household.register")
        payload = parse(HouseholdIn, household)
        policy.require_within(caller, payload.area)
        registered = households.register(
            self.households, self.reviews, self.national_ids, caller, payload, idempotency_key
        )
        return views.registration(registered)

    @rpc
    def get_household(self, household_id: str) -> dict[str, Any]:
        """A household; a merged one answers with the household it was merged into.

        When that survivor is outside the caller's area, a merged household of the caller's
        area answers as itself (status ``merged``, without the survivor's id).
        """
        caller = policy.authorize(self.caller, "household.read")
        return views.found(households.get(self.households, policy.scope(caller), household_id))

    @rpc
    def list_households(self, filters: dict[str, Any]) -> dict[str, Any]:
        """A page of households in the caller's area, optionally narrowed."""
        caller = policy.authorize(self.caller, "household.read")
        page = households.list_page(self.households, policy.scope(caller), parse(HouseholdFilter, filters))
        return views.household_page(page)

    @rpc
    def update_household(self, household_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a household's editable fields; out of area it does not exist."""
        caller = policy.authorize(self.caller, "household.update")
        payload = parse(HouseholdUpdate, changes)
        updated = households.update(self.households, policy.scope(caller), household_id, payload, caller.user_id)
        return views.household(updated)

    @rpc
    def count_households(self) -> int:
        """Households in the caller's area, merged ones aside."""
        caller = policy.authorize(self.caller, "household.read")
        return households.count(self.households, policy.scope(caller))

    # --- facts for other services -----------------------------------------------------

    @rpc
    def household_facts(self, household_id: str) -> dict[str, Any]:
        """One household's facts, with ``related_households``: the same people registered elsewhere.

        Related are households merged into this one, sharing a member's national id, or
        pending duplicate review with it, wherever they are: the double-aid check needs
        them across wilayas, and they are only ids. A merged household answers for its survivor.
        """
        caller = policy.authorize(self.caller, "household.read")
        return facts.household_facts(self.households, self.reviews, policy.scope(caller), household_id)

    @rpc
    def stream_household_facts(self, area: str, reply_to: str) -> dict[str, Any]:
        """Stream the facts of every household of ``area`` to the caller's private queue ``reply_to``, as columns.

        For batch runs (``common.nameko_ext.page_stream``): pages in the wire form of
        ``facts_to_columns``, then an end mark. An area outside the caller's streams
        nothing. Answers at once.
        """
        caller = policy.authorize(self.caller, "household.read")
        scope = policy.scope(caller)
        return facts.stream_facts(self.households, self.page_senders, self.background, scope, area, reply_to)

    # --- duplicate reviews ------------------------------------------------------------

    @rpc
    def list_duplicate_reviews(self, limit: int = 50, household_id: str | None = None) -> list[dict[str, Any]]:
        """Reviews in the caller's area, strongest first: the pending ones, or every one of ``household_id``.

        A review is listed where either household lies; the side outside the caller's area
        shows nothing. ``household_id`` must be a household of the caller's area (a merged
        one too, so each side can follow its case): any other answers 404.
        """
        caller = policy.authorize(self.caller, "review.read")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 200:
            raise ValidationFailed("limit must be 1 to 200", {"limit": limit})
        return reviews.list_reviews(self.households, self.reviews, policy.scope(caller), limit, household_id)

    @rpc
    def get_duplicate_review(self, review_id: str) -> dict[str, Any]:
        """A review with at least one household in the caller's area, as the caller may read it."""
        caller = policy.authorize(self.caller, "review.read")
        return reviews.get_review(self.reviews, policy.scope(caller), review_id)

    @rpc
    def decide_duplicate_review(self, review_id: str, decision: str) -> dict[str, Any]:
        """``same`` merges the later household into the earlier one; ``different`` releases it.

        A decision is remembered: the pair is never asked again. Only a caller whose area
        holds both households decides (a cross-area review answers 403 ``cross_area_review``);
        nobody decides on a household they registered themselves (maker-checker).
        """
        caller = policy.authorize(self.caller, "review.decide")
        if decision not in ("same", "different"):
            raise ValidationFailed("decision must be 'same' or 'different'", {"decision": decision})
        return views.decided(reviews.decide(self.households, self.reviews, caller, review_id, decision))

    @rpc
    def start_duplicate_scan(self, area: str) -> dict[str, Any]:
        """Scan every household in ``area`` (the nation, a wilaya or a commune), one wilaya at a time.

        Runs as a job (``get_job``). New pairs are queued for review; pairs already
        queued or decided are not asked again.
        """
        caller = policy.authorize(self.caller, "review.scan")
        target = areas.validate(area)
        policy.require_within(caller, target)
        return reviews.start_scan(self.households, self.reviews, self.jobs, self.background, caller, target)

    # --- imports ----------------------------------------------------------------------

    @rpc
    def put_upload_part(self, upload_id: str, seq: int, data_b64: str) -> dict[str, Any]:
        """Store part ``seq`` (0, 1, 2… in order) of a file to import, base64-encoded.

        Part 0 opens the upload for the caller; only the caller adds to it or imports it.
        Answers ``{upload_id, parts, size}``.
        """
        caller = policy.authorize(self.caller, "household.import")
        return imports.put_part(self.uploads, caller, upload_id, seq, data_b64)

    @rpc
    def discard_upload(self, upload_id: str) -> None:
        """Drop an upload that will not be imported (the gateway's cleanup after a failed transfer)."""
        caller = policy.authorize(self.caller, "household.import")
        imports.discard(self.uploads, caller, upload_id)

    @rpc
    def start_import(
        self, upload_id: str, format: str, source: str, dry_run: bool = False, all_or_nothing: bool = False
    ) -> dict[str, Any]:
        """Import an uploaded file of households (``format``: csv, json or xlsx) as a job.

        ``source`` names the survey or export: with each row's ``household_ref`` it is the
        match key, so importing a corrected file again updates instead of duplicating.
        Rows outside the caller's area are refused. Two imports of one source never run
        at once (Conflict, naming the running job only if it is inside the caller's area).
        See :mod:`registry.importing.job` for ``dry_run`` and ``all_or_nothing``.
        """
        caller = policy.authorize(self.caller, "household.import")
        devices = imports.ImportDevices(
            self.households, self.reviews, self.uploads, self.jobs, self.national_ids, self.background
        )
        return imports.start_import(devices, caller, upload_id, format, source, dry_run, all_or_nothing)

    @timer(interval=3600, eager=True)
    def sweep_uploads(self) -> None:
        """At start and hourly: uploads never imported (or whose job died) are deleted after 24 h."""
        imports.sweep_uploads(self.uploads, self.jobs)

    # --- scoring ----------------------------------------------------------------------

    @rpc
    def assess_household(self, household_id: str, assessment: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Store a household's assessment and its score by the model in force; once per idempotency key.

        Answers ``{household_id, score, explanation}``; the explanation lists, per
        dimension, each rule with the value it saw and the points it gave.
        """
        caller = policy.authorize(self.caller, "household.assess")
        answers = parse(Assessment, assessment)
        return scoring.assess(self.scores, caller, household_id, answers, idempotency_key)

    @rpc
    def explain_score(self, household_id: str) -> dict[str, Any]:
        """The stored score of a household and how its model reached it from the stored answers.

        ``matches_stored`` is false if the answers now give another score than the one
        stored (a score written by a recompute racing a new assessment); a merged
        household answers with the household it was merged into.
        """
        caller = policy.authorize(self.caller, "scoring.read")
        explained = scoring.explain(self.scores, caller, household_id)
        return views.score_explanation(
            explained.household, explained.redirected_from, explained.stored, explained.answers, explained.scored
        )

    @rpc
    def list_scoring_models(self) -> list[dict[str, Any]]:
        """Every shipped model, oldest first: the one in force is ``active``, drafts are ``draft``."""
        policy.authorize(self.caller, "scoring.read")
        shipped, active = scoring.list_models()
        return [views.model_summary(model, active) for model in shipped]

    @rpc
    def start_score_recompute(self) -> dict[str, Any]:
        """Rescore every assessed household in the caller's area with the model in force, as a job.

        Follow it with ``get_job``: progress ``{done, total}``, then the run's report.
        Households already scored by that model from the same answers are not rewritten,
        so running it again completes an interrupted run and otherwise writes nothing.
        One recompute runs at a time (Conflict otherwise).
        """
        caller = policy.authorize(self.caller, "scoring.manage")
        return scoring.start_recompute(self.scores, self.jobs, self.background, caller)

    # --- areas and jobs ---------------------------------------------------------------

    @rpc
    def list_areas(self, parent: str) -> list[dict[str, Any]]:
        """The areas directly below ``parent`` (reference data: every signed-in role may read it)."""
        policy.authorize(self.caller, "area.read")
        return reference.list_areas(self.areas, parent)

    @rpc
    def import_communes(self, csv_text: str) -> dict[str, Any]:
        """Add or correct communes from a ``code;wilaya_code;name_fr;name_ar`` CSV."""
        policy.authorize(self.caller, "area.manage")
        return reference.import_communes(self.areas, csv_text)

    @rpc
    def get_job(self, job_id: str) -> dict[str, Any]:
        """A job's status and progress; jobs started outside the caller's area do not exist."""
        caller = policy.authorize(self.caller, "job.read")
        return reference.get_job(self.jobs, policy.scope(caller), job_id)

    @timer(interval=60, eager=True)
    def interrupt_stale_jobs(self) -> None:
        """Jobs whose process died stop showing as running."""
        self.jobs.interrupt_stale()
