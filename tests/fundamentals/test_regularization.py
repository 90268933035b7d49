"""Regularisation side by side: every variant trains, and L1/L2 shrink the weights."""

from casestudies.fundamentals.regularization import VARIANTS, compare, curves_figure


def test_regularisers_side_by_side_in_one_table():
    table, histories = compare(epochs=60)
    assert list(table["regularisation"]) == list(VARIANTS)
    assert table["test accuracy"].between(0, 1).all() and table["test loss"].notna().all()
    weights = table.set_index("regularisation")["sum of |weights|"]
    assert weights["L1"] < weights["none"] and weights["L2"] < weights["none"]
    assert len(curves_figure(histories).axes) == 6
