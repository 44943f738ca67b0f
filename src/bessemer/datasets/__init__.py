"""Loaders for public benchmark data sets (read from a local folder; nothing is downloaded)."""

from ._ai4i import read_ai4i
from ._cmapss import CmapssData, load_cmapss
from ._neu import NEU_CLASSES, ImageSet, read_image, read_image_dir
from ._plates import read_steel_plates
from ._secom import read_secom
from ._steel_energy import read_steel_energy
from ._tep import TepData, load_tep, read_tep_file

__all__ = [
    "CmapssData",
    "ImageSet",
    "NEU_CLASSES",
    "TepData",
    "load_cmapss",
    "load_tep",
    "read_ai4i",
    "read_image",
    "read_image_dir",
    "read_secom",
    "read_steel_energy",
    "read_steel_plates",
    "read_tep_file",
]
