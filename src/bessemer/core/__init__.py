"""The shared core: frames, assets, store, model contract and registry, settings, errors."""

from ._assets import LEVELS, AssetTree, Node, Signal
from ._exceptions import (
    AuthError,
    BessemerError,
    ConfigError,
    DataError,
    DependencyError,
    ModelError,
    NotFittedError,
    NotFoundError,
    SchemaError,
    StoreError,
    UnitError,
)
from ._frame import Frame
from ._import import ImportReport, import_file
from ._io import read_table
from ._model import BaseModel, ModelCard, Tags, register_model, registered_models
from ._plugins import Domain, Page, load_domains
from ._registry import ModelRegistry
from ._settings import Settings, get_settings
from ._store import Store, open_store
from ._store_pg import PostgresStore
from ._units import UNITS, normalize_unit

__all__ = [
    "AssetTree",
    "AuthError",
    "BaseModel",
    "BessemerError",
    "ConfigError",
    "DataError",
    "DependencyError",
    "Domain",
    "Frame",
    "ImportReport",
    "LEVELS",
    "ModelCard",
    "ModelError",
    "ModelRegistry",
    "Node",
    "NotFittedError",
    "NotFoundError",
    "Page",
    "PostgresStore",
    "SchemaError",
    "Settings",
    "Signal",
    "Store",
    "StoreError",
    "Tags",
    "UNITS",
    "UnitError",
    "get_settings",
    "import_file",
    "load_domains",
    "normalize_unit",
    "open_store",
    "read_table",
    "register_model",
    "registered_models",
]
