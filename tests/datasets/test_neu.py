"""Surface image reader: one file (formats, modes, sizes, bad files) and folders of class folders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bessemer.core import DataError, NotFoundError
from bessemer.datasets._neu import NEU_CLASSES, ImageSet, class_name, read_image, read_image_dir


def _data_dir() -> Path | None:
    env = os.environ.get("BESSEMER_DATA")
    for root in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[3] / "shared" / "data"]:
        if (root / "neu_cls" / "train").is_dir():
            return root / "neu_cls" / "train"
    return None


def _pattern(h: int = 200, w: int = 200, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w)).astype(np.uint8)


# --------------------------------------------------------------------------- one file
@pytest.mark.parametrize("suffix", [".bmp", ".png", ".tif"])
def test_lossless_grey_files_read_back_exactly(tmp_path, suffix):
    arr = _pattern()
    path = tmp_path / f"img{suffix}"
    Image.fromarray(arr).save(path)
    img, notes = read_image(path)
    assert img.dtype == np.uint8 and notes == []
    np.testing.assert_array_equal(img, arr)


def test_jpeg_is_read_close_to_the_original(tmp_path):
    arr = np.tile(np.linspace(50, 200, 200).astype(np.uint8), (200, 1))
    Image.fromarray(arr).save(tmp_path / "a.jpg", quality=95)
    img, notes = read_image(tmp_path / "a.jpg")
    assert notes == [] and np.abs(img.astype(int) - arr).max() <= 4


def test_rgb_and_rgba_become_grey_with_a_note(tmp_path):
    rgb = np.zeros((200, 200, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # red only -> luma 0.299 * 200
    Image.fromarray(rgb).save(tmp_path / "red.png")
    img, notes = read_image(tmp_path / "red.png")
    assert abs(int(img[0, 0]) - 60) <= 1
    assert notes == ["red.png: RGB image converted to grey (ITU-R 601 luma)"]
    Image.fromarray(np.dstack([rgb, np.full((200, 200), 128, np.uint8)])).save(tmp_path / "alpha.png")
    _, notes = read_image(tmp_path / "alpha.png")
    assert any("transparency ignored" in n for n in notes) and any("RGBA" in n for n in notes)


def test_16_bit_grey_is_scaled_to_8_bits(tmp_path):
    arr16 = (_pattern().astype(np.uint16) * 257)
    Image.fromarray(arr16).save(tmp_path / "deep.png")
    img, notes = read_image(tmp_path / "deep.png")
    np.testing.assert_array_equal(img, _pattern())
    assert len(notes) == 1 and "8 bits" in notes[0]


def test_wrong_size_is_cropped_and_resized_or_refused(tmp_path):
    Image.fromarray(_pattern(100, 100)).save(tmp_path / "small.bmp")
    img, notes = read_image(tmp_path / "small.bmp")
    assert img.shape == (200, 200) and notes == ["small.bmp: resized from 100x100 to 200x200"]
    Image.fromarray(_pattern(300, 200)).save(tmp_path / "tall.png")
    img, notes = read_image(tmp_path / "tall.png")
    assert img.shape == (200, 200) and "not square" in notes[0]
    np.testing.assert_array_equal(img, _pattern(300, 200)[50:250])  # the centre, not squashed
    with pytest.raises(DataError, match=r"file small.bmp: the image is 100x100 px; expected 200x200"):
        read_image(tmp_path / "small.bmp", resize=False)
    img, notes = read_image(tmp_path / "tall.png", size=None)
    assert img.shape == (300, 200) and notes == []


def test_tiny_and_huge_images_are_refused_naming_the_file(tmp_path):
    Image.fromarray(_pattern(20, 200)).save(tmp_path / "thin.png")
    with pytest.raises(DataError, match=r"file thin.png: the image is 200x20 px, too small.*at least 32"):
        read_image(tmp_path / "thin.png")
    Image.new("L", (5000, 40)).save(tmp_path / "wide.png")
    with pytest.raises(DataError, match=r"file wide.png: the image is 5000x40 px; each side must be at most 4096"):
        read_image(tmp_path / "wide.png")


def test_non_images_truncated_and_missing_files_are_refused(tmp_path):
    (tmp_path / "notes.bmp").write_text("this is not a bitmap")
    with pytest.raises(DataError, match=r"file notes.bmp: not an image .*BMP, PNG, JPEG, TIFF"):
        read_image(tmp_path / "notes.bmp")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(DataError, match="file empty.png: not an image"):
        read_image(tmp_path / "empty.png")
    Image.fromarray(_pattern()).save(tmp_path / "full.png")
    blob = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"file cut.png: the image cannot be decoded .*truncated"):
        read_image(tmp_path / "cut.png")
    Image.fromarray(_pattern()).save(tmp_path / "full.bmp")
    blob = (tmp_path / "full.bmp").read_bytes()
    (tmp_path / "cut.bmp").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match=r"file cut.bmp: the image cannot be decoded"):
        read_image(tmp_path / "cut.bmp")
    Image.fromarray(_pattern()).save(tmp_path / "anim.gif")
    with pytest.raises(DataError, match="file anim.gif: not an image"):  # GIF is not a format we read
        read_image(tmp_path / "anim.gif")
    with pytest.raises(NotFoundError, match="no image file at"):
        read_image(tmp_path / "absent.bmp")


# --------------------------------------------------------------------------- folders
def _folder(root: Path, layout: dict[str, int], *, size: int = 200) -> Path:
    for k, (cls, n) in enumerate(layout.items()):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(_pattern(size, size, seed=100 * k + i)).save(root / cls / f"{cls[:2]}_{i}.bmp")
    return root


def test_read_image_dir_reads_one_folder_per_class(tmp_path):
    root = _folder(tmp_path / "set", {"Crazing": 3, "Scratches": 2})
    (root / "Scratches" / "Thumbs.db").write_bytes(b"\x00\x01")
    (root / "Scratches" / ".DS_Store").write_bytes(b"\x00")
    (root / "README.txt").write_text("files at the top level are not classes")
    s = read_image_dir(root)
    assert isinstance(s, ImageSet) and len(s) == 5
    assert s.images.shape == (5, 200, 200) and s.images.dtype == np.uint8
    assert s.labels.tolist() == ["Crazing"] * 3 + ["Scratches"] * 2
    assert [p.name for p in s.paths][:2] == ["Cr_0.bmp", "Cr_1.bmp"]
    assert s.notes == ["Scratches/: 1 non-image file(s) skipped: Thumbs.db"]
    np.testing.assert_array_equal(s.images[3], _pattern(seed=100))


def test_read_image_dir_maps_other_neu_spellings_and_resizes_with_notes(tmp_path):
    root = _folder(tmp_path / "set", {"rolled-in_scale": 2, "pitted_surface": 2}, size=64)
    s = read_image_dir(root)
    assert sorted(set(s.labels.tolist())) == ["Pitted", "Rolled"]
    assert "folder 'rolled-in_scale' read as class 'Rolled'" in s.notes
    assert "rolled-in_scale/ro_0.bmp: resized from 64x64 to 200x200" in s.notes
    assert class_name("Edge crack") == "Edge crack" and set(NEU_CLASSES) >= {"Pitted", "Rolled"}


def test_read_image_dir_refuses_empty_and_flat_folders(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.fromarray(_pattern()).save(flat / "a.bmp")
    with pytest.raises(DataError, match="has no class sub-folders"):
        read_image_dir(flat)
    root = _folder(tmp_path / "set", {"Crazing": 2})
    (root / "Patches").mkdir()
    (root / "Patches" / "list.txt").write_text("x")
    with pytest.raises(DataError, match=r"class folder 'Patches' holds no image"):
        read_image_dir(root)
    with pytest.raises(NotFoundError, match="no image folder at"):
        read_image_dir(tmp_path / "absent")
    twice = _folder(tmp_path / "twice", {"Rolled": 1, "rolled-in_scale": 1})
    with pytest.raises(DataError, match="both stand for class 'Rolled'"):
        read_image_dir(twice)


def test_read_image_dir_names_the_bad_file(tmp_path):
    root = _folder(tmp_path / "set", {"Inclusion": 2})
    (root / "Inclusion" / "In_9.bmp").write_bytes(b"BM not really")
    with pytest.raises(DataError, match="file In_9.bmp: not an image"):
        read_image_dir(root)


def test_identical_images_are_noted(tmp_path):
    root = _folder(tmp_path / "set", {"Patches": 2, "Pitted": 1})
    (root / "Patches" / "Pa_9.bmp").write_bytes((root / "Patches" / "Pa_0.bmp").read_bytes())
    (root / "Pitted" / "Pi_7.bmp").write_bytes((root / "Patches" / "Pa_1.bmp").read_bytes())
    notes = read_image_dir(root).notes
    assert any(n.startswith("Patches/Pa_9.bmp is pixel-identical to Patches/Pa_0.bmp (") for n in notes)
    assert any(n.startswith("Pitted/Pi_7.bmp is pixel-identical to Patches/Pa_1.bmp, which is in another class")
               for n in notes)


# --------------------------------------------------------------------------- the shared NEU copy
@pytest.mark.data
def test_shared_neu_copy_reads_as_six_classes():
    root = _data_dir()
    if root is None:
        pytest.skip("NEU images not found: set BESSEMER_DATA to the shared data folder (needs neu_cls/train)")
    s = read_image_dir(root)
    assert sorted(set(s.labels.tolist())) == sorted(NEU_CLASSES)
    assert s.images.shape[1:] == (200, 200) and len(s) >= 6 * 200
    assert not any("resized" in n or "converted" in n for n in s.notes)


def test_a_header_declaring_a_giant_image_is_refused_before_decoding(tmp_path):
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)  # 400 Mpx grey: a decompression bomb
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    with pytest.raises(DataError, match="file bomb.png: the image declares a size too large to open safely"):
        read_image(tmp_path / "bomb.png")
    header = struct.pack(">IIBBBBB", 9000, 9000, 8, 0, 0, 0, 0)  # 81 Mpx: under Pillow's limit, over ours
    (tmp_path / "big.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    with pytest.raises(DataError, match="file big.png: the image is 9000x9000 px; each side must be at most 4096"):
        read_image(tmp_path / "big.png")
