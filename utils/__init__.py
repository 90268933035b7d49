"""Shared machinery for the case studies: data, preprocessing, training, evaluation, runs.

Importing this package quiets TensorFlow before anything loads it, so every command and
notebook of the kit prints what a learner needs and nothing else.
"""

import os
import warnings

# TensorFlow reads these once, when it is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ info and warning lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the oneDNN banner (and its round-off drift)

for _category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
    warnings.filterwarnings("ignore", category=_category)
