"""Small helpers shared by every layer (no Bessemer imports here)."""

from __future__ import annotations

import importlib
import re
import resource
import sys
from types import ModuleType

_SAFE = re.compile(r"^[^\x00-\x1f\x7f<>]*$")


def text_is_safe(text: str, *, max_len: int = 200) -> bool:
    """True when ``text`` is short and free of control characters and angle brackets."""
    return len(text) <= max_len and bool(_SAFE.match(text))


def optional_import(module: str, *, extra: str) -> ModuleType:
    """Import an optional dependency or fail with the exact install command."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        from .core._exceptions import DependencyError

        raise DependencyError(
            f"{module!r} is needed for this feature but is not installed; "
            f"install it with: pip install 'bessemer[{extra}]'"
        ) from err


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss`` is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0
