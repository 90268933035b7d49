"""Gradient descent walks into the bowl's minimum and off the saddle."""

import numpy as np

from casestudies.fundamentals.gradient_descent import FUNCTIONS, contour_plot, descend
from casestudies.fundamentals.optimizers import SGD, Adam


def test_plain_gradient_descent_on_the_bowl_shrinks_by_one_minus_2_lr_each_step():
    trajectory = descend(
        FUNCTIONS["bowl"][1], start=(1.5, -1.0), steps=30, optimizer=SGD(learning_rate=0.1)
    )
    np.testing.assert_allclose(trajectory[-1], np.array([1.5, -1.0]) * 0.8**30)
    assert FUNCTIONS["bowl"][0](trajectory[-1]) < 1e-5


def test_the_saddle_pulls_towards_its_middle_in_x_and_pushes_away_in_y():
    trajectory = descend(FUNCTIONS["saddle"][1], start=(1.5, 0.01), steps=30)
    assert abs(trajectory[-1, 0]) < 1e-2 and abs(trajectory[-1, 1]) > 1.0


def test_momentum_and_adam_reach_the_elongated_bowls_minimum_and_are_plotted():
    gradient = FUNCTIONS["elongated bowl"][1]
    walks = {
        "SGD": descend(gradient, (1.8, 1.0), 100, SGD(0.04)),
        "momentum": descend(gradient, (1.8, 1.0), 100, SGD(0.04, momentum=0.8)),
        "Adam": descend(gradient, (1.8, 1.0), 100, Adam(0.1)),
    }
    assert all(np.linalg.norm(walk[-1]) < 0.1 for walk in walks.values())
    assert len(contour_plot("elongated bowl", walks).axes[0].lines) == 4


def test_each_walk_from_its_own_start_gets_its_own_star():
    bowl = FUNCTIONS["bowl"][1]
    walks = {
        "a": descend(bowl, (1.8, 1.2), 5, SGD(0.1)),
        "b": descend(bowl, (-1.8, 1.2), 5, SGD(0.9)),
    }
    (stars,) = [
        line for line in contour_plot("bowl", walks).axes[0].lines if line.get_label() == "start"
    ]
    assert sorted(stars.get_xdata()) == [-1.8, 1.8]
