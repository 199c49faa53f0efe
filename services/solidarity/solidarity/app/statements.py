"""Bank and CCP statement imports: each credit matched once to a transfer gift or a pledge, the rest reported.

The directorate's statement (CSV) is read by the domain (``domain.statements``); its lines
are matched against the transfer gifts and active pledges inside the caller's area.
A line is taken once per directorate (``StatementImports.take``): importing the same
statement again, even concurrently, matches nothing twice. A line paying a pledge is
recorded as a gift of the pledge's donor and applied to the pledge (``app.pledges.pay``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from common import policy
from common.context import CallerContext
from common.contracts.gifts import PaymentIn
from common.errors import DomainError
from common.idempotency import KeyedRequest, keyed
from solidarity.app import pledges as pledging
from solidarity.app.ports import StatementImports
from solidarity.domain.statements import ExpectedGift, ExpectedPledge, parse_statement, reconcile


@dataclass(frozen=True)
class StatementDesk:
    pledges: pledging.PledgeDesk
    imports: StatementImports


def import_statement(
    desk: StatementDesk, caller: CallerContext, content: bytes, currency: str, key: KeyedRequest
) -> dict[str, Any]:
    """Match the statement's credits; the report says what matched, what did not (and why), what was seen before."""
    replay = desk.imports.report_by_key(key)
    if replay is not None:
        return replay
    statement = parse_statement(content, currency)  # refuses a file that is not CSV: nothing applied
    scope, area = policy.scope(caller), caller.area
    tokens = set().union(*(line.tokens() for line in statement.lines)) if statement.lines else set()
    gifts = desk.pledges.gifts.gifts
    expected: dict[str, ExpectedGift | ExpectedPledge] = {}
    for gift in gifts.awaiting_credit(scope, tokens):
        if gift.cash is not None and gift.cash.reference:
            expected[gift.cash.reference] = ExpectedGift(gift.id, gift.value)
    for pledge in desk.pledges.pledges.by_reference(scope, tokens):
        expected[pledge.reference] = ExpectedPledge(pledge.id, pledge.outstanding)
    seen = desk.imports.seen(area, [line.key for line in statement.lines])
    matched = reconcile(statement, expected, seen)
    import_id = desk.imports.new_id()
    report: dict[str, Any] = {
        "id": import_id, "area": area, "currency": currency, "matched_gifts": [], "matched_pledges": [],
        "unmatched": [
            {"line": line.line, "reason": why, "reference": line.reference, "amount_minor": line.amount.minor}
            for line, why in matched.unmatched
        ],
        "already_imported": [line.line for line in matched.already_imported],
        "problems": [{"line": p.line, "problem": p.problem} for p in matched.problems],
    }  # fmt: skip
    for line, gift_id in matched.gifts:
        if desk.imports.take(area, line.key, import_id, caller.user_id) is None:
            report["already_imported"].append(line.line)
            continue
        gifts.confirm_credit(gift_id, line.key)
        desk.imports.done(area, line.key)
        report["matched_gifts"].append({"line": line.line, "gift_id": gift_id, "amount_minor": line.amount.minor})
    for line, pledge_id in matched.pledges:
        holder = desk.imports.take(area, line.key, import_id, caller.user_id)
        if holder is None:
            report["already_imported"].append(line.line)
            continue
        payment = PaymentIn(amount=str(line.amount.major), currency=line.amount.currency, channel="bank_transfer",
                            reference=line.reference[:64] or None)  # fmt: skip
        # the key of whoever took the line first: a line taken by an import that did not finish records the same gift
        line_key = keyed(holder, f"statement-line-{line.key}", "statement_line", line.key)
        try:
            paid = pledging.pay(desk.pledges, caller, pledge_id, payment, line_key)
        except DomainError as refused:  # e.g. the pledge's campaign closed meanwhile
            code = (refused.details or {}).get("code", refused.code)
            report["unmatched"].append({"line": line.line, "reason": code, "reference": line.reference,
                                        "amount_minor": line.amount.minor})  # fmt: skip
            continue
        desk.imports.done(area, line.key)
        report["matched_pledges"].append(
            {"line": line.line, "pledge_id": paid.id, "amount_minor": line.amount.minor, "fulfilment": paid.fulfilment}
        )
    return desk.imports.save_report(report, key, caller.user_id)


def fingerprint(content: bytes) -> str:
    """What the import's idempotency fingerprint covers: the file's bytes."""
    return hashlib.sha256(content).hexdigest()
