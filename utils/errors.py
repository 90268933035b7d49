"""The kit's one error type: a problem a learner can fix, said in one sentence."""


class KitError(Exception):
    """Bad input or a bad request. The command line prints the message and exits with status 2."""


def show(value) -> str:
    """A cell's value as a learner would write it: 1, not np.int64(1)."""
    return repr(value.item() if type(value).__module__ == "numpy" else value)  # no NumPy import
