"""The perceptron (a threshold logic unit) and its learning rule; logic gates; why XOR needs a
hidden layer.

The rule (Rosenblatt): for each misclassified example, move the weights towards it if it is
positive (w += ηx) and away from it if it is negative (w -= ηx), η the learning rate. If the
classes can be split by a straight line, this stops with every example right; XOR can't be
split so, and it never stops.
"""

from dataclasses import dataclass

import numpy as np

from casestudies.fundamentals.activations import step

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
    "NOR": np.array([1, 0, 0, 0]),
    "XOR": np.array([0, 1, 1, 0]),
}


@dataclass
class Perceptron:
    weights: np.ndarray
    bias: float
    converged: bool
    epochs: int
    mistakes_per_epoch: list[int]

    def predict(self, X):
        return step(np.asarray(X) @ self.weights + self.bias).astype(int)


def train_perceptron(X, y, *, learning_rate=1.0, max_epochs=100, seed=None) -> Perceptron:
    """Perceptron learning from zero weights (small random ones with `seed`) until all are right."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    rng = np.random.default_rng(seed)
    weights = np.zeros(X.shape[1]) if seed is None else rng.normal(0, 0.1, X.shape[1])
    bias = 0.0 if seed is None else float(rng.normal(0, 0.1))
    mistakes_per_epoch = []
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x, target in zip(X, y):
            predicted = step(x @ weights + bias)
            if predicted != target:
                sign = (
                    1 if target == 1 else -1
                )  # a missed positive pulls the line towards x, a false positive pushes it away
                weights += sign * learning_rate * x
                bias += sign * learning_rate
                mistakes += 1
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            return Perceptron(weights, bias, True, epoch, mistakes_per_epoch)
    return Perceptron(weights, bias, False, max_epochs, mistakes_per_epoch)


def xor_mlp_numpy(seed=0, epochs=300):
    """One hidden layer of 4 tanh units learns XOR, trained by our NumPy backpropagation."""
    from casestudies.fundamentals.backprop import MLP, fit
    from casestudies.fundamentals.optimizers import Adam

    model = MLP([2, 4, 1], hidden_activation="tanh", output_activation="sigmoid", seed=seed)
    fit(
        model,
        INPUTS,
        GATES["XOR"].astype(float),
        "binary_crossentropy",
        Adam(learning_rate=0.05),
        epochs,
        batch_size=4,
        seed=seed,
    )
    return model


def decision_boundary(predict, title: str, X=INPUTS, y=None):
    """Shade where `predict` says 1 over the unit square, with the four inputs on top."""
    import matplotlib.pyplot as plt

    grid = np.linspace(-0.5, 1.5, 201)
    xx, yy = np.meshgrid(grid, grid)
    zz = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    fig, axis = plt.subplots(figsize=(3.6, 3.4))
    axis.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], colors=["#dde6f0", "#f6d9b0"])
    if y is not None:
        axis.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="black", s=90, zorder=3)
    axis.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2", title=title)
    fig.tight_layout()
    return fig
