"""One settings object, read once at start.

Nothing else in Bessemer reads ``os.environ``. Every field can be set with an
environment variable prefixed ``BESSEMER_`` (``BESSEMER_HOME``, ``BESSEMER_DATA``,
``BESSEMER_STORE_PATH``...) or passed as a keyword.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
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
    store_url: SecretStr | None = Field(default=None, description="PostgreSQL URL (BESSEMER_STORE_URL, e.g. "
                                        "postgresql://bessemer:PASSWORD@db:5432/bessemer); when set, the store is "
                                        "PostgreSQL instead of the DuckDB file. Kept secret: never shown in repr.")
    store_schema: str | None = Field(default=None, description="PostgreSQL schema of the store; default public.")
    registry_dir: Path | None = Field(default=None, description="Model registry; default HOME/models.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret: str = _INSECURE_SECRET
    seed: int = 7
    language: Literal["en", "ko"] = "en"
    max_upload_mb: float = Field(default=64.0, gt=0)
    auth_reads: bool | None = Field(default=None, description="Reads under /api need a token; default: "
                                    "True in production, False in development (see reads_need_token).")
    rate_limit_per_s: float = Field(default=50.0, ge=0, description="Sustained requests per second per token "
                                    "(or per client address without one); 0 turns rate limiting off.")
    rate_limit_burst: int = Field(default=100, ge=1, description="Requests a key may send at once before "
                                  "the sustained rate applies.")
    max_json_depth: int = Field(default=32, ge=1, le=1000, description="Deepest nesting of a JSON body.")

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

    @property
    def reads_need_token(self) -> bool:
        """Whether reads need a token: ``auth_reads`` when set, else True outside development."""
        return self.environment != "development" if self.auth_reads is None else self.auth_reads

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
