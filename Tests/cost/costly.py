"""Inputs built to cost far more than their size (issue 13), generated at
test time: small files that declare huge images and then make the decoder
work, PNGs that inflate without end, models that explode in memory. Each
case says how it is fed (features of an image file, or a model load) and
under which limits ("default", or "off": every limit disabled).

    python3 costly.py DIR [CASE...]   writes the files, prints their sizes

Nothing here is committed as data: every file comes from a few lines of
code (the largest, 264 MB of empty PLTE chunks, takes about a second).
"""
from __future__ import annotations

import json
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

# ------------------------------------------------------------------ JPEG


def _seg(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _dqt() -> bytes:
    return _seg(0xDB, b"\x00" + bytes([1] * 64))


def _sof(marker: int, w: int, h: int, ncomp: int) -> bytes:
    comps = b"".join(bytes([i + 1, 0x11, 0]) for i in range(ncomp))
    return _seg(marker, struct.pack(">BHHB", 8, h, w, ncomp) + comps)


def _sos(comps, ss: int, se: int, ah: int, al: int) -> bytes:
    body = bytes([len(comps)]) + b"".join(bytes([c, 0x00]) for c in comps) + bytes([ss, se, (ah << 4) | al])
    return _seg(0xDA, body)


def _dht_dc_ac() -> bytes:
    """Minimal Huffman tables (one 1-bit code each) for DC and AC table 0."""
    counts = bytes([1] + [0] * 15)
    return _seg(0xC4, b"\x00" + counts + b"\x00" + b"\x10" + counts + b"\x00")


def progressive_jpeg(w: int, h: int, ncomp: int, scans, arithmetic: bool = True, data: bytes = b"") -> bytes:
    """A progressive JPEG of w x h with `ncomp` components whose scans (a
    list of (components, Ss, Se, Ah, Al)) carry `data` each (none: the
    decoder fills zeros)."""
    out = bytearray(b"\xff\xd8") + _dqt()
    out += _sof(0xCA if arithmetic else 0xC2, w, h, ncomp)
    if not arithmetic:
        out += _dht_dc_ac()
    for comps, ss, se, ah, al in scans:
        out += _sos(comps, ss, se, ah, al) + data
    return bytes(out + b"\xff\xd9")


def jpeg_cmyk_dc_scans() -> bytes:
    """2 KB: arithmetic progressive CMYK 8192x8192, 100 DC first scans."""
    return progressive_jpeg(8192, 8192, 4, [((1, 2, 3, 4), 0, 0, 0, 0)] * 100)


def jpeg_wide_ac_scans() -> bytes:
    """32768x2048 gray, a DC scan then 99 AC first scans that repeat."""
    return progressive_jpeg(32768, 2048, 1, [((1,), 0, 0, 0, 0)] + [((1,), 1, 63, 0, 0)] * 99)


def jpeg_wide_ac_bands() -> bytes:
    """Neighbour: 32768x2048 gray, 100 scans that never repeat a pass (one
    band of one coefficient each, then refinements): only the work budget
    stops it."""
    scans = [((1,), 0, 0, 0, 1)] + [((1,), k, k, 0, 1) for k in range(1, 64)]
    scans += [((1,), k, k, 1, 0) for k in range(1, 37)]
    return progressive_jpeg(32768, 2048, 1, scans[:100])


def jpeg_cmyk_bands() -> bytes:
    """Neighbour: 8192x8192 CMYK, non-repeating band scans per component."""
    scans = [((1, 2, 3, 4), 0, 0, 0, 0)]
    for k in range(1, 64):
        for c in (1, 2, 3, 4):
            scans.append(((c,), k, k, 0, 0))
    return progressive_jpeg(8192, 8192, 4, scans[:100])


def jpeg_huffman_dc_scans() -> bytes:
    """Neighbour: the CMYK DC-scan file with Huffman coding."""
    return progressive_jpeg(8192, 8192, 4, [((1, 2, 3, 4), 0, 0, 0, 0)] * 100, arithmetic=False)


def jpeg_baseline_empty(w: int = 8192, h: int = 8192) -> bytes:
    """A few hundred bytes declaring a w x h baseline gray JPEG with no data:
    within the limits it is a real (gray) image of that size."""
    out = bytearray(b"\xff\xd8") + _dqt() + _sof(0xC0, w, h, 1) + _dht_dc_ac()
    out += _sos((1,), 0, 63, 0, 0)
    return bytes(out + b"\xff\xd9")


def jpeg_one_block(w: int = 8192, h: int = 8192) -> bytes:
    """138 bytes declaring a w x h baseline gray JPEG whose first block has
    one AC coefficient and whose data then ends (libjpeg fills the rest with
    zeros, as OpenCV's decode does): a non-constant image of that size made
    almost entirely from nothing, which would cost a full decode and FFT.
    Refused by max_pixels_per_byte."""
    dqt = _seg(0xDB, b"\x00" + bytes([255] * 64))
    dc = b"\x00" + bytes([1] + [0] * 15) + b"\x00"             # DC: "0" = category 0
    ac = b"\x10" + bytes([1, 1] + [0] * 14) + b"\x00\x01"      # AC: "0" = EOB, "10" = run 0 size 1
    out = bytearray(b"\xff\xd8") + dqt + _sof(0xC0, w, h, 1) + _seg(0xC4, dc + ac)
    out += _sos((1,), 0, 63, 0, 0) + b"\x50"                     # 0 | 10 1 | 0: DC 0, AC +1, EOB
    return bytes(out + b"\xff\xd9")


def jpeg_many_app_segments() -> bytes:
    """Metadata bomb: 300 APP2 segments of 64 KB (19.6 MB) before a small image."""
    body = jpeg_baseline_empty(64, 64)
    seg = _seg(0xE2, b"ICC_PROFILE\x00" + bytes(65520))
    return body[:2] + seg * 300 + body[2:]


def jpeg_many_markers() -> bytes:
    """100,000 empty COM segments before a small image."""
    body = jpeg_baseline_empty(64, 64)
    return body[:2] + _seg(0xFE, b"") * 100_000 + body[2:]


# ------------------------------------------------------------------- PNG

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _ihdr(w: int, h: int, depth: int = 8, ctype: int = 0) -> bytes:
    return _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))


def _gray_rows(w: int, h: int) -> bytes:
    return b"".join(b"\x00" + bytes((x * 7 + y * 13) & 255 for x in range(w)) for y in range(h))


def small_png(w: int = 16, h: int = 16, pre: bytes = b"", post: bytes = b"") -> bytes:
    idat = _chunk(b"IDAT", zlib.compress(_gray_rows(w, h), 9))
    return PNG_SIG + _ihdr(w, h) + pre + idat + post + _chunk(b"IEND", b"")


def ztxt_bomb(count: int = 1000, after_idat: bool = False, itxt: bool = False) -> bytes:
    """`count` compressed text chunks each inflating to 7.9 MB (just under
    libpng's 8 MB per-chunk cap), before or after IDAT: 7.7 MB on disk."""
    text = zlib.compress(bytes(7_900_000), 9)
    if itxt:
        chunk = _chunk(b"iTXt", b"Comment\x00\x01\x00\x00\x00" + text)
    else:
        chunk = _chunk(b"zTXt", b"Comment\x00\x00" + text)
    bomb = chunk * count
    return small_png(pre=b"" if after_idat else bomb, post=bomb if after_idat else b"")


def zlib_tail(gib: int = 10) -> bytes:
    """16x16 gray PNG whose zlib stream runs on with `gib` GiB of zeros
    after the image data (about 1 MB per GiB), in 1 MB IDAT chunks."""
    rows = _gray_rows(16, 16)
    piece = bytes(16 << 20)
    co = zlib.compressobj(9)
    head = co.compress(rows) + co.flush(zlib.Z_SYNC_FLUSH)
    first = co.compress(piece) + co.flush(zlib.Z_SYNC_FLUSH)
    # once the window is all zeros, each further piece compresses alike
    again = co.compress(piece) + co.flush(zlib.Z_SYNC_FLUSH)
    assert co.compress(piece) + co.flush(zlib.Z_SYNC_FLUSH) == again
    pieces = gib * 64
    end = co.flush(zlib.Z_FINISH)[:-4]  # the final block, without the checksum of what was fed
    body = head + first + again * (pieces - 1) + end + struct.pack(">I", _adler_zeros(rows, pieces << 24))
    idats = b"".join(_chunk(b"IDAT", body[i:i + (1 << 20)]) for i in range(0, len(body), 1 << 20))
    return PNG_SIG + _ihdr(16, 16) + idats + _chunk(b"IEND", b"")


def _adler_zeros(head: bytes, zeros: int) -> int:
    a = zlib.adler32(head)
    s1, s2 = a & 0xFFFF, a >> 16
    s2 = (s2 + zeros % 65521 * s1) % 65521
    return (s2 << 16) | s1


def empty_plte(count: int = 22_000_000) -> bytes:
    """`count` empty PLTE chunks (12 bytes each) before a 16x16 image."""
    return small_png(pre=_chunk(b"PLTE", b"") * count)


def many_idat(count: int = 2_000_000) -> bytes:
    """A 16x16 image whose zlib stream is cut into `count` IDAT chunks of 1
    byte after the data."""
    data = zlib.compress(_gray_rows(16, 16), 9)
    idats = b"".join(_chunk(b"IDAT", data[i:i + 1]) for i in range(len(data)))
    empty = _chunk(b"IDAT", b"") * (count - len(data))
    return PNG_SIG + _ihdr(16, 16) + idats + empty + _chunk(b"IEND", b"")


def wide_png(w: int = 1_000_000, h: int = 9) -> bytes:
    """A real w x h gray image (limits off: 9 million pixels, 500,000 rings)."""
    rows = b"".join(b"\x00" + bytes(((x * 31 + y * 17) ^ (x >> 3)) & 255 for x in range(w)) for y in range(h))
    return PNG_SIG + _ihdr(w, h) + _chunk(b"IDAT", zlib.compress(rows, 6)) + _chunk(b"IEND", b"")


def tall_png(w: int = 9, h: int = 1_000_000) -> bytes:
    rows = b"".join(b"\x00" + bytes(((x * 31 + y * 17) ^ (y >> 3)) & 255 for x in range(w)) for y in range(h))
    return PNG_SIG + _ihdr(w, h) + _chunk(b"IDAT", zlib.compress(rows, 6)) + _chunk(b"IEND", b"")


def iccp_bomb() -> bytes:
    """An iCCP profile inflating to 7.9 MB, 10 times (only one is allowed)."""
    prof = _chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(bytes(7_900_000), 9))
    return small_png(pre=prof * 10)


# ----------------------------------------------------------------- models


def _linear_model(extra: dict | None = None) -> dict:
    """A valid logistic-regression model document on the celeba features."""
    doc = {
        "format": "spectralfake-model", "format_version": 1,
        "features": {"preset": "celeba", "n": 80, "epsilon": 1e-08, "center": "reference", "normalize": "first",
                     "crop": "none", "interpolate": True, "n_features": 80},
        "classes": [0, 1], "fake_class": 1, "scaler": None,
        "classifier": {"type": "linear", "estimator": "LogisticRegression", "coef": [0.01] * 80, "intercept": 0.0,
                       "probability": "logistic"},
    }
    doc.update(extra or {})
    return doc


def model_label_1e23() -> bytes:
    return json.dumps(_linear_model()).replace('"classes": [0, 1]', '"classes": [0, 1e23]').encode()


def model_nested_arrays(mib: int = 64) -> bytes:
    """A model file of `mib` MiB (just under max_model_bytes), most of it an
    unknown member holding nested empty arrays."""
    head = json.dumps(_linear_model())[:-1] + ', "x": ['
    n = ((mib << 20) - len(head) - 64) // 3
    return (head + "[]," * (n - 1) + "[]]}").encode()


def model_deep_nesting(depth: int = 1_000_000) -> bytes:
    head = json.dumps(_linear_model())[:-1] + ', "x": '
    return (head + "[" * depth + "]" * depth + "}").encode()


def model_huge_metadata(mib: int = 60) -> bytes:
    head = json.dumps(_linear_model())[:-1] + ', "metadata": {"notes": ['
    n = ((mib << 20) - len(head) - 64) // 6
    return (head + "1.5e3," * (n - 1) + "0]}}").encode()


def model_long_coef(n: int = 8_000_000) -> bytes:
    """A linear model of 8 million coefficients (the wrong count: refused
    after parsing, which must stay linear and within a few times the size)."""
    doc = _linear_model()
    doc["classifier"]["coef"] = [0.25] * n
    return json.dumps(doc, separators=(",", ":")).encode()


# ------------------------------------------------------------------ cases


def jpeg_photo_8192() -> bytes:
    """A genuine 8192x8192 gray photo-like JPEG (1/f noise, q90, ~20 MB): the
    legitimate worst case at the default limits, which must stay decodable."""
    import cv2
    import numpy as np

    side = 1024
    rng = np.random.default_rng(8192)
    f = np.hypot(np.fft.fftfreq(side)[:, None], np.fft.rfftfreq(side)[None, :])
    f[0, 0] = 1
    x = np.fft.irfft2((rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f, s=(side, side))
    tile = (x - x.min()) / (x.max() - x.min()) * 220
    img = np.tile(tile, (8, 8)) + rng.integers(0, 30, (8 * side, 8 * side))
    ok, buf = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    make: Callable[[], bytes]
    kind: str = "image"         # image | model
    limits: str = "default"     # default | off
    ext: str = ".png"
    listed: bool = False        # one of issue 13's list (the rest are neighbours)


CASES = [
    Case("jpeg-cmyk-100-dc-scans", "2 KB arithmetic progressive CMYK 8192x8192, 100 DC scans",
         jpeg_cmyk_dc_scans, ext=".jpg", listed=True),
    Case("jpeg-wide-100-ac-scans", "32768x2048, 100 AC scans", jpeg_wide_ac_scans, ext=".jpg", listed=True),
    Case("jpeg-wide-100-band-scans", "32768x2048, 100 scans that never repeat a pass",
         jpeg_wide_ac_bands, ext=".jpg"),
    Case("jpeg-cmyk-100-band-scans", "8192x8192 CMYK, 100 band scans", jpeg_cmyk_bands, ext=".jpg"),
    Case("jpeg-huffman-100-dc-scans", "Huffman progressive CMYK 8192x8192, 100 DC scans",
         jpeg_huffman_dc_scans, ext=".jpg"),
    Case("jpeg-8192-no-data", "8192x8192 baseline gray, no entropy data (300 bytes)",
         jpeg_baseline_empty, ext=".jpg"),
    Case("jpeg-8192-one-block", "8192x8192 baseline gray, one block of data, then the end (138 bytes)",
         jpeg_one_block, ext=".jpg"),
    Case("jpeg-8192-photo", "a genuine 8192x8192 photo (q90): the legitimate worst case", jpeg_photo_8192,
         ext=".jpg"),
    Case("jpeg-300-app-segments", "300 APP2 segments of 64 KB before a 64x64 image",
         jpeg_many_app_segments, ext=".jpg"),
    Case("jpeg-100k-com-markers", "100,000 empty COM segments", jpeg_many_markers, ext=".jpg"),
    Case("png-1000-ztxt", "1000 zTXt chunks of 7.9 MB inflated, before IDAT", ztxt_bomb, listed=True),
    Case("png-1000-ztxt-after", "the same after IDAT", lambda: ztxt_bomb(after_idat=True), listed=True),
    Case("png-1000-itxt", "1000 compressed iTXt chunks", lambda: ztxt_bomb(itxt=True), listed=True),
    Case("png-iccp-x10", "10 iCCP chunks of 7.9 MB inflated", iccp_bomb),
    Case("png-zlib-tail-10g", "16x16 with 10 GB of zeros after the image in its zlib stream",
         lambda: zlib_tail(10), listed=True),
    Case("png-zlib-tail-64g", "the same with 64 GB", lambda: zlib_tail(64), listed=True),
    Case("png-22m-plte", "22 million empty PLTE chunks (264 MB)", empty_plte, listed=True),
    Case("png-2m-idat", "2 million IDAT chunks", many_idat),
    Case("png-1000000x9-limits-off", "a real 1,000,000x9 gray PNG, limits off", wide_png, limits="off",
         listed=True),
    Case("png-9x1000000-limits-off", "a real 9x1,000,000 gray PNG, limits off", tall_png, limits="off"),
    Case("model-label-1e23", "a model whose fake label is 1e23", model_label_1e23, kind="model", ext=".json",
         listed=True),
    Case("model-64mb-nested-arrays", "a 64 MB model of nested arrays", model_nested_arrays, kind="model",
         ext=".json", listed=True),
    Case("model-deep-nesting", "a model nesting arrays 1,000,000 deep", model_deep_nesting, kind="model",
         ext=".json"),
    Case("model-60mb-metadata", "60 MB of metadata numbers", model_huge_metadata, kind="model", ext=".json"),
    Case("model-8m-coefficients", "a linear model of 8 million coefficients", model_long_coef, kind="model",
         ext=".json"),
]

BY_NAME = {c.name: c for c in CASES}


def write(case: Case, directory: Path) -> Path:
    p = Path(directory) / (case.name + case.ext)
    if not p.exists():
        tmp = p.with_suffix(p.suffix + ".tmp")
        tmp.write_bytes(case.make())
        tmp.replace(p)
    return p


def main(argv):
    d = Path(argv[1])
    d.mkdir(parents=True, exist_ok=True)
    for c in CASES if len(argv) < 3 else [BY_NAME[n] for n in argv[2:]]:
        p = write(c, d)
        print(f"{p.stat().st_size:>12,}  {p.name}")


if __name__ == "__main__":
    main(sys.argv)
