"""The kit's one error type: a problem a learner can fix, said in one sentence."""


class KitError(Exception):
    """Bad input or a bad request. The command line prints the message and exits with status 2."""
