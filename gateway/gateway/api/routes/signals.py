"""Social watch (veille service): field signals and their lifecycle, break-the-glass, emergencies.

A signal is reported in a commune, triaged, a visit planned and made, and closed with an
outcome naming where it led. Every step takes an ``Idempotency-Key`` (the same key answers
the step's result again); a step its state does not allow is 409 with ``details.allowed``.
Protected fields (the reporter's identity, child-protection and gender-violence details) are
written and read only by the roles ``common.policy`` names; the others get them empty, named
in ``withheld``. A break-the-glass read opens them for a short time, with a justification,
and is audited like every read and step here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from common.contracts.signals import (
    AlertRuleOut,
    BreakGlassIn,
    BreakGlassOut,
    CloseIn,
    EmergencyIn,
    EmergencyOut,
    PlanVisitIn,
    SignalFilter,
    SignalIn,
    SignalOut,
    TriageIn,
    VisitIn,
)
from gateway.audit import COLLECTION, audited, from_response
from gateway.deps import Caller, IdempotencyKey, Rpc
from gateway.errors import COMMON_ERRORS, error_responses

signals = APIRouter(prefix="/v1/signals", tags=["veille"], responses=COMMON_ERRORS)
emergencies = APIRouter(prefix="/v1/emergencies", tags=["veille"], responses=COMMON_ERRORS)
alerts = APIRouter(prefix="/v1/alerts", tags=["veille"], responses=COMMON_ERRORS)
alert_rules = APIRouter(prefix="/v1/alert-rules", tags=["veille"], responses=COMMON_ERRORS)
router = APIRouter()

SignalId = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")]
EmergencyId = Annotated[str, Path(pattern=r"^[0-9a-f]{24}$")]
STEP_ERRORS = error_responses(401, 403, 404, 409, 422, 503)


@signals.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=audited("signal.report", "signal", from_response()),
    response_model=SignalOut,
    responses=error_responses(401, 403, 409, 422, 503),  # 409: the key was used for another request
)
async def report_signal(signal: SignalIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Report a signal in a commune of your area. A protected field your role may not write is 403
    (``protected_field_not_writable``); a geo-point outside the area is 422 (``geo_point_outside_area``)."""
    return await rpc.call("veille", "report_signal", signal.model_dump(mode="json"), idempotency_key, context=caller)


@signals.get(
    "",
    response_model=list[SignalOut],
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=audited("signal.list", "signal", COLLECTION),
)
async def list_signals(filters: Annotated[SignalFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """Signals in your area: those under a declared emergency first, then the most severe, then the newest."""
    return await rpc.call("veille", "list_signals", filters.model_dump(mode="json", exclude_none=True), context=caller)


@signals.get("/count", responses=error_responses(401, 403, 422, 503))
async def count_signals(filters: Annotated[SignalFilter, Query()], caller: Caller, rpc: Rpc) -> Any:
    """How many signals of your area match (``{"count": n}``)."""
    return await rpc.call("veille", "count_signals", filters.model_dump(mode="json", exclude_none=True), context=caller)


@signals.get(
    "/break-glass",
    response_model=list[BreakGlassOut],
    responses=error_responses(401, 403, 422, 503),
    openapi_extra=audited("signal.break_glass.list", "signal", COLLECTION),
)
async def list_break_glass(caller: Caller, rpc: Rpc, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    """For auditors: the latest break-the-glass reads of signals in your area, with who, why and until when."""
    return await rpc.call("veille", "list_break_glass", limit, context=caller)


@signals.get("/pockets", responses=error_responses(401, 403, 503))
async def find_pockets(caller: Caller, rpc: Rpc) -> Any:
    """Where the open signals with a geo-point gather in your area (DBSCAN, 500 m, 5 points): each pocket's
    centre, communes, counts, why it looks like an exclusion error, and its visit list (signal ids)."""
    return await rpc.call("veille", "find_pockets", context=caller)


@signals.get(
    "/{signal_id}",
    response_model=SignalOut,
    responses=error_responses(401, 403, 404, 422, 503),
    openapi_extra=audited("signal.read", "signal"),
)
async def get_signal(signal_id: SignalId, caller: Caller, rpc: Rpc) -> Any:
    """One signal of your area, its protected fields as your role (or a break-the-glass grant) may see them."""
    return await rpc.call("veille", "get_signal", signal_id, context=caller)


async def _step(rpc: Rpc, caller: Caller, method: str, signal_id: str, body: Any, key: str) -> Any:
    return await rpc.call("veille", method, signal_id, body.model_dump(mode="json"), key, context=caller)


@signals.post(
    "/{signal_id}/triage",
    response_model=SignalOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("signal.triage", "signal"),
)
async def triage_signal(
    signal_id: SignalId, body: TriageIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The cell has looked at the signal; it may correct the severity."""
    return await _step(rpc, caller, "triage_signal", signal_id, body, idempotency_key)


@signals.post(
    "/{signal_id}/visit-plan",
    response_model=SignalOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("signal.plan_visit", "signal"),
)
async def plan_signal_visit(
    signal_id: SignalId, body: PlanVisitIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, "plan_signal_visit", signal_id, body, idempotency_key)


@signals.post(
    "/{signal_id}/visit",
    response_model=SignalOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("signal.visit", "signal"),
)
async def record_signal_visit(
    signal_id: SignalId, body: VisitIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    return await _step(rpc, caller, "record_signal_visit", signal_id, body, idempotency_key)


@signals.post(
    "/{signal_id}/close",
    response_model=SignalOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("signal.close", "signal"),
)
async def close_signal(
    signal_id: SignalId, body: CloseIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey
) -> Any:
    """The outcome: case opened, referral, aid request (each naming its id), resolved, unfounded or duplicate."""
    return await _step(rpc, caller, "close_signal", signal_id, body, idempotency_key)


@signals.post(
    "/{signal_id}/break-glass",
    responses=error_responses(401, 403, 404, 422, 503),
    openapi_extra=audited("signal.break_glass", "signal"),
)
async def break_glass(signal_id: SignalId, body: BreakGlassIn, caller: Caller, rpc: Rpc) -> Any:
    """Read every protected field of the signal now, for a short configured time; the justification is kept
    for the auditors and the read is audited (``signal.break_glass``)."""
    return await rpc.call("veille", "break_glass", signal_id, body.model_dump(mode="json"), context=caller)


@emergencies.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EmergencyOut,
    responses=error_responses(401, 403, 409, 422, 503),
    openapi_extra=audited("emergency.declare", "emergency", from_response()),
)
async def declare_emergency(body: EmergencyIn, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """Declare a disaster over wilayas or communes of your area: their signals are listed first and
    assistance opens the urgent-aid fast track within the caps (``emergency_declared``). It lasts at most
    ``VEILLE_EMERGENCY_MAX_DAYS`` (90 days): longer is 422 ``emergency_too_long``."""
    return await rpc.call("veille", "declare_emergency", body.model_dump(mode="json"), idempotency_key, context=caller)


@emergencies.post(
    "/{emergency_id}/end",
    response_model=EmergencyOut,
    responses=STEP_ERRORS,
    openapi_extra=audited("emergency.end", "emergency"),
)
async def end_emergency(emergency_id: EmergencyId, caller: Caller, rpc: Rpc, idempotency_key: IdempotencyKey) -> Any:
    """End an emergency of your area now (its end date becomes now): assistance closes the urgent-aid fast
    track (``emergency_ended``). One already over is 409 ``emergency_already_ended``; extend by declaring again."""
    return await rpc.call("veille", "end_emergency", emergency_id, idempotency_key, context=caller)


@emergencies.get("", response_model=list[EmergencyOut], responses=error_responses(401, 403, 503))
async def list_emergencies(caller: Caller, rpc: Rpc) -> Any:
    """Emergencies over, inside or above your area, the latest first."""
    return await rpc.call("veille", "list_emergencies", context=caller)


@alert_rules.post(
    "",
    response_model=AlertRuleOut,
    responses=error_responses(401, 403, 409, 422, 503),
    openapi_extra=audited("alert_rule.publish", "alert_rule", from_response()),
)
async def publish_alert_rule(rule: dict[str, Any], caller: Caller, rpc: Rpc) -> Any:
    """Publish a rule's next version: ``{"id", "title_fr", "title_ar", "metric", "aggregate", "window_days",
    "comparison", "threshold", "where"}``; one that does not parse is 422 ``alert_rule_invalid`` (or
    ``alert_rule_unknown_metric``), nothing stored."""
    return await rpc.call("veille", "publish_alert_rule", rule, context=caller)


@alert_rules.get("", response_model=list[AlertRuleOut], responses=error_responses(401, 403, 503))
async def list_alert_rules(caller: Caller, rpc: Rpc) -> Any:
    """The version in force of every rule."""
    return await rpc.call("veille", "list_alert_rules", context=caller)


@alert_rules.post("/evaluations", responses=error_responses(401, 403, 503))
async def evaluate_alerts(caller: Caller, rpc: Rpc) -> Any:
    """Evaluate every rule now over every commune (the service also does it on a timer)."""
    return await rpc.call("veille", "evaluate_alerts", context=caller)


@alerts.get("", responses=error_responses(401, 403, 422, 503))
async def list_alerts(
    caller: Caller,
    rpc: Rpc,
    alert_status: Annotated[str | None, Query(alias="status", pattern="^(open|cleared)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """Alerts of the communes of your area, the latest raised first."""
    return await rpc.call("veille", "list_alerts", alert_status, limit, context=caller)


@alerts.post(
    "/{alert_id}/acknowledge",
    responses=error_responses(401, 403, 404, 409, 422, 503),
    openapi_extra=audited("alert.acknowledge", "alert"),
)
async def acknowledge_alert(
    alert_id: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}\.DZ-\d{2}-\d{4}\.[0-9A-Za-z-]{4,10}$")],
    caller: Caller,
    rpc: Rpc,
) -> Any:
    """You have seen the open alert (the first acknowledgement stays)."""
    return await rpc.call("veille", "acknowledge_alert", alert_id, context=caller)


router.include_router(signals)
router.include_router(emergencies)
router.include_router(alert_rules)
router.include_router(alerts)
