"""Gradient descent on 2-D functions, with trajectories drawn on their contours.

A bowl, f = x² + y², has one minimum; plain gradient descent walks straight into it. The
saddle, f = x² − y², has none: from near the x-axis the walk first slides to the middle,
then escapes along y. Any optimizer from `optimizers` can drive the walk.
"""

import numpy as np

from casestudies.fundamentals.optimizers import SGD

FUNCTIONS = {
    # name: (f(x, y), its gradient)
    "bowl": (lambda p: p[0] ** 2 + p[1] ** 2, lambda p: np.array([2 * p[0], 2 * p[1]])),
    "elongated bowl": (
        lambda p: p[0] ** 2 + 10 * p[1] ** 2,
        lambda p: np.array([2 * p[0], 20 * p[1]]),
    ),
    "saddle": (lambda p: p[0] ** 2 - p[1] ** 2, lambda p: np.array([2 * p[0], -2 * p[1]])),
}


def descend(gradient, start, steps=50, optimizer=None) -> np.ndarray:
    """The points visited from `start`, one optimizer step per gradient (default: SGD, lr 0.1)."""
    optimizer = optimizer or SGD(learning_rate=0.1)
    point = np.array(start, dtype=float)
    trajectory = [point.copy()]
    for _ in range(steps):
        optimizer.step([point], [gradient(point)])
        trajectory.append(point.copy())
    return np.array(trajectory)


def contour_plot(name: str, trajectories: dict, limit: float = 2.0):
    """The function's contours with each named trajectory drawn on top."""
    import matplotlib.pyplot as plt

    function = FUNCTIONS[name][0]
    grid = np.linspace(-limit, limit, 200)
    xx, yy = np.meshgrid(grid, grid)
    fig, axis = plt.subplots(figsize=(5.2, 4.6))
    axis.contour(xx, yy, function(np.array([xx, yy])), levels=25, cmap="viridis", linewidths=0.8)
    for label, trajectory in trajectories.items():
        axis.plot(trajectory[:, 0], trajectory[:, 1], marker=".", markersize=4, label=label)
    starts = np.unique([trajectory[0] for trajectory in trajectories.values()], axis=0)
    axis.plot(starts[:, 0], starts[:, 1], "k*", linestyle="", markersize=12, label="start")
    axis.set(
        xlim=(-limit, limit),
        ylim=(-limit, limit),
        xlabel="x",
        ylabel="y",
        title=f"Gradient descent on the {name}",
    )
    axis.legend(fontsize=8)
    fig.tight_layout()
    return fig


def training_losses_figure(losses: dict, title: str):
    """Each named run's training loss per epoch (`losses`: name -> one loss per epoch)."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7, 4.5))
    for name, values in losses.items():
        axis.plot(range(1, len(values) + 1), values, label=name)
    axis.set(xlabel="epoch", ylabel="training loss", title=title)
    axis.legend()
    axis.grid(alpha=0.3)
    fig.tight_layout()
    return fig
