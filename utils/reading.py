"""Read a CSV file, and turn every way it can fail into one sentence a learner can act on:
a missing or unreadable file, a folder, a compressed file or a spreadsheet under the wrong
name, text that is not UTF-8, duplicate column names, an empty file, a title line above the
header. An empty column without a name (a comma at the end of every line) is dropped.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from utils.errors import KitError, show

# What pandas infers from a file's name, and the bytes each kind of file starts with.
COMPRESSION_BY_SUFFIX = {".gz": "gzip", ".zip": "zip", ".xz": "xz", ".bz2": "bz2", ".zst": "zstd"}
MAGIC = {
    "gzip": b"\x1f\x8b",
    "zip": b"PK\x03\x04",
    "xz": b"\xfd7zXZ\x00",
    "bz2": b"BZh",
    "zstd": b"\x28\xb5\x2f\xfd",
}
SUFFIX_BY_COMPRESSION = {kind: suffix for suffix, kind in COMPRESSION_BY_SUFFIX.items()}
OFFICE_MAGIC = b"\xd0\xcf\x11\xe0"  # an old Excel .xls (or other Office) file
# What a file read as one column may be separated by instead of commas.
SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _sniff(path: Path) -> tuple[str | None, str]:
    """The compression (by content, and checked against the name) and the text encoding."""
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except PermissionError:
        raise KitError(f"Can't read {path} (permission denied): check its permissions.") from None
    except OSError as error:
        raise KitError(f"Can't read {path} ({error.strerror or error}).") from None
    named = COMPRESSION_BY_SUFFIX.get(path.suffix.lower())
    content = next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)
    if head.startswith(OFFICE_MAGIC) or (content == "zip" and _is_excel(path)):
        raise KitError(f"{path} is an Excel workbook, not a text CSV file. Export it as CSV.")
    if content == "zip" and named != "zip":
        raise KitError(
            f"{path} is a zip archive, not a text CSV file. Unzip it and give the CSV inside."
        )
    if named and content != named:
        held = f"{content}-compressed data" if content else "plain text"
        raise KitError(
            f"{path} is named like a {named} file ({path.suffix}) but holds {held}: "
            f"rename it to end in "
            f"{'.csv' + SUFFIX_BY_COMPRESSION[content] if content else '.csv'}."
        )
    if content and not named:
        raise KitError(
            f"{path} holds {content}-compressed data, though its name does not say so: "
            f"rename it to end in .csv{SUFFIX_BY_COMPRESSION[content]} (or decompress it)."
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content, "utf-16"
    return content, "utf-8-sig"


def _is_excel(path: Path) -> bool:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.startswith("xl/") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _not_utf8(path: Path, error: UnicodeDecodeError, compression: str | None) -> KitError:
    """A decoding failure: a binary file, or text in another encoding (say which byte)."""
    with path.open("rb") as file:
        head = file.read(4096)
    if compression is None and b"\x00" in head:
        return KitError(
            f"{path} is not a text CSV file (is it a spreadsheet or a zip?). Export it as CSV."
        )
    byte = error.object[error.start : error.start + 1].hex()
    return KitError(
        f"{path} is not UTF-8 text (it holds byte 0x{byte}: Latin-1 or Windows-1252?). "
        "Save it as 'CSV UTF-8', or convert it to UTF-8."
    )


def _header(path: Path, compression: str | None, encoding: str) -> list[str]:
    """The header row's names as written, before pandas renames repeats (`a`, `a.1`)."""
    try:
        first = pd.read_csv(
            path,
            header=None,
            nrows=1,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            compression=compression,
            encoding=encoding,
        )
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
        return []
    return [str(name).strip() for name in first.iloc[0]] if len(first) else []


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path, min_columns: int = 2) -> pd.DataFrame:
    """Read a CSV file, turning every way it can fail into one sentence.
    (`min_columns=1`: a series' recent values may come alone.)"""
    path = Path(path)
    if not path.exists():
        raise KitError(f"File not found: {path}. Check the path (it is relative to {Path.cwd()}).")
    if path.is_dir():
        raise KitError(
            f"{path} is a folder, not a CSV file. Give the path of the .csv file inside it."
        )
    compression, encoding = _sniff(path)
    try:
        frame = pd.read_csv(path, skipinitialspace=True, compression=compression, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise KitError(
            f"{path} is empty. Give a CSV file with a header row and data rows."
        ) from None
    except UnicodeDecodeError as error:
        raise _not_utf8(path, error, compression) from None
    except PermissionError:
        raise KitError(f"Can't read {path} (permission denied): check its permissions.") from None
    except (pd.errors.ParserError, ValueError, OSError, EOFError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        if fields := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", first_line):
            named, line, values = fields.groups()
            raise KitError(
                f"{path}: line {line} has {values} values, but the lines above it have {named}. "
                "Remove the extra values (or name their columns in the first line)."
            ) from None
        raise KitError(
            f"{path} could not be read as CSV ({first_line}). "
            "Check it has one header row and commas between values."
        ) from None
    # One name holding a separator that the first row holds too (decimal commas may split the
    # rows, never the header): the file is not comma-separated. A title line holds it alone.
    header = str(frame.columns[0])
    row = (
        "" if frame.empty else " ".join(map(str, [*np.atleast_1d(frame.index[0]), *frame.iloc[0]]))
    )
    separator = next(
        (
            name
            for mark, name in SEPARATORS.items()
            if mark in header and (frame.empty or mark in row)
        ),
        "",
    )
    if len(frame.columns) == 1 and separator:
        raise KitError(
            f"{path} has its values separated by {separator}, not commas (its header reads "
            f"{frame.columns[0]!r}). Save it as comma-separated CSV, with decimal points."
        )
    if frame.index.nlevels > 1:  # far more values a row than names: the first line is no header
        raise KitError(
            f"{path}: its first line has {len(frame.columns)} value(s), but the rows below have "
            f"{len(frame.columns) + frame.index.nlevels}. The first line must be the column "
            "names: if it is a title or a note, delete it."
        )
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took the unnamed first values as labels
        raise KitError(
            f"{path}: each data row has one more value than the header has names (the first, "
            f"like {str(frame.index[0])!r}, has no column name: row labels, as R writes them). "
            "Add a name for that first column to the header, or remove the labels."
        )
    header = _header(path, compression, encoding)
    whole_names = all(name.lstrip("-").isdigit() for name in header) and len(set(header)) == len(
        header
    )  # 0,1,2 or 2015,2016: column numbers or years
    if len(header) > 1 and all(_is_number(name) for name in header) and not whole_names:
        raise KitError(
            f"The first line of {path} ({', '.join(header[:4])}{', ...' * (len(header) > 4)}) "
            "looks like data, not column names: add a header row naming each column."
        )
    unnamed_with_values = [
        index
        for index, column in enumerate(frame.columns)
        if 0 < index < len(header) and not header[index] and not frame[column].isna().all()
    ]
    if unnamed_with_values and sum(map(bool, header)) == 1 and len(header) > 2:
        raise KitError(
            f"{path}: its first line names only {next(filter(None, header))!r}, but "
            f"the rows below hold {len(header)} values. The first line must be the column names: "
            "if it is a title or a note, delete it."
        )
    if unnamed_with_values:
        index = unnamed_with_values[0]
        values = frame.iloc[:, index].dropna()
        raise KitError(
            f"Column {index + 1} of {path} has no name in the header (it holds "
            f"{show(values.iloc[0])} on row {values.index[0] + 1} of the data). Name it in the "
            "first line."
        )
    unnamed_and_empty = [
        column
        for index, column in enumerate(frame.columns)
        if index < len(header) and not header[index] and frame[column].isna().all()
    ]
    frame = frame.drop(columns=unnamed_and_empty)
    header = [name for name in header if name]
    frame.columns = [str(column).strip() for column in frame.columns]
    repeated = [name for index, name in enumerate(header) if name in header[:index]]
    if not repeated and frame.columns.duplicated().any():
        repeated = list(frame.columns[frame.columns.duplicated()])
    if repeated:
        raise KitError(
            f"{path} has more than one column named {repeated[0]!r}. "
            "Rename the columns so each name is used once."
        )
    if len(frame.columns) < min_columns:
        raise KitError(
            f"{path} has a single column ({frame.columns[0]!r}): "
            "a CSV needs feature columns and a target column separated by commas."
        )
    if frame.empty:
        raise KitError(f"{path} has a header but no data rows. Add the rows below it.")
    return frame


def missing_words(path, missing: pd.DataFrame) -> dict[str, list[str]]:
    """For each column of `missing` (`read_csv(path)[columns].isna()`), the words in the file
    that pandas read as missing values ('NA', 'None', 'null', ...; not empty cells)."""
    path = Path(path)
    compression, encoding = _sniff(path)
    raw = pd.read_csv(
        path,
        usecols=lambda name: name.strip() in missing.columns,
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
        compression=compression,
        encoding=encoding,
    )
    raw.columns = [name.strip() for name in raw.columns]
    return {
        column: list(dict.fromkeys(raw[column][missing[column] & (raw[column].str.strip() != "")]))
        for column in missing.columns
    }
