"""Loader for the SECOM semiconductor data (McCann & Johnston; UCI 179, CC BY 4.0).

A SECOM folder holds two files with one production lot per line, in the same order:

* ``secom.data``: 590 space-separated sensor readings, ``NaN`` where missing;
* ``secom_labels.data``: ``-1`` (pass) or ``1`` (fail) and a quoted timestamp
  ``"19/07/2008 11:55:00"`` (day first).

The frame: ``asset`` is ``"lot-00001"`` for the first line, signals ``s001`` ... ``s590``
(unit ``"1"``: the source names no units) with NaN kept, and the meta columns ``result``
(``"pass"``/``"fail"``) and ``timestamp`` (naive local time of the label). ``time`` is the
line number (a cycle), **not** the timestamp: the shared file repeats some timestamps (lots
finished in the same minute), so the timestamp cannot key a row, and a train and a test part
must share one time kind.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, NotFoundError

from ._plates import _read_lines, parse_numbers, split_fields

N_SENSORS = 590
SENSORS: tuple[str, ...] = tuple(f"s{i:03d}" for i in range(1, N_SENSORS + 1))
RESULTS = {-1: "pass", 1: "fail"}
_LABEL = re.compile(r'^\s*(-?1)\s+"?([^"]*?)"?\s*$')


def read_secom(path: str | Path) -> Frame:
    """Read a SECOM folder (``secom.data`` + ``secom_labels.data``) into a frame of lots.

    Parameters
    ----------
    path : str or Path
        The folder.

    Returns
    -------
    Frame
        590 signals with NaN where a reading is missing; meta ``result`` and ``timestamp``.

    Raises
    ------
    NotFoundError
        The folder or one of its two files is missing.
    DataError
        A line with other than 590 fields, text in a reading, a label other than -1/1, an unreadable
        timestamp, or files with different numbers of lots; the message names file, row and column.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "secom.data").write_text(" ".join(["1.5"] * 589 + ["NaN"]) + "\\n" + " ".join(["2"] * 590) + "\\n")
    >>> _ = (d / "secom_labels.data").write_text('-1 "19/07/2008 11:55:00"\\n1 "19/07/2008 12:32:00"\\n')
    >>> f = read_secom(d)
    >>> f.assets, f.column("result").tolist(), int(np.isnan(f.values()).sum())
    (['lot-00001', 'lot-00002'], ['pass', 'fail'], 1)
    """
    folder = Path(path)
    if not folder.is_dir():
        raise NotFoundError(f"no SECOM folder at {folder}; give a folder holding secom.data and secom_labels.data")
    data_file, label_file = folder / "secom.data", folder / "secom_labels.data"
    lines = [(i + 1, s) for i, s in enumerate(_read_lines(data_file, "secom.data")) if s.strip()]
    labels = [(i + 1, s) for i, s in enumerate(_read_lines(label_file, "secom_labels.data")) if s.strip()]
    if not lines:
        raise DataError("file is empty; expected one lot per line with 590 readings", file=data_file.name)
    if len(lines) != len(labels):
        raise DataError(f"secom.data has {len(lines)} lots but secom_labels.data has {len(labels)}; the two files "
                        "must have one line per lot, in the same order", file=label_file.name)
    rows = []
    for lineno, text in lines:
        fields = split_fields(text)
        if len(fields) != N_SENSORS:
            raise DataError(f"line has {len(fields)} readings, expected {N_SENSORS} (write NaN for a missing one)",
                            file=data_file.name, row=lineno)
        rows.append(fields)
    values = parse_numbers(rows, SENSORS, file=data_file.name, row_numbers=[n for n, _ in lines], allow_nan=True)
    result, stamps = [], []
    for lineno, text in labels:
        m = _LABEL.match(text)
        if m is None:
            first = text.split()[0] if text.split() else ""
            col = "label" if first not in ("-1", "1") else "timestamp"
            raise DataError(f"line {text.strip()[:40]!r} is not a label: expected -1 (pass) or 1 (fail) and a quoted "
                            'timestamp such as "19/07/2008 11:55:00"', file=label_file.name, row=lineno, column=col)
        result.append(RESULTS[int(m.group(1))])
        stamps.append(m.group(2).strip())
    ts = pd.to_datetime(pd.Series(stamps), format="%d/%m/%Y %H:%M:%S", errors="coerce")
    bad = ts.isna().to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"timestamp {stamps[r][:40]!r} is not a date and time like 19/07/2008 11:55:00",
                        file=label_file.name, row=labels[r][0], column="timestamp")
    n = len(rows)
    df = pd.DataFrame(values, columns=list(SENSORS))
    df.insert(0, "time", np.arange(1, n + 1))
    df.insert(0, "asset", [f"lot-{i:05d}" for i in range(1, n + 1)])
    df["result"] = np.asarray(result, dtype=object)
    df["timestamp"] = ts.to_numpy()
    return Frame(df, meta=["result", "timestamp"], time_kind="cycle", source=folder.name)
