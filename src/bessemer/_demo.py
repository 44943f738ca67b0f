"""Composition of the platform for `bessemer demo` and `bessemer serve`.

``demo``: serve at once (the page shows progress), then in a background thread simulate
the steel works' history into a fresh store, train one RUL model per equipment kind,
start the maintenance service and stream live readings from the simulator. The energy
page's service (a generated meter with its day-ahead forecasts, bills, an optimised
schedule and the carbon ledger, :func:`prepare_energy`), the quality page's (a generated hot strip
mill's coils with their defect risk, surface images and SPC charts, :func:`prepare_quality`) and the
battery page's (generated spent cells with their SOH, end of life, grade and passport,
:func:`prepare_battery`) are prepared beside the stream, one after the other.
``serve``: the same server over an existing store and the registry's models.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .core import BessemerError, ModelRegistry, Settings, Store

#: LightGBM settings for the demo: fast enough to be ready within a minute on 2 cores
DEMO_MODEL_PARAMS: dict[str, Any] = {
    "rul_cap_hours": 500.0,
    "windows": (12, 48, 168),
    "baseline": 24,
    "n_folds": 3,
    "n_calib_points": 10,
    "n_estimators": 200,
    "learning_rate": 0.05,
    "n_jobs": 2,
}


class Progress:
    """Stage and fraction shared between the preparing thread, the terminal and the page."""

    def __init__(self, state: dict[str, Any], echo: Callable[[str], None] | None = print) -> None:
        self.state = state
        self.echo = echo
        self.t0 = time.perf_counter()
        self.update("starting", 0.0)

    def update(self, stage: str, fraction: float) -> None:
        self.state.update(stage=stage, fraction=round(float(fraction), 3),
                          elapsed_s=round(time.perf_counter() - self.t0, 1))
        if self.echo:
            self.echo(f"[{fraction:5.0%}] {stage} ({self.state['elapsed_s']:.1f} s)")


def fresh_store(settings: Settings) -> Store:
    """Remove the demo's previous store and models, and open an empty store.

    Only a folder that a demo made (it holds the marker file ``.bessemer-demo``) is wiped:
    pointing ``--home`` at a real store is refused rather than emptied.
    """
    marker = settings.home / ".bessemer-demo"
    if settings.store_file.exists() and not marker.exists():
        raise BessemerError(f"{settings.home} holds a store that the demo did not make; the demo starts from an "
                            "empty store, so give it another --home")
    for p in (settings.store_file, settings.store_file.with_name(settings.store_file.name + ".wal"),
              settings.models_dir):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    settings.home.mkdir(parents=True, exist_ok=True)
    marker.write_text("made by `bessemer demo`; the next demo run may wipe this folder's store and models\n")
    return Store.from_settings(settings)


def prepare_demo(settings: Settings, store: Store, *, hours: int, progress: Progress) -> tuple[Any, Any]:
    """Simulate history into ``store``, train, and build the maintenance service."""
    from .industry.maintenance import MaintenanceService, train_rul_models
    from .sim import SteelWorks

    progress.update("simulating the steel works' history", 0.05)
    sim = SteelWorks(seed=settings.seed)
    hist = sim.history(hours)
    progress.update("writing history to the store", 0.2)
    store.put_assets(sim.asset_tree())
    for frame in hist.frames.values():
        store.write_frame(frame)
    store.add_events(hist.events)

    def on_train(stage: str, frac: float) -> None:
        progress.update(stage, 0.3 + 0.6 * frac)

    models = train_rul_models(store, ModelRegistry(settings.models_dir), params=DEMO_MODEL_PARAMS,
                              progress=on_train)
    progress.update("predicting remaining useful life", 0.92)
    service = MaintenanceService(store, models)
    service.refresh()
    return sim, service


def prepare_process(settings: Settings, store: Store, *, progress: Progress | None = None) -> Any:
    """Train the demo furnace's monitor and fault classifier; write its history; return the service."""
    from .industry.process import ProcessService
    from .industry.process._training import train_simulated_unit
    from .sim import ReheatFurnace

    def say(stage: str, frac: float) -> None:
        if progress is not None:
            progress.update(f"process monitoring: {stage}", 0.95 + 0.05 * frac)

    furnace = ReheatFurnace(seed=settings.seed)
    unit = train_simulated_unit(furnace, progress=say)
    store.put_assets(furnace.asset_tree())
    store.write_frame(furnace.to_frame(furnace.history(2880)))  # the two days the monitor learnt from
    return ProcessService([unit])


#: Contract power (계약전력) of the demo's energy site: above the generated melt shop's highest 15-minute
#: demand (about 77 MW), as a contract must be. An illustrative figure, not a real customer's.
DEMO_CONTRACT_KW = 80_000.0
#: What the demo assumes where the tariff data has no value: the fuel-cost adjustment from 2026-Q2 on is not
#: published in the reference (Unconfirmed); the last published value, +5.0 won/kWh (the upper limit, applied
#: from 2022-Q3 and maintained for 2026-Q1, Confirmed), is assumed to continue. Bills list it in their notes.
DEMO_TARIFF_ASSUMPTIONS: dict[str, float] = {"fuel_cost_adjustment": 5.0}
#: Days of generated meter history for the energy page (about three months: two or more full bills).
DEMO_ENERGY_DAYS = 91
#: Solver time limit for the demo's schedule (the demo must be ready quickly on 2 cores).
DEMO_SCHEDULE_TIME_LIMIT_S = 20.0


def demo_meter(*, days: int = DEMO_ENERGY_DAYS, seed: int = 7, now: Any = None) -> Any:
    """The demo site's 15-minute meter: a generated EAF melt shop whose history ends now.

    ``days`` local days up to and including today (Asia/Seoul), keeping only the intervals that
    have ended by ``now`` (default: the current time).
    """
    import pandas as pd

    from .core import Frame
    from .industry.energy._synthetic import make_plant_load

    tz = "Asia/Seoul"
    now = pd.Timestamp.now(tz=tz) if now is None else pd.Timestamp(now).tz_convert(tz)
    today = now.normalize()
    frame = make_plant_load(days, start=(today - pd.Timedelta(days=days - 1)).date().isoformat(), seed=seed)
    df = frame.to_pandas()
    df = df[df["time"] + pd.Timedelta(minutes=15) <= now.tz_convert("UTC")].reset_index(drop=True)
    return Frame(df, units=frame.units, time_kind="timestamp", meta=frame.meta, source=frame.source)


def prepare_energy(settings: Settings, *, progress: Progress | None = None, now: Any = None,
                   time_limit_s: float = DEMO_SCHEDULE_TIME_LIMIT_S) -> Any:
    """Build the demo's energy service: forecasts, bills, a schedule and the carbon ledger of a generated meter.

    The site is a generated EAF melt shop (``demo_meter``) billed on KEPCO 산업용(을) 고압A 선택 II with
    a contract power of :data:`DEMO_CONTRACT_KW` and the assumptions in :data:`DEMO_TARIFF_ASSUMPTIONS`.
    """
    import pandas as pd

    from .industry.energy import EnergyService, load_tariff

    def say(stage: str, frac: float) -> None:
        if progress is not None:
            progress.update(stage, frac)

    say("energy: generating the meter history", 0.0)
    meter = demo_meter(seed=settings.seed, now=now)
    last_day = pd.Timestamp(meter.column("time")[-1]).tz_convert("Asia/Seoul").date()
    tariff = load_tariff("kepco-industrial-eul", voltage="high_a", option="II", on=last_day,
                         assume=DEMO_TARIFF_ASSUMPTIONS)
    return EnergyService.build(meter, tariff=tariff, contract_kw=DEMO_CONTRACT_KW, name_en="Pohang EAF melt shop",
                               name_ko="포항 전기로 제강공장", time_limit_s=time_limit_s, seed=settings.seed,
                               progress=say)


#: Coils of the demo's hot strip mill (the newest quarter is scored; the rest trains the defect model).
DEMO_COILS = 800
#: Image-classifier settings of the demo: small, so that the quality page is ready within seconds on 2 cores.
DEMO_QUALITY_PARAMS: dict[str, Any] = {"surface_per_class": 10, "surface_held_out": 5, "surface_today": 3,
                                       "image_size": 128}


def prepare_quality(settings: Settings, *, progress: Progress | None = None, now: Any = None) -> Any:
    """Build the demo's quality service: defect risk of a generated hot strip mill's coils, images, SPC.

    The coils (:func:`~bessemer.industry.quality._coils.make_coils`) end now; their descaler
    pressure sags over the last fifth, which the SPC charts find and the defect model sees as
    rising scale risk.
    """
    import pandas as pd

    from .industry.quality._coils import make_coils
    from .industry.quality._service import QualityService

    def say(stage: str, frac: float) -> None:
        if progress is not None:
            progress.update(stage, frac)

    say("quality: generating the coil records", 0.0)
    end = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    coils = make_coils(DEMO_COILS, seed=settings.seed, end=end)
    return QualityService.build(coils, name_en="Pohang hot strip mill", name_ko="포항 열연공장", seed=settings.seed,
                                progress=say, **DEMO_QUALITY_PARAMS)


#: Generated cells of the demo's battery page: the first :data:`DEMO_BATTERY_TRAIN` are lab-aged training cells, the
#: others the fleet, each seen for its first ``DEMO_BATTERY_HISTORY[i]`` discharges (young to spent).
DEMO_BATTERY_CELLS = 12
DEMO_BATTERY_TRAIN = 6
DEMO_BATTERY_CYCLES = 200
DEMO_BATTERY_HISTORY: tuple[int, ...] = (12, 30, 70, 100, 150, 200)
#: The demo's generated cells age in about 200 cycles (like the NASA laboratory cells), not the thousand or so of a
#: commercial cell; the remaining-cycle thresholds of the grade are scaled down to match (the defaults are 100).
DEMO_BATTERY_GRADING: dict[str, float] = {"reuse_min_cycles_to_80": 30.0, "repurpose_min_cycles_to_70": 30.0}
#: Mass of one generated cell (an 18650 cell: about 46 g), for the expected recovered masses.
DEMO_BATTERY_MASS_KG = 0.046


def prepare_battery(settings: Settings, *, progress: Progress | None = None, on: Any = None) -> Any:
    """Build the demo's battery service: SOH, end of life, grade and passport of generated spent cells.

    Generated cells (:func:`~bessemer.industry.battery.make_cells`): the first :data:`DEMO_BATTERY_TRAIN`
    train the models over their whole life; the others are the fleet a recycler receives, each with a
    history of a different length. The first fleet cell gets the made-up complete passport inputs of
    :mod:`bessemer.industry.battery.testing` (its passport validates); the others are drafts that list
    what nobody declared.
    """
    from .industry.battery import BatteryService, Cell, GradingConfig, make_cells
    from .industry.battery.testing import demo_passport_inputs

    def say(stage: str, frac: float) -> None:
        if progress is not None:
            progress.update(stage, frac)

    say("battery: generating the cells' cycling records", 0.0)
    cells = make_cells(DEMO_BATTERY_CELLS, seed=settings.seed, n_cycles=DEMO_BATTERY_CYCLES, fade=(0.001, 0.003))
    train = cells[:DEMO_BATTERY_TRAIN]
    fleet = [Cell(c.cell_id, c.discharges[:k], rated_ah=c.rated_ah, cutoff_v=c.cutoff_v, source=c.source)
             for c, k in zip(cells[DEMO_BATTERY_TRAIN:], DEMO_BATTERY_HISTORY, strict=True)]
    first = fleet[0].cell_id
    return BatteryService.build(fleet, train=train, chemistry="NMC622", mass_kg=DEMO_BATTERY_MASS_KG,
                                passport_inputs={first: demo_passport_inputs(first)},
                                grading=GradingConfig.load(overrides=DEMO_BATTERY_GRADING), on=on,
                                soh_params={"n_estimators": 150}, seed=settings.seed, progress=say)


def demo_token(settings: Settings, store: Store) -> Path:
    """Create an operator token for the demo and keep it, readable only by this user, in the demo folder.

    ``bessemer process inject`` reads it from there, so faults can be injected from the CLI
    without copying a secret around. The token itself is never printed or logged.
    """
    from .api import create_token

    path = settings.home / "demo-token"
    token = create_token(store, name=f"demo-operator-{int(time.time())}", role="operator", settings=settings)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(token + "\n", encoding="ascii")
    return path


def stream_live(store: Store, sim: Any, service: Any, *, speed: float, stop: threading.Event,
                refresh_every_s: float = 3.0, process: Any = None, flush_every: int = 30) -> None:
    """Write simulator steps into the store and refresh predictions as data arrives.

    With a ``process`` service, its units advance one sample per tick; their samples are
    written to the store every ``flush_every`` ticks.
    """
    interval = 1.0 / max(speed, 1e-3)
    last_refresh = time.perf_counter()
    pending: list[tuple[Any, Any]] = []
    for step in sim.stream():
        if stop.wait(interval):
            return
        for frame in step.frames.values():
            store.write_frame(frame)
        if len(step.events):
            store.add_events(step.events)
        if process is not None:
            pending.extend(process.step_and_collect())
            if len(pending) >= flush_every:
                _flush_process(store, pending)
                pending = []
        if time.perf_counter() - last_refresh >= refresh_every_s:
            service.refresh()
            last_refresh = time.perf_counter()


def _flush_process(store: Store, pending: list[tuple[Any, Any]]) -> None:
    import pandas as pd

    by_sim: dict[int, tuple[Any, list[Any], list[Any]]] = {}
    for sim, (t, x) in pending:
        entry = by_sim.setdefault(id(sim), (sim, [], []))
        entry[1].append(t)
        entry[2].append(x)
    for sim, times, rows in by_sim.values():
        df = pd.DataFrame(rows, columns=[v.name for v in sim.variables], index=pd.DatetimeIndex(times, name="time"))
        store.write_frame(sim.to_frame(df))


def run_demo(settings: Settings, *, hours: int, speed: float = 1.0, serve: bool = True) -> None:
    """`bessemer demo`: serve at once, prepare in the background, then stream live."""
    import uvicorn

    from .api import create_app

    if not serve:
        progress = Progress({})
        store = fresh_store(settings)
        _, service = prepare_demo(settings, store, hours=hours, progress=progress)
        process = prepare_process(settings, store, progress=progress)
        energy = prepare_energy(settings, progress=progress)
        quality = prepare_quality(settings, progress=progress)
        battery = prepare_battery(settings, progress=progress)
        sched = energy.schedule()
        coils = quality.overview()["coils"]
        grades = battery.cells()["grades"]
        progress.update(f"ready: {len(service.fleet())} assets scored, {len(process.units())} process unit(s) "
                        f"monitored, energy schedule saves ₩{sched['saving_won']:,.0f} ({sched['status']}), "
                        f"{coils['high_risk']} of {coils['n']} coils at high defect risk, battery cells graded "
                        + ", ".join(f"{n} {g}" for g, n in grades.items()), 1.0)
        store.close()
        return

    store = fresh_store(settings)
    app = create_app(settings, store=store, services={})
    app.state.progress = {}
    progress = Progress(app.state.progress)
    stop = threading.Event()

    def energy_background(ready: str) -> None:
        try:
            app.state.services["energy"] = prepare_energy(settings, progress=progress)
            progress.update(ready, 1.0)
        except Exception as err:  # the other pages keep working; the energy page shows this stage
            progress.update(f"energy failed: {err}", 1.0)
            app.state.progress["energy_error"] = str(err)

    def quality_background(ready: str) -> None:
        try:
            app.state.services["quality"] = prepare_quality(settings, progress=progress)
            progress.update(ready, 1.0)
        except Exception as err:  # the other pages keep working; the quality page shows this stage
            progress.update(f"quality failed: {err}", 1.0)
            app.state.progress["quality_error"] = str(err)

    def battery_background(ready: str) -> None:
        try:
            app.state.services["battery"] = prepare_battery(settings, progress=progress)
            progress.update(ready, 1.0)
        except Exception as err:  # the other pages keep working; the battery page shows this stage
            progress.update(f"battery failed: {err}", 1.0)
            app.state.progress["battery_error"] = str(err)

    def pages_background(ready: str) -> None:
        energy_background(ready)
        quality_background(ready)
        battery_background(ready)  # after quality, in this one thread: LightGBM fits must not run concurrently

    def background() -> None:
        try:
            sim, service = prepare_demo(settings, store, hours=hours, progress=progress)
            app.state.services["maintenance"] = service
            process = prepare_process(settings, store, progress=progress)
            app.state.services["process"] = process
            token_file = demo_token(settings, store)
            ready = (f"ready: open http://{settings.host}:{settings.port}/ (an operator token for fault "
                     f"injection is in {token_file})")
            progress.update(ready, 1.0)
            # the energy page's service is prepared beside the live stream, so the stream starts at once
            # one after the other: LightGBM is not safe to train from two threads at once (it crashed
            # lib_lightgbm.so here when the energy and quality models were fitted concurrently)
            threading.Thread(target=pages_background, args=(ready,), name="bessemer-demo-pages",
                             daemon=True).start()
            stream_live(store, sim, service, speed=speed, stop=stop, process=process)
        except Exception as err:  # shown on the page and in the terminal
            progress.update(f"failed: {err}", 1.0)
            app.state.progress["error"] = str(err)
            raise

    worker = threading.Thread(target=background, name="bessemer-demo", daemon=True)
    worker.start()
    print(f"Bessemer demo: http://{settings.host}:{settings.port}/  (Ctrl+C to stop)")
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    finally:
        stop.set()


def serve_store(settings: Settings) -> None:
    """`bessemer serve`: the API and dashboard over an existing store."""
    import uvicorn

    from .api import create_app
    from .industry.maintenance import MaintenanceService, load_rul_models

    if not settings.store_file.exists():
        raise BessemerError(f"no store at {settings.store_file}; import data with `bessemer import` "
                            "or run `bessemer demo`")
    store = Store.from_settings(settings)
    services: dict[str, Any] = {}
    models = load_rul_models(ModelRegistry(settings.models_dir))
    if models:
        service = MaintenanceService(store, models)
        service.refresh()
        services["maintenance"] = service
    else:
        print(f"note: no trained models in {settings.models_dir}; run `bessemer train` for RUL pages")
    app = create_app(settings, store=store, services=services)
    print(f"Bessemer: http://{settings.host}:{settings.port}/  (Ctrl+C to stop)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
