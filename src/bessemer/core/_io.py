"""Reading tables from CSV and Parquet files with errors that name file and row.

:func:`read_table` is the one door through which tabular files enter Bessemer. It
refuses what it cannot read faithfully (missing, too large, empty, not UTF-8, ragged
rows, duplicate or empty column names) with a :class:`~bessemer.core.DataError` that
names the file and, where there is one, the 1-based data row (the header is not
counted). Cells that are not clean numbers stay text, so that :class:`~bessemer.core.Frame`
can name the exact bad cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._exceptions import DataError, SchemaError

#: default refusal threshold for one file (bytes)
MAX_BYTES = 64 * 1024 * 1024
#: cells read as missing values in numeric columns (compared lower-case, stripped)
NA_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none"})
#: columns that always stay text (identifiers must not become numbers: "007" is not 7)
TEXT_COLUMNS = ("asset", "signal", "unit", "kind", "note")
_DELIMITERS = (",", ";", "\t")
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}


def read_table(
    path: str | Path,
    *,
    fmt: str | None = None,
    sep: str | None = None,
    max_bytes: int = MAX_BYTES,
    text_columns: Sequence[str] = TEXT_COLUMNS,
) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or Path
        The file.
    fmt : {"csv", "parquet"}, optional
        Taken from the suffix (or the Parquet magic bytes) when omitted.
    sep : str, optional
        CSV delimiter; sniffed from the header among ``,`` ``;`` and tab when omitted.
    max_bytes : int
        Files larger than this are refused before they are read.
    text_columns : sequence of str
        CSV columns kept as text even when every cell looks like a number.

    Returns
    -------
    pandas.DataFrame
        CSV columns whose cells are all clean numbers (or empty / ``NA``) are numeric
        (``int64`` when all are whole and none is missing, else ``float64``); others
        keep their text so that later validation can name the bad cell.

    Raises
    ------
    DataError
        Missing, unreadable, oversized, empty or ragged files, naming file and row.
    SchemaError
        Empty or duplicate column names.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
    >>> _ = p.write_text("asset;time;temp\\r\\nfan-1;1;20,5\\r\\nfan-1;2;21\\r\\n", encoding="utf-8-sig")
    >>> df = read_table(p)
    >>> df["time"].tolist(), df["temp"].tolist()
    ([1, 2], ['20,5', '21'])
    """
    p = Path(path)
    name = str(path)
    try:
        if not p.exists():
            raise DataError("file does not exist; check the path", file=name)
        if not p.is_file():
            raise DataError("is not a regular file", file=name)
        size = p.stat().st_size
    except OSError as err:
        raise DataError(f"cannot access file: {err.strerror or err}", file=name) from err
    if size > max_bytes:
        raise DataError(
            f"file is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB "
            "(split the file, or raise the limit with BESSEMER_MAX_UPLOAD_MB)",
            file=name,
        )
    if size == 0:
        raise DataError("file is empty; expected a header row and data rows", file=name)
    kind = _format_of(p, fmt)
    if kind == "parquet":
        return _read_parquet(p, name)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read file: {err.strerror or err}", file=name) from err
    return parse_csv_bytes(raw, source=name, sep=sep, text_columns=text_columns)


def _format_of(p: Path, fmt: str | None) -> str:
    if fmt is not None:
        f = fmt.lower().lstrip(".")
        if f in ("csv", "tsv", "txt"):
            return "csv"
        if f in ("parquet", "pq"):
            return "parquet"
        raise DataError(f"format {fmt!r} is not supported; use 'csv' or 'parquet'", file=str(p))
    suffix = p.suffix.lower()
    if suffix in _PARQUET_SUFFIXES:
        return "parquet"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    try:
        with p.open("rb") as fh:
            magic = fh.read(4)
    except OSError as err:
        raise DataError(f"cannot read file: {err.strerror or err}", file=str(p)) from err
    return "parquet" if magic == b"PAR1" else "csv"


def _read_parquet(p: Path, name: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(p)
        df = table.to_pandas()
    except (pa.ArrowException, OSError, ValueError, TypeError) as err:
        raise DataError(f"cannot read Parquet file: {str(err)[:200]}", file=name) from err
    _check_columns([str(c) for c in df.columns], name)
    if df.empty:
        raise DataError("Parquet file has no data rows", file=name)
    return df.reset_index(drop=True)


def parse_csv_bytes(
    raw: bytes,
    *,
    source: str | None = None,
    sep: str | None = None,
    text_columns: Sequence[str] = TEXT_COLUMNS,
) -> pd.DataFrame:
    """Parse CSV bytes (UTF-8 with or without BOM; LF or CRLF) as :func:`read_table` does.

    Examples
    --------
    >>> df = parse_csv_bytes(b"asset,time,x\\n007,1,2.5\\n")
    >>> df["asset"].tolist(), df["time"].dtype.name, df["x"].dtype.name
    (['007'], 'int64', 'float64')
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n")  # 0 = header
        raise DataError(
            f"is not UTF-8 text (byte {err.start}); save the file as UTF-8 CSV",
            file=source, row=line if line > 0 else None,
        ) from err
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n")
        raise DataError("contains NUL bytes; is this a binary file?", file=source, row=row or None)
    text = text.rstrip("\r\n \t")
    if not text:
        raise DataError("file is empty; expected a header row and data rows", file=source)
    delim = sep if sep is not None else _sniff(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delim, strict=True))
    except (csv.Error, StopIteration) as err:
        raise DataError(f"cannot read the header row: {err}", file=source) from err
    columns = [h.strip() for h in header]
    if not columns:
        raise SchemaError("the first line is empty; it must be the header row (column names)", file=source)
    _check_columns(columns, source)
    ragged = _find_ragged(text, delim, len(columns), source)
    if ragged is not None:
        raise ragged
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=delim, dtype=str, keep_default_na=False, na_filter=False,
            skip_blank_lines=False, engine="c", quotechar='"', header=0,
        )
    except pd.errors.ParserError as err:
        raise DataError(f"cannot parse CSV: {str(err)[:200]}", file=source) from err
    except (pd.errors.EmptyDataError, ValueError, OverflowError, csv.Error) as err:
        raise DataError(f"cannot parse CSV: {str(err)[:200]}", file=source) from err
    if len(df.columns) != len(columns):
        raise DataError(
            f"header has {len(columns)} columns but pandas found {len(df.columns)}; check quoting",
            file=source,
        )
    df.columns = columns
    if df.empty:
        raise DataError("file has a header but no data rows", file=source)
    keep_text = set(text_columns)
    for c in df.columns:
        if c not in keep_text:
            df[c] = _maybe_numeric(df[c])
    return df


def _sniff(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: _count_unquoted(first, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _count_unquoted(line: str, ch: str) -> int:
    n, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == ch and not quoted:
            n += 1
    return n


def _check_columns(columns: list[str], source: str | None) -> None:
    seen: dict[str, int] = {}
    for i, c in enumerate(columns, start=1):
        if c == "" or c.startswith("Unnamed: "):
            raise SchemaError(f"column {i} has no name; every column needs a header", file=source)
        if c in seen:
            raise SchemaError(
                f"column name {c[:60]!r} appears twice (columns {seen[c]} and {i}); names must be unique",
                file=source, column=c[:60],
            )
        seen[c] = i


def _find_ragged(text: str, delim: str, width: int, source: str | None) -> DataError | None:
    """The first data row whose field count differs from the header's, as an error."""
    if '"' not in text:  # fast path: no quoting, so one line is one record
        counts = np.fromiter((line.count(delim) for line in text.split("\n")), dtype=np.int64)
        bad = np.flatnonzero(counts[1:] != width - 1)
        if bad.size == 0:
            return None
        row = int(bad[0]) + 1
        n = int(counts[row]) + 1
        blank = not text.split("\n")[row].strip()
        return _ragged_error(row, n, width, blank, source)
    try:
        for i, rec in enumerate(csv.reader(io.StringIO(text), delimiter=delim)):
            if i and len(rec) != width:
                return _ragged_error(i, len(rec), width, not any(f.strip() for f in rec), source)
    except csv.Error as err:
        return DataError(f"cannot parse CSV: {err}", file=source)
    return None


def _ragged_error(row: int, n: int, width: int, blank: bool, source: str | None) -> DataError:
    if blank and width > 1:
        return DataError("row is empty; remove blank lines inside the table", file=source, row=row)
    return DataError(
        f"row has {n} field(s) but the header has {width}; every row needs one value per column "
        "(is the delimiter also used inside an unquoted cell?)",
        file=source, row=row,
    )


def _maybe_numeric(col: pd.Series) -> pd.Series:
    """Numbers when every cell is a clean number or a missing-value token, else unchanged text."""
    s = col.astype(str).str.strip()
    na = s.str.lower().isin(NA_TOKENS).to_numpy()
    try:
        num = pd.to_numeric(s.where(~na), errors="coerce")
    except (ValueError, TypeError, OverflowError):
        return col
    num = num.astype("float64")
    if bool((num.isna().to_numpy() != na).any()):
        return col
    if not na.any():
        arr = num.to_numpy()
        if np.isfinite(arr).all() and (np.abs(arr) < 2**53).all() and (arr == np.floor(arr)).all() \
                and not s.str.contains(r"[.eE]", regex=True).any():
            return num.astype("int64")
    return num
