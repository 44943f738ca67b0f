"""The on-disk model registry: ``ROOT/NAME/vN/{model.pkl, card.json}``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ._exceptions import DataError, NotFoundError
from ._model import BaseModel

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


class ModelRegistry:
    """Versioned storage of fitted models with their cards.

    Examples
    --------
    >>> import tempfile
    >>> reg = ModelRegistry(tempfile.mkdtemp())
    >>> reg.names()
    []
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _dir(self, name: str) -> Path:
        if not _NAME.match(name):
            raise DataError(f"model name {name[:40]!r} must be 1-80 of A-Z a-z 0-9 _ . - "
                            "and start with a letter or digit")
        return self.root / name

    def versions(self, name: str) -> list[int]:
        """Saved versions of ``name``, oldest first."""
        d = self._dir(name)
        if not d.is_dir():
            return []
        return sorted(int(p.name[1:]) for p in d.iterdir()
                      if p.is_dir() and p.name[1:].isdigit() and (p / "card.json").is_file())

    def names(self) -> list[str]:
        """Every model name with at least one version."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.versions(p.name))

    def save(self, model: BaseModel, name: str, *, metrics: dict[str, float] | None = None,
             notes: str = "") -> int:
        """Save a fitted model as the next version of ``name``; returns the version."""
        model.check_is_fitted()
        if metrics:
            model.card_.metrics.update({k: float(v) for k, v in metrics.items()})
        if notes:
            model.card_.notes = notes
        version = (self.versions(name) or [0])[-1] + 1
        staging = self._dir(name) / f".v{version}.partial"
        model.save(staging)
        staging.replace(self._dir(name) / f"v{version}")
        return version

    def _resolve(self, name: str, version: int | None) -> Path:
        have = self.versions(name)
        if not have:
            raise NotFoundError(f"no model named {name!r} in {self.root}; train one first "
                                f"(known: {self.names()})")
        v = have[-1] if version is None else version
        if v not in have:
            raise NotFoundError(f"model {name!r} has no version {v}; versions: {have}")
        return self._dir(name) / f"v{v}"

    def load(self, name: str, version: int | None = None) -> BaseModel:
        """Load a version (the latest when ``version`` is None)."""
        return BaseModel.load(self._resolve(name, version))

    def card(self, name: str, version: int | None = None) -> dict[str, Any]:
        """The card of a version, as saved."""
        path = self._resolve(name, version) / "card.json"
        return json.loads(path.read_text(encoding="utf-8"))
