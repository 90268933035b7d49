"""Backpropagation in NumPy: a multilayer perceptron's forward pass, backward pass and training.

A dense layer computes h = φ(XW + b). The forward pass keeps each layer's input and
pre-activation z; the backward pass walks the layers in reverse with the chain rule:

    dL/dz = dL/dh * φ'(z)      dL/dW = X^T dL/dz      dL/db = sum(dL/dz)      dL/dX = dL/dz W^T

tests/fundamentals/test_backprop.py checks these gradients against `tf.GradientTape`.
"""

import numpy as np

from casestudies.fundamentals import activations, losses
from casestudies.fundamentals.initializers import glorot_uniform

LOSSES = {
    # Keras's name -> (per-sample loss, its gradient with respect to the prediction)
    "mse": (losses.mean_squared_error, losses.mean_squared_error_gradient),
    "binary_crossentropy": (losses.binary_crossentropy, losses.binary_crossentropy_gradient),
    "sparse_categorical_crossentropy": (
        losses.sparse_categorical_crossentropy,
        losses.sparse_categorical_crossentropy_gradient,
    ),
}


class MLP:
    """Dense layers of the given sizes, e.g. [7, 16, 8, 1]: 7 inputs, two hidden layers, 1 output.

    Kernels start as Keras's do by default (Glorot uniform), biases at zero. `l2` is weight
    decay, as Keras's `kernel_regularizer=keras.regularizers.l2(l2)` on every layer: the loss
    gains l2 * (sum of the squared kernel weights), so each kernel's gradient gains 2 * l2 * W.
    """

    def __init__(
        self, sizes, hidden_activation="relu", output_activation="sigmoid", seed=0, l2=0.0
    ):
        rng = np.random.default_rng(seed)
        self.weights = [glorot_uniform(shape, rng) for shape in zip(sizes[:-1], sizes[1:])]
        self.biases = [np.zeros(fan_out) for fan_out in sizes[1:]]
        self.activations = [hidden_activation] * (len(sizes) - 2) + [output_activation]
        self.l2 = l2

    @property
    def params(self):
        """Weights and biases in Keras's order: kernel 1, bias 1, kernel 2, bias 2, ..."""
        return [param for pair in zip(self.weights, self.biases) for param in pair]

    def forward(self, X):
        """The output, and what the backward pass needs: each layer's input and pre-activation."""
        cache = []
        h = np.asarray(X, dtype=float)
        for W, b, name in zip(self.weights, self.biases, self.activations):
            z = h @ W + b
            cache.append((h, z))
            h = getattr(activations, name)(z)
        return h, cache

    def backward(self, cache, output_gradient):
        """Gradients of the loss for every parameter, from dL/doutput, by the chain rule."""
        grads = []
        upstream = output_gradient
        for (h, z), W, name in reversed(list(zip(cache, self.weights, self.activations))):
            if name == "softmax":
                dz = activations.softmax_vjp(z, upstream)
            else:
                dz = upstream * getattr(activations, f"{name}_derivative")(z)
            grads = [h.T @ dz, dz.sum(axis=0)] + grads
            upstream = dz @ W.T
        return grads

    def loss_and_gradients(self, X, y, loss: str):
        """The batch's mean loss (Keras's default reduction) and its gradients."""
        loss_function, loss_gradient = LOSSES[loss]
        output, cache = self.forward(X)
        targets = y if loss == "sparse_categorical_crossentropy" else np.reshape(y, output.shape)
        batch_loss = float(np.mean(loss_function(targets, output)))
        grads = self.backward(cache, loss_gradient(targets, output) / len(X))
        if self.l2:
            batch_loss += self.l2 * sum(float(np.sum(W**2)) for W in self.weights)
            grads[0::2] = [grad + 2 * self.l2 * W for grad, W in zip(grads[0::2], self.weights)]
        return batch_loss, grads

    def predict(self, X):
        return self.forward(X)[0]


def fit(
    model: MLP, X, y, loss: str, optimizer, epochs: int, batch_size: int = 32, seed: int = 0
) -> list[float]:
    """Mini-batch training: shuffle, then one update per batch; return the mean loss per epoch."""
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        epoch_losses = []
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            batch_loss, grads = model.loss_and_gradients(X[batch], y[batch], loss)
            optimizer.step(model.params, grads)
            epoch_losses.append(batch_loss)
        history.append(float(np.mean(epoch_losses)))
    return history


def gradient_norms_per_layer(
    hidden_activation: str, depth: int = 10, width: int = 32, seed: int = 0
) -> list[float]:
    """The norm of dL/dW for each layer of a deep net, first layer first, on one random batch.

    With sigmoid, each layer multiplies the backward signal by at most 0.25, so the first
    layers get almost no gradient (vanishing gradients); ReLU passes it through unchanged
    where it is active.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, width))
    y = (X[:, 0] > 0).astype(float)
    model = MLP(
        [width] * (depth + 1) + [1],
        hidden_activation=hidden_activation,
        output_activation="sigmoid",
        seed=seed,
    )
    _, grads = model.loss_and_gradients(X, y, "binary_crossentropy")
    return [float(np.linalg.norm(kernel_gradient)) for kernel_gradient in grads[0::2]]


def gradient_norms_figure(norms: dict, title="Vanishing gradients: deep sigmoid vs ReLU"):
    """Each network's gradient norm per layer (`norms`: label -> one norm per layer)."""
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(6.4, 4.2))
    for name, values in norms.items():
        axis.semilogy(range(1, len(values) + 1), values, marker="o", label=name)
    axis.set(
        xlabel="layer (1 = nearest the input)",
        ylabel="gradient norm of the layer's weights (log scale)",
        title=title,
    )
    # Room above the lines for the legend: 40% more decades on the log scale.
    values = [value for series in norms.values() for value in series if value > 0]
    axis.set_ylim(top=max(values) * (max(values) / min(values)) ** 0.4)
    axis.legend(loc="upper center", ncols=2, fontsize=8)
    axis.grid(alpha=0.3)
    fig.tight_layout()
    return fig
