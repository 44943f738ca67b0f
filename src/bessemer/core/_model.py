"""The model contract: estimators over frames, with capability tags and a card.

Every model subclasses :class:`BaseModel`. ``__init__`` only stores keyword-only
hyper-parameters; the public :meth:`BaseModel.fit` and :meth:`BaseModel.predict` live
here, validate their input and call the subclass's ``_fit`` / ``_predict``. Learned
state ends in ``_``. ``predict`` returns a :class:`pandas.DataFrame` keyed by
``asset`` and ``time`` with the model's output columns (``tags.outputs``).

Models are registered with :func:`register_model` so that the CLI, the API and the
conformance suite find them by name; nothing special-cases a class.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import pickle
import platform
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import numpy as np
import pandas as pd

from .. import __version__
from ._exceptions import DataError, ModelError, NotFittedError, SchemaError, UnitError
from ._frame import ASSET, TIME, Frame

Task = Literal["rul", "health", "anomaly", "classification", "regression", "forecast"]
M = TypeVar("M", bound="BaseModel")


@dataclass(frozen=True)
class Tags:
    """What a model supports, as data read by the CLI, API and tests."""

    task: Task
    outputs: tuple[str, ...]
    multivariate: bool = True
    intervals: bool = False
    streaming: bool = False
    explanations: bool = False
    handles_nan: bool = False
    requires_y: bool = False
    time_kinds: tuple[str, ...] = ("cycle", "timestamp")
    deterministic: bool = True


@dataclass
class ModelCard:
    """What a fitted model is, what it saw, and how well it did."""

    model: str
    model_version: str
    bessemer_version: str
    created_utc: str
    fingerprint: str
    n_rows: int
    n_assets: int
    signals: list[str]
    units: dict[str, str]
    time_kind: str
    params: dict[str, Any]
    tags: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    notes: str = ""
    platform: str = field(default_factory=lambda: f"python {platform.python_version()}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


_MODELS: dict[str, type[BaseModel]] = {}


def register_model(cls: type[M]) -> type[M]:
    """Class decorator: make a model known by its ``name``."""
    if not cls.name:
        raise ModelError(f"{cls.__qualname__} needs a class attribute 'name' to be registered")
    other = _MODELS.get(cls.name)
    if other is not None and other is not cls and other.__qualname__ != cls.__qualname__:
        raise ModelError(f"model name {cls.name!r} is taken by {other.__qualname__}")
    _MODELS[cls.name] = cls
    return cls


def registered_models() -> dict[str, type[BaseModel]]:
    """Every registered model class by name, after loading the installed domains."""
    from ._plugins import load_domains

    load_domains()
    return dict(sorted(_MODELS.items()))


class BaseModel:
    """Base class of every Bessemer model (template method: ``_fit``, ``_predict``)."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "1"

    # ---------------------------------------------------------------- params
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values()
                if p.name != "self" and p.kind is inspect.Parameter.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        """Hyper-parameters as given to ``__init__``."""
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params: Any) -> BaseModel:
        """Change hyper-parameters; the model must be fitted again."""
        names = set(self._param_names())
        for k, v in params.items():
            if k not in names:
                raise ValueError(f"{type(self).__name__} has no parameter {k!r}; valid: {sorted(names)}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    @classmethod
    def tags(cls) -> Tags:
        """Capabilities of this model."""
        raise NotImplementedError(f"{cls.__qualname__} must define tags()")

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        """Small, fast hyper-parameters for the conformance suite."""
        return {}

    # -------------------------------------------------------------- contract
    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` has run."""
        return hasattr(self, "card_")

    def _check_frame(self, frame: Frame, what: str) -> None:
        if not isinstance(frame, Frame):
            raise TypeError(f"{type(self).__name__}.{what} needs a bessemer Frame, got {type(frame).__name__}; "
                            "wrap a DataFrame with bessemer.core.Frame(df, units=...)")
        if len(frame) == 0:
            raise DataError(f"{type(self).__name__}.{what} got an empty frame", file=frame.source)
        tags = self.tags()
        if frame.time_kind not in tags.time_kinds:
            raise DataError(f"{type(self).__name__} works on time kinds {tags.time_kinds}, "
                            f"got {frame.time_kind!r}", file=frame.source)
        if not tags.handles_nan and frame.signals:
            vals = frame.values()
            if np.isnan(vals).any():
                r, c = np.argwhere(np.isnan(vals))[0]
                raise DataError(f"{type(self).__name__} does not accept missing values; fill or drop "
                                "them first", file=frame.source, row=int(r) + 1, column=frame.signals[c])

    def fit(self: M, frame: Frame, y: np.ndarray | None = None) -> M:
        """Fit on a frame (and a target aligned with its rows where the task needs one)."""
        self._check_frame(frame, "fit")
        if not frame.signals:
            raise SchemaError(f"{type(self).__name__}.fit needs at least one signal column", file=frame.source)
        if self.tags().requires_y and y is None:
            raise ValueError(f"{type(self).__name__}.fit needs a target y")
        if y is not None:
            y = np.asarray(y)
            if len(y) != len(frame):
                raise ValueError(f"y has {len(y)} rows but the frame has {len(frame)}")
        for attr in [a for a in vars(self) if a.endswith("_") and not a.startswith("_")]:
            delattr(self, attr)
        self.signals_ = frame.signals
        self.units_ = frame.units
        self.time_kind_ = frame.time_kind
        self._fit(frame, y)
        self.card_ = ModelCard(
            model=self.name,
            model_version=self.version,
            bessemer_version=__version__,
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
            fingerprint=frame.fingerprint(),
            n_rows=len(frame),
            n_assets=len(frame.assets),
            signals=list(frame.signals),
            units=frame.units,
            time_kind=frame.time_kind,
            params=_jsonable(self.get_params()),
            tags=asdict(self.tags()),
        )
        return self

    def check_is_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless fitted."""
        if not self.is_fitted:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(frame) before "
                                 "predict, or load a fitted model from the registry")

    def _align(self, frame: Frame) -> Frame:
        missing = [s for s in self.signals_ if s not in frame.signals]
        if missing:
            raise SchemaError(f"{type(self).__name__} was fitted on signals {self.signals_} but the frame "
                              f"lacks {missing}", file=frame.source)
        for s in self.signals_:
            if frame.units[s] != self.units_[s]:
                raise UnitError(f"signal {s!r} is in {frame.units[s]!r} but the model was fitted in "
                                f"{self.units_[s]!r}; convert it first", file=frame.source, column=s)
        if frame.time_kind != self.time_kind_:
            raise DataError(f"model was fitted on time kind {self.time_kind_!r}, got {frame.time_kind!r}",
                            file=frame.source)
        return frame.select(self.signals_) if frame.signals != self.signals_ else frame

    def predict(self, frame: Frame) -> pd.DataFrame:
        """Predict; returns ``asset``, ``time`` and the columns named in ``tags().outputs``."""
        self.check_is_fitted()
        if not isinstance(frame, Frame):
            self._check_frame(frame, "predict")  # raises the helpful TypeError
        frame = self._align(frame)
        self._check_frame(frame, "predict")
        out = self._predict(frame)
        expected = [ASSET, TIME, *self.tags().outputs]
        if list(out.columns[: len(expected)]) != expected:
            raise ModelError(f"{type(self).__name__}._predict returned columns {list(out.columns)}, "
                             f"expected {expected} first")
        return out

    def _fit(self, frame: Frame, y: np.ndarray | None) -> None:
        raise NotImplementedError

    def _predict(self, frame: Frame) -> pd.DataFrame:
        raise NotImplementedError

    # ----------------------------------------------------------- persistence
    def save(self, folder: str | Path) -> Path:
        """Write ``model.pkl`` and ``card.json`` into ``folder``; returns the folder."""
        self.check_is_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        pickle.dump(self, buf, protocol=pickle.HIGHEST_PROTOCOL)
        blob = buf.getvalue()
        digest = hashlib.sha256(blob).hexdigest()
        tmp = folder / "model.pkl.tmp"
        tmp.write_bytes(blob)
        tmp.replace(folder / "model.pkl")
        card = self.card_.to_dict() | {"artifact_sha256": digest, "class": _qualname(type(self))}
        (folder / "card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False), encoding="utf-8")
        return folder

    @staticmethod
    def load(folder: str | Path) -> BaseModel:
        """Load a model written by :meth:`save`, checking its hash against the card.

        Only load folders you trust: the artifact is a pickle.
        """
        folder = Path(folder)
        try:
            card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
            blob = (folder / "model.pkl").read_bytes()
        except (OSError, ValueError) as err:
            raise ModelError(f"cannot read model in {folder}: {err}") from err
        if hashlib.sha256(blob).hexdigest() != card.get("artifact_sha256"):
            raise ModelError(f"model artifact in {folder} does not match its card (corrupt or changed)")
        model = pickle.loads(blob)  # noqa: S301 - registry folders are trusted local files
        if not isinstance(model, BaseModel):
            raise ModelError(f"{folder} does not hold a Bessemer model")
        model.card_ = replace(model.card_, metrics=dict(card.get("metrics", {})), notes=card.get("notes", ""))
        return model


def _qualname(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in params.items():
        try:
            json.dumps(v)
            out[k] = v
        except TypeError:
            out[k] = repr(v)
    return out
