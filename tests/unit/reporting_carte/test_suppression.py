"""Small-cell suppression: small counts hidden, one complement so a total cannot reveal them."""

from reporting.domain.suppression import Published, needs_suppression, suppress, suppress_count


def test_small_cells_are_hidden_and_zeros_are_not() -> None:
    published = suppress({"a": 3, "b": 0, "c": 12, "d": 4})
    assert published.cells == {"a": None, "b": 0, "c": 12, "d": None}
    assert published.total == 19


def test_a_lone_small_cell_takes_the_smallest_visible_cell_with_it() -> None:
    published = suppress({"a": 2, "b": 40, "c": 9, "d": 0})
    assert published.hidden == frozenset({"a", "c"})
    assert published.total == 51  # neither hidden cell can be recovered: only their sum, 11


def test_the_total_is_hidden_when_no_cell_can_complement_a_lone_small_cell() -> None:
    assert suppress({"a": 3, "b": 0}) == Published({"a": None, "b": 0}, None)
    assert suppress({"a": 7, "b": 0}) == Published({"a": 7, "b": 0}, 7)


def test_the_threshold_is_configurable() -> None:
    assert suppress({"a": 7, "b": 8, "c": 30}, threshold=10).hidden == frozenset({"a", "b"})
    assert suppress_count(4) is None
    assert suppress_count(5) == 5
    assert suppress_count(0) == 0
    assert suppress_count(None) is None


def test_only_readers_outside_the_directorate_read_suppressed_figures() -> None:
    assert needs_suppression(["donor"])
    assert needs_suppression([])
    assert not needs_suppression(["auditor"])
    assert not needs_suppression(["wilaya-director", "donor"])
