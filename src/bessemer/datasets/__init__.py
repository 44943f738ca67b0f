"""Loaders for public benchmark data sets (read from a local folder; nothing is downloaded)."""

from ._ai4i import read_ai4i
from ._cmapss import CmapssData, load_cmapss
from ._nasa_battery import (
    NASA_CUTOFF_V,
    load_nasa_battery,
    nasa_capacity_2v7,
    read_nasa_discharge_csv,
    read_nasa_mat,
    read_nasa_metadata,
)
from ._neu import NEU_CLASSES, ImageSet, read_image, read_image_dir
from ._plates import read_steel_plates
from ._secom import read_secom
from ._steel_energy import read_steel_energy
from ._tep import TepData, load_tep, read_tep_file

__all__ = [
    "CmapssData",
    "ImageSet",
    "NASA_CUTOFF_V",
    "NEU_CLASSES",
    "TepData",
    "load_cmapss",
    "load_nasa_battery",
    "load_tep",
    "nasa_capacity_2v7",
    "read_ai4i",
    "read_image",
    "read_image_dir",
    "read_nasa_discharge_csv",
    "read_nasa_mat",
    "read_nasa_metadata",
    "read_secom",
    "read_steel_energy",
    "read_steel_plates",
    "read_tep_file",
]
