"""The aid request state machine and the approval levels, without service or database."""

from __future__ import annotations

import pytest

from assistance.domain import lifecycle
from assistance.domain.lifecycle import (
    APPROVAL_LEVELS,
    State,
    Step,
    advance,
    allowed_steps,
    check_checker,
    required_level,
)
from common import policy
from common.errors import Forbidden, InvalidTransition

HAPPY_PATH = [
    (Step.DIAGNOSE, State.DIAGNOSED),
    (Step.CHECK_ELIGIBILITY, State.CHECKED),
    (Step.PROPOSE, State.PROPOSED),
    (Step.APPROVE, State.APPROVED),
    (Step.SCHEDULE_PAYMENT, State.DISBURSEMENT_PENDING),
    (Step.RECORD_PAYMENT, State.DISBURSED),
    (Step.FOLLOW_UP_VISIT, State.FOLLOW_UP),
    (Step.FOLLOW_UP_VISIT, State.FOLLOW_UP),
    (Step.CLOSE, State.CLOSED),
]


def test_a_cash_grant_goes_from_reception_to_closure() -> None:
    state: str = State.RECEIVED
    for step, expected in HAPPY_PATH:
        state = advance(state, step)
        assert state == expected
    assert allowed_steps(state) == []


def test_in_kind_aid_is_delivered_straight_from_approval() -> None:
    assert advance(State.APPROVED, Step.DELIVER) == State.DISBURSED
    assert allowed_steps(State.APPROVED, "in_kind") == ["deliver", "cancel", "withdraw"]
    assert allowed_steps(State.APPROVED, "cash") == ["schedule_payment", "cancel", "withdraw"]


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (State.RECEIVED, Step.APPROVE),  # no decision before diagnosis, check and proposal
        (State.RECEIVED, Step.PROPOSE),
        (State.DIAGNOSED, Step.PROPOSE),  # proposing needs a check
        (State.PROPOSED, Step.DIAGNOSE),
        (State.APPROVED, Step.APPROVE),
        (State.REJECTED, Step.APPROVE),
        (State.DISBURSEMENT_PENDING, Step.CANCEL),  # money on its way: no cancellation
        (State.DISBURSED, Step.WITHDRAW),
        (State.CANCELLED, Step.DIAGNOSE),
        (State.CLOSED, Step.FOLLOW_UP_VISIT),
    ],
)
def test_steps_out_of_order_are_invalid_transitions(state: State, step: Step) -> None:
    with pytest.raises(InvalidTransition) as refused:
        advance(state, step)
    assert refused.value.code == "invalid_transition"
    assert refused.value.details["state"] == state.value
    assert refused.value.details["allowed"] == allowed_steps(state)
    assert step.value not in refused.value.details["allowed"]


@pytest.mark.parametrize("state", lifecycle.BEFORE_PAYMENT)
def test_cancel_and_withdraw_are_possible_until_payment(state: State) -> None:
    assert advance(state, Step.CANCEL) == State.CANCELLED
    assert advance(state, Step.WITHDRAW) == State.WITHDRAWN


def test_terminal_states_allow_nothing() -> None:
    for state in (State.CANCELLED, State.WITHDRAWN, State.CLOSED):
        assert allowed_steps(state) == []


def test_a_new_diagnosis_after_the_check_asks_for_a_new_check() -> None:
    assert advance(State.CHECKED, Step.DIAGNOSE) == State.DIAGNOSED
    assert "propose" not in allowed_steps(State.DIAGNOSED)


def test_regularisation_needs_a_diagnosis_before_the_decision() -> None:
    with pytest.raises(InvalidTransition):
        lifecycle.advance_regularisation("awaiting_diagnosis", "confirm")
    status = lifecycle.advance_regularisation("awaiting_diagnosis", Step.DIAGNOSE)
    assert status == "awaiting_decision"
    assert lifecycle.advance_regularisation(status, "annul") == "annulled"
    with pytest.raises(InvalidTransition):
        lifecycle.advance_regularisation("confirmed", "annul")
    assert lifecycle.regularisation_steps("awaiting_diagnosis") == ["diagnose"]
    assert lifecycle.regularisation_steps("awaiting_decision") == ["diagnose", "regularise"]
    assert lifecycle.regularisation_steps("confirmed") == []


@pytest.mark.parametrize(
    ("amount", "role"),
    [
        (1, policy.CELL_COORDINATOR),
        (20_000, policy.CELL_COORDINATOR),
        (20_001, policy.WILAYA_DIRECTOR),
        (200_000, policy.WILAYA_DIRECTOR),
        (200_001, policy.NATIONAL_OFFICER),
        (50_000_000, policy.NATIONAL_OFFICER),
    ],
)
def test_the_amount_decides_the_level(amount: int, role: str) -> None:
    assert required_level(amount).role == role


def test_levels_are_ordered_and_the_last_has_no_limit() -> None:
    limits = [level.max_amount_dzd for level in APPROVAL_LEVELS]
    assert limits[-1] is None
    bounded = [limit for limit in limits if limit is not None]
    assert bounded == sorted(bounded)


def test_a_higher_level_may_decide_a_small_amount() -> None:
    assert check_checker("director", [policy.WILAYA_DIRECTOR], 5_000, ["worker"]).role == policy.WILAYA_DIRECTOR


def test_a_coordinator_cannot_approve_above_its_level() -> None:
    with pytest.raises(Forbidden) as refused:
        check_checker("coordinator", [policy.CELL_COORDINATOR], 25_000, ["worker"])
    assert refused.value.details == {"required_role": policy.WILAYA_DIRECTOR, "amount_dzd": 25_000}


@pytest.mark.parametrize("maker", ["receiver", "proposer"])
def test_makers_never_decide_whatever_their_role(maker: str) -> None:
    with pytest.raises(Forbidden):
        check_checker(maker, [policy.NATIONAL_OFFICER], 1_000, ["receiver", "proposer"])


def test_a_social_worker_never_decides() -> None:
    with pytest.raises(Forbidden):
        check_checker("worker", [policy.SOCIAL_WORKER], 1, ["someone-else"])
