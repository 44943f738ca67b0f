"""The command line, through typer's runner (in-process)."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from bessemer.cli import app
from bessemer.core import Store

runner = CliRunner()


@pytest.fixture()
def home(tmp_path):
    return tmp_path / "home"


def _run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_import_creates_assets_and_refuses_bad_files_without_changes(tmp_path, home):
    good = tmp_path / "good.csv"
    pd.DataFrame({"asset": ["p1"] * 3, "time": ["2024-01-01T00:00Z", "2024-01-01T01:00Z", "2024-01-01T02:00Z"],
                  "vibration[mm/s]": [1.0, 1.1, 1.2]}).to_csv(good, index=False)
    r = _run("import", good, "--home", home, "--create-assets")
    assert r.exit_code == 0, r.output
    assert "3 readings" in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("asset,time,vibration[mm/s]\np1,2024-01-02T00:00Z,1.0\np1,2024-01-02T01:00Z,oops\n")
    r = _run("import", bad, "--home", home, "--create-assets")
    assert r.exit_code == 2
    assert "bad.csv" in r.output and "row 2" in r.output and "vibration" in r.output
    with Store(home / "bessemer.duckdb", read_only=True) as store:
        assert store.count_readings() == 3


def test_unit_option_must_be_signal_equals_unit(tmp_path, home):
    f = tmp_path / "x.csv"
    f.write_text("asset,time,v\na,1,1\n")
    r = _run("import", f, "--home", home, "--unit", "v:mm/s")
    assert r.exit_code == 2 and "SIGNAL=UNIT" in r.output


def test_tokens_are_printed_once_and_listed_without_secret(home):
    r = _run("token", "create", "--name", "scada", "--role", "operator", "--home", home)
    assert r.exit_code == 0, r.output
    token = r.output.strip()
    assert len(token) >= 32
    listed = _run("token", "list", "--home", home).output
    assert "scada" in listed and "operator" in listed and token not in listed
    assert _run("token", "revoke", "--name", "scada", "--home", home).exit_code == 0
    assert "scada" not in _run("token", "list", "--home", home).output


def test_bench_without_data_is_a_clear_error(tmp_path):
    r = _run("bench", "cmapss", "--data", tmp_path, "--subset", "FD001")
    assert r.exit_code == 2 and "train_FD001.txt" in r.output


def test_train_and_predict_on_imported_cycles(tmp_path, home):
    from bessemer.testing import make_run_to_failure

    frame, _ = make_run_to_failure(10, seed=4)
    df = frame.to_pandas().rename(columns={"temp": "temp[K]", "vib": "vib[mm/s]", "press": "press[kPa]"})
    f = tmp_path / "runs.csv"
    df.to_csv(f, index=False)
    assert _run("import", f, "--home", home, "--create-assets").exit_code == 0
    # seven units ran to failure at their last cycle; three are still running
    last = frame.to_pandas().groupby("asset")["time"].max().reset_index().iloc[:7]
    with Store(home / "bessemer.duckdb") as store:
        store.add_events(last.assign(kind="failure"))
    r = _run("train", "--home", home)
    assert r.exit_code == 0, r.output
    assert "trained:" in r.output
    r = _run("predict", "--home", home, "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert {r["asset"] for r in rows} == {"u07", "u08", "u09"}
    assert {"asset", "rul", "rul_lower", "rul_upper", "risk", "rank"} <= set(rows[0])
    r = _run("plan", "--home", home, "--horizon", "20")
    assert r.exit_code == 0 and "horizon 20 cycle" in r.output


def test_bench_battery_json_last_line_on_generated_cells(tmp_path):
    from bessemer.industry.battery import make_cells, write_discharge_csv

    train = write_discharge_csv(make_cells(3, seed=1, n_cycles=40, currents=(2.0, 4.0)), tmp_path / "train")
    test = write_discharge_csv(make_cells(1, seed=2, n_cycles=40), tmp_path / "test")
    r = _run("bench", "battery", "--train", train, "--test", test, "--json")
    assert r.exit_code == 0, r.output
    last = json.loads(r.stdout.strip().splitlines()[-1])
    assert {"soh_rmse", "soh_mae", "coverage90", "eol_mae_cycles_25", "eol_mae_cycles_50"} <= set(last)
    assert last["n_test_cells"] == 1 and 0 <= last["coverage90"] <= 1
    bad = _run("bench", "battery", "--train", tmp_path / "nope", "--test", test)
    assert bad.exit_code != 0 and "no such folder" in bad.output
