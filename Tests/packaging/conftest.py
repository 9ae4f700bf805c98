"""Shared by the packaging tests: the images they score, a generated PNG
(written here, no imaging package needed) and a few shared faces (JPEG and
PNG) when ../shared/data (or $SPECTRALFAKE_DATA) is there."""
import os
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SPECTRALFAKE_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def sf_version():
    """SF_VERSION_STRING of include/spectralfake.h."""
    text = (ROOT / "include" / "spectralfake.h").read_text()
    return re.search(r'^#define SF_VERSION_STRING "([^"]+)"', text, re.M).group(1)


def write_png(path, gray):
    """A minimal 8-bit grayscale PNG (filter 0 on every row)."""
    h, w = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


@pytest.fixture
def sample_images(tmp_path):
    """[generated.png, a shared real JPEG, a shared fake JPEG, a shared PNG]
    (the shared ones when the data is there)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:256, 0:256]
    gray = np.clip(96 + 60 * np.sin(x / 9.0) * np.cos(y / 13.0) + rng.normal(0, 12, (256, 256)), 0, 255)
    png = tmp_path / "generated.png"
    write_png(png, gray.astype(np.uint8))
    out = [png]
    faces = DATA / "faces"
    if faces.is_dir():
        for pattern in ("real/*/*.jpg", "fake/*/*.jpg", "real/*/*.png"):
            found = sorted(faces.glob(pattern))
            if found:
                out.append(found[0])
    return out
