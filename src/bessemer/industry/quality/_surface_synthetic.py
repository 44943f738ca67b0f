"""Procedural grey images of the six NEU surface defects, for tests and the demo.

They are not photographs; each class has the look that tells it apart in the real set:

========== ==============================================================
class      what is drawn on a noisy steel background
========== ==============================================================
Crazing    a fine network of dark cracks (zero crossings of band-passed noise)
Inclusion  a few dark spots elongated along the rolling direction
Patches    large blotchy darker regions with soft edges
Pitted     many small dark pits
Rolled     scattered flakes of scale, darker and brighter, mid-sized
Scratches  a few long thin lines, bright or dark, roughly along one direction
========== ==============================================================

Images are deterministic for a seed, and each image only depends on (seed, class, index),
so ``n_per_class`` can change without changing the first images.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from bessemer.datasets._neu import NEU_CLASSES


def _noise(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    z = ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma, mode="wrap")
    return z / (z.std() + 1e-9)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    level = rng.uniform(120, 175)
    return level + 6 * _noise(rng, size, size / 12) + 4 * rng.normal(size=(size, size))


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.mgrid[0:size, 0:size].astype(float)


def _segment_distance(yy: np.ndarray, xx: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    d = p1 - p0
    t = np.clip(((yy - p0[0]) * d[0] + (xx - p0[1]) * d[1]) / (d @ d + 1e-9), 0, 1)
    return np.hypot(yy - (p0[0] + t * d[0]), xx - (p0[1] + t * d[1]))


def _crazing(rng: np.random.Generator, size: int) -> np.ndarray:
    img = _background(rng, size)
    z = _noise(rng, size, size / 40) - 0.5 * _noise(rng, size, size / 15)
    cracks = np.exp(-(z / 0.12) ** 2)
    return img - rng.uniform(25, 45) * cracks


def _inclusion(rng: np.random.Generator, size: int) -> np.ndarray:
    img = _background(rng, size)
    yy, xx = _grid(size)
    vertical = rng.random() < 0.5
    for _ in range(rng.integers(2, 6)):
        cy, cx = rng.uniform(0.1, 0.9, 2) * size
        long, short = rng.uniform(0.08, 0.3) * size, rng.uniform(0.01, 0.03) * size
        a, b = (long, short) if vertical else (short, long)
        spot = np.exp(-(((yy - cy) / a) ** 2 + ((xx - cx) / b) ** 2) ** 2)
        img -= rng.uniform(40, 80) * spot
    return img


def _patches(rng: np.random.Generator, size: int) -> np.ndarray:
    img = _background(rng, size)
    z = _noise(rng, size, size / 14)
    mask = 1 / (1 + np.exp(-(z - rng.uniform(0.0, 0.6)) / 0.15))
    return img - rng.uniform(40, 70) * mask


def _pitted(rng: np.random.Generator, size: int) -> np.ndarray:
    img = _background(rng, size)
    pits = np.zeros((size, size))
    n = int(rng.integers(40, 120) * (size / 200) ** 2) + 5
    ys, xs = rng.integers(0, size, n), rng.integers(0, size, n)
    pits[ys, xs] = rng.uniform(0.5, 1.0, n)
    pits = ndimage.gaussian_filter(pits, rng.uniform(0.8, 1.6)) * 12
    return img - rng.uniform(40, 70) * np.clip(pits, 0, 1)


def _rolled(rng: np.random.Generator, size: int) -> np.ndarray:
    img = _background(rng, size)
    z = _noise(rng, size, size / 60)
    flakes = (z > 1.3).astype(float) - 0.7 * (z < -1.5)
    flakes = ndimage.gaussian_filter(flakes, 0.8)
    return img - rng.uniform(35, 55) * flakes


def _scratches(rng: np.random.Generator, size: int) -> np.ndarray:
    img = _background(rng, size)
    yy, xx = _grid(size)
    base = rng.choice([0.0, np.pi / 2]) + rng.normal(0, 0.3)  # along or across the rolling direction
    for _ in range(rng.integers(1, 4)):
        angle = base + rng.normal(0, 0.08)
        centre = rng.uniform(0.2, 0.8, 2) * size
        half = rng.uniform(0.35, 0.7) * size * np.array([np.sin(angle), np.cos(angle)])
        dist = _segment_distance(yy, xx, centre - half, centre + half)
        sign = 1 if rng.random() < 0.5 else -1
        img += sign * rng.uniform(40, 70) * np.exp(-(dist / rng.uniform(0.8, 1.8)) ** 2)
    return img


_DRAW = {"Crazing": _crazing, "Inclusion": _inclusion, "Patches": _patches, "Pitted": _pitted,
         "Rolled": _rolled, "Scratches": _scratches}


def make_surface_images(n_per_class: int = 20, *, seed: int = 0, size: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Generated grey images of the six NEU classes, class by class.

    Parameters
    ----------
    n_per_class : int
        Images per class.
    seed : int
        Seed; the same seed gives the same images.
    size : int
        Side of the square images in pixels (at least 32).

    Returns
    -------
    images : ndarray of uint8, shape (6 * n_per_class, size, size)
    labels : ndarray of str, the class of each image (``NEU_CLASSES`` order)

    Examples
    --------
    >>> X, y = make_surface_images(2, size=64)
    >>> X.shape, X.dtype, y[:3].tolist()
    ((12, 64, 64), dtype('uint8'), ['Crazing', 'Crazing', 'Inclusion'])
    """
    if n_per_class < 0 or size < 32:
        raise ValueError(f"n_per_class must be >= 0 and size >= 32; got {n_per_class} and {size}")
    images = np.empty((len(NEU_CLASSES) * n_per_class, size, size), dtype=np.uint8)
    labels = np.repeat(np.array(NEU_CLASSES), n_per_class)
    for c, name in enumerate(NEU_CLASSES):
        for i in range(n_per_class):
            rng = np.random.default_rng([seed, c, i])
            images[c * n_per_class + i] = np.clip(np.rint(_DRAW[name](rng, size)), 0, 255).astype(np.uint8)
    return images, labels
