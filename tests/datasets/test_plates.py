"""Steel plates loader: Faults.NNA quirks on small generated files, bad input, the shared file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from bessemer.core import DataError, NotFoundError, SchemaError
from bessemer.datasets._plates import FAULTS, FEATURES, read_steel_plates

DATA = Path(os.environ.get("BESSEMER_DATA") or Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
REAL = DATA / "steel_plates_faults" / "Faults.NNA"


def _row(i: int, fault: int, n_features: int = 27) -> list[str]:
    feats = [str(i * 10 + j) if j % 3 else f"{0.5 + j / 100:.4f}" for j in range(n_features)]
    onehot = ["1" if k == fault else "0" for k in range(7)]
    return feats + onehot


def _write(tmp_path: Path, rows: list[list[str]], *, sep: str = "\t", eol: str = "\r\n",
           header: list[str] | None = None) -> Path:
    p = tmp_path / "Faults.NNA"
    lines = ([sep.join(header)] if header else []) + [sep.join(r) for r in rows]
    p.write_bytes((eol.join(lines) + eol).encode("ascii"))
    return p


def test_headerless_tab_crlf_file(tmp_path):
    f = read_steel_plates(_write(tmp_path, [_row(i, i % 7) for i in range(9)]))
    assert f.signals == list(FEATURES) and f.meta == ["fault"]
    assert f.assets[:2] == ["plate-00001", "plate-00002"] and f.time_kind == "cycle"
    assert f.column("fault").tolist()[:8] == [*FAULTS, FAULTS[0]]
    assert f.column("time").tolist() == list(range(1, 10))
    assert f.column("X_Maximum")[1] == 11.0 and f.units["X_Perimeter"] == "count" and f.units["Edges_Index"] == "1"
    assert f.source == "Faults.NNA"


def test_spaces_and_lf_read_the_same(tmp_path):
    rows = [_row(i, 2) for i in range(3)]
    a = read_steel_plates(_write(tmp_path, rows))
    b = read_steel_plates(_write(tmp_path, rows, sep="  ", eol="\n"))
    assert a.fingerprint() == b.fingerprint()


def test_features_only_file_has_no_labels(tmp_path):
    f = read_steel_plates(_write(tmp_path, [_row(i, 0)[:27] for i in range(3)]))
    assert f.meta == [] and len(f.signals) == 27


def test_header_in_any_order(tmp_path):
    names = [*FEATURES, *FAULTS]
    order = names[::-1]
    rows = [[r[names.index(n)] for n in order] for r in (_row(i, 3) for i in range(3))]
    f = read_steel_plates(_write(tmp_path, rows, sep=",", header=order))
    g = read_steel_plates(_write(tmp_path, [_row(i, 3) for i in range(3)]))
    assert f.fingerprint() == g.fingerprint()


def test_header_with_unknown_and_missing_names(tmp_path):
    names = [*FEATURES, *FAULTS]
    header = ["K_Scratch" if n == "K_Scatch" else n for n in names]
    header[0] = "Xmin"
    with pytest.raises(SchemaError) as err:
        read_steel_plates(_write(tmp_path, [_row(1, 0)], header=header))
    msg = str(err.value)
    assert "missing column(s) ['X_Minimum', 'K_Scatch']" in msg and "unknown column(s) ['Xmin', 'K_Scratch']" in msg
    assert "rename or drop" in msg and "Faults.NNA" in msg


@pytest.mark.parametrize(
    ("edit", "row", "column", "match"),
    [
        (lambda r: r[:-1], 2, None, "33 fields, expected 34"),
        (lambda r: [*r[:4], "abc", *r[5:]], 2, "Pixels_Areas", "'abc' is not a number"),
        (lambda r: [*r[:5], "NaN", *r[6:]], 2, "X_Perimeter", "missing"),
        (lambda r: [*r[:27], "1", "1", *r[29:]], 2, "Pastry", "exactly one must be 1"),
        (lambda r: [*r[:27], *["0"] * 7], 2, "Pastry", "exactly one must be 1"),
    ],
)
def test_malformed_rows_name_file_row_and_column(tmp_path, edit, row, column, match):
    rows = [_row(i, 1) for i in range(3)]
    rows[1] = edit(rows[1])
    with pytest.raises(DataError, match=match) as err:
        read_steel_plates(_write(tmp_path, rows))
    assert (err.value.file, err.value.row, err.value.column) == ("Faults.NNA", row, column)


def test_wrong_field_count_on_first_line_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="has 30 fields; a Faults.NNA line has 34"):
        read_steel_plates(_write(tmp_path, [_row(0, 1)[:30]]))
    with pytest.raises(NotFoundError, match="no steel plates file"):
        read_steel_plates(tmp_path / "nope.NNA")
    (tmp_path / "empty.NNA").write_text("\r\n")
    with pytest.raises(DataError, match="empty"):
        read_steel_plates(tmp_path / "empty.NNA")


@pytest.mark.data
@pytest.mark.skipif(not REAL.is_file(), reason=f"steel plates data absent at {REAL} (set BESSEMER_DATA to the "
                    "shared data folder holding steel_plates_faults/Faults.NNA)")
def test_shared_file():
    f = read_steel_plates(REAL)
    assert len(f) == 1553 and len(f.signals) == 27
    counts = dict(zip(*np.unique(f.column("fault"), return_counts=True), strict=True))
    assert set(counts) == set(FAULTS) and counts["Other_Faults"] == max(counts.values())
    assert not np.isnan(f.values()).any()
