"""One settings object, read once at start.

Nothing else in Bessemer reads ``os.environ``. Every field can be set with an
environment variable prefixed ``BESSEMER_`` (``BESSEMER_HOME``, ``BESSEMER_DATA``,
``BESSEMER_STORE_PATH``...) or passed as a keyword.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ._exceptions import ConfigError

_INSECURE_SECRET = "development-only-secret"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    """Bessemer settings.

    Examples
    --------
    >>> s = Settings(home="/tmp/bessemer-doc")
    >>> s.store_path.name
    'bessemer.duckdb'
    """

    model_config = SettingsConfigDict(env_prefix="BESSEMER_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    home: Path = Field(default=Path(".bessemer"), description="Folder for the store, models and tokens.")
    data: Path | None = Field(default=None, description="Folder of public benchmark data (BESSEMER_DATA).")
    store_path: Path | None = Field(default=None, description="DuckDB file; default HOME/bessemer.duckdb.")
    registry_dir: Path | None = Field(default=None, description="Model registry; default HOME/models.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret: str = _INSECURE_SECRET
    seed: int = 7
    language: Literal["en", "ko"] = "en"
    max_upload_mb: float = Field(default=64.0, gt=0)

    @model_validator(mode="after")
    def _fill(self) -> Settings:
        if self.store_path is None:
            self.store_path = self.home / "bessemer.duckdb"
        if self.registry_dir is None:
            self.registry_dir = self.home / "models"
        return self

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        # checked after validation so that the error is a ConfigError, not a pydantic ValidationError
        if self.environment != "development" and self.secret == _INSECURE_SECRET:
            raise ConfigError(
                "BESSEMER_SECRET is the development default; outside development set "
                "BESSEMER_SECRET to a long random string (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)."
            )

    # narrow the Optional fields for type checkers and callers
    @property
    def store_file(self) -> Path:
        assert self.store_path is not None
        return self.store_path

    @property
    def models_dir(self) -> Path:
        assert self.registry_dir is not None
        return self.registry_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read from the environment once."""
    return Settings()
