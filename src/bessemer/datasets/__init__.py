"""Loaders for public benchmark data sets (read from a local folder; nothing is downloaded)."""

from ._cmapss import CmapssData, load_cmapss

__all__ = ["CmapssData", "load_cmapss"]
