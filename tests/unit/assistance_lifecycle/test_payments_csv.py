"""The payment operator's reconciliation file: every line applied or reported."""

from __future__ import annotations

import pytest

from assistance.domain.payments import MalformedFile, list_id, parse_operator_csv, reference


def test_rows_are_read_with_either_separator() -> None:
    for sep in (",", ";"):
        text = sep.join(("reference", "status", "paid_at")) + "\n" + sep.join(("r-1", "PAID", "2026-03-05T10:00:00"))
        parsed = parse_operator_csv(text)
        assert parsed.problems == []
        (row,) = parsed.rows
        assert (row.reference, row.status, row.line) == ("r-1", "paid", 2)
        assert row.paid_at is not None and row.paid_at.tzinfo is not None


def test_bad_lines_are_reported_not_dropped() -> None:
    text = (
        "\ufeffreference,status,paid_at,failure_reason\n"
        "r-1,paid,yesterday\n,paid,2026-03-05\nr-3,lost,\nr-4,failed,,compte clôturé\n"
    )
    parsed = parse_operator_csv(text)
    assert [(p["line"], p["reference"]) for p in parsed.problems] == [(2, "r-1"), (3, None), (4, "r-3")]
    (failed,) = parsed.rows
    assert failed.status == "failed" and failed.failure_reason == "compte clôturé" and failed.paid_at is None


def test_a_file_without_the_columns_is_one_problem() -> None:
    parsed = parse_operator_csv("ref;state\nr-1;paid\n")
    assert parsed.rows == [] and parsed.problems[0]["line"] == 1
    assert "reference" in str(parsed.problems[0]["problem"])


def test_references_and_list_ids() -> None:
    assert reference("66b0c2f1e4a1b2c3d4e5f601", 2) == "66b0c2f1e4a1b2c3d4e5f601-2"
    assert list_id("2026-03", "/DZ/16", "post_office:16001") == "2026-03_DZ-16_post_office-16001"


def test_a_file_that_is_not_csv_is_refused_whole() -> None:
    with pytest.raises(MalformedFile) as raised:
        parse_operator_csv("reference,status,paid_at\nr-1,paid,2026-03-05\n" + "x" * 200_000 + ",paid,2026-03-05\n")
    assert raised.value.line == 3


def test_a_bare_carriage_return_ends_a_line() -> None:
    parsed = parse_operator_csv("reference,status,paid_at\r\nr-1\r,paid,2026-03-05\rr-2,failed,\r")
    assert [row.reference for row in parsed.rows] == ["r-2"]
    assert [(p["line"], p["reference"]) for p in parsed.problems] == [(2, "r-1"), (3, None)]
