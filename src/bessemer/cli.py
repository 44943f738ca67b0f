"""The ``bessemer`` command line: demo, serve, import, train, predict, plan, bench, token."""

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
