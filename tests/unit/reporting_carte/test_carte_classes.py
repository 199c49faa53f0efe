"""Choropleth classes: quantile breaks, each area in one class, unknown figures in "no data"."""

from reporting.domain.carte_classes import NO_DATA, by_quantiles, classify, quantile_breaks


def test_quantile_breaks_split_the_values_into_classes_of_equal_size() -> None:
    assert quantile_breaks([float(v) for v in range(1, 11)], 5) == (2.0, 4.0, 6.0, 8.0, 10.0)


def test_equal_values_make_fewer_classes_never_empty_ones() -> None:
    assert quantile_breaks([3.0, 3.0, 3.0, 9.0], 4) == (3.0, 9.0)
    assert quantile_breaks([], 5) == ()


def test_unknown_figures_fall_in_the_no_data_class_not_the_lowest() -> None:
    classes = by_quantiles({"01": 0.0, "02": 10.0, "03": None, "04": 20.0, "05": 30.0}, k=2)
    assert classes.of["03"] == NO_DATA
    assert classes.of["01"] == 0
    assert classes.of["05"] == classes.count - 1


def test_fixed_breaks_place_each_value_in_the_first_class_it_does_not_exceed() -> None:
    classes = classify({"a": 0.1, "b": 0.25, "c": 0.26, "d": 1.5}, (0.25, 0.5, 1.0))
    assert classes.of == {"a": 0, "b": 0, "c": 1, "d": 2}
    assert classes.bounds(1) == (0.25, 0.5)


def test_no_known_figure_makes_every_area_no_data() -> None:
    classes = by_quantiles({"a": None, "b": None})
    assert classes.count == 0
    assert set(classes.of.values()) == {NO_DATA}


def test_the_top_fixed_class_stretches_to_the_highest_value() -> None:
    classes = classify({"a": 0.1, "b": 1.78}, (0.5, 1.0))
    assert classes.of == {"a": 0, "b": 1}
    assert classes.bounds(1) == (0.5, 1.78)
