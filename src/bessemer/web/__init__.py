"""The dashboard: fleet overview, asset pages, maintenance plan (offline assets only)."""

from ._pages import STATIC_DIR, TEMPLATES_DIR, mount_dashboard

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "mount_dashboard"]
