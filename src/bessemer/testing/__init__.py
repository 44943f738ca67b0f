"""Small generated fixtures for tests and examples (no downloads, fully seeded)."""

from ._fixtures import make_run_to_failure

__all__ = ["make_run_to_failure"]
