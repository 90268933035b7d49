"""Plain-text tables, readable on a projector and in a notebook."""


def format_value(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return (
            f"{value:.4g}"
            if abs(value) >= 1e4 or (value != 0 and abs(value) < 1e-3)
            else f"{value:.3f}"
        )
    return str(value)


def format_table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(header) for header in headers]] + [
        [format_value(value) for value in row] for row in rows
    ]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    numeric = [
        all(isinstance(row[column], (int, float)) or row[column] is None for row in rows)
        for column in range(len(headers))
    ]

    def line(row):
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric)
        ).rstrip()

    return "\n".join(
        [line(cells[0]), "  ".join("-" * width for width in widths)]
        + [line(row) for row in cells[1:]]
    )


def metrics_table(metrics: dict, metric_keys) -> str:
    """The test metrics beside the naive baseline's."""
    return format_table(
        ["metric", "model", "baseline"],
        [[key, metrics[key], metrics["baseline"][key]] for key in metric_keys],
    )
