"""The course's fundamentals from scratch, in plain NumPy, each checked against Keras by the
tests in tests/fundamentals/.

Functions are named as Keras names them (`sigmoid`, `binary_crossentropy`, `Adam`, ...), so a
learner can hold the two side by side.
"""
