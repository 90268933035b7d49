# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Backpropagation and weight initialisation
#
# A network is a chain of functions; backpropagation is the chain rule applied from the loss
# backwards, reusing what the forward pass computed. `casestudies/fundamentals/backprop.py`
# does it in NumPy, and its gradients equal TensorFlow's `GradientTape` to 1e-6 (the tests check it).

# %%
import numpy as np

from casestudies.fundamentals import activations, initializers
from casestudies.fundamentals.backprop import MLP, gradient_norms_figure, gradient_norms_per_layer

# %% tags=["parameters"]
depth = 10
x, target, w1, w2 = 1.5, 1.0, 0.8, -0.4

# %% [markdown]
# ## One neuron chain, step by step
# x → z1 = w1·x → h = sigmoid(z1) → z2 = w2·h → prediction; loss L = (prediction − target)².

# %%
z1 = w1 * x
h = activations.sigmoid(z1)
prediction = w2 * h
loss = (prediction - target) ** 2
print(
    f"forward:  z1 = {z1:.4f}, h = sigmoid(z1) = {h:.4f}, prediction = {prediction:.4f}, loss = {loss:.4f}"
)
dL_dprediction = 2 * (prediction - target)
dL_dw2 = dL_dprediction * h
dL_dh = dL_dprediction * w2
dL_dz1 = dL_dh * activations.sigmoid_derivative(z1)
dL_dw1 = dL_dz1 * x
print(
    f"backward: dL/dpred = {dL_dprediction:.4f}, dL/dw2 = dL/dpred·h = {dL_dw2:.4f}, "
    f"dL/dh = dL/dpred·w2 = {dL_dh:.4f}, dL/dz1 = dL/dh·σ'(z1) = {dL_dz1:.4f}, dL/dw1 = dL/dz1·x = {dL_dw1:.4f}"
)
epsilon = 1e-6
numeric = (((w2 * activations.sigmoid((w1 + epsilon) * x)) - target) ** 2 - loss) / epsilon
print(f"check by finite difference: dL/dw1 ≈ {numeric:.4f}")

# %% [markdown]
# ## The same, for a whole MLP
# `MLP.forward` keeps each layer's input and pre-activation; `MLP.backward` walks the layers
# in reverse: dz = upstream · φ'(z), dW = inputᵀ dz, db = Σ dz, upstream for the layer below = dz Wᵀ.

# %%
rng = np.random.default_rng(0)
model = MLP([4, 5, 3, 1], hidden_activation="tanh", output_activation="sigmoid", seed=0)
X, y = rng.normal(size=(8, 4)), rng.integers(0, 2, 8).astype(float)
loss, grads = model.loss_and_gradients(X, y, "binary_crossentropy")
print(f"loss {loss:.4f}; gradient shapes:", [g.shape for g in grads])

# %% [markdown]
# ## Vanishing gradients
# Each sigmoid layer multiplies the backward signal by at most 0.25; ten of them leave the
# first layers almost nothing to learn from. ReLU passes the gradient through where it is active.

# %%
gradient_norms_figure(
    {name: gradient_norms_per_layer(name, depth=depth) for name in ("sigmoid", "tanh", "relu")}
)
# %% [markdown]
# ## Initialisation
# With all-zero weights, every hidden unit computes the same thing and receives the same
# gradient: after training, all 8 columns of the first layer are still identical.

# %%
print("from zeros:\n", initializers.symmetry_after_training(initializers.zeros).round(3))
print(
    "from Glorot uniform:\n",
    initializers.symmetry_after_training(initializers.glorot_uniform).round(3),
)

# %% [markdown]
# Glorot/Xavier (for tanh and sigmoid) and He (for ReLU) scale the random weights by the
# layer's fan-in and fan-out; in Keras: `kernel_initializer="glorot_uniform"` (the default) or `"he_normal"`.

# %%
shape = (300, 200)
for name in [
    "random_normal",
    "random_uniform",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
]:
    sample = getattr(initializers, name)(shape, rng)
    print(
        f"{name:15} std {sample.std():.4f}  (formula {initializers.expected_std(name, shape):.4f})"
    )

# %% [markdown]
# **Exercises**
# 1. Change `w1` and rerun the first cell: when is dL/dw1 largest? (Look at σ'(z1).)
# 2. Raise `depth` to 20. How small does the first sigmoid layer's gradient get?
