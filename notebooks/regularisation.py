# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Regularisation, side by side
#
# The diabetes network overfits: after a few dozen epochs its validation loss rises while its
# training loss keeps falling. Six runs of the same 16-8-1 network on the same split: none,
# L1, L2 (`kernel_regularizer`), dropout, batch normalisation, and early stopping
# (`casestudies/fundamentals/regularization.py`).

# %%
from casestudies.fundamentals.regularization import compare, curves_figure

# %% tags=["parameters"]
num_epochs = 300
quick = False

# %%
table, histories = compare(epochs=num_epochs, quick=quick)
table.round(3)

# %%
curves_figure(histories)

# %% [markdown]
# ## Reading the table
# - L1 and L2 add a penalty on the weights to the loss: the sum of |weights| is smaller, the
#   gap between training and validation loss narrower.
# - Dropout turns off 30% of the hidden units at random at each training step: the training
#   loss stays higher (even measured with every unit on, as the kit measures it), the
#   validation loss lower.
# - Batch normalisation rescales each layer's inputs; it mainly speeds and steadies training.
# - Early stopping keeps the weights of the best validation loss and stops soon after.
#
# With 532 rows, differences in test accuracy of one or two points are within the noise of
# the split: compare the validation curves, not only the last column.
#
# **Exercises**
# 1. Raise the L2 factor in `build_variant` to 1e-2. What happens to the training loss?
# 2. Combine dropout and early stopping. Is the best of both better than each?
