"""Loaders for public benchmark data sets (read from a local folder; nothing is downloaded)."""

from ._cmapss import CmapssData, load_cmapss
from ._steel_energy import read_steel_energy
from ._tep import TepData, load_tep, read_tep_file

__all__ = ["CmapssData", "TepData", "load_cmapss", "load_tep", "read_steel_energy", "read_tep_file"]
