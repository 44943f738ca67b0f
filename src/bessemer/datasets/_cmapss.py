"""Loader for the NASA C-MAPSS turbofan run-to-failure data (FD001-FD004).

Each ``train_FD00N.txt`` / ``test_FD00N.txt`` file holds 26 space-separated numbers per
line (unit, cycle, three operating settings, 21 sensors; trailing spaces allowed);
``RUL_FD00N.txt`` holds the true remaining useful life at the last cycle of each test
unit, one integer per line. Nothing here depends on the readme's unit counts (the FD004
readme swaps them): counts are read from the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bessemer.core import DataError, Frame, NotFoundError

#: (column name, unit) for the 24 signal columns after ``unit`` and ``cycle``, after
#: Saxena et al. (2008), table 2. Ratios and enthalpies without a catalogued unit get ``"1"``.
SIGNALS: tuple[tuple[str, str], ...] = (
    ("setting1", "1"),
    ("setting2", "1"),
    ("setting3", "1"),
    ("T2", "degR"),  # total temperature at fan inlet
    ("T24", "degR"),  # total temperature at LPC outlet
    ("T30", "degR"),  # total temperature at HPC outlet
    ("T50", "degR"),  # total temperature at LPT outlet
    ("P2", "psia"),  # pressure at fan inlet
    ("P15", "psia"),  # total pressure in bypass duct
    ("P30", "psia"),  # total pressure at HPC outlet
    ("Nf", "rpm"),  # physical fan speed
    ("Nc", "rpm"),  # physical core speed
    ("epr", "1"),  # engine pressure ratio P50/P2
    ("Ps30", "psia"),  # static pressure at HPC outlet
    ("phi", "1"),  # ratio of fuel flow to Ps30 (pps/psi)
    ("NRf", "rpm"),  # corrected fan speed
    ("NRc", "rpm"),  # corrected core speed
    ("BPR", "1"),  # bypass ratio
    ("farB", "1"),  # burner fuel-air ratio
    ("htBleed", "1"),  # bleed enthalpy
    ("Nf_dmd", "rpm"),  # demanded fan speed
    ("PCNfR_dmd", "rpm"),  # demanded corrected fan speed
    ("W31", "lbm/s"),  # HPT coolant bleed
    ("W32", "lbm/s"),  # LPT coolant bleed
)
_NCOL = 2 + len(SIGNALS)
_SUBSETS = ("FD001", "FD002", "FD003", "FD004")


@dataclass(frozen=True)
class CmapssData:
    """One C-MAPSS subset.

    Attributes
    ----------
    subset : str
        ``"FD001"`` ... ``"FD004"``.
    train : Frame
        Cycle-indexed run-to-failure histories; asset ids ``"FD001-train-001"`` (zero padded so
        that the frame's sorted asset order is the unit order).
    test : Frame
        Truncated histories, asset ids ``"FD001-test-001"``.
    test_rul : numpy.ndarray
        True RUL (cycles, uncapped) after the last cycle of each test unit, in ``test.assets`` order.
    """

    subset: str
    train: Frame
    test: Frame
    test_rul: np.ndarray


def _column_name(j: int) -> str:
    return "unit" if j == 0 else "cycle" if j == 1 else SIGNALS[j - 2][0]


def _read_table(path: Path) -> np.ndarray:
    if not path.is_file():
        raise NotFoundError(f"C-MAPSS file not found: expected {path}")
    rows: list[list[float]] = []
    with path.open("r", encoding="ascii", errors="replace") as fh:
        for i, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != _NCOL:
                raise DataError(f"expected {_NCOL} space-separated numbers (unit, cycle, 3 settings, 21 sensors), "
                                f"found {len(parts)}", file=str(path), row=i)
            vals = []
            for j, p in enumerate(parts):
                try:
                    v = float(p)
                except ValueError:
                    raise DataError(f"expected a number, found {p[:20]!r}", file=str(path), row=i,
                                    column=_column_name(j)) from None
                if not np.isfinite(v):
                    raise DataError(f"expected a finite number, found {p[:20]!r}", file=str(path), row=i,
                                    column=_column_name(j))
                if j < 2 and (v != int(v) or v < (1 if j == 0 else 0)):
                    raise DataError(f"expected a positive whole number, found {p[:20]!r}", file=str(path),
                                    row=i, column=_column_name(j))
                vals.append(v)
            rows.append(vals)
    if not rows:
        raise DataError("file is empty; expected one line per unit and cycle", file=str(path))
    return np.asarray(rows, dtype=np.float64)


def _to_frame(arr: np.ndarray, subset: str, part: str, path: Path) -> Frame:
    units = arr[:, 0].astype(np.int64)
    width = max(3, len(str(units.max())))
    df = pd.DataFrame({
        "asset": [f"{subset}-{part}-{u:0{width}d}" for u in units],
        "time": arr[:, 1].astype(np.int64),
    })
    for j, (name, _unit) in enumerate(SIGNALS):
        df[name] = arr[:, 2 + j]
    return Frame(df, units=dict(SIGNALS), time_kind="cycle", source=str(path))


def _read_rul(path: Path) -> np.ndarray:
    if not path.is_file():
        raise NotFoundError(f"C-MAPSS file not found: expected {path}")
    out: list[int] = []
    with path.open("r", encoding="ascii", errors="replace") as fh:
        for i, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                v = int(text)
            except ValueError:
                raise DataError(f"expected one whole number of cycles per line, found {text[:20]!r}",
                                file=str(path), row=i, column="rul") from None
            if v < 0:
                raise DataError(f"expected a RUL ≥ 0, found {v}", file=str(path), row=i, column="rul")
            out.append(v)
    return np.asarray(out, dtype=np.float64)


def load_cmapss(data_dir: str | Path, subset: str = "FD001") -> CmapssData:
    """Load one C-MAPSS subset from the folder holding the original text files.

    Parameters
    ----------
    data_dir : str or Path
        Folder with ``train_FD00N.txt``, ``test_FD00N.txt`` and ``RUL_FD00N.txt``.
    subset : {"FD001", "FD002", "FD003", "FD004"}

    Returns
    -------
    CmapssData

    Raises
    ------
    NotFoundError
        A file is missing (the message names the expected path).
    DataError
        A malformed line (the message names file, row and column).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> row = " ".join(["0"] * 24)
    >>> _ = (d / "train_FD001.txt").write_text(f"1 1 {row} \\n1 2 {row} \\n")
    >>> _ = (d / "test_FD001.txt").write_text(f"1 1 {row} \\n")
    >>> _ = (d / "RUL_FD001.txt").write_text("7\\n")
    >>> data = load_cmapss(d, "FD001")
    >>> data.train.assets, data.test_rul.tolist(), data.train.units["T30"]
    (['FD001-train-001'], [7.0], 'degR')
    """
    subset = str(subset).upper()
    if subset not in _SUBSETS:
        raise DataError(f"unknown C-MAPSS subset {subset!r}; expected one of {list(_SUBSETS)}")
    root = Path(data_dir)
    paths = {k: root / f"{k}_{subset}.txt" for k in ("train", "test", "RUL")}
    train = _to_frame(_read_table(paths["train"]), subset, "train", paths["train"])
    test = _to_frame(_read_table(paths["test"]), subset, "test", paths["test"])
    rul = _read_rul(paths["RUL"])
    n_test = len(test.assets)
    if len(rul) != n_test:
        raise DataError(f"expected {n_test} RUL values (one per test unit), found {len(rul)}",
                        file=str(paths["RUL"]))
    return CmapssData(subset=subset, train=train, test=test, test_rul=rul)
