
import numpy as np
import pandas as pd
import pytest

from bessemer.core import (
    BaseModel,
    ConfigError,
    DataError,
    ModelError,
    ModelRegistry,
    NotFittedError,
    NotFoundError,
    Settings,
    Tags,
)
from bessemer.testing import make_run_to_failure


class LastValue(BaseModel):
    """A toy model: the prediction is the row's mean signal scaled by a factor."""

    name = "toy_last_value"

    def __init__(self, *, factor: float = 1.0) -> None:
        self.factor = factor

    @classmethod
    def tags(cls) -> Tags:
        return Tags(task="regression", outputs=("yhat",))

    def _fit(self, frame, y):
        self.mean_ = float(np.mean(y))

    def _predict(self, frame):
        out = frame.to_pandas()[["asset", "time"]]
        out["yhat"] = self.factor * frame.values().mean(axis=1) + 0 * self.mean_
        return out


@pytest.fixture()
def data():
    return make_run_to_failure(4, seed=1)


def test_params_and_repr():
    m = LastValue(factor=2.0)
    assert m.get_params() == {"factor": 2.0}
    assert "factor=2.0" in repr(m)
    m.set_params(factor=3.0)
    assert m.factor == 3.0
    with pytest.raises(ValueError, match="no parameter 'nope'"):
        m.set_params(nope=1)


def test_fit_checks_input(data):
    frame, y = data
    with pytest.raises(TypeError, match="bessemer Frame"):
        LastValue().fit(frame.to_pandas(), y)
    with pytest.raises(ValueError, match="rows"):
        LastValue().fit(frame, y[:-1])
    with pytest.raises(NotFittedError, match="not fitted"):
        LastValue().predict(frame)


def test_refit_clears_learned_state(data):
    frame, y = data
    m = LastValue().fit(frame, y)
    m.extra_ = 1
    m.fit(frame, y)
    assert not hasattr(m, "extra_")


def test_card_and_registry_versions(tmp_path, data):
    frame, y = data
    reg = ModelRegistry(tmp_path)
    m = LastValue().fit(frame, y)
    assert reg.save(m, "toy", metrics={"rmse": 1.5}) == 1
    assert reg.save(m, "toy") == 2
    assert reg.versions("toy") == [1, 2] and reg.names() == ["toy"]
    card = reg.card("toy", 1)
    assert card["fingerprint"] == frame.fingerprint() and card["metrics"]["rmse"] == 1.5
    assert card["signals"] == frame.signals and card["units"]["temp"] == "K"
    back = reg.load("toy")
    pd.testing.assert_frame_equal(back.predict(frame), m.predict(frame))
    with pytest.raises(NotFoundError, match="no version 9"):
        reg.load("toy", 9)
    with pytest.raises(NotFoundError, match="no model named"):
        reg.load("other")
    with pytest.raises(DataError, match="model name"):
        reg.save(m, "../escape")


def test_tampered_artifact_is_refused(tmp_path, data):
    frame, y = data
    folder = LastValue().fit(frame, y).save(tmp_path / "m")
    blob = (folder / "model.pkl").read_bytes()
    (folder / "model.pkl").write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    with pytest.raises(ModelError, match="does not match its card"):
        BaseModel.load(folder)
    (folder / "card.json").write_text("{")
    with pytest.raises(ModelError, match="cannot read"):
        BaseModel.load(folder)


def test_settings_refuse_insecure_production(tmp_path):
    with pytest.raises(ConfigError, match="BESSEMER_SECRET"):
        Settings(environment="production", home=tmp_path)
    s = Settings(environment="production", home=tmp_path, secret="x" * 40)
    assert s.store_file == tmp_path / "bessemer.duckdb" and s.models_dir == tmp_path / "models"


def test_settings_read_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BESSEMER_HOME", str(tmp_path))
    monkeypatch.setenv("BESSEMER_PORT", "8123")
    s = Settings()
    assert s.home == tmp_path and s.port == 8123
    monkeypatch.setenv("BESSEMER_PORT", "99999")
    with pytest.raises(ValueError):
        Settings()
