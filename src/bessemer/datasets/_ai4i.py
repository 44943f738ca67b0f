"""Loader for the AI4I 2020 predictive-maintenance data (Matzka 2020; UCI 601, CC BY 4.0).

One CSV row per milled product::

    UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],
    Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF
    1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0

The frame: ``asset`` is the ``Product ID`` (unique per row), ``time`` the data row number
(a cycle; ``UDI`` is not kept). Signals and units:

=================== ====== ===========================================================
signal              unit   file column
=================== ====== ===========================================================
type_quality        1      Type: L, M, H as 0, 1, 2 (low, medium, high quality variant)
air_temperature     K      Air temperature [K]
process_temperature K      Process temperature [K]
rotational_speed    rpm    Rotational speed [rpm]
torque              N*m    Torque [Nm]
tool_wear_min       1      Tool wear [min] (minutes; the unit catalogue has no minute)
=================== ====== ===========================================================

``Type`` is an **ordinal** signal because L, M and H are ordered product-quality variants (the
source ties the tool wear added per process to them: 2, 3 and 5 minutes); one number keeps the
trees' splits natural and the explanations readable ("type_quality lowers the risk").

Labels are **meta** columns, never signals: ``machine_failure`` and the five failure modes
``twf`` (tool wear), ``hdf`` (heat dissipation), ``pwf`` (power), ``osf`` (overstrain) and
``rnf`` (random), each 0 or 1. The modes *define* the machine-failure label, so a model of
``machine_failure`` must never see them (see ``DefectClassifier(forbidden=...)``). A file
without any label column is read as products to predict; one with only some of them is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, NotFoundError, SchemaError, read_table

#: signal -> (unit, file column)
SIGNALS: dict[str, tuple[str, str]] = {
    "air_temperature": ("K", "Air temperature [K]"),
    "process_temperature": ("K", "Process temperature [K]"),
    "rotational_speed": ("rpm", "Rotational speed [rpm]"),
    "torque": ("N*m", "Torque [Nm]"),
    "tool_wear_min": ("1", "Tool wear [min]"),
}
#: meta label -> file column
LABELS: dict[str, str] = {"machine_failure": "Machine failure", "twf": "TWF", "hdf": "HDF", "pwf": "PWF",
                          "osf": "OSF", "rnf": "RNF"}
#: the failure-mode labels that define ``machine_failure`` (never features for it)
FAILURE_MODES: tuple[str, ...] = ("twf", "hdf", "pwf", "osf", "rnf")
TYPES: dict[str, int] = {"L": 0, "M": 1, "H": 2}
_OPTIONAL = ("UDI",)
_NON_ALNUM = re.compile(r"[^a-z0-9]")


def _key(name: str) -> str:
    return _NON_ALNUM.sub("", str(name).lower())


def read_ai4i(path: str | Path) -> Frame:
    """Read ``ai4i2020.csv`` (or a file in its layout) into a frame of products.

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8 with or without byte-order mark; comma, semicolon or tab).

    Returns
    -------
    Frame
        Signals and meta columns of the module docstring.

    Raises
    ------
    NotFoundError
        No such file.
    SchemaError
        Unknown or missing columns, listed by name with the expected layout.
    DataError
        Ragged rows, text or a missing value in a number, an unknown ``Type``, labels other
        than 0/1, or a repeated ``Product ID``; the message names file, row and column.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "ai4i.csv"
    >>> head = ("UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],"
    ...         "Torque [Nm],Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF")
    >>> _ = p.write_text(head + "\\n1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0\\n"
    ...                  "2,L47181,L,298.2,308.7,1408,46.3,3,1,1,0,0,0,0\\n")
    >>> f = read_ai4i(p)
    >>> f.assets, f.column("type_quality").tolist(), f.column("twf").tolist()
    (['L47181', 'M14860'], [0.0, 1.0], [1, 0])
    >>> "twf" in f.signals, f.units["torque"]
    (False, 'N*m')
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise NotFoundError(f"no AI4I file at {path}; expected ai4i2020.csv or a file in its layout")
    try:
        df = read_table(path, fmt="csv", text_columns=("Product ID", "Type"))
    except DataError as err:
        raise type(err)(err.reason, file=name, row=err.row, column=err.column) from err
    by_key = {_key(c): c for c in df.columns}
    cols: dict[str, str] = {}
    missing: list[str] = []
    need = {"product_id": "Product ID", "type": "Type", **{s: c for s, (_, c) in SIGNALS.items()}}
    for k, want in need.items():
        if _key(want) in by_key:
            cols[k] = by_key[_key(want)]
        else:
            missing.append(want)
    present = [lab for lab, col in LABELS.items() if _key(col) in by_key]
    if present and len(present) < len(LABELS):
        missing += [col for lab, col in LABELS.items() if lab not in present]
    cols.update({lab: by_key[_key(LABELS[lab])] for lab in present})
    known = {_key(c) for c in [*need.values(), *LABELS.values(), *_OPTIONAL]}
    unknown = [c for c in df.columns if _key(c) not in known]
    if missing or unknown:
        parts = ([f"missing column(s) {missing}"] if missing else []) + \
                ([f"unknown column(s) {unknown}"] if unknown else [])
        raise SchemaError("; ".join(parts) + ". An AI4I table has the columns "
                          f"{['UDI', *need.values(), *LABELS.values()]} (UDI and the six label columns may be left "
                          "out together for products to predict); rename or drop the columns", file=name,
                          column=(missing or unknown)[0])
    assets = df[cols["product_id"]].astype(str).str.strip()
    empty = (df[cols["product_id"]].isna() | (assets == "")).to_numpy()
    if empty.any():
        raise DataError("Product ID is empty; every row needs one", file=name, row=int(np.flatnonzero(empty)[0]) + 1,
                        column=cols["product_id"])
    dup = assets.duplicated().to_numpy()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero((assets == assets.iloc[r]).to_numpy())[0])
        raise DataError(f"Product ID {assets.iloc[r]!r} repeats row {first + 1}; each product is one row",
                        file=name, row=r + 1, column=cols["product_id"])
    types = df[cols["type"]].astype(str).str.strip().str.upper()
    bad = ~types.isin(list(TYPES)).to_numpy()
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"Type {str(df[cols['type']].iloc[r])[:20]!r} is not one of L, M, H", file=name,
                        row=r + 1, column=cols["type"])
    data: dict[str, object] = {"asset": assets.to_numpy(dtype=object), "time": np.arange(1, len(df) + 1),
                               "type_quality": types.map(TYPES).to_numpy(dtype=np.float64)}
    for sig in SIGNALS:
        data[sig] = _numbers(df[cols[sig]], cols[sig], name)
    for lab in present:
        vals = _numbers(df[cols[lab]], cols[lab], name)
        bad = ~np.isin(vals, (0.0, 1.0))
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise DataError(f"label is {vals[r]:g}; it must be 0 or 1", file=name, row=r + 1, column=cols[lab])
        data[lab] = vals.astype(np.int64)
    units = {"type_quality": "1", **{s: u for s, (u, _) in SIGNALS.items()}}
    return Frame(pd.DataFrame(data), units=units, meta=present, time_kind="cycle", source=name)


def _numbers(col: pd.Series, column: str, file: str) -> np.ndarray:
    num = pd.to_numeric(col, errors="coerce") if not pd.api.types.is_numeric_dtype(col) else col
    arr = np.asarray(num, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        cell = col.iloc[r]
        text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell).strip()
        what = "is missing" if not text or text.lower() in ("nan", "na", "null", "none") \
            else f"value {text[:40]!r} is not a number"
        raise DataError(f"{what}; every product needs a finite number here", file=file, row=r + 1, column=column)
    return arr
