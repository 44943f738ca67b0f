"""The ``bessemer`` command line: demo, serve, import, ingest, train, predict, plan, process, energy, bench, token."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .core import BessemerError, Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bessemer: AI for heavy industry. Run `bessemer demo` to see it work.")
bench_app = typer.Typer(no_args_is_help=True, help="Reproducible benchmarks on public data sets.")
token_app = typer.Typer(no_args_is_help=True, help="API tokens (only their hashes are stored).")
app.add_typer(bench_app, name="bench")
app.add_typer(token_app, name="token")
process_app = typer.Typer(no_args_is_help=True, help="Process monitoring: score histories; inject faults in the demo.")
app.add_typer(process_app, name="process")
energy_app = typer.Typer(no_args_is_help=True, help="Energy: itemised KEPCO bills from meter files; time-of-use "
                         "production schedules.")
app.add_typer(energy_app, name="energy")

HomeOpt = Annotated[Path | None, typer.Option("--home", help="Folder for the store and models (BESSEMER_HOME).")]


def _settings(home: Path | None = None, **extra: Any) -> Settings:
    base = get_settings()
    values = base.model_dump()
    if home is not None:
        values.update(home=home, store_path=None, registry_dir=None)
    values.update({k: v for k, v in extra.items() if v is not None})
    return Settings(**values)


def _fail(err: Exception) -> None:
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def _data_dir(data: Path | None, settings: Settings, sub: str) -> Path:
    root = data or settings.data
    if root is None:
        _fail(BessemerError("no data folder: pass --data DIR or set BESSEMER_DATA"))
    assert root is not None
    root = Path(root)
    return root / sub if (root / sub).is_dir() else root


@app.command()
def version() -> None:
    """Print the version."""
    from . import __version__

    typer.echo(__version__)


@app.command()
def demo(
    home: HomeOpt = None,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    hours: Annotated[int, typer.Option(help="Simulated history, in hours.")] = 24 * 420,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    speed: Annotated[float, typer.Option(help="Simulated hours per second of live stream.")] = 1.0,
    prepare_only: Annotated[bool, typer.Option("--prepare-only", help="Prepare, then exit without serving.")] = False,
) -> None:
    """Simulate a steel works, train RUL models and serve the API and dashboard with live data."""
    from ._demo import run_demo

    settings = _settings(home or Path(".bessemer") / "demo", host=host, port=port, seed=seed)
    try:
        run_demo(settings, hours=hours, speed=speed, serve=not prepare_only)
    except BessemerError as err:
        _fail(err)


@app.command()
def serve(
    home: HomeOpt = None,
    port: Annotated[int | None, typer.Option(help="Port to serve on.")] = None,
    host: Annotated[str | None, typer.Option(help="Address to serve on.")] = None,
) -> None:
    """Serve the API and dashboard over an existing store and its trained models."""
    from ._demo import serve_store

    try:
        serve_store(_settings(home, host=host, port=port))
    except BessemerError as err:
        _fail(err)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV or Parquet files (wide or long layout).")],
    home: HomeOpt = None,
    unit: Annotated[list[str] | None, typer.Option(help="SIGNAL=UNIT, repeatable.")] = None,
    assets: Annotated[Path | None, typer.Option(help="Asset hierarchy JSON to load first.")] = None,
    create_assets: Annotated[bool, typer.Option(help="Create unknown assets instead of refusing them.")] = False,
    keep_last: Annotated[bool, typer.Option(help="On duplicate (asset, time) keep the last row.")] = False,
) -> None:
    """Load readings into the store; a failed file changes nothing."""
    from .core import AssetTree, Store, import_file

    units = {}
    for u in unit or []:
        if "=" not in u:
            _fail(BessemerError(f"--unit {u!r} must look like SIGNAL=UNIT"))
        k, v = u.split("=", 1)
        units[k.strip()] = v.strip()
    settings = _settings(home)
    try:
        with Store.from_settings(settings) as store:
            if assets is not None:
                store.put_assets(AssetTree.load(assets))
            for f in files:
                rep = import_file(store, f, units=units or None, create_assets=create_assets,
                                  on_duplicate="last" if keep_last else "error")
                typer.echo(f"{f}: {rep.rows} rows, {rep.readings} readings, {len(rep.assets)} assets"
                           + (f"; repairs: {'; '.join(rep.repairs)}" if rep.repairs else ""))
    except BessemerError as err:
        _fail(err)


@app.command()
def train(
    home: HomeOpt = None,
    kind: Annotated[list[str] | None, typer.Option(help="Equipment kinds to train (default: all).")] = None,
) -> None:
    """Train one RUL model per equipment kind from the store's readings and failure events."""
    from .core import ModelRegistry, Store
    from .industry.maintenance import train_rul_models

    settings = _settings(home)
    try:
        with Store.from_settings(settings) as store:
            models = train_rul_models(store, ModelRegistry(settings.models_dir), kinds=kind,
                                      progress=lambda s, f: typer.echo(f"[{f:4.0%}] {s}"))
        typer.echo(f"trained: {', '.join(sorted(models))} -> {settings.models_dir}")
    except BessemerError as err:
        _fail(err)


def _service(settings: Settings, store: Any) -> Any:
    from .core import ModelRegistry
    from .industry.maintenance import MaintenanceService, load_rul_models

    models = load_rul_models(ModelRegistry(settings.models_dir))
    if not models:
        raise BessemerError(f"no trained RUL models in {settings.models_dir}; run `bessemer train` first")
    service = MaintenanceService(store, models)
    service.refresh()
    return service


@app.command()
def predict(
    home: HomeOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the fleet ranked by failure risk with RUL intervals."""
    from .core import Store

    try:
        with Store.from_settings(_settings(home)) as store:
            fleet = _service(_settings(home), store).fleet()
    except BessemerError as err:
        _fail(err)
    if json_out:
        typer.echo(fleet.to_json(orient="records", date_format="iso"))
        return
    cols = ["rank", "asset", "kind", "rul", "rul_lower", "rul_upper", "health", "risk"]
    typer.echo(fleet[cols].to_string(index=False, float_format=lambda v: f"{v:.2f}"))


@app.command()
def plan(
    home: HomeOpt = None,
    horizon: Annotated[float | None, typer.Option(help="Planning horizon in the model's unit.")] = None,
    costs: Annotated[Path | None, typer.Option(help="Cost table JSON (see the bundled costs.json).")] = None,
) -> None:
    """Print the maintenance plan: replace now, schedule, or monitor, with expected costs."""
    from .core import Store
    from .industry.maintenance import CostTable

    try:
        with Store.from_settings(_settings(home)) as store:
            svc = _service(_settings(home), store)
            if costs is not None:
                svc.costs = CostTable.load(costs)
            p = svc.plan(horizon=horizon)
    except BessemerError as err:
        _fail(err)
    typer.echo(f"horizon {p['horizon']:g} {p['time_unit']}, expected cost ₩{p['total_expected_cost']:,.0f}, "
               f"expected saving vs run-to-failure ₩{p['total_saving']:,.0f}")
    for a in p["actions"]:
        due = "" if a["due"] is None else f" in {a['due']:.0f} {p['time_unit']}"
        typer.echo(f"  {a['action']:<12} {a['asset']:<24}{due}: {a['reason']}")


@bench_app.command("cmapss")
def bench_cmapss(
    subset: Annotated[str, typer.Option(help="FD001, FD002, FD003 or FD004.")] = "FD001",
    data: Annotated[Path | None, typer.Option(help="Folder with the C-MAPSS files (or its parent).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """C-MAPSS: train on train_FD00N, predict the last cycle of each test unit, score vs RUL_FD00N (cap 125)."""
    from .industry.maintenance._bench import format_cmapss_report, run_cmapss_bench

    settings = _settings()
    try:
        result = run_cmapss_bench(_data_dir(data, settings, "cmapss"), subset.upper(), seed=seed)
    except BessemerError as err:
        _fail(err)
    typer.echo(format_cmapss_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result) + "\n")


@bench_app.command("tep")
def bench_tep(
    data: Annotated[Path | None, typer.Option(help="Folder with d00.dat, dNN.dat and dNN_te.dat (or its parent).")]
    = None,
    json_out: Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")] = False,
    n_jobs: Annotated[int, typer.Option(help="Threads for the fault classifier.")] = 2,
) -> None:
    """Tennessee Eastman: detection rate, false alarms, delay and diagnosis accuracy per fault."""
    from .industry.process._bench import format_tep_report, run_tep_bench

    settings = _settings()
    try:
        result = run_tep_bench(_data_dir(data, settings, "tep_braatz"), n_jobs=n_jobs,
                               progress=lambda m: typer.echo(f"... {m}", err=True))
    except BessemerError as err:
        _fail(err)
    typer.echo(format_tep_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result) + "\n")


def _energy_fail(err: Exception) -> None:
    """The energy and steel-energy commands: a clear message on stderr and exit code 1."""
    typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _echo_progress(*parts: Any) -> None:
    typer.echo("... " + " ".join(str(p) for p in parts), err=True)


@bench_app.command("steel-energy")
def bench_steel_energy(
    train: Annotated[Path, typer.Option(help="UCI steel-energy CSV to fit on (Steel_industry_data.csv layout).")],
    test: Annotated[Path, typer.Option(help="UCI steel-energy CSV to forecast; may be the train file with --split.")],
    split: Annotated[str | None, typer.Option(help="Fit on intervals starting before this date and test from it "
                                                   "(e.g. 2018-08-01).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")] = False,
) -> None:
    """Steel energy: 15-minute, 1-hour and day-ahead load forecasts against the seasonal-naive baseline."""
    for what, path in (("--train", train), ("--test", test)):
        if not path.is_file():
            _energy_fail(BessemerError(f"{what} {path}: no such file; give the UCI steel-energy CSV "
                                       "(e.g. ../shared/data/steel_energy_uci/Steel_industry_data.csv)"))
    try:
        from .industry.energy._bench import format_steel_energy_report, run_steel_energy_bench

        result = run_steel_energy_bench(train, test, split=split, progress=_echo_progress)
    except (BessemerError, OSError, ValueError) as err:
        _energy_fail(err)
    typer.echo(format_steel_energy_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result, default=str) + "\n")


def _bench_paths(train: Path, test: Path, *, kind: str, what: str) -> None:
    """Refuse a missing --train/--test path before any work, naming what the benchmark expects."""
    for opt, path in (("--train", train), ("--test", test)):
        ok = path.is_dir() if kind == "dir" else path.is_file()
        if not ok:
            _fail(BessemerError(f"{opt} {path}: no such {'folder' if kind == 'dir' else 'file'}; give {what}"))


def _tabular_bench(kind: str, train: Path, test: Path, json_out: bool) -> None:
    from .industry.quality._tabular_bench import format_tabular_report, run_tabular_bench

    try:
        result = run_tabular_bench(kind, train, test, progress=_echo_progress)
    except (BessemerError, OSError) as err:
        _fail(err)
    typer.echo(format_tabular_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result, default=str) + "\n")


TrainFile = Annotated[Path, typer.Option(help="File to fit on (the shared file's layout).")]
TestFile = Annotated[Path, typer.Option(help="File to score (same layout).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")]


@bench_app.command("plates")
def bench_plates(train: TrainFile, test: TestFile, json_out: JsonOpt = False) -> None:
    """Steel plates faults (UCI 198): seven fault classes from 27 plate features."""
    _bench_paths(train, test, kind="file", what="a Faults.NNA-layout file (27 features + 7 one-hot classes)")
    _tabular_bench("plates", train, test, json_out)


@bench_app.command("ai4i")
def bench_ai4i(train: TrainFile, test: TestFile, json_out: JsonOpt = False) -> None:
    """AI4I 2020: machine failure from process readings, never from the failure-mode columns."""
    _bench_paths(train, test, kind="file", what="an ai4i2020.csv-layout file")
    _tabular_bench("ai4i", train, test, json_out)


@bench_app.command("secom")
def bench_secom(
    train: Annotated[Path, typer.Option(help="Folder with secom.data and secom_labels.data to fit on.")],
    test: Annotated[Path, typer.Option(help="Folder with secom.data and secom_labels.data to score.")],
    json_out: JsonOpt = False,
) -> None:
    """SECOM: pass/fail of a semiconductor lot from 590 sensors with many missing values."""
    _bench_paths(train, test, kind="dir", what="a folder holding secom.data and secom_labels.data")
    _tabular_bench("secom", train, test, json_out)


@bench_app.command("neu")
def bench_neu(
    train: Annotated[Path, typer.Option(help="Folder with one sub-folder of images per class, to fit on.")],
    test: Annotated[Path, typer.Option(help="Folder with one sub-folder of images per class, to score.")],
    json_out: JsonOpt = False,
    plot: Annotated[Path | None, typer.Option(help="Write the confusion matrix as an SVG here.")] = None,
) -> None:
    """NEU surface defects: six classes of hot-rolled strip images; unsure images are flagged for a person."""
    from .industry.quality._image_bench import format_neu_report, run_neu_bench

    _bench_paths(train, test, kind="dir", what="a folder with one sub-folder of images per class")
    try:
        result = run_neu_bench(train, test, progress=_echo_progress, plot=plot)
    except (BessemerError, OSError) as err:
        _fail(err)
    typer.echo(format_neu_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result, default=str) + "\n")


@bench_app.command("battery")
def bench_battery(
    train: Annotated[Path, typer.Option(help="Folder of cells to fit on (NASA layout: discharge_csv/*.csv and/or "
                                             "mat/*.mat, optional metadata*.csv).")],
    test: Annotated[Path, typer.Option(help="Folder of cells to score (same layout).")],
    json_out: JsonOpt = False,
    rated_ah: Annotated[float, typer.Option("--rated-ah", help="Rated capacity of the cells (Ah).")] = 2.0,
    window: Annotated[float, typer.Option(help="Seconds of each discharge the quick test sees.")] = 600.0,
) -> None:
    """Batteries: quick SOH from the first 600 s of a discharge, and early end of life, on unseen cells."""
    from .industry.battery._bench import format_battery_report, run_battery_bench

    _bench_paths(train, test, kind="dir", what="a folder with discharge_csv/*.csv and/or mat/*.mat (NASA layout)")
    if rated_ah <= 0 or window <= 0:
        _fail(BessemerError(f"--rated-ah and --window must be positive, got {rated_ah} and {window}"))
    try:
        result = run_battery_bench(train, test, rated_ah=rated_ah, window_s=window, progress=_echo_progress)
    except (BessemerError, OSError) as err:
        _fail(err)
    typer.echo(format_battery_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result, default=str) + "\n")


@app.command()
def ingest(
    config: Annotated[Path, typer.Option(help="Tag map (TOML): MQTT topics and OPC UA nodes -> assets and signals.")],
    store: Annotated[str, typer.Option(help="DuckDB file or postgresql:// URL to write into.")],
    buffer: Annotated[Path, typer.Option(help="Folder of the on-disk store-and-forward buffer.")],
    broker: Annotated[str | None, typer.Option(help="MQTT broker URL; overrides the tag map's broker url.")] = None,
    client_id: Annotated[str | None, typer.Option(help="MQTT client id (one persistent session per id).")] = None,
    stats_every: Annotated[float, typer.Option(help="Seconds between progress lines.")] = 5.0,
    buffer_max_readings: Annotated[int, typer.Option(
        min=1, help="Cap of the disk buffer; beyond it MQTT messages stay unacknowledged in the broker.")]
    = 20_000_000,
) -> None:
    """Take readings from MQTT and OPC UA into a store; a broker or store outage loses nothing (Ctrl+C stops)."""
    import logging

    from .ingest import run_ingest

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run_ingest(config, store, buffer, broker_url=broker, client_id=client_id, stats_every=stats_every,
                   buffer_max_readings=buffer_max_readings)
    except BessemerError as err:
        _fail(err)


@bench_app.command("ingest")
def bench_ingest(
    rows: Annotated[int, typer.Option(help="Readings per batch-import run (100 assets x 10 signals x rows/1000).")]
    = 1_000_000,
    mqtt_seconds: Annotated[float, typer.Option(help="Seconds of sustained MQTT publishing.")] = 60.0,
    mqtt_rate: Annotated[float, typer.Option(
        help="MQTT messages per second the publisher offers (0: as fast as the broker acknowledges).")] = 25_000.0,
    api_rate: Annotated[float, typer.Option(help="API requests per second, at fixed send times.")] = 500.0,
    api_seconds: Annotated[float, typer.Option(help="Seconds of API load.")] = 20.0,
    api_write_hz: Annotated[float, typer.Option(
        help="Writes of 240 readings per second beside a second API run (0 skips it).")] = 1.0,
    repeats: Annotated[int, typer.Option(help="Batch-import runs per store (the median is reported).")] = 3,
    json_out: JsonOpt = False,
) -> None:
    """Batch import into DuckDB and PostgreSQL, MQTT end to end with loss counted, API latency under load."""
    from .ingest._load_bench import format_ingest_report, run_ingest_bench

    try:
        result = run_ingest_bench(rows=rows, mqtt_seconds=mqtt_seconds, mqtt_rate=mqtt_rate or None,
                                  api_rate=api_rate, api_seconds=api_seconds,
                                  api_write_hz=api_write_hz, repeats=repeats, progress=_echo_progress)
    except (BessemerError, OSError) as err:
        _fail(err)
    typer.echo(format_ingest_report(result))
    if json_out:
        sys.stdout.write(json.dumps(result, default=str) + "\n")


TariffVoltage = Annotated[str, typer.Option(help="Voltage: high_a (3.3-66 kV), high_b (154 kV) or high_c.")]
TariffOption = Annotated[str, typer.Option(help="Tariff option: I, II or III.")]
FuelCostOpt = Annotated[float | None, typer.Option(
    "--fuel-cost-adjustment", help="Fuel-cost adjustment (won/kWh) to assume where the tariff data has none "
    "(none is published from 2026-Q2; the last published value is +5.0).")]
ClimateOpt = Annotated[float | None, typer.Option(
    "--climate-environment", help="Climate-environment charge (won/kWh) to assume where the tariff data has none.")]


def _assumptions(fuel_cost_adjustment: float | None, climate_environment: float | None) -> dict[str, float]:
    out = {}
    if fuel_cost_adjustment is not None:
        out["fuel_cost_adjustment"] = fuel_cost_adjustment
    if climate_environment is not None:
        out["climate_environment"] = climate_environment
    return out


def _tariff_hint(err: Exception) -> str:
    text = str(err)
    if "fuel-cost" in text or "fuel_cost" in text:
        text += " (on the command line: --fuel-cost-adjustment WON_PER_KWH)"
    if "climate" in text and "climate_environment" in text:
        text += " (on the command line: --climate-environment WON_PER_KWH)"
    return text


def _read_meter_file(file: Path, *, time_col: str | None, kwh_col: str | None, kvarh_col: list[str] | None,
                     stamp: str, dayfirst: bool) -> Any:
    from .datasets._steel_energy import read_steel_energy
    from .industry.energy._meter import read_meter_csv

    if not file.is_file():
        raise BessemerError(f"{file}: no such file")
    if time_col is None and kwh_col is None:
        return read_steel_energy(file)
    if time_col is None or kwh_col is None:
        raise BessemerError("give both --time-col and --kwh-col for your own meter export (or neither for the UCI "
                            "steel-energy layout)")
    if stamp not in ("end", "start"):
        raise BessemerError(f"--stamp must be 'end' or 'start', got {stamp!r}")
    return read_meter_csv(file, time_col=time_col, kwh_col=kwh_col, kvarh_cols=kvarh_col or None,
                          stamp=stamp, dayfirst=dayfirst)  # type: ignore[arg-type]


def _print_bill(b: dict[str, Any]) -> None:
    flag = "  (partial month)" if b["partial"] else ""
    typer.echo(f"{b['month']}: ₩{b['total_won']:,.0f}{flag}; {b['kwh']:,.1f} kWh, peak {b['peak_kw']:,.1f} kW, "
               f"billing demand {b['billing_demand_kw']:,.1f} kW")
    for it in b["items"]:
        typer.echo(f"  {it['label_en']:<48} {it['label_ko']:<14} {it['quantity']:>16,.2f} {it['unit']:<5} "
                   f"x {it['rate']:>10,.4g} = ₩{it['amount_won']:>16,.0f}")
    typer.echo(f"  {'Electricity charge subtotal':<48} {'전기요금계':<14} {'':>37} ₩{b['subtotal_won']:>16,.0f}")
    typer.echo(f"  {'VAT':<48} {'부가가치세':<14} {'':>37} ₩{b['vat_won']:>16,.0f}")
    typer.echo(f"  {'Electric power industry fund':<48} {'전력산업기반기금':<14} {'':>37} ₩{b['fund_won']:>16,.0f}")
    typer.echo(f"  {'Amount billed':<48} {'청구금액':<14} {'':>37} ₩{b['total_won']:>16,.0f}")


@energy_app.command("bill")
def energy_bill(
    file: Annotated[Path, typer.Argument(help="Meter CSV: the UCI steel-energy layout, or your own export with "
                                              "--time-col and --kwh-col.")],
    voltage: TariffVoltage = "high_a",
    option: TariffOption = "II",
    contract_kw: Annotated[float | None, typer.Option(
        "--contract-kw", help="Contract power (계약전력) in kW. Default: the file's highest 15-minute demand rounded "
        "up to 100 kW (stated in the output).")] = None,
    month: Annotated[str | None, typer.Option(help="Only this month (YYYY-MM).")] = None,
    time_col: Annotated[str | None, typer.Option(help="Your export: the time-stamp column.")] = None,
    kwh_col: Annotated[str | None, typer.Option(help="Your export: the kWh-per-interval column.")] = None,
    kvarh_col: Annotated[list[str] | None, typer.Option(help="Your export: lagging, then leading kvarh column "
                                                             "(repeatable).")] = None,
    stamp: Annotated[str, typer.Option(help="Your export stamps the interval 'end' or 'start'.")] = "end",
    dayfirst: Annotated[bool, typer.Option(help="Your export writes dates day first (31/01/2026).")] = False,
    fuel_cost_adjustment: FuelCostOpt = None,
    climate_environment: ClimateOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")] = False,
) -> None:
    """Itemised KEPCO 산업용(을) bills, one per calendar month of a 15-minute meter file."""
    import math

    import numpy as np
    import pandas as pd

    from .industry.energy import load_tariff
    from .industry.energy._service import bills_with_pf, check_month

    try:
        if month is not None:
            check_month(month)
        frame = _read_meter_file(file, time_col=time_col, kwh_col=kwh_col, kvarh_col=kvarh_col, stamp=stamp,
                                 dayfirst=dayfirst)
        times = pd.DatetimeIndex(frame.column("time"))
        kwh = frame.column("usage_kwh").astype(float)
        ok = np.isfinite(kwh)
        gaps = int((~ok).sum())
        idx = times[ok]
        series = pd.Series(kwh[ok], index=idx)
        lag = pd.Series(frame.column("lagging_kvarh")[ok], index=idx) if "lagging_kvarh" in frame.signals else None
        lead = pd.Series(frame.column("leading_kvarh")[ok], index=idx) if "leading_kvarh" in frame.signals else None
        for name, s in (("lagging_kvarh", lag), ("leading_kvarh", lead)):
            if s is not None and not np.isfinite(s.to_numpy()).all():
                t = s.index[~np.isfinite(s.to_numpy())][0]
                raise BessemerError(f"{file.name}: {name} is empty at {t} while kWh is given; fill it or drop the "
                                    "row")
        if not len(series):
            raise BessemerError(f"{file.name}: no interval has a kWh reading")
        assumed_contract = contract_kw is None
        if contract_kw is None:
            contract_kw = float(math.ceil(series.max() * 4 / 100.0) * 100)
        first_day = idx[0].tz_convert("Asia/Seoul").date()
        tariff = load_tariff(voltage=voltage, option=option, on=first_day,
                             assume=_assumptions(fuel_cost_adjustment, climate_environment))
        result, pf_note = bills_with_pf(series, tariff=tariff, contract_kw=contract_kw, lagging_kvarh=lag,
                                        leading_kvarh=lead)
    except BessemerError as err:
        _energy_fail(BessemerError(_tariff_hint(err)))
    out = [b.to_dict() for b in result]
    if month is not None:
        out = [b for b in out if b["month"] == month]
        if not out:
            _energy_fail(BessemerError(f"{file.name} has no data in {month}; it covers "
                                       f"{', '.join(b.month for b in result)}"))
    notes = []
    if assumed_contract:
        notes.append(f"Contract power not given: assumed {contract_kw:,.0f} kW (the file's highest 15-minute demand "
                     "rounded up to 100 kW); the billing-demand floor is a share of it. Pass --contract-kw.")
    if gaps:
        notes.append(f"{gaps} interval(s) without a kWh reading were left out; their months are flagged partial.")
    if pf_note:
        notes.append(pf_note)
    typer.echo(f"{tariff.label_ko} ({tariff.label_en}); contract power {contract_kw:,.0f} kW; {file.name}")
    for b in out:
        _print_bill(b)
    typer.echo("Notes:")
    for n in dict.fromkeys([*notes, *(n for b in out for n in b["notes"])]):
        typer.echo(f"  - {n}")
    if json_out:
        sys.stdout.write(json.dumps({"file": file.name, "contract_kw": contract_kw, "notes": notes, "bills": out},
                                    ensure_ascii=False, default=str) + "\n")


@energy_app.command("schedule")
def energy_schedule(
    heats: Annotated[int, typer.Option(help="EAF heats to schedule.")] = 30,
    days: Annotated[int, typer.Option(help="Days in the horizon.")] = 2,
    furnaces: Annotated[int, typer.Option(help="Electric-arc furnaces.")] = 2,
    time_limit: Annotated[float, typer.Option(help="Solver time limit in seconds.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Instance seed.")] = 0,
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD, Asia/Seoul); default tomorrow.")] = None,
    voltage: TariffVoltage = "high_a",
    option: TariffOption = "II",
    fuel_cost_adjustment: FuelCostOpt = None,
    climate_environment: ClimateOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")] = False,
) -> None:
    """A generated EAF meltshop priced by the KEPCO tariff: as-is against the optimised (MILP) schedule."""
    import pandas as pd

    from .industry.energy import load_tariff
    from .industry.energy._service import plan_schedule

    tz = "Asia/Seoul"
    try:
        if start is None:
            day = pd.Timestamp.now(tz=tz).normalize() + pd.Timedelta(days=1)
        else:
            try:
                day = pd.Timestamp(start)
            except ValueError as err:
                raise BessemerError(f"--start must be a date like 2026-08-03, got {start!r}") from err
            day = (day.tz_localize(tz) if day.tzinfo is None else day.tz_convert(tz)).normalize()
        tariff = load_tariff(voltage=voltage, option=option, on=day.date(),
                             assume=_assumptions(fuel_cost_adjustment, climate_environment))
        out = plan_schedule(tariff, start=day, days=days, heats=heats, furnaces=furnaces, seed=seed,
                            time_limit_s=time_limit, say=lambda stage, frac: typer.echo(f"... {stage}", err=True))
    except BessemerError as err:
        _energy_fail(BessemerError(_tariff_hint(err)))
    a, o = out["as_is"], out["optimised"]
    typer.echo(f"EAF meltshop: {heats} heats on {furnaces} furnaces over {days} day(s) from {day:%Y-%m-%d} ({tz}); "
               f"power limit {out['power_limit_kw']:,.0f} kW")
    t = out["tariff"]
    typer.echo(f"tariff: {t['label_ko']} ({t['label_en']}), rates from {t['effective_from']} ({t['status']})")
    for name, s in (("as-is", a), ("optimised", o)):
        typer.echo(f"{name:<10} ₩{s['total_cost_won']:>16,.0f}  (energy ₩{s['energy_cost_won']:,.0f}, demand "
                   f"₩{s['demand_cost_won']:,.0f}; peak {s['peak_kw']:,.0f} kW)")
    typer.echo(f"{'saving':<10} ₩{out['saving_won']:>16,.0f}  ({out['saving_pct']:.2f} % of the total; "
               f"{out['saving_pct_of_jobs']:.2f} % of the heats' energy and demand cost)")
    gap = out["mip_gap"]
    gap_text = f"{100 * gap:.3f} %" if gap is not None else "n/a"
    typer.echo(f"{'solver':<10} {out['status']}, gap {gap_text}, {out['solve_s']:.1f} s (limit {time_limit:g} s)")
    if json_out:
        keys = ("start", "end", "days", "heats", "power_limit_kw", "saving_won", "saving_pct", "saving_pct_of_jobs",
                "energy_saving_won", "demand_saving_won", "status", "objective", "best_bound", "mip_gap", "solve_s",
                "time_limit_s")
        summary = {k: out[k] for k in keys} | {"furnaces": furnaces, "as_is_won": a["total_cost_won"],
                                               "optimised_won": o["total_cost_won"], "peak_kw_as_is": a["peak_kw"],
                                               "peak_kw_optimised": o["peak_kw"]}
        sys.stdout.write(json.dumps(summary) + "\n")


UrlOpt = Annotated[str, typer.Option(help="Base URL of a running Bessemer server.")]
TokenOpt = Annotated[str | None, typer.Option(help="API token of role operator (else BESSEMER_TOKEN, else the "
                                                   "demo's token file).")]


def _api_call(method: str, url: str, *, token: str | None = None, body: dict[str, Any] | None = None) -> Any:
    """One JSON request to a running server; API errors become a clear CLI error."""
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        _fail(BessemerError(f"--url must start with http:// or https://, got {url!r}"))
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - scheme checked above
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        try:
            detail = json.loads(err.read()).get("error", {}).get("message") or err.reason
        except ValueError:
            detail = err.reason
        _fail(BessemerError(f"{method} {url}: {err.code} {detail}"))
    except urllib.error.URLError as err:
        _fail(BessemerError(f"cannot reach {url} ({err.reason}); is `bessemer demo` or `bessemer serve` running?"))


def _operator_token(token: str | None, home: Path | None) -> str | None:
    import os

    if token:
        return token
    if os.environ.get("BESSEMER_TOKEN"):
        return os.environ["BESSEMER_TOKEN"]
    path = (home or Path(".bessemer") / "demo") / "demo-token"
    return path.read_text(encoding="ascii").strip() if path.is_file() else None


@process_app.command("status")
def process_status(url: UrlOpt = "http://127.0.0.1:8000") -> None:
    """State, diagnosis and injected fault of every monitored process unit."""
    units = _api_call("GET", f"{url.rstrip('/')}/api/process/units")["data"]
    for u in units:
        d = u.get("diagnosis") or {}
        diag = f"{d.get('title_en')} (p={d['probability']:.2f})" if d.get("probability") is not None else \
            (d.get("title_en") or "-")
        typer.echo(f"{u['unit']:<10} {u['state']:<13} diagnosis: {diag:<40} injected: {u.get('active_fault') or '-'}")


@process_app.command("inject")
def process_inject(
    fault: Annotated[str, typer.Argument(help="Fault name (see `bessemer process faults`).")],
    unit: Annotated[str, typer.Option(help="Process unit.")] = "rhf-1",
    magnitude: Annotated[float, typer.Option(help="Size of the fault (0 < m <= 5).")] = 1.0,
    url: UrlOpt = "http://127.0.0.1:8000",
    token: TokenOpt = None,
    home: HomeOpt = None,
) -> None:
    """Start a fault in a simulated process unit of a running demo."""
    tok = _operator_token(token, home)
    out = _api_call("POST", f"{url.rstrip('/')}/api/process/units/{unit}/faults", token=tok,
                    body={"fault": fault, "magnitude": magnitude})
    typer.echo(f"injected {out['fault']} (magnitude {out['magnitude']}) into {out['unit']}")


@process_app.command("clear")
def process_clear(unit: Annotated[str, typer.Option(help="Process unit.")] = "rhf-1",
                  url: UrlOpt = "http://127.0.0.1:8000", token: TokenOpt = None, home: HomeOpt = None) -> None:
    """End any injected fault in a simulated process unit."""
    out = _api_call("DELETE", f"{url.rstrip('/')}/api/process/units/{unit}/faults", token=_operator_token(token, home))
    typer.echo(f"cleared {out.get('cleared') or 'nothing'} in {out['unit']}")


@process_app.command("faults")
def process_faults(unit: Annotated[str, typer.Option(help="Process unit.")] = "rhf-1",
                   url: UrlOpt = "http://127.0.0.1:8000") -> None:
    """The faults that can be injected into a simulated unit."""
    for f in _api_call("GET", f"{url.rstrip('/')}/api/process/units/{unit}/faults")["data"]:
        typer.echo(f"{f['name']:<24} {f['kind']:<8} {f['title_en']}")


@process_app.command("score")
def process_score(
    normal: Annotated[Path, typer.Option(help="CSV or Parquet of normal operation (one column per variable).")],
    data: Annotated[Path, typer.Option(help="CSV or Parquet to score, same variables, rows in time order.")],
    false_alarm_rate: Annotated[float, typer.Option(help="Target share of normal samples in alarm.")] = 0.01,
    lags: Annotated[int, typer.Option(help="Past samples in the PCA (0: static, >0: dynamic PCA).")] = 0,
    out: Annotated[Path | None, typer.Option(help="Write the per-sample scores to this CSV.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Last stdout line: one JSON object.")] = False,
) -> None:
    """Fit a monitor on normal operation and score another history: alarms and their top variables."""
    from .core._io import read_table
    from .industry.process import ProcessMonitor

    try:
        def numeric(path: Path) -> Any:
            df = read_table(path)
            keep = [c for c in df.columns if str(c).lower() not in ("time", "timestamp", "asset", "date")]
            return df[keep]

        mon = ProcessMonitor(false_alarm_rate=false_alarm_rate, lags=lags).fit_normal(numeric(normal),
                                                                                     source=normal.name)
        table = numeric(data)
        scores = mon.score(table, source=data.name)
    except BessemerError as err:
        _fail(err)
    alarm = scores["alarm"].to_numpy()
    starts = [i for i in range(len(alarm)) if alarm[i] and (i == 0 or not alarm[i - 1])]
    typer.echo(f"{len(scores)} samples, {int(alarm.sum())} in alarm ({alarm.mean():.1%}), {len(starts)} alarm(s); "
               f"{int((scores['sensor_fault'] > 0).sum())} samples with a dead sensor")
    for i in starts[:20]:
        top = ", ".join(f"{c['variable']} {c['direction']} ({c['contribution']:.0%})"
                        for c in mon.contributions(table.iloc[: i + 1], top=3))
        typer.echo(f"  alarm from row {i + 1}: {top}")
    if out is not None:
        scores.to_csv(out, index_label="row")
    if json_out:
        sys.stdout.write(json.dumps({"n_samples": len(scores), "alarm_share": float(alarm.mean()),
                                     "alarms": len(starts), "first_alarm_row": starts[0] + 1 if starts else None,
                                     "limits": mon.limits_}) + "\n")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="A name for the token (who or what uses it).")],
    role: Annotated[str, typer.Option(help="viewer, operator or admin.")] = "operator",
    site: Annotated[str | None, typer.Option(help="Limit the token to one site.")] = None,
    home: HomeOpt = None,
) -> None:
    """Create an API token; it is printed once and only its hash is kept."""
    from .api import create_token
    from .core import Store

    settings = _settings(home)
    try:
        with Store.from_settings(settings) as store:
            token = create_token(store, name=name, role=role, site=site, settings=settings)
    except BessemerError as err:
        _fail(err)
    typer.echo(token)


@token_app.command("list")
def token_list(home: HomeOpt = None) -> None:
    """List tokens (names, roles, sites; never the tokens)."""
    from .core import Store

    with Store.from_settings(_settings(home)) as store:
        for t in store.list_tokens():
            typer.echo(f"{t['name']}\t{t['role']}\t{t.get('site') or '*'}\t{t.get('created', '')}")


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Option(help="Token name.")], home: HomeOpt = None) -> None:
    """Revoke a token by name."""
    from .core import Store

    try:
        with Store.from_settings(_settings(home)) as store:
            store.revoke_token(name)
    except BessemerError as err:
        _fail(err)
    typer.echo(f"revoked {name}")


def main() -> None:
    """Console-script entry point."""
    app()
