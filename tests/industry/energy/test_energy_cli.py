"""`bessemer energy bill|schedule` and `bessemer bench steel-energy` through typer's runner (in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bessemer.cli import app
from bessemer.industry.energy import bills, load_tariff
from bessemer.industry.energy._synthetic import make_plant_load

runner = CliRunner()
TZ = "Asia/Seoul"


def _run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def write_uci(path: Path, days: int, *, start: str, seed: int = 0, scale: float = 0.002) -> pd.DataFrame:
    """Generated load in the UCI steel-energy layout: BOM, CRLF, dd/mm/yyyy interval ends, midnight rows
    written as 00:00 of the day they close. Returns the (start-stamped, UTC) table written."""
    d = make_plant_load(days, start=start, seed=seed).to_pandas()
    for c in ("usage_kwh", "lagging_kvarh", "leading_kvarh"):
        d[c] = (d[c] * scale).round(2)
    local = pd.DatetimeIndex(d["time"]).tz_convert(TZ)
    end = local + pd.Timedelta(minutes=15)
    midnight = (end.hour == 0) & (end.minute == 0)
    stamp = np.where(midnight, local.strftime("%d/%m/%Y") + " 00:00", end.strftime("%d/%m/%Y %H:%M"))
    nsm = np.where(midnight, 0, end.hour * 3600 + end.minute * 60)
    out = pd.DataFrame({
        "date": stamp, "Usage_kWh": d["usage_kwh"], "Lagging_Current_Reactive.Power_kVarh": d["lagging_kvarh"],
        "Leading_Current_Reactive_Power_kVarh": d["leading_kvarh"], "CO2(tCO2)": (d["usage_kwh"] * 4e-4).round(2),
        "Lagging_Current_Power_Factor": d["lagging_pf"], "Leading_Current_Power_Factor": d["leading_pf"],
        "NSM": nsm, "WeekStatus": np.where(local.day_of_week >= 5, "Weekend", "Weekday"),
        "Day_of_week": local.day_name(), "Load_Type": [f"{t.capitalize()}_Load" for t in d["load_type"]],
    })
    path.write_bytes(b"\xef\xbb\xbf" + out.to_csv(index=False, lineterminator="\r\n").encode("utf-8"))
    return d


@pytest.fixture(scope="module")
def uci(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    p = tmp_path_factory.mktemp("uci") / "steel.csv"
    return p, write_uci(p, 45, start="2025-05-19")  # 19 May to 2 July 2025


def test_bill_of_a_uci_file_matches_the_tariff_engine(uci):
    path, d = uci
    r = _run("energy", "bill", path, "--contract-kw", 300, "--json")
    assert r.exit_code == 0, r.output
    out = _last_json(r.stdout)
    assert [b["month"] for b in out["bills"]] == ["2025-05", "2025-06", "2025-07"]
    assert [b["partial"] for b in out["bills"]] == [True, False, True]
    idx = pd.DatetimeIndex(d["time"])
    ref = bills(pd.Series(d["usage_kwh"].to_numpy(), index=idx), tariff=load_tariff(on="2025-05-19"), contract_kw=300,
                lagging_kvarh=pd.Series(d["lagging_kvarh"].to_numpy(), index=idx),
                leading_kvarh=pd.Series(d["leading_kvarh"].to_numpy(), index=idx))
    assert [b["total_won"] for b in out["bills"]] == [b.total_won for b in ref]
    assert out["contract_kw"] == 300 and out["notes"] == []
    text = r.stdout
    assert "산업용(을) 고압A 선택 II" in text and "2025-06: ₩" in text and "(partial month)" in text
    for label in ("Demand charge", "기본요금", "Energy charge, maximum load", "청구금액", "Amount billed"):
        assert label in text, label
    assert f"₩{ref[1].total_won:>16,.0f}" in text


def test_bill_of_one_month_and_a_stated_contract_power_default(uci):
    path, d = uci
    r = _run("energy", "bill", path, "--month", "2025-06", "--json")
    assert r.exit_code == 0, r.output
    out = _last_json(r.stdout)
    june = (pd.DatetimeIndex(d["time"]).tz_convert(TZ).month == 6)
    peak_kw = d.loc[june, "usage_kwh"].max() * 4
    assert [b["month"] for b in out["bills"]] == ["2025-06"]
    assert out["contract_kw"] == np.ceil(d["usage_kwh"].max() * 4 / 100) * 100 >= peak_kw
    assert "Contract power not given" in out["notes"][0] and "Contract power not given" in r.stdout


def test_bill_of_your_own_export(tmp_path):
    p = tmp_path / "meter.csv"
    idx = pd.date_range("2025-03-01 00:15", "2025-04-01 00:00", freq="15min")  # interval ends, Seoul time
    pd.DataFrame({"stamp": idx.strftime("%Y-%m-%d %H:%M"), "kWh": 25.0}).to_csv(p, index=False, sep=";")
    r = _run("energy", "bill", p, "--time-col", "stamp", "--kwh-col", "kWh", "--contract-kw", 500, "--json")
    assert r.exit_code == 0, r.output
    b = _last_json(r.stdout)["bills"][0]
    assert b["month"] == "2025-03" and not b["partial"]
    assert b["peak_kw"] == 100.0 and b["billing_demand_kw"] == 150.0  # floor: 30 % of 500 kW
    assert b["items"][0]["amount_won"] == pytest.approx(150.0 * load_tariff(on="2025-03-01").demand_rate)


@pytest.mark.parametrize(("args", "needle"), [
    (["--month", "2025-13"], "YYYY-MM"),
    (["--month", "2024-01"], "no data in 2024-01"),
    (["--time-col", "date"], "--kwh-col"),
    (["--voltage", "low"], "voltage"),
    (["--option", "IV"], "option"),
    (["--contract-kw", "-5"], "contract"),
])
def test_bill_errors_are_clear_with_exit_code_1(uci, args, needle):
    path, _ = uci
    r = _run("energy", "bill", path, *args)
    assert r.exit_code == 1, r.output
    assert needle in r.stderr and "error:" in r.stderr


def test_bill_of_a_missing_or_broken_file(tmp_path):
    r = _run("energy", "bill", tmp_path / "nope.csv")
    assert r.exit_code == 1 and "no such file" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("date,Usage_kWh\n01/01/2018 00:15,3.2\n01/01/2018 00:30,lots\n", encoding="utf-8")
    r = _run("energy", "bill", bad)
    assert r.exit_code == 1 and "bad.csv" in r.stderr


def test_schedule_json(tmp_path):
    r = _run("energy", "schedule", "--start", "2025-08-04", "--heats", 6, "--days", 1, "--time-limit", 10, "--json")
    assert r.exit_code == 0, r.output
    out = _last_json(r.stdout)
    assert out["start"] == "2025-08-03T15:00:00Z" and out["heats"] == 6 and out["furnaces"] == 2
    assert out["saving_won"] == pytest.approx(out["as_is_won"] - out["optimised_won"], abs=0.05)
    assert out["saving_won"] >= 0 and out["status"] == "optimal" and 0 <= out["mip_gap"] <= 1e-3
    assert "as-is" in r.stdout and "optimised" in r.stdout and "saving" in r.stdout and "gap" in r.stdout


def test_schedule_says_which_assumption_is_missing():
    r = _run("energy", "schedule", "--start", "2026-08-03", "--heats", 4, "--days", 1)
    assert r.exit_code == 1 and "--fuel-cost-adjustment" in r.stderr and "2026-08-03" in r.stderr
    r = _run("energy", "schedule", "--start", "2026-08-03", "--heats", 4, "--days", 1, "--time-limit", 10,
             "--fuel-cost-adjustment", 5, "--json")
    assert r.exit_code == 0, r.output
    assert _last_json(r.stdout)["status"] == "optimal"


@pytest.mark.parametrize(("args", "needle"), [
    (["--start", "someday"], "--start"),  # the last --start wins
    (["--heats", 500, "--days", 1], "500 heats do not fit"),
    (["--days", 0], "days must be"),
    (["--time-limit", -1], "time_limit"),
])
def test_schedule_errors(args, needle):
    r = _run("energy", "schedule", "--start", "2025-08-04", *args)
    assert r.exit_code == 1 and needle in r.stderr, r.output
    assert "Traceback" not in r.output


def test_bench_needs_existing_files(tmp_path):
    r = _run("bench", "steel-energy", "--train", tmp_path / "a.csv", "--test", tmp_path / "b.csv")
    assert r.exit_code == 1 and "--train" in r.stderr and "no such file" in r.stderr


@pytest.mark.slow
def test_bench_on_generated_uci_files(tmp_path):
    pytest.importorskip("bessemer.industry.energy._bench", reason="the steel-energy bench module is not built yet")
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    write_uci(train, 35, start="2025-03-03", seed=1)
    write_uci(test, 7, start="2025-04-07", seed=2)
    r = _run("bench", "steel-energy", "--train", train, "--test", test, "--json")
    assert r.exit_code == 0, r.output
    out = _last_json(r.stdout)
    for key in ("rmse_15min", "rmse_1h", "rmse_day", "cv_15min", "cv_1h", "cv_day", "naive_day_rmse",
                "coverage90_day"):
        assert np.isfinite(out[key]), key
    assert out["rmse_15min"] <= out["rmse_day"] and 0 <= out["coverage90_day"] <= 1
