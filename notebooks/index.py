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
# Worked, runnable notebooks for a first course in neural networks. Open one and run every
# cell top to bottom; change a parameter and run it again.
#
# They follow the course's four units. Within unit 1, backpropagation shares a notebook with
# weight initialisation, so it comes after the optimizers.
#
# ## Unit 1: MLPs and their fundamentals
# The fundamentals, written from scratch in NumPy and checked against Keras (regularisation
# compares Keras's own tools instead):
#
# - [The perceptron and logic gates](perceptron_and_logic_gates.ipynb): McCulloch–Pitts logic
#   units, threshold logic units, the perceptron rule, AND/OR/NAND/NOR, why XOR needs a hidden
#   layer.
# - [Activations and losses](activations_and_losses.ipynb): activation functions and their
#   derivatives, stable softmax, which loss with which output, logits.
# - [Gradient descent and optimizers](gradient_descent_and_optimizers.ipynb): learning rates,
#   saddles, SGD, momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam; batch, stochastic and
#   mini-batch gradient descent; learning-rate decay.
# - [Backpropagation and initialisation](backprop_and_initialisation.ipynb): the chain rule step
#   by step, an MLP's backward pass, vanishing gradients, zeros vs Glorot vs He.
# - [Regularisation](regularisation.ipynb): L1, L2, dropout, batch normalisation, early
#   stopping, side by side.
#
# Then the case studies, in plain NumPy, pandas, scikit-learn and Keras: read the data, split
# it, scale it, build, train and evaluate the network (timing `steps_per_execution` too), and
# judge the network beside a naive baseline and classic models. Each ends with exercises, one
# of which checks your answer.
#
# - [Diabetes](diabetes.ipynb), binary classification (Pima Indians diabetes, 532 rows):
#   sigmoid output, binary cross-entropy, a stratified split, scaling with the training rows'
#   statistics, leaked rows, overfitting.
# - [Iris](iris.ipynb), multiclass classification (Fisher's iris, 150 rows): `LabelEncoder`,
#   softmax, sparse categorical cross-entropy, `argmax`, the confusion matrix.
# - [Air quality](air_quality.ipynb), regression (New York air quality 1973, 153 rows): missing
#   values, linear output, MSE, MAE / RMSE / R², the learning rate and the number of updates.
#
# Then tune them:
#
# - [Grid search](grid_search.ipynb): "try everything": `GridSearchCV` with k-fold
#   cross-validation, its cost, searched vs default.
# - [Keras Tuner](keras_tuner_search.ipynb): search spaces in `build_model(hp)`; random,
#   Bayesian and Hyperband tuners; trials lost to missing values (NaN). (`tune` on the command
#   line adds a grid tuner and resuming.)
#
# ## Unit 2: CNNs
#
# - [Convolution and pooling](convolution_and_pooling.ipynb): a kernel as a pattern detector,
#   the output-shape formula with padding and stride, max and average pooling.
# - [Fashion](fashion.ipynb), image recognition with a CNN (Fashion-MNIST, 12,000 images):
#   `np.load`, the channel axis, Conv2D and pooling, filters and feature maps, a CNN beside
#   logistic regression and a dense network.
#
# ## Unit 3: RNNs
#
# - [Recurrent cells](recurrent_cells.ipynb): SimpleRNN, LSTM and GRU step by step, Keras's gate
#   orders, parameter counts, a state carried over time.
# - [El Niño](elnino.ipynb), forecasting with an RNN (Niño 1+2 sea temperature, 732 months):
#   windows, a split in time order, a GRU, the naive forecasts and a linear autoregression.
#
# ## Unit 4: autoencoders and GANs
# Networks that learn from images alone, on scikit-learn's 8×8 digits; a classifier judges
# what they make, beside PCA and a naive baseline:
#
# - [Autoencoder](autoencoder.ipynb): a digit squeezed into 16 numbers and back; the image
#   as its own target, the code layer, PCA as the best linear code, 2-number codes drawn.
# - [Denoising autoencoder](denoising.ipynb): clean digits out of noisy ones; `GaussianNoise`
#   in training only, a sparse code (an L1 activity penalty), and why it blurs light noise.
# - [Variational autoencoder](vae.ipynb): new digits from two numbers; the
#   reparameterisation trick, the KL term, a `keras.Model` with its own `train_step`, the
#   latent space drawn.
# - [GAN](gan.ipynb): a generator against a discriminator, two optimizers in one
#   `train_step`, samples kept by a callback, losses that don't fall, mode collapse.
#
# The same case studies run from a terminal: `python -m casestudies list`, then
# `python -m casestudies run diabetes` (or `run all`). Here is the list:

# %%
from casestudies.cli import main

exit_status = main(["list"])
