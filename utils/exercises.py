"""Check cells for the notebooks' exercises: say whether a goal is met, never how to meet it."""


def check(metric: str, value: float, bars: dict[str, float], higher_is_better: bool = True) -> None:
    """Print whether `value` is at least as good as every bar (one sentence).

    Parameters
    ----------
    metric : str
        What `value` measures, as the student reads it ("test accuracy").
    value : float
        The student's score.
    bars : dict
        The scores to match or beat, by the name of the model that made them.
    higher_is_better : bool
        False for errors (MAE, RMSE), where lower is better.
    """
    missed = {
        name: bar
        for name, bar in bars.items()
        if (value < bar if higher_is_better else value > bar)
    }
    if missed:
        word = "below" if higher_is_better else "above"
        print(
            f"Not yet: your {metric} ({value:.3f}) is {word} "
            + " and ".join(f"{name}'s ({bar:.3f})" for name, bar in missed.items())
            + ". Change the model or its training, run it, then run this check again."
        )
        return
    print(
        f"Goal met: your {metric} ({value:.3f}) matches or beats "
        + " and ".join(f"{name}'s ({bar:.3f})" for name, bar in bars.items())
        + "."
    )
