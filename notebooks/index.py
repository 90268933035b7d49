# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Keras Case Studies
#
# Start with the fundamentals, in the course's order, each written from scratch in NumPy and
# checked against Keras:
#
# | notebook | topics |
# |---|---|
# | [The perceptron and logic gates](perceptron_and_logic_gates.ipynb) | threshold logic units, the perceptron rule, AND/OR/NAND/NOR, why XOR needs a hidden layer |
# | [Activations and losses](activations_and_losses.ipynb) | activation functions and their derivatives, stable softmax, which loss with which output |
# | [Gradient descent and optimizers](gradient_descent_and_optimizers.ipynb) | learning rates, saddles, SGD, momentum, Nesterov, Adagrad, RMSprop, Adam |
# | [Backpropagation and initialisation](backprop_and_initialisation.ipynb) | the chain rule step by step, an MLP's backward pass, vanishing gradients, zeros vs Glorot vs He |
# | [Regularisation](regularisation.ipynb) | L1, L2, dropout, batch normalisation, early stopping, side by side |
#
# Then the case studies:
#
# Worked, runnable case studies for a first course in neural networks. Open a notebook and run
# every cell top to bottom; change a parameter and run again.
#
# | notebook | task | data | what it teaches |
# |---|---|---|---|
# | [Diabetes](diabetes.ipynb) | binary classification | Pima Indians diabetes, 532 rows | sigmoid output, binary cross-entropy, scaling, baseline, ROC |
# | [Iris](iris.ipynb) | multiclass classification | Fisher's iris, 150 rows | label encoding, softmax, sparse categorical cross-entropy, argmax |
# | [Air quality](air_quality.ipynb) | regression | New York air quality 1973, 153 rows | missing values, linear output, MSE, MAE / RMSE / R² |
#
# Then tune them:
#
# | notebook | what it teaches |
# |---|---|
# | [Grid search](grid_search.ipynb) | "try everything": `GridSearchCV` with k-fold cross-validation, its cost, searched vs default |
# | [Keras Tuner](keras_tuner.ipynb) | search spaces in `build_model(hp)`; random, grid, Bayesian and Hyperband tuners; diverged trials; resuming |
#
# The same case studies run from a terminal: `python -m casestudies list`, then
# `python -m casestudies run diabetes` (or `run all`).

# %%
from casestudies.cli import main

main(["list"])
