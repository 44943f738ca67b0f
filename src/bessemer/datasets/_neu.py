"""Reader of surface images: the NEU hot-rolled strip defects (Song & Yan 2013) and a plant's own.

The NEU-CLS set holds 200x200 grey BMP images of six defect classes. A folder of images is read
as one sub-folder per class (``DIR/<Class>/*.bmp``), the layout of the shared copy::

    neu_cls/train/Crazing/Cr_2.bmp
    neu_cls/train/Rolled/RS_2.bmp
    ...

Folder names from other NEU releases (``rolled-in_scale``, ``pitted_surface``, lower case) are
mapped to :data:`NEU_CLASSES` with a note; any other folder name is a class of its own, so a
plant's own defect folders work the same way.

:func:`read_image` reads one BMP, PNG, JPEG or TIFF file into a grey ``uint8`` array. What it
changes, it says in the notes: colour or 16-bit images are made grey 8-bit, an image of another
size is centre-cropped to a square and resized. What it cannot use, it refuses with a
:class:`~bessemer.core.DataError` naming the file: not an image, a truncated file, an image
smaller than 32 px or larger than 4096 px a side, or the wrong size when ``resize=False``.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from bessemer.core import DataError, NotFoundError

#: the six NEU classes, as the folders of the shared copy name them
NEU_CLASSES: tuple[str, ...] = ("Crazing", "Inclusion", "Patches", "Pitted", "Rolled", "Scratches")
#: image formats read (Pillow decoders); other formats are refused
FORMATS: tuple[str, ...] = ("BMP", "PNG", "JPEG", "TIFF")
IMAGE_SUFFIXES: frozenset[str] = frozenset({".bmp", ".png", ".jpg", ".jpeg", ".tif", ".tiff"})
MIN_SIDE = 32
MAX_SIDE = 4096
_ALIASES = {"crazing": "Crazing", "cr": "Crazing", "inclusion": "Inclusion", "in": "Inclusion",
            "patches": "Patches", "pa": "Patches", "pitted": "Pitted", "pittedsurface": "Pitted", "ps": "Pitted",
            "rolled": "Rolled", "rolledinscale": "Rolled", "rs": "Rolled", "scratches": "Scratches",
            "sc": "Scratches"}


@dataclass
class ImageSet:
    """Images of one size with their class labels, as read from a folder.

    Attributes
    ----------
    images : ndarray of uint8, shape (n, height, width)
    labels : ndarray of str, shape (n,)
    paths : list of Path, the file of each image
    notes : list of str, what was changed or skipped while reading
    """

    images: np.ndarray
    labels: np.ndarray
    paths: list[Path]
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


def _grey(img: Image.Image, name: str, notes: list[str]) -> np.ndarray:
    mode = img.mode
    if mode == "L":
        return np.asarray(img, dtype=np.uint8)
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        arr = np.asarray(img).astype(np.float64)
        notes.append(f"{name}: 16-bit grey scaled to 8 bits (value / 257)")
        return np.clip(np.rint(arr / 257.0), 0, 255).astype(np.uint8)
    if mode in ("I", "F"):
        arr = np.asarray(img).astype(np.float64)
        if not np.isfinite(arr).all():
            raise DataError("the image holds values that are not finite numbers; save it as 8-bit grey",
                            file=name)
        lo, hi = float(arr.min()), float(arr.max())
        notes.append(f"{name}: {mode!r} image ({lo:g} to {hi:g}) stretched to 0-255 grey")
        scaled = (arr - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(arr)
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        notes.append(f"{name}: transparency ignored")
    notes.append(f"{name}: {mode} image converted to grey (ITU-R 601 luma)")
    return np.asarray(img.convert("L"), dtype=np.uint8)


def _square_resize(arr: np.ndarray, size: int, name: str, notes: list[str]) -> np.ndarray:
    h, w = arr.shape
    if h != w:
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        arr = arr[top:top + side, left:left + side]
        notes.append(f"{name}: {w}x{h} is not square; centre {side}x{side} kept")
    if arr.shape[0] != size:
        notes.append(f"{name}: resized from {arr.shape[1]}x{arr.shape[0]} to {size}x{size}")
        arr = np.asarray(Image.fromarray(arr).resize((size, size), Image.Resampling.LANCZOS), dtype=np.uint8)
    return arr


def _decode(path: Path, name: str, notes: list[str]) -> np.ndarray:
    with Image.open(path, formats=FORMATS) as img:
        w, h = img.size
        if min(w, h) < MIN_SIDE:
            raise DataError(f"the image is {w}x{h} px, too small to classify; each side must be at least "
                            f"{MIN_SIDE} px (use the camera's full-resolution image)", file=name)
        if max(w, h) > MAX_SIDE:
            raise DataError(f"the image is {w}x{h} px; each side must be at most {MAX_SIDE} px "
                            "(crop the region of the defect or downscale the image first)", file=name)
        if getattr(img, "n_frames", 1) > 1:
            notes.append(f"{name}: {img.n_frames} frames; the first one used")
        img.load()
        return _grey(img, name, notes)


def read_image(path: str | Path, *, size: int | None = 200, resize: bool = True) -> tuple[np.ndarray, list[str]]:
    """Read one image file as grey ``uint8`` (height x width), with notes on what was changed.

    Parameters
    ----------
    path : str or Path
        A BMP, PNG, JPEG or TIFF file.
    size : int or None
        Side the image must have (square); ``None`` keeps the image's own size.
    resize : bool
        When the image is not ``size`` x ``size``: centre-crop it to a square and resize it
        (True), or refuse it (False).

    Returns
    -------
    image : ndarray of uint8, shape (size, size)
    notes : list of str, empty when the file was used as is

    Raises
    ------
    NotFoundError
        The file does not exist or cannot be opened.
    DataError
        Not an image of a supported format, truncated, smaller than 32 px or larger than
        4096 px a side, or not ``size`` x ``size`` with ``resize=False``.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> p = Path(tempfile.mkdtemp()) / "spot.png"
    >>> Image.new("RGB", (240, 200), (90, 120, 200)).save(p)
    >>> img, notes = read_image(p)
    >>> img.shape, img.dtype
    ((200, 200), dtype('uint8'))
    >>> notes
    ['spot.png: RGB image converted to grey (ITU-R 601 luma)', 'spot.png: 240x200 is not square; centre 200x200 kept']
    >>> read_image(p, resize=False)
    Traceback (most recent call last):
    bessemer.core._exceptions.DataError: file spot.png: the image is 240x200 px; expected 200x200 ...
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise NotFoundError(f"no image file at {path}; check the path")
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            arr = _decode(path, name, notes)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise DataError(f"the image declares a size too large to open safely ({err}); each side must be at most "
                        f"{MAX_SIDE} px", file=name) from err
    except UnidentifiedImageError as err:
        raise DataError(f"not an image Bessemer reads; expected one of {', '.join(FORMATS)} "
                        "(convert it, e.g. to PNG)", file=name) from err
    except (OSError, SyntaxError, ValueError) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"the image cannot be decoded ({err}); the file is probably truncated or damaged: "
                        "copy it again from the camera", file=name) from err
    if size is not None and arr.shape != (size, size):
        if not resize:
            raise DataError(f"the image is {arr.shape[1]}x{arr.shape[0]} px; expected {size}x{size} "
                            "(resize it first, or read it with resize=True)", file=name)
        arr = _square_resize(arr, size, name, notes)
    return arr, notes


def class_name(folder: str) -> str:
    """The class a folder stands for: an NEU class for its known spellings, else the name itself.

    Examples
    --------
    >>> class_name("rolled-in_scale"), class_name("Pitted_surface"), class_name("Edge crack")
    ('Rolled', 'Pitted', 'Edge crack')
    """
    key = re.sub(r"[^a-z]", "", folder.lower())
    return _ALIASES.get(key, folder)


def read_image_dir(path: str | Path, *, size: int = 200, resize: bool = True) -> ImageSet:
    """Read a folder holding one sub-folder of images per class.

    Files that are not images by their suffix (``Thumbs.db``, ``README.txt``) are skipped with a
    note; hidden files and folders are ignored. Images are read with :func:`read_image`. Images
    with the same pixels as an earlier one (NEU's ``Pa_101`` and ``Pa_105``) are kept, with a note.

    Raises
    ------
    NotFoundError
        ``path`` is not a folder.
    DataError
        No class sub-folder, a class folder without images, or an image :func:`read_image` refuses.

    Examples
    --------
    >>> import tempfile
    >>> from PIL import Image
    >>> root = Path(tempfile.mkdtemp())
    >>> for cls in ("Pitted", "Scratches"):
    ...     (root / cls).mkdir()
    ...     for i in range(2):
    ...         Image.new("L", (200, 200), 100 if cls == "Pitted" else 50 + i).save(root / cls / f"{cls[:2]}_{i}.bmp")
    >>> s = read_image_dir(root)
    >>> s.images.shape, s.labels.tolist()
    ((4, 200, 200), ['Pitted', 'Pitted', 'Scratches', 'Scratches'])
    >>> print(*s.notes)
    Pitted/Pi_1.bmp is pixel-identical to Pitted/Pi_0.bmp (both kept; keep them on the same side of a
    train/test split)
    """
    root = Path(path)
    if not root.is_dir():
        raise NotFoundError(f"no image folder at {root}; it should hold one sub-folder of images per class")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError("the folder has no class sub-folders; put the images of each class in a folder "
                        "named after the class (e.g. Crazing/, Scratches/)", file=str(root))
    images: list[np.ndarray] = []
    labels: list[str] = []
    paths: list[Path] = []
    notes: list[str] = []
    seen: dict[str, str] = {}
    first_of: dict[bytes, str] = {}
    for folder in folders:
        label = class_name(folder.name)
        if label in seen:
            raise DataError(f"folders {seen[label]!r} and {folder.name!r} both stand for class {label!r}; "
                            "merge them into one folder", file=str(root))
        seen[label] = folder.name
        if label != folder.name:
            notes.append(f"folder {folder.name!r} read as class {label!r}")
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        kept = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
        skipped = [p.name for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
        if skipped:
            notes.append(f"{folder.name}/: {len(skipped)} non-image file(s) skipped: {', '.join(skipped[:5])}"
                         + (" ..." if len(skipped) > 5 else ""))
        if not kept:
            raise DataError(f"class folder {folder.name!r} holds no image ({', '.join(sorted(IMAGE_SUFFIXES))}); "
                            "add images or remove the folder", file=str(folder))
        for p in kept:
            arr, more = read_image(p, size=size, resize=resize)
            where = f"{folder.name}/{p.name}"
            key = hashlib.sha256(arr.tobytes()).digest()
            if key in first_of:
                other = first_of[key]
                clash = "" if other.startswith(f"{folder.name}/") else ", which is in another class: check its label;"
                notes.append(f"{where} is pixel-identical to {other}{clash} (both kept; keep them on the same "
                             "side of a train/test split)")
            first_of.setdefault(key, where)
            images.append(arr)
            labels.append(label)
            paths.append(p)
            notes.extend(f"{folder.name}/{m}" for m in more)
    return ImageSet(images=np.stack(images), labels=np.array(labels), paths=paths, notes=notes)
