"""The one exception family of Bessemer.

Every error the platform raises on purpose is a :class:`BessemerError`. Each class
also inherits the builtin exception it refines, so callers that catch ``ValueError``
or ``KeyError`` keep working::

    BessemerError
    ├── ConfigError(ValueError)            settings that cannot work (insecure, missing)
    ├── DataError(ValueError)              input data that breaks a rule; names file/row/column
    │   ├── SchemaError                    missing or unknown columns, wrong types
    │   └── UnitError                      unknown or mismatched unit of measure
    ├── NotFoundError(KeyError)            an asset, signal, model or token that does not exist
    ├── NotFittedError(ValueError, AttributeError)   predict before fit
    ├── ModelError(RuntimeError)           a model that cannot be built, saved or loaded
    ├── StoreError(RuntimeError)           the store refused an operation; nothing was changed
    ├── AuthError(PermissionError)         a missing, unknown or insufficient token
    └── DependencyError(ImportError)       an optional dependency is missing; says how to install it
"""

from __future__ import annotations

from typing import Any


class BessemerError(Exception):
    """Base class of every error Bessemer raises on purpose."""


class ConfigError(BessemerError, ValueError):
    """Settings that cannot work, for example an insecure default outside development."""


class DataError(BessemerError, ValueError):
    """Input data that breaks a rule.

    Parameters
    ----------
    message : str
        What was expected, what came, and how to fix it.
    file, row, column : optional
        Where the problem is. ``row`` is 1-based and counts data rows after the header
        for tabular files.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.reason = message
        where = []
        if file is not None:
            where.append(f"file {file!s}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)

    def to_dict(self) -> dict[str, Any]:
        """Return the location and reason as a JSON-friendly mapping."""
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}


class SchemaError(DataError):
    """Missing or unknown columns, or a column of the wrong type."""


class UnitError(DataError):
    """An unknown unit of measure, or one that does not match the signal's declared unit."""


class NotFoundError(BessemerError, KeyError):
    """An asset, signal, model or token that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NotFittedError(BessemerError, ValueError, AttributeError):
    """A model was asked to predict before it was fitted."""


class ModelError(BessemerError, RuntimeError):
    """A model cannot be built, saved or loaded."""


class StoreError(BessemerError, RuntimeError):
    """The store refused an operation; nothing was changed."""


class AuthError(BessemerError, PermissionError):
    """A missing, unknown or insufficient API token."""


class DependencyError(BessemerError, ImportError):
    """An optional dependency is missing; the message gives the install command."""
