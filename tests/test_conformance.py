"""One conformance suite over every registered model (scikit-learn's estimator checks, our way).

Each check says how to fix a failure. A model joins by being registered with
``@register_model`` in a domain that the ``bessemer.domains`` entry point loads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bessemer.core import (
    BaseModel,
    DataError,
    Frame,
    NotFittedError,
    SchemaError,
    UnitError,
    registered_models,
)
from bessemer.testing import make_run_to_failure

MODELS = registered_models()


def test_models_are_registered():
    assert "rul" in MODELS, "the maintenance domain must register its RUL model"


def _fixture(cls: type[BaseModel]) -> tuple[Frame, np.ndarray | None]:
    task = cls.tags().task
    if task in ("rul", "health"):
        frame, rul = make_run_to_failure(8, seed=3)
        return frame, None
    if task == "forecast":  # three weeks of generated 15-minute plant load, no target beyond the frame
        from bessemer.industry.energy._synthetic import make_plant_load

        plant = make_plant_load(21, seed=3)
        # signals only: the checks rebuild frames from to_pandas() without meta (the load type then
        # comes from the KEPCO schedule)
        return Frame(plant.to_pandas()[["asset", "time", *plant.signals]], units=plant.units), None
    if task == "regression":  # the battery SOH estimator: quick-test features of generated ageing cells
        from bessemer.industry.battery import cell_features, make_cells

        return cell_features(make_cells(4, seed=3, n_cycles=20, currents=(2.0, 4.0)))
    frame, rul = make_run_to_failure(8, seed=3)
    if task == "anomaly":  # trained on (presumed normal) operation, without labels
        return frame, None
    if task == "classification":  # a label per row: worn near the end of life
        return frame, np.where(rul < 30, "worn", "normal").astype(object)
    return frame, rul


def _build(cls: type[BaseModel]) -> BaseModel:
    return cls(**cls.test_params())


@pytest.fixture(params=sorted(MODELS), ids=sorted(MODELS))
def model_cls(request):
    return MODELS[request.param]


def test_init_only_stores_params(model_cls):
    m = _build(model_cls)
    learned = [k for k in vars(m) if k.endswith("_") and not k.startswith("_")]
    assert not learned, f"{model_cls.__name__}.__init__ sets learned state {learned}; move it to _fit"
    params = m.get_params()
    assert set(params) == set(model_cls._param_names()), "get_params must return every keyword-only parameter"
    clone = model_cls(**params)
    assert clone.get_params() == params, "__init__ must store parameters unchanged (no validation or conversion)"
    assert model_cls.__name__ in repr(m)


def test_predict_before_fit_is_a_clear_error(model_cls):
    frame, _ = _fixture(model_cls)
    with pytest.raises(NotFittedError, match="fit"):
        _build(model_cls).predict(frame)


def test_fit_returns_self_fills_card_and_predicts_every_row(model_cls):
    frame, y = _fixture(model_cls)
    m = _build(model_cls)
    assert m.fit(frame, y) is m, "fit must return self"
    assert m.card_.fingerprint == frame.fingerprint()
    assert m.card_.n_rows == len(frame) and m.card_.signals == frame.signals
    out = m.predict(frame)
    tags = model_cls.tags()
    assert list(out.columns[: 2 + len(tags.outputs)]) == ["asset", "time", *tags.outputs]
    assert len(out) == len(frame), "predict must return one row per input row"
    assert out[list(tags.outputs)].notna().all().all(), "predictions must not be NaN on clean input"


def test_no_input_mutation(model_cls):
    frame, y = _fixture(model_cls)
    before = frame.fingerprint()
    y_before = None if y is None else y.copy()
    m = _build(model_cls).fit(frame, y)
    m.predict(frame)
    assert frame.fingerprint() == before, "fit/predict must not change the input frame"
    if y is not None:
        np.testing.assert_array_equal(y, y_before)


def test_deterministic_with_seed(model_cls):
    if not model_cls.tags().deterministic:
        pytest.skip("model declares itself non-deterministic")
    frame, y = _fixture(model_cls)
    a = _build(model_cls).fit(frame, y).predict(frame)
    b = _build(model_cls).fit(frame, y).predict(frame)
    pd.testing.assert_frame_equal(a, b, obj="two fits with the same params and data must agree")


def test_nan_handling_is_as_declared(model_cls):
    frame, y = _fixture(model_cls)
    df = frame.to_pandas()
    df.loc[5, frame.signals[-1]] = np.nan
    holed = Frame(df, units=frame.units, time_kind=frame.time_kind)
    m = _build(model_cls)
    if model_cls.tags().handles_nan:
        out = m.fit(holed, y).predict(holed)
        assert len(out) == len(holed)
    else:
        with pytest.raises(DataError, match="missing"):
            m.fit(holed, y)


def test_intervals_bracket_the_point(model_cls):
    tags = model_cls.tags()
    if not tags.intervals:
        pytest.skip("no intervals declared")
    frame, y = _fixture(model_cls)
    out = _build(model_cls).fit(frame, y).predict(frame)
    point = tags.outputs[0]
    lo, hi = f"{point}_lower", f"{point}_upper"
    assert {lo, hi} <= set(out.columns), f"a model with intervals must output {lo} and {hi}"
    assert (out[lo] <= out[point] + 1e-9).all() and (out[point] <= out[hi] + 1e-9).all()


def test_missing_signal_and_wrong_unit_are_named(model_cls):
    frame, y = _fixture(model_cls)
    m = _build(model_cls).fit(frame, y)
    drop = frame.signals[-1]
    with pytest.raises(SchemaError, match=drop):
        m.predict(frame.select(frame.signals[:-1]))
    units = frame.units
    units[drop] = "degC" if units[drop] != "degC" else "K"
    wrong = Frame(frame.to_pandas(), units=units, time_kind=frame.time_kind)
    with pytest.raises(UnitError, match=drop):
        m.predict(wrong)


def test_save_load_round_trip(model_cls, tmp_path):
    frame, y = _fixture(model_cls)
    m = _build(model_cls).fit(frame, y)
    m.save(tmp_path / "m")
    back = BaseModel.load(tmp_path / "m")
    assert type(back) is model_cls
    pd.testing.assert_frame_equal(m.predict(frame), back.predict(frame))
