"""Bequests: the lifecycle as a state machine, documents and reasons per step, competent authority, due dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from common.errors import Forbidden, InvalidTransition, ValidationFailed
from solidarity.domain.bequests import Bequest, BequestRules, Taken, Threshold, declare
from solidarity.domain.money import Money
from solidarity.reference import ENV_BEQUEST_RULES, bequest_rules
from tests.unit.solidarity.refusal import refused

T0 = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
RULES = BequestRules(
    thresholds=(
        Threshold(Money.of("5000000", "DZD"), "wilaya-director"),
        Threshold(Money.of("50000000", "DZD"), "wali"),
        Threshold(None, "minister"),
    ),
    deadlines_days={"notified": 60, "accepted": 90, "valued": 180},
)


def taken(days: int = 0, *documents: str, note: str | None = None) -> Taken:
    return Taken(T0 + timedelta(days=days), "agent-1", documents, note)


def declared(value: str = "3000000") -> Bequest:
    return declare(id="b1", donor_id="d1", area="/DZ/16", declared_value=Money.of(value, "DZD"),
                   description="Un appartement F3 à Alger", taken=taken())  # fmt: skip


def test_the_whole_lifecycle_keeps_each_step_in_the_history() -> None:
    bequest = (
        declared()
        .notified(taken(5, "doc-will"))
        .accepted(taken(20, "doc-decision"), authority="wilaya-director", rules=RULES, charges=["prayers", " "])
        .valued(taken(40, "doc-expertise"), Money.of("3200000", "DZD"))
        .realised_as(taken(90, "doc-deed"), "real_estate", Money.of("3150000", "DZD"))
        .closed(taken(95))
    )
    assert bequest.state == "closed"
    assert [r.step for r in bequest.history] == ["declare", "notify", "accept", "value", "realise", "close"]
    assert bequest.history[1].documents == ("doc-will",) and bequest.history[1].by == "agent-1"
    assert (bequest.accepted_by, bequest.charges) == ("wilaya-director", ("prayers",))
    assert bequest.valuation == Money.of("3200000", "DZD") and bequest.realisation == "real_estate"
    assert bequest.realised == Money.of("3150000", "DZD") and bequest.allowed_steps == frozenset()


def test_a_step_out_of_order_is_refused_with_where_it_is_and_what_it_may_do() -> None:
    error = refused("bequest_step_out_of_order", declared().valued, taken(1, "doc"), Money.of("1", "DZD"))
    assert isinstance(error, InvalidTransition)
    assert error.details["state"] == "declared" and error.details["allowed"] == ["notify", "revoke"]
    notified = declared().notified(taken(1, "doc"))
    refused("bequest_step_out_of_order", notified.revoked, taken(2, note="changed mind"))  # too late to revoke
    refused("bequest_step_out_of_order", notified.notified, taken(2, "doc"))  # the same step twice
    refused("bequest_step_out_of_order", notified.closed, taken(2))


def test_refused_and_revoked_branches_end_the_bequest() -> None:
    revoked = declared().revoked(taken(3, note="the donor withdrew"))
    assert revoked.state == "revoked" and revoked.history[-1].note == "the donor withdrew"
    refused("bequest_step_out_of_order", revoked.notified, taken(4, "doc"))
    refused_ = declared().notified(taken(1, "doc")).refused(taken(30, "doc-refusal", note="charges too heavy"))
    assert refused_.state == "refused"
    refused("bequest_step_out_of_order", refused_.accepted, taken(31, "d"), authority="wilaya-director", rules=RULES)


def test_steps_carry_their_documents_and_reasons() -> None:
    refused("bequest_document_required", declared().notified, taken(1))
    refused("bequest_document_required", declared().notified, taken(1, "  "))
    refused("reason_required", declared().revoked, taken(1, note=" "))
    refused("reason_required", declared().notified(taken(1, "d")).refused, taken(2, "d"))


@pytest.mark.parametrize(
    ("value", "competent"),
    [("1", "wilaya-director"), ("5000000", "wilaya-director"), ("5000000.01", "wali"), ("50000001", "minister")],
)
def test_the_competent_authority_comes_from_the_configured_thresholds(value: str, competent: str) -> None:
    assert RULES.authority_for(Money.of(value, "DZD")) == competent
    notified = declared(value).notified(taken(1, "doc"))
    assert notified.accepted(taken(2, "d"), authority=competent, rules=RULES).accepted_by == competent
    for other in {"wilaya-director", "wali", "minister"} - {competent}:
        error = refused("bequest_authority_incompetent", notified.accepted, taken(2, "d"), authority=other, rules=RULES)
        assert isinstance(error, Forbidden) and error.details["required"] == competent


def test_other_thresholds_change_the_authority_without_code() -> None:
    national = BequestRules((Threshold(None, "minister"),))
    notified = declared().notified(taken(1, "doc"))
    assert notified.accepted(taken(2, "d"), authority="minister", rules=national).accepted_by == "minister"


@pytest.mark.parametrize(
    "thresholds",
    [
        (),
        (Threshold(Money.of("10", "DZD"), "a"),),
        (Threshold(None, "a"), Threshold(None, "b")),
        (Threshold(Money.of("10", "DZD"), "a"), Threshold(Money.of("10", "DZD"), "b"), Threshold(None, "c")),
        (Threshold(Money.of("10", "DZD"), "a"), Threshold(Money.of("20", "EUR"), "b"), Threshold(None, "c")),
    ],
)
def test_malformed_configuration_is_refused(thresholds: tuple[Threshold, ...]) -> None:
    refused("bequest_rules_invalid", BequestRules, thresholds)
    refused("bequest_rules_invalid", BequestRules, (Threshold(None, "a"),), {"pondering": 3})


def test_due_dates_per_step_and_overdue() -> None:
    notified = declared().notified(taken(5, "doc"))
    assert notified.due_on(RULES) == date(2027, 1, 15) + timedelta(days=60)
    assert not notified.overdue(RULES, date(2027, 3, 16)) and notified.overdue(RULES, date(2027, 3, 17))
    assert declared().due_on(RULES) is None  # no deadline configured for a declared intention
    closed_like = declared().revoked(taken(1, note="no"))
    assert closed_like.due_on(BequestRules((Threshold(None, "m"),), {"revoked": 1})) is None


def test_bad_facts_are_refused() -> None:
    refused("amount_not_positive", declare, id="b", donor_id="d", area="/DZ/16", declared_value=Money.of("0", "DZD"),
            description="x", taken=taken())  # fmt: skip
    refused("bequest_description_missing", declare, id="b", donor_id="d", area="/DZ/16",
            declared_value=Money.of("1", "DZD"), description=" ", taken=taken())  # fmt: skip
    accepted = declared().notified(taken(1, "d")).accepted(taken(2, "d"), authority="wilaya-director", rules=RULES)
    refused("amount_not_positive", accepted.valued, taken(3, "d"), Money.of("0", "DZD"))
    valued = accepted.valued(taken(3, "d"), Money.of("10", "DZD"))
    refused("bequest_realisation_unknown", valued.realised_as, taken(4, "d"), "shares", Money.of("10", "DZD"))
    refused("currency_mismatch", RULES.authority_for, Money.of("10", "EUR"))


def test_a_bequest_as_after_each_step_is_the_bequest_that_step_made() -> None:
    steps = [declared()]
    steps.append(steps[-1].notified(taken(5, "doc-will")))
    steps.append(steps[-1].accepted(taken(20, "doc"), authority="wilaya-director", rules=RULES, charges=["prayers"]))
    steps.append(steps[-1].valued(taken(40, "doc"), Money.of("3200000", "DZD")))
    steps.append(steps[-1].realised_as(taken(90, "doc"), "cash", Money.of("3150000", "DZD")))
    steps.append(steps[-1].closed(taken(95)))
    steps = [replace(b, version=n + 1) for n, b in enumerate(steps)]
    final = steps[-1]
    assert [final.as_after(n) for n in range(len(steps))] == steps
    refused_ = declared().notified(taken(1, "d")).refused(taken(2, "d", note="non"), authority="wilaya-director")
    assert refused_.as_after(1) == replace(declared().notified(taken(1, "d")), accepted_by=None, version=2)


def test_the_shipped_configuration_names_a_deciding_role_for_every_value() -> None:
    rules = bequest_rules({})
    assert [rules.authority_for(Money.of(v, "DZD")) for v in ("500000", "500000.01", "10000000", "10000001")] == [
        "cell-coordinator", "wilaya-director", "wilaya-director", "national-officer"]  # fmt: skip
    assert rules.deadlines_days == {"notified": 60, "accepted": 90, "valued": 180, "realised": 30}


def test_a_deployment_file_replaces_the_default(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[thresholds]]\nup_to = "100"\nauthority = "cell-coordinator"\n'
                    '[[thresholds]]\nauthority = "wilaya-director"\n[deadlines_days]\nnotified = 7\n')  # fmt: skip
    rules = bequest_rules({ENV_BEQUEST_RULES: str(path)})
    assert rules.authority_for(Money.of("100.01", "DZD")) == "wilaya-director" and rules.deadlines_days == {
        "notified": 7
    }


@pytest.mark.parametrize(
    "text",
    [
        "thresholds = 3",
        '[[thresholds]]\nauthority = "wali"',  # not a role of the platform
        '[[thresholds]]\nup_to = "10"\nauthority = "cell-coordinator"',  # no unbounded last threshold
        '[[thresholds]]\nup_to = "ten"\nauthority = "cell-coordinator"\n[[thresholds]]\nauthority = "wilaya-director"',
        '[[thresholds]]\nauthority = "wilaya-director"\n[deadlines_days]\nnotified = 0',
        '[[thresholds]]\nauthority = "wilaya-director"\n[deadlines_days]\npondering = 3',
        "not toml [",
    ],
)
def test_a_malformed_file_stops_the_start_with_its_code(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ValidationFailed) as error:
        bequest_rules({ENV_BEQUEST_RULES: str(path)})
    assert error.value.details["code"] == "bequest_rules_invalid"
    with pytest.raises(ValidationFailed):
        bequest_rules({ENV_BEQUEST_RULES: str(tmp_path / "missing.toml")})
