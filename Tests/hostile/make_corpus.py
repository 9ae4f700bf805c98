#!/usr/bin/env python3
"""Generates the hostile-input corpus: malformed JPEG/PNG files, non-images,
special paths (directories, FIFOs, symlink loops, unreadable files), files
with odd names and malformed model files.

    python3 Tests/hostile/make_corpus.py OUTDIR [--seed N]

Writes the files under OUTDIR (which must be empty or missing) plus
OUTDIR/manifest.json, the list of entries the runner (test_hostile.py)
feeds to the library. Nothing here is meant to be committed: generate into
a temporary directory. Remove a corpus with `make_corpus.py --remove OUTDIR`
(it restores the permissions of the chmod-000 entries first).

Everything is deterministic for a given seed. Each manifest entry:

    id        unique, printable ("trunc_jpeg/progressive@0412")
    category  what kind of hostility (see CATEGORIES)
    kind      "image" (features/decode) or "model" (model loader)
    path      hex of the path bytes, relative to OUTDIR unless "abs" is true
    abs       the path is used as it is (absolute, empty, over PATH_MAX...)
    regular   a regular readable file (the runner also feeds its bytes)
    expect    null (any clean outcome), or the accepted outcomes: "ok",
              "error" (any library error) or status names ("SF_ERR_IO")
    note      what was done to the file

Base images are small (about 48x40) so the whole corpus runs in seconds.
Tools: numpy, OpenCV, Pillow and cjpeg (libjpeg-turbo-progs); a base a
missing tool would make is left out and listed under "skipped".
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import socket
import stat
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np

CATEGORIES = {
    "valid": "unmodified base JPEGs and PNGs (must decode)",
    "trunc_jpeg": "JPEGs cut at every segment/marker boundary and inside segments",
    "trunc_png": "PNGs cut at every chunk boundary and inside chunks",
    "bitflip": "seeded random bit flips (PNG variants also with CRCs recomputed)",
    "dims": "SOF/IHDR dimensions: zero, oversized, over the pixel limit, 2^31-1",
    "bomb": "small files that declare large images within the limits",
    "jpeg_struct": "bogus JPEG segment lengths, tables, SOF/SOS fields, markers",
    "png_struct": "bogus PNG chunk lengths, CRCs, IHDR fields, chunk order, zlib data",
    "palette": "PNG palettes missing, too short for the indexes used, oversized",
    "scans": "progressive JPEGs with many scans (scan limit)",
    "exif": "EXIF orientation parsing (JPEG APP1, PNG eXIf), every orientation",
    "nonimage": "text, ELF, zip, GIF/BMP/WebP/TIFF... magic, random bytes",
    "empty": "zero-byte and one-byte files",
    "paths": "directories, FIFO, symlink loops, unreadable, missing, devices",
    "names": "valid images under odd file names",
    "models": "malformed model JSON files",
    "model_paths": "special paths given to the model loader",
}

W, H = 48, 40  # base image size (not a multiple of 16: partial MCUs)


# ------------------------------------------------------------------ helpers

def pattern(h, w, seed, channels=1):
    """Deterministic image with structure (smooth waves + noise), uint8."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = []
    for c in range(channels):
        f1, f2 = rng.uniform(0.05, 0.4, 2)
        img = (128 + 60 * np.sin(x * f1 + c) * np.cos(y * f2) + 30 * np.sin((x + y) * 0.7 + c)
               + rng.normal(0, 12, (h, w)))
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out[0] if channels == 1 else np.dstack(out)


def be16(v):
    return struct.pack(">H", v & 0xFFFF)


def be32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def stable_seed(*parts):
    return zlib.crc32("/".join(map(str, parts)).encode()) ^ SEED


SEED = 20261126


# --------------------------------------------------------------- JPEG bits

def jpeg_segments(d):
    """Segments of a JPEG stream: (start, end, name). Entropy-coded data
    after each SOS is split at restart markers; markers without a length
    (SOI, EOI, RSTn) are segments of their own."""
    segs = [(0, 2, "SOI")]
    p, n = 2, len(d)
    while p < n:
        if d[p] != 0xFF:
            segs.append((p, n, "trailing"))
            break
        q = p
        while q < n and d[q] == 0xFF:
            q += 1
        if q >= n:
            segs.append((p, n, "fill"))
            break
        m = d[q]
        if m in (0xD8, 0xD9, 0x01) or 0xD0 <= m <= 0xD7:
            segs.append((p, q + 1, "M%02X" % m))
            p = q + 1
            if m == 0xD9:
                if p < n:
                    segs.append((p, n, "trailing"))
                break
            continue
        if q + 3 > n:
            segs.append((p, n, "partial"))
            break
        length = (d[q + 1] << 8) | d[q + 2]
        end = min(q + 1 + length, n)
        segs.append((p, end, "M%02X" % m))
        p = end
        if m == 0xDA:  # entropy-coded segment(s)
            e = start = p
            while e + 1 < n:
                if d[e] == 0xFF:
                    nxt = d[e + 1]
                    if nxt == 0x00 or nxt == 0xFF:
                        e += 1
                        continue
                    if 0xD0 <= nxt <= 0xD7:
                        if e > start:
                            segs.append((start, e, "ECS"))
                        segs.append((e, e + 2, "RST"))
                        e += 2
                        start = e
                        continue
                    break
                e += 1
            if e + 1 >= n:
                e = n
            if e > start:
                segs.append((start, e, "ECS"))
            p = e
    return segs


def find_segment(d, marker):
    """(start, end) of the first segment with the given marker byte."""
    for s, e, name in jpeg_segments(d):
        if name == "M%02X" % marker:
            return s, e
    raise ValueError("marker %02X not found" % marker)


def sof_offset(d):
    for s, e, name in jpeg_segments(d):
        if name in ("MC0", "MC1", "MC2", "MC3", "MC9", "MCA"):
            return s
    raise ValueError("no SOF")


def set_jpeg_dims(d, w, h):
    s = sof_offset(d)
    b = bytearray(d)
    b[s + 5:s + 7] = be16(h)
    b[s + 7:s + 9] = be16(w)
    return bytes(b)


def jpeg_app1_exif(tiff):
    payload = b"Exif\0\0" + tiff
    return b"\xFF\xE1" + be16(len(payload) + 2) + payload


def tiff_orientation(value, le=False, ifd=8, count=1, magic=42, entry_type=3):
    if le:
        h = b"II" + struct.pack("<HI", magic, ifd)
        e = struct.pack("<HHIHH", 0x0112, entry_type, 1, value, 0)
        return h + struct.pack("<H", count) + e + struct.pack("<I", 0)
    h = b"MM" + struct.pack(">HI", magic, ifd)
    e = struct.pack(">HHIHH", 0x0112, entry_type, 1, value, 0)
    return h + struct.pack(">H", count) + e + struct.pack(">I", 0)


def insert_after_soi(d, seg):
    return d[:2] + seg + d[2:]


# ---------------------------------------------------------------- PNG bits

def png_chunk(kind, payload, crc=None):
    c = zlib.crc32(kind + payload) & 0xFFFFFFFF if crc is None else crc
    return be32(len(payload)) + kind + payload + be32(c)


PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png_chunks(d):
    """Chunks of a PNG: (start, end, type) with end = start + 12 + length."""
    out = []
    p = 8
    while p + 8 <= len(d):
        length = struct.unpack(">I", d[p:p + 4])[0]
        kind = d[p + 4:p + 8]
        end = p + 12 + length
        out.append((p, min(end, len(d)), kind.decode("latin-1")))
        if end > len(d) or kind == b"IEND":
            break
        p = end
    return out


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _filter_rows(rows, bpp, filters):
    """Filters raw scanlines; filters: callable(row index) -> type 0..4."""
    out = bytearray()
    prev = bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        ft = filters(i)
        f = bytearray(len(row))
        for x in range(len(row)):
            a = row[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            pred = (0, a, b, (a + b) // 2, _paeth(a, b, c))[ft]
            f[x] = (row[x] - pred) & 0xFF
        out.append(ft)
        out += f
        prev = row
    return bytes(out)


def _pack_rows(px, depth):
    """Serialises an (h, w[, c]) array of samples into scanlines."""
    h = px.shape[0]
    rows = []
    for y in range(h):
        r = px[y].reshape(-1)
        if depth == 16:
            rows.append(r.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(r.astype(np.uint8).tobytes())
        else:
            per = 8 // depth
            vals = list(int(v) for v in r)
            vals += [0] * (-len(vals) % per)
            b = bytearray()
            for i in range(0, len(vals), per):
                byte = 0
                for v in vals[i:i + per]:
                    byte = (byte << depth) | (v & ((1 << depth) - 1))
                b.append(byte)
            rows.append(bytes(b))
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_idat_payload(px, ctype, depth, interlace=False, filters=None):
    """Uncompressed, filtered image data of px for the given IHDR fields."""
    filters = filters or (lambda i: 0)
    bpp = max(1, CHANNELS[ctype] * depth // 8)
    if not interlace:
        return _filter_rows(_pack_rows(px, depth), bpp, filters)
    out = b""
    for xs, ys, dx, dy in ADAM7:
        sub = px[ys::dy, xs::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        out += _filter_rows(_pack_rows(sub, depth), bpp, filters)
    return out


def make_png(px, ctype, depth, interlace=False, palette=None, trns=None, pre=(), post=(), idat_parts=1,
             filters=None, width=None, height=None, level=6):
    h, w = px.shape[0], px.shape[1]
    ihdr = struct.pack(">IIBBBBB", width if width is not None else w, height if height is not None else h,
                       depth, ctype, 0, 0, 1 if interlace else 0)
    raw = png_idat_payload(px, ctype, depth, interlace, filters)
    z = zlib.compress(raw, level)
    out = PNG_SIG + png_chunk(b"IHDR", ihdr)
    for c in pre:
        out += c
    if palette is not None:
        out += png_chunk(b"PLTE", palette)
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    step = -(-len(z) // idat_parts)
    for i in range(0, len(z), step):
        out += png_chunk(b"IDAT", z[i:i + step])
    for c in post:
        out += c
    return out + png_chunk(b"IEND", b"")


def replace_chunk(d, index, kind=None, payload=None, length=None, crc=None, raw=None):
    """Rebuilds chunk number `index` (in png_chunks order)."""
    chunks = png_chunks(d)
    s, e, k = chunks[index]
    old_payload = d[s + 8:e - 4]
    kind = kind if kind is not None else k.encode("latin-1")
    payload = payload if payload is not None else old_payload
    if raw is not None:
        return d[:s] + raw + d[e:]
    c = crc if crc is not None else zlib.crc32(kind + payload) & 0xFFFFFFFF
    ln = length if length is not None else len(payload)
    return d[:s] + be32(ln) + kind + payload + be32(c) + d[e:]


def chunk_index(d, kind):
    for i, (s, e, k) in enumerate(png_chunks(d)):
        if k == kind:
            return i
    raise ValueError(kind)


# ----------------------------------------------------------------- corpus

class Corpus:
    def __init__(self, root, seed=SEED):
        global SEED
        SEED = seed
        self.root = os.path.abspath(root)
        self.entries = []
        self.ids = set()
        self.skipped = []
        self.restore = []  # paths chmod-ed to 000, restored by remove_corpus
        os.makedirs(root, exist_ok=True)

    def _add(self, category, name, relpath, kind="image", expect=None, note="", abs_path=False, regular=None,
             **extra):
        assert category in CATEGORIES, category
        eid = f"{category}/{name}"
        assert eid not in self.ids, eid
        self.ids.add(eid)
        if regular is None:
            full = relpath if abs_path else os.path.join(os.fsencode(self.root), relpath)
            try:
                st = os.stat(full)
                regular = stat.S_ISREG(st.st_mode) and os.access(full, os.R_OK)
            except OSError:
                regular = False
        e = {"id": eid, "category": category, "kind": kind, "path": relpath.hex(), "abs": abs_path,
             "regular": bool(regular), "expect": expect, "note": note}
        e.update(extra)
        self.entries.append(e)

    def file(self, category, name, data, ext=".jpg", kind="image", expect=None, note="", filename=None):
        """Writes data under category/ and adds it."""
        d = os.path.join(os.fsencode(self.root), category.encode())
        os.makedirs(d, exist_ok=True)
        fn = filename if filename is not None else (name.replace("/", "_") + ext).encode()
        rel = category.encode() + b"/" + fn
        with open(os.path.join(os.fsencode(self.root), rel), "wb") as f:
            f.write(data)
        self._add(category, name, rel, kind, expect, note)
        return rel

    def path(self, category, name, relpath, kind="image", expect=None, note="", abs_path=False, **extra):
        """Adds an entry for a path made by the caller."""
        self._add(category, name, relpath, kind, expect, note, abs_path=abs_path, **extra)

    def write_manifest(self):
        counts = {}
        for e in self.entries:
            counts[e["category"]] = counts.get(e["category"], 0) + 1
        doc = {"seed": SEED, "root": os.path.abspath(self.root), "categories": CATEGORIES, "counts": counts,
               "skipped": self.skipped, "restore": [p.hex() for p in self.restore], "entries": self.entries}
        with open(os.path.join(self.root, "manifest.json"), "w") as f:
            json.dump(doc, f, indent=1)
        return doc


# ------------------------------------------------------------ base images

def cv2_jpeg(img, **kw):
    import cv2
    params = [cv2.IMWRITE_JPEG_QUALITY, kw.get("quality", 90)]
    if kw.get("progressive"):
        params += [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]
    if kw.get("restart"):
        params += [cv2.IMWRITE_JPEG_RST_INTERVAL, kw["restart"]]
    ok, buf = cv2.imencode(".jpg", img, params)
    assert ok
    return buf.tobytes()


def pil_jpeg(img, mode, **kw):
    from PIL import Image
    im = Image.fromarray(img) if mode is None else Image.fromarray(img).convert(mode)
    b = io.BytesIO()
    im.save(b, "JPEG", **kw)
    return b.getvalue()


def have_cjpeg():
    return shutil.which("cjpeg") is not None


def cjpeg(img, *args, scans=None, tmpdir=None):
    """Encodes with cjpeg from a PPM/PGM on stdin."""
    if img.ndim == 2:
        pnm = b"P5\n%d %d\n255\n" % (img.shape[1], img.shape[0]) + img.tobytes()
    else:
        pnm = b"P6\n%d %d\n255\n" % (img.shape[1], img.shape[0]) + img[:, :, ::-1].tobytes()
    cmd = ["cjpeg", *args]
    if scans is not None:
        sp = os.path.join(tmpdir, "scans.txt")
        with open(sp, "w") as f:
            f.write(scans)
        cmd += ["-scans", sp]
    r = subprocess.run(cmd, input=pnm, capture_output=True, check=True)
    return r.stdout


def scan_script(n_scans, components=1):
    """A progressive scan script with exactly n_scans scans for a
    one-component image: one DC scan, 63 single-coefficient AC first scans,
    then successive-approximation refinements (at most 10 per coefficient)."""
    assert components == 1 and 64 <= n_scans <= 1 + 63 * 11
    extra = n_scans - 64
    refine = [0] * 64
    c = 1
    while extra > 0:
        if refine[c] < 10:
            refine[c] += 1
            extra -= 1
        c = c % 63 + 1
    lines = ["0: 0 0 0 0;"]
    for k in range(1, 64):
        lines.append(f"0: {k} {k} 0 {refine[k]};")
    # refinements, interleaved over the coefficients
    for level in range(10, 0, -1):
        for k in range(1, 64):
            if refine[k] >= level:
                lines.append(f"0: {k} {k} {level} {level - 1};")
    assert len(lines) == n_scans
    return "\n".join(lines) + "\n"


def jpeg_bases(c, tmpdir):
    color = pattern(H, W, 1, 3)
    gray = pattern(H, W, 2)
    bases = {}
    bases["baseline420"] = cv2_jpeg(color)
    bases["progressive"] = cv2_jpeg(color, progressive=True)
    bases["gray"] = cv2_jpeg(gray)
    try:
        bases["restart"] = cv2_jpeg(color, restart=1)
    except Exception:
        pass
    try:
        bases["baseline444"] = pil_jpeg(color[:, :, ::-1], None, quality=90, subsampling=0)
        bases["baseline422"] = pil_jpeg(color[:, :, ::-1], None, quality=90, subsampling=1)
        bases["cmyk"] = pil_jpeg(color[:, :, ::-1], "CMYK", quality=90)
    except ImportError:
        c.skipped.append("Pillow bases (baseline444, baseline422, cmyk)")
    if have_cjpeg():
        if "restart" not in bases:
            bases["restart"] = cjpeg(color, "-restart", "1B")
        bases["restart_rows"] = cjpeg(color, "-restart", "1")
        bases["arithmetic"] = cjpeg(color, "-arithmetic")
        bases["progressive_gray"] = cjpeg(gray, "-progressive", "-grayscale")
        bases["progressive_arith"] = cjpeg(color, "-progressive", "-arithmetic", "-sample", "1x1")
    else:
        c.skipped.append("cjpeg bases (restart_rows, arithmetic, progressive_gray, progressive_arith)")
    return bases


def png_bases():
    gray = pattern(H - 7, W - 15, 3)  # 33x33: odd sizes
    px_gray = pattern(27, 33, 4)
    rgb = pattern(27, 33, 5, 3)
    rgba = np.dstack([rgb, pattern(27, 33, 6)])
    idx = pattern(27, 33, 7)
    pal256 = bytes(np.clip(np.arange(768) * 7 % 256, 0, 255).astype(np.uint8))
    mixed = lambda i: i % 5  # noqa: E731
    b = {}
    b["gray8"] = make_png(px_gray, 0, 8)
    b["gray16"] = make_png(px_gray.astype(np.uint16) * 257 + 3, 0, 16)
    b["gray1"] = make_png(px_gray >> 7, 0, 1)
    b["gray2"] = make_png(px_gray >> 6, 0, 2)
    b["gray4"] = make_png(px_gray >> 4, 0, 4, filters=mixed)
    b["rgb8"] = make_png(rgb, 2, 8, filters=mixed)
    b["rgb16"] = make_png(rgb.astype(np.uint16) * 257, 2, 16, filters=mixed)
    b["rgba8"] = make_png(rgba, 6, 8)
    b["rgba16"] = make_png(rgba.astype(np.uint16) * 256, 6, 16)
    b["graya8"] = make_png(np.dstack([px_gray, px_gray[::-1]]), 4, 8)
    b["pal8"] = make_png(idx, 3, 8, palette=pal256, filters=mixed)
    b["pal4"] = make_png(idx >> 4, 3, 4, palette=pal256[:48])
    b["pal1"] = make_png(idx >> 7, 3, 1, palette=b"\x00\x00\x00\xff\xff\xff")
    b["pal8_trns"] = make_png(idx, 3, 8, palette=pal256, trns=bytes(range(0, 256, 2)))
    b["interlaced_rgb8"] = make_png(rgb, 2, 8, interlace=True, filters=mixed)
    b["interlaced_gray16"] = make_png(gray.astype(np.uint16) * 251, 0, 16, interlace=True)
    b["interlaced_pal4"] = make_png(idx >> 4, 3, 4, interlace=True, palette=pal256[:48])
    b["interlaced_gray1"] = make_png(px_gray >> 7, 0, 1, interlace=True)
    b["multi_idat"] = make_png(rgb, 2, 8, idat_parts=4,
                               pre=[png_chunk(b"gAMA", be32(45455)), png_chunk(b"pHYs", be32(2835) * 2 + b"\x01"),
                                    png_chunk(b"tEXt", b"Comment\0hostile corpus")],
                               post=[png_chunk(b"tEXt", b"After\0the image data")])
    try:
        import cv2
        b["cv2_gray"] = cv2.imencode(".png", gray)[1].tobytes()
    except ImportError:
        pass
    return b


# -------------------------------------------------------------- categories

ERR = "error"
TRUNC_OK = ["SF_ERR_TRUNCATED", "SF_ERR_CORRUPT", "SF_ERR_UNKNOWN_FORMAT", "SF_ERR_UNSUPPORTED"]


def add_valid(c, jb, pb):
    for name, d in jb.items():
        c.file("valid", name, d, ".jpg", expect=["ok"], note="unmodified base")
    for name, d in pb.items():
        c.file("valid", "png_" + name, d, ".png", expect=["ok"], note="unmodified base")


def add_trunc_jpeg(c, jb):
    for name, d in jb.items():
        segs = jpeg_segments(d)
        eoi = max((s for s, e, nm in segs if nm == "MD9"), default=len(d))
        cuts = set()
        detailed = name in ("baseline420", "progressive", "restart_rows")
        for s, e, nm in segs:
            cuts.add(s)                       # at the boundary
            if detailed and nm.startswith("M") and nm not in ("MD8", "MD9") and e - s > 4:
                cuts.add(s + 1)               # after the 0xFF
                cuts.add(s + 3)               # inside the length field
            if e - s > 2:
                cuts.add(s + (e - s) // 2)    # in the middle
        for cut in sorted(x for x in cuts if 0 < x < len(d)):
            # data that ends before the EOI marker misses part of the last
            # scan: the header promises an error (SF_ERR_TRUNCATED) there.
            expect = TRUNC_OK if cut < eoi else None
            c.file("trunc_jpeg", f"{name}@{cut:05d}", d[:cut], ".jpg", expect=expect,
                   note=f"first {cut} of {len(d)} bytes")


def add_trunc_png(c, pb):
    full = {"gray8", "pal8", "interlaced_rgb8", "multi_idat"}
    for name, d in pb.items():
        cuts = set()
        for s, e, k in png_chunks(d):
            cuts.update({s, s + (e - s) // 2})  # at the boundary, in the middle
            if name in full:
                cuts.update({s + 4, s + 8, e - 4, e - 1})
        cuts.update({1, 4, 7})
        for cut in sorted(x for x in cuts if 0 < x < len(d)):
            c.file("trunc_png", f"{name}@{cut:05d}", d[:cut], ".png", expect=TRUNC_OK,
                   note=f"first {cut} of {len(d)} bytes")


def flip(d, rng, nbits, lo=0, hi=None):
    b = bytearray(d)
    hi = len(b) if hi is None else hi
    for _ in range(nbits):
        i = rng.randrange(lo, hi)
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def fix_png_crcs(d):
    out = bytearray(d[:8])
    p = 8
    while p + 12 <= len(d):
        ln = struct.unpack(">I", d[p:p + 4])[0]
        if p + 12 + ln > len(d):
            out += d[p:]
            return bytes(out)
        kind, payload = d[p + 4:p + 8], d[p + 8:p + 8 + ln]
        out += d[p:p + 8 + ln] + be32(zlib.crc32(kind + payload))
        p += 12 + ln
    out += d[p:]
    return bytes(out)


def add_bitflip(c, jb, pb):
    for name, d in jb.items():
        rng = random.Random(stable_seed("flip", name))
        for k, (nbits, lo, hi) in enumerate([(1, 2, None), (1, 2, 200), (4, 2, None), (16, 2, None),
                                             (3, 2, min(len(d), 700))]):
            c.file("bitflip", f"{name}#{k}", flip(d, rng, nbits, lo, hi), ".jpg",
                   note=f"{nbits} random bit flips in bytes {lo}..{hi or len(d)}")
    for name, d in pb.items():
        rng = random.Random(stable_seed("flip", name))
        c.file("bitflip", f"png_{name}#0", flip(d, rng, 1, 8), ".png", note="1 random bit flip (CRC stale)")
        for k in range(1, 4):
            fl = fix_png_crcs(flip(d, rng, k * 2 - 1, 8))
            c.file("bitflip", f"png_{name}#{k}", fl, ".png",
                   note=f"{k * 2 - 1} random bit flips, CRCs recomputed (reaches zlib/filters)")


def add_dims(c, jb, pb):
    base = jb["baseline420"]
    lim_dim = ["SF_ERR_LIMIT_DIMENSION"]
    # libjpeg itself refuses sides over 65500 (JPEG_MAX_DIMENSION)
    cases = [(65535, 65535, lim_dim), (65535, 1, lim_dim), (1, 65535, lim_dim), (65500, 65500, lim_dim),
             (65500, 1, lim_dim), (32769, 8, lim_dim),
             (32768, 2049, ["SF_ERR_LIMIT_PIXELS"]), (8193, 8193, ["SF_ERR_LIMIT_PIXELS"]),
             (0, H, ["SF_ERR_CORRUPT", "SF_ERR_UNSUPPORTED"]), (W, 0, ["SF_ERR_CORRUPT", "SF_ERR_UNSUPPORTED"]),
             (0, 0, ["SF_ERR_CORRUPT", "SF_ERR_UNSUPPORTED"]), (1, 1, ["SF_ERR_IMAGE_TOO_SMALL"]),
             (8, 8, ["SF_ERR_IMAGE_TOO_SMALL"]), (W + 1, H + 1, None), (W // 2, H // 2, None),
             (3, 4000, None)]
    for w, h, exp in cases:
        c.file("dims", f"jpeg_{w}x{h}", set_jpeg_dims(base, w, h), ".jpg", expect=exp, note=f"SOF says {w}x{h}")
    c.file("dims", "jpeg_progressive_65535x65535", set_jpeg_dims(jb["progressive"], 65535, 65535), ".jpg",
           expect=lim_dim, note="progressive SOF says 65535x65535")
    png = pb["gray8"]
    big = 2 ** 31 - 1
    pcases = [(65535, 65535, lim_dim), (big, 1, lim_dim), (1, big, lim_dim), (big, big, lim_dim),
              (32768, 2049, ["SF_ERR_LIMIT_PIXELS"]),
              (2 ** 31, 1, ["SF_ERR_CORRUPT"]), (0xFFFFFFFF, 0xFFFFFFFF, ["SF_ERR_CORRUPT"]),
              (0, 27, ["SF_ERR_CORRUPT"]), (33, 0, ["SF_ERR_CORRUPT"]), (0, 0, ["SF_ERR_CORRUPT"]),
              (1, 1, None), (34, 27, ["SF_ERR_CORRUPT", "SF_ERR_TRUNCATED"]), (33, 28, None), (32, 27, None)]
    for w, h, exp in pcases:
        ihdr = struct.pack(">II", w, h) + png[24:29]
        c.file("dims", f"png_{w}x{h}", replace_chunk(png, 0, payload=ihdr), ".png", expect=exp,
               note=f"IHDR says {w}x{h} (CRC fixed)")
    ihdr = struct.pack(">II", 65535, 65535) + png[24:29]
    c.file("dims", "png_65535x65535_stale_crc", replace_chunk(png, 0, payload=ihdr, crc=zlib.crc32(png[12:29])),
           ".png", expect=["SF_ERR_CORRUPT"], note="IHDR 65535x65535 with the old CRC")
    ihdr = struct.pack(">II", big, 1) + pb["interlaced_rgb8"][24:29]
    c.file("dims", "png_interlaced_2^31-1x1", replace_chunk(pb["interlaced_rgb8"], 0, payload=ihdr), ".png",
           expect=lim_dim, note="interlaced IHDR 2^31-1 wide")


def add_bomb(c, jb, pb):
    # a 48x40 JPEG whose SOF says 4096x4096: libjpeg reads the few MCUs
    # there are, warns at EOI and fills the rest (16M pixels to transform)
    c.file("bomb", "jpeg_4096x4096", set_jpeg_dims(jb["baseline420"], 4096, 4096), ".jpg",
           note="SOF 4096x4096 on 48x40 data (decodes with warnings)")
    c.file("bomb", "jpeg_progressive_4096x2048", set_jpeg_dims(jb["progressive"], 4096, 2048), ".jpg",
           note="progressive SOF 4096x2048 on 48x40 data")
    png = pb["gray8"]
    ihdr = struct.pack(">II", 4096, 4096) + png[24:29]
    c.file("bomb", "png_4096x4096_short_idat", replace_chunk(png, 0, payload=ihdr), ".png",
           expect=TRUNC_OK + ["SF_ERR_LIMIT_PIXELS"], note="IHDR 4096x4096, IDAT for 33x27 (max_pixels_per_byte since 1.3)")
    # a real zlib bomb: 4096x4096 of zeros compresses to ~16 KB
    z = zlib.compress(b"\0" * (4097 * 4096), 9)
    d = PNG_SIG + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 4096, 4096, 8, 0, 0, 0, 0)) + \
        png_chunk(b"IDAT", z) + png_chunk(b"IEND", b"")
    c.file("bomb", "png_4096x4096_zeros", d, ".png", expect=["SF_ERR_CONSTANT_IMAGE", "SF_ERR_LIMIT_PIXELS"],
           note="16M-pixel constant image in a ~16 KB file (max_pixels_per_byte since 1.3)")


def jpeg_set_length(d, marker, value, which=0):
    segs = [(s, e) for s, e, nm in jpeg_segments(d) if nm == "M%02X" % marker]
    s, e = segs[which]
    b = bytearray(d)
    b[s + 2:s + 4] = be16(value)
    return bytes(b)


def remove_segments(d, marker):
    out = d
    for s, e, nm in reversed(jpeg_segments(d)):
        if nm == "M%02X" % marker:
            out = out[:s] + out[e:]
    return out


def add_jpeg_struct(c, jb):
    d = jb["baseline420"]
    com = b"\xFF\xFE" + be16(2 + 20) + b"hostile corpus here!"
    dc = insert_after_soi(d, com)
    for marker, label, src in [(0xDB, "DQT", d), (0xC4, "DHT", d), (0xC0, "SOF0", d), (0xDA, "SOS", d),
                               (0xE0, "APP0", d), (0xFE, "COM", dc), (0xC2, "SOF2", jb["progressive"])]:
        s, e = find_segment(src, marker)
        ln = e - s - 2
        for v, tag in [(0, "0"), (1, "1"), (2, "2"), (ln - 1, "minus1"), (ln + 1, "plus1"), (0xFFFF, "ffff")]:
            c.file("jpeg_struct", f"len_{label}_{tag}", jpeg_set_length(src, marker, v), ".jpg",
                   note=f"{label} length {v} (real {ln})")
    s, e = find_segment(d, 0xC0)
    sof = bytearray(d)
    variants = {
        "sof_precision12": (s + 4, 12, ["SF_ERR_UNSUPPORTED"]),
        "sof_precision16": (s + 4, 16, ["SF_ERR_UNSUPPORTED", "SF_ERR_CORRUPT"]),
        "sof_precision0": (s + 4, 0, ["SF_ERR_UNSUPPORTED", "SF_ERR_CORRUPT"]),
        "sof_components0": (s + 9, 0, ERR),
        "sof_components255": (s + 9, 255, ERR),
        "sof_sampling_0x0": (s + 11, 0x00, ERR),
        "sof_sampling_5x5": (s + 11, 0x55, ERR),
        "sof_sampling_4x4": (s + 11, 0x44, None),
        "sof_qtable_9": (s + 12, 9, ERR),
        "sof_dup_component_id": (s + 13, sof[s + 10], None),
    }
    for name, (off, val, exp) in variants.items():
        b = bytearray(d)
        b[off] = val
        c.file("jpeg_struct", name, bytes(b), ".jpg", expect=[exp] if exp == ERR else exp,
               note=f"byte {off} set to {val}")
    for m, label, exp in [(0xC3, "sof3_lossless", ["SF_ERR_UNSUPPORTED"]), (0xC1, "sof1_extended", None),
                          (0xC2, "sof2_on_baseline_data", None), (0xC5, "sof5_hierarchical", ["SF_ERR_UNSUPPORTED", "SF_ERR_CORRUPT"]),
                          (0xC9, "sof9_arith_on_huffman_data", None), (0xF7, "sof55_jpegls", ERR)]:
        b = bytearray(d)
        b[s + 1] = m
        c.file("jpeg_struct", label, bytes(b), ".jpg", expect=[exp] if exp == ERR else exp,
               note=f"SOF marker changed to {m:02X}")
    ss, se = find_segment(d, 0xDA)
    for name, (off, val) in {"sos_ns0": (ss + 4, 0), "sos_ns4": (ss + 4, 4), "sos_bad_component": (ss + 5, 77),
                             "sos_bad_table": (ss + 6, 0xFF), "sos_ss63_se0": (se - 3, 63), "sos_al15": (se - 1, 0x0F)}.items():
        b = bytearray(d)
        b[off] = val
        c.file("jpeg_struct", name, bytes(b), ".jpg", note=f"SOS byte {off} set to {val}")
    qs, qe = find_segment(d, 0xDB)
    b = bytearray(d)
    b[qs + 4] = 0x05
    c.file("jpeg_struct", "dqt_table_id5", bytes(b), ".jpg", expect=[ERR], note="DQT table id 5")
    b = bytearray(d)
    b[qs + 5:qs + 69] = bytes(64)
    c.file("jpeg_struct", "dqt_all_zero", bytes(b), ".jpg", note="quantisation table of zeros")
    hs, he = find_segment(d, 0xC4)
    b = bytearray(d)
    b[hs + 5:hs + 21] = bytes([255] * 16)
    c.file("jpeg_struct", "dht_counts_overflow", bytes(b), ".jpg", expect=[ERR], note="DHT code counts sum > 256")
    b = bytearray(d)
    b[hs + 4] = 0x17
    c.file("jpeg_struct", "dht_table_class1_id7", bytes(b), ".jpg", expect=[ERR], note="DHT class/id 0x17")
    c.file("jpeg_struct", "no_dht", remove_segments(d, 0xC4), ".jpg", note="all DHT removed (standard tables?)")
    c.file("jpeg_struct", "no_dqt", remove_segments(d, 0xDB), ".jpg", expect=[ERR], note="all DQT removed")
    c.file("jpeg_struct", "no_sof", remove_segments(d, 0xC0), ".jpg", expect=[ERR], note="SOF removed")
    c.file("jpeg_struct", "no_sos", remove_segments(d, 0xDA)[:ss] + b"\xFF\xD9", ".jpg", expect=[ERR],
           note="SOS and data removed")
    c.file("jpeg_struct", "soi_eoi", b"\xFF\xD8\xFF\xD9", ".jpg", expect=[ERR], note="SOI EOI only")
    c.file("jpeg_struct", "double_soi", insert_after_soi(d, b"\xFF\xD8"), ".jpg", expect=[ERR], note="SOI twice")
    c.file("jpeg_struct", "dri_1", insert_after_soi(d, b"\xFF\xDD\x00\x04\x00\x01"), ".jpg",
           note="DRI 1 on data without restart markers")
    c.file("jpeg_struct", "dri_0_on_restart", insert_after_soi(jb.get("restart", d), b"\xFF\xDD\x00\x04\x00\x00"),
           ".jpg", note="DRI 0 before the real DRI")
    c.file("jpeg_struct", "dnl_marker", d[:se] + b"\xFF\xDC\x00\x04\x00\x28" + d[se:], ".jpg",
           note="DNL segment before the entropy data")
    c.file("jpeg_struct", "fill_ff_10000", d[:ss] + b"\xFF" * 10000 + d[ss:], ".jpg",
           note="10000 fill bytes before SOS")
    c.file("jpeg_struct", "com_x2000", d[:2] + com * 2000 + d[2:], ".jpg", expect=["ok"], note="2000 COM segments")
    app1 = b"\xFF\xE1" + be16(1002) + b"Exif\0\0" + bytes(994)
    c.file("jpeg_struct", "app1_x300", d[:2] + app1 * 300 + d[2:], ".jpg", expect=["ok"],
           note="300 saved APP1 segments (no valid TIFF)")
    c.file("jpeg_struct", "app2_max", insert_after_soi(d, b"\xFF\xE2\xFF\xFF" + bytes(65533)), ".jpg",
           expect=["ok"], note="65535-byte APP2")
    c.file("jpeg_struct", "garbage_after_eoi", d + bytes(range(256)) * 40, ".jpg", expect=["ok"],
           note="10 KB after EOI")
    c.file("jpeg_struct", "no_eoi", d[:-2], ".jpg", note="EOI removed")
    c.file("jpeg_struct", "marker_00_in_header", insert_after_soi(d, b"\xFF\x00"), ".jpg",
           note="FF 00 where a marker is expected (libjpeg skips it with a warning)")
    c.file("jpeg_struct", "rst_in_header", insert_after_soi(d, b"\xFF\xD3"), ".jpg", note="RST3 before the frame")
    ecs = [(s, e) for s, e, nm in jpeg_segments(d) if nm == "ECS"][0]
    c.file("jpeg_struct", "ecs_zeroed", d[:ecs[0]] + bytes(ecs[1] - ecs[0]) + d[ecs[1]:], ".jpg",
           note="entropy data zeroed")
    c.file("jpeg_struct", "ecs_ff", d[:ecs[0]] + b"\xFF" * (ecs[1] - ecs[0]) + d[ecs[1]:], ".jpg",
           note="entropy data all 0xFF")
    rng = random.Random(stable_seed("ecs"))
    c.file("jpeg_struct", "ecs_random", d[:ecs[0]] + bytes(rng.randrange(255) for _ in range(ecs[1] - ecs[0]))
           + d[ecs[1]:], ".jpg", note="entropy data random")
    if "restart" in jb:
        r = jb["restart"]
        rsts = [s for s, e, nm in jpeg_segments(r) if nm == "RST"]
        b = bytearray(r)
        for s in rsts[::2]:
            b[s + 1] = 0xD7 - (b[s + 1] - 0xD0)
        c.file("jpeg_struct", "rst_out_of_order", bytes(b), ".jpg", note="every other RST number wrong")
        b = r
        for s in reversed(rsts[1::3]):
            b = b[:s] + b[s + 2:]
        c.file("jpeg_struct", "rst_missing", b, ".jpg", note="every third RST marker removed")
    prog = jb["progressive"]
    # progressive scans in the wrong order: swap the first and last scan
    scans = [(s, e) for s, e, nm in jpeg_segments(prog) if nm == "MDA"]
    ecss = [(s, e) for s, e, nm in jpeg_segments(prog) if nm == "ECS"]
    first = prog[scans[0][0]:ecss[0][1]]
    last = prog[scans[-1][0]:ecss[-1][1]]
    body = prog[:scans[0][0]] + last + prog[ecss[0][1]:scans[-1][0]] + first + prog[ecss[-1][1]:]
    c.file("jpeg_struct", "progressive_scans_swapped", body, ".jpg", note="first and last scan swapped")
    c.file("jpeg_struct", "progressive_only_first_scan", prog[:ecss[0][1]] + b"\xFF\xD9", ".jpg",
           note="only the DC scan, then EOI")


def add_png_struct(c, pb):
    d = pb["gray8"]
    ih, idat = 0, chunk_index(d, "IDAT")
    iend = chunk_index(d, "IEND")
    m = pb["multi_idat"]
    text_i = chunk_index(m, "tEXt")
    gama_i = chunk_index(m, "gAMA")
    S = "png_struct"
    # CRCs
    c.file(S, "crc_ihdr", replace_chunk(d, ih, crc=0), ".png", expect=["SF_ERR_CORRUPT"], note="IHDR CRC 0")
    c.file(S, "crc_idat", replace_chunk(d, idat, crc=0xDEADBEEF), ".png", expect=["SF_ERR_CORRUPT"],
           note="IDAT CRC wrong")
    c.file(S, "crc_idat_last_of_4", replace_chunk(m, chunk_index(m, "IEND") - 2, crc=1), ".png",
           expect=["SF_ERR_CORRUPT"], note="CRC of the 4th IDAT wrong")
    c.file(S, "crc_iend", replace_chunk(d, iend, crc=0), ".png", note="IEND CRC wrong")
    c.file(S, "crc_text", replace_chunk(m, text_i, crc=0), ".png", note="tEXt CRC wrong (ancillary)")
    c.file(S, "crc_gama", replace_chunk(m, gama_i, crc=0), ".png", note="gAMA CRC wrong (ancillary)")
    c.file(S, "crc_plte", replace_chunk(pb["pal8"], chunk_index(pb["pal8"], "PLTE"), crc=0), ".png",
           expect=["SF_ERR_CORRUPT"], note="PLTE CRC wrong")
    c.file(S, "crc_trns", replace_chunk(pb["pal8_trns"], chunk_index(pb["pal8_trns"], "tRNS"), crc=0), ".png",
           note="tRNS CRC wrong (ancillary)")
    allz = bytearray(m)
    for s, e, k in png_chunks(m):
        allz[e - 4:e] = bytes(4)
    c.file(S, "crc_all_zero", bytes(allz), ".png", expect=["SF_ERR_CORRUPT"], note="every CRC 0")
    # lengths
    for idx, label, src in [(ih, "IHDR", d), (idat, "IDAT", d), (text_i, "tEXt", m), (gama_i, "gAMA", m),
                            (iend, "IEND", d)]:
        s, e, k = png_chunks(src)[idx]
        ln = e - s - 12
        for v, tag in [(0, "0"), (ln + 1, "plus1"), (max(ln - 1, 0), "minus1"), (0x7FFFFFFF, "2^31-1"),
                       (0x80000000, "2^31"), (0xFFFFFFFF, "ffffffff"), (9000000, "9M"), (len(src), "past_end")]:
            b = bytearray(src)
            b[s:s + 4] = be32(v)
            c.file(S, f"len_{label}_{tag}", bytes(b), ".png", expect=None if label == "IEND" else [ERR],
                   note=f"{label} length {v} (real {ln})")
    # IHDR fields
    for name, off, val in [("ihdr_depth3", 24, 3), ("ihdr_depth0", 24, 0), ("ihdr_ctype1", 25, 1),
                           ("ihdr_ctype7", 25, 7), ("ihdr_compression1", 26, 1), ("ihdr_filter1", 27, 1),
                           ("ihdr_interlace2", 28, 2), ("ihdr_gray_as_palette", 25, 3)]:
        payload = bytearray(d[16:29])
        payload[off - 16] = val
        c.file(S, name, replace_chunk(d, ih, payload=bytes(payload)), ".png", expect=["SF_ERR_CORRUPT"],
               note=f"IHDR byte {off} set to {val}")
    p16 = bytearray(pb["pal8"][16:29])
    p16[8] = 16
    c.file(S, "ihdr_palette_depth16", replace_chunk(pb["pal8"], 0, payload=bytes(p16)), ".png",
           expect=["SF_ERR_CORRUPT"], note="palette image with bit depth 16")
    c.file(S, "ihdr_short", replace_chunk(d, ih, payload=d[16:28]), ".png", expect=["SF_ERR_CORRUPT"],
           note="IHDR of 12 bytes")
    c.file(S, "ihdr_long", replace_chunk(d, ih, payload=d[16:29] + b"\0\0\0"), ".png", expect=["SF_ERR_CORRUPT"],
           note="IHDR of 16 bytes")
    # chunk order
    chunks = [d[s:e] for s, e, k in png_chunks(d)]
    c.file(S, "no_ihdr", PNG_SIG + b"".join(chunks[1:]), ".png", expect=["SF_ERR_CORRUPT"], note="IHDR removed")
    c.file(S, "idat_before_ihdr", PNG_SIG + chunks[1] + chunks[0] + b"".join(chunks[2:]), ".png",
           expect=["SF_ERR_CORRUPT"], note="IDAT first")
    c.file(S, "text_before_ihdr", PNG_SIG + png_chunk(b"tEXt", b"a\0b") + b"".join(chunks), ".png",
           expect=["SF_ERR_CORRUPT"], note="tEXt before IHDR")
    c.file(S, "two_ihdr", PNG_SIG + chunks[0] + chunks[0] + b"".join(chunks[1:]), ".png", expect=["SF_ERR_CORRUPT"],
           note="IHDR twice")
    c.file(S, "no_idat", PNG_SIG + chunks[0] + chunks[-1], ".png", expect=[ERR], note="IHDR IEND only")
    c.file(S, "no_iend", d[:png_chunks(d)[iend][0]], ".png", expect=TRUNC_OK, note="IEND removed")
    c.file(S, "sig_only", PNG_SIG, ".png", expect=TRUNC_OK, note="signature only")
    c.file(S, "sig_iend", PNG_SIG + png_chunk(b"IEND", b""), ".png", expect=[ERR], note="signature + IEND")
    c.file(S, "trailing_garbage", d + bytes(range(256)) * 20, ".png", expect=["ok"], note="5 KB after IEND")
    c.file(S, "idat_after_iend", d + chunks[1], ".png", expect=["ok"], note="an IDAT after IEND")
    c.file(S, "empty_idats", PNG_SIG + chunks[0] + png_chunk(b"IDAT", b"") * 50 + b"".join(chunks[1:]), ".png",
           expect=["ok"], note="50 empty IDATs first")
    c.file(S, "idat_split_1byte", PNG_SIG + chunks[0]
           + b"".join(png_chunk(b"IDAT", bytes([x])) for x in zlib.compress(png_idat_payload(pattern(27, 33, 4), 0, 8)))
           + chunks[-1], ".png", expect=["ok"], note="one IDAT per byte")
    parts = [m[s:e] for s, e, k in png_chunks(m)]
    idats = [i for i, (s, e, k) in enumerate(png_chunks(m)) if k == "IDAT"]
    inter = parts[:idats[1]] + [png_chunk(b"tEXt", b"Mid\0stream")] + parts[idats[1]:]
    c.file(S, "text_between_idats", PNG_SIG + b"".join(inter), ".png", note="tEXt between IDAT chunks")
    c.file(S, "unknown_critical", PNG_SIG + chunks[0] + png_chunk(b"ABCD", b"x" * 10) + b"".join(chunks[1:]),
           ".png", expect=[ERR], note="unknown critical chunk ABCD")
    c.file(S, "unknown_ancillary", PNG_SIG + chunks[0] + png_chunk(b"abCd", b"x" * 10) + b"".join(chunks[1:]),
           ".png", expect=["ok"], note="unknown ancillary chunk")
    c.file(S, "bad_chunk_name", PNG_SIG + chunks[0] + png_chunk(b"a\0\xff!", b"x") + b"".join(chunks[1:]), ".png",
           expect=[ERR], note="chunk name with invalid bytes")
    c.file(S, "cgbi", PNG_SIG + png_chunk(b"CgBI", b"\x50\x00\x20\x02") + b"".join(chunks), ".png",
           expect=[ERR], note="Apple CgBI")
    for name, kind, payload in [("bkgd_long", b"bKGD", b"x" * 9), ("actl_short", b"acTL", b"\0" * 4),
                                ("fctl_short", b"fcTL", b"\0" * 10), ("big_ancillary_9M", b"zzZz", b"\0" * 16),
                                ("iccp_garbage", b"iCCP", b"name\0\0" + b"garbage" * 10),
                                ("ztxt_bomb", b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * 5_000_000, 9)),
                                ("itxt_bad", b"iTXt", b"k\0\1\0\0\0" + b"\xff" * 20),
                                ("splt_huge_count", b"sPLT", b"p\0\x08" + b"\0" * 6),
                                ("time_bad", b"tIME", b"\xff" * 7), ("phys_short", b"pHYs", b"\0")]:
        chunk = png_chunk(kind, payload)
        if name == "big_ancillary_9M":
            chunk = be32(9_000_000) + kind + payload  # length lies; data ends early
        c.file(S, name, PNG_SIG + chunks[0] + chunk + b"".join(chunks[1:]), ".png", note=f"{kind.decode()} chunk")
    # zlib data
    raw = png_idat_payload(pattern(27, 33, 4), 0, 8)
    z = zlib.compress(raw)

    def with_idat(data, label, note, expect=None):
        c.file(S, label, PNG_SIG + chunks[0] + png_chunk(b"IDAT", data) + chunks[-1], ".png", expect=expect,
               note=note)

    with_idat(b"\x78\x9c" + b"\xff" * 50, "zlib_garbage", "IDAT is not deflate data", [ERR])
    with_idat(b"\x00\x00" + z[2:], "zlib_bad_header", "zlib header 00 00", [ERR])
    with_idat(b"\x78\xbb" + z[2:], "zlib_fdict", "zlib header asks for a preset dictionary", [ERR])
    with_idat(z[:-4] + b"\0\0\0\0", "zlib_bad_adler", "Adler-32 zeroed", None)
    with_idat(z[:len(z) // 2], "zlib_truncated_crc_ok", "half the deflate stream (chunk CRC right)", TRUNC_OK)
    with_idat(zlib.compress(raw[:len(raw) // 2]), "zlib_short_image", "stream ends after half the rows",
              TRUNC_OK)
    with_idat(zlib.compress(raw + raw), "zlib_too_much", "twice the image data", None)
    with_idat(zlib.compress(raw) + b"extra", "zlib_trailing", "bytes after the zlib stream", None)
    with_idat(zlib.compress(bytes([7]) + raw[1:]), "filter_type7", "row filter type 7", [ERR])
    with_idat(zlib.compress(bytes(x if i % 34 else 255 for i, x in enumerate(raw))), "filter_type255_all",
              "every row filter type 255", [ERR])
    with_idat(zlib.compress(raw, 0), "zlib_stored", "stored (uncompressed) deflate blocks", ["ok"])
    stored = bytearray(zlib.compress(raw, 0))
    stored[3:5] = struct.pack("<H", 65535)
    with_idat(bytes(stored), "zlib_stored_bad_len", "stored block length wrong", [ERR])


def add_palette(c, pb):
    idx = pattern(27, 33, 7)  # values 0..255
    S = "palette"
    full = bytes(range(256)) * 3
    c.file(S, "plte_missing", make_png(idx, 3, 8), ".png", expect=["SF_ERR_CORRUPT"], note="color type 3 without PLTE")
    c.file(S, "plte_2_entries", make_png(idx, 3, 8, palette=full[:6]), ".png",
           note="PLTE of 2 entries, indexes up to 255")
    c.file(S, "plte_1_entry", make_png(idx, 3, 8, palette=full[:3]), ".png", note="PLTE of 1 entry")
    c.file(S, "plte_0_entries", make_png(idx, 3, 8, palette=b""), ".png", expect=[ERR], note="empty PLTE")
    c.file(S, "plte_len4", make_png(idx, 3, 8, palette=full[:4]), ".png", expect=[ERR], note="PLTE of 4 bytes")
    c.file(S, "plte_257_entries", make_png(idx, 3, 8, palette=full + b"\1\2\3"), ".png", expect=[ERR],
           note="PLTE of 257 entries")
    c.file(S, "plte_4bit_3_entries", make_png(idx >> 4, 3, 4, palette=full[:9]), ".png",
           note="4-bit indexes up to 15, PLTE of 3")
    c.file(S, "plte_interlaced_short", make_png(idx, 3, 8, interlace=True, palette=full[:30]), ".png",
           note="interlaced, PLTE of 10 entries")
    c.file(S, "plte_twice", make_png(idx, 3, 8, palette=full, pre=[png_chunk(b"PLTE", full[:30])]), ".png",
           expect=[ERR], note="two PLTE chunks")
    d = make_png(idx, 3, 8, palette=full)
    cs = [d[s:e] for s, e, k in png_chunks(d)]
    c.file(S, "plte_after_idat", PNG_SIG + cs[0] + cs[2] + cs[1] + cs[3], ".png", expect=[ERR],
           note="PLTE after IDAT")
    c.file(S, "trns_longer_than_plte", make_png(idx, 3, 8, palette=full[:30], trns=bytes(200)), ".png",
           note="tRNS of 200, PLTE of 10")
    c.file(S, "plte_in_gray", make_png(pattern(27, 33, 4), 0, 8, palette=full[:30]), ".png",
           note="PLTE in a gray image")
    c.file(S, "plte_in_rgb_short", make_png(pattern(27, 33, 5, 3), 2, 8, palette=full[:6]), ".png",
           expect=["ok"], note="suggested palette in an RGB image")
    d = make_png(idx, 3, 8, palette=full[:30])
    pl = png_chunks(d)[chunk_index(d, "PLTE")]
    c.file(S, "bkgd_index_out_of_range", d[:pl[1]] + png_chunk(b"bKGD", b"\xc8") + d[pl[1]:], ".png",
           note="bKGD index 200 of 10 entries")
    c.file(S, "trns_in_palette_missing_plte", make_png(idx, 3, 8, trns=bytes(10)), ".png", expect=[ERR],
           note="tRNS but no PLTE")


def add_scans(c, jb, tmpdir):
    if not have_cjpeg():
        c.skipped.append("scans (needs cjpeg)")
        return
    gray = pattern(H, W, 8)
    # cjpeg writes at most 100 scans (its MAX_SCANS): files with more repeat
    # the last (tiny, high-frequency refinement) scan of a 100-scan file,
    # which libjpeg accepts with a "bogus progression" warning.
    files = {}
    for n in (99, 100):
        d = cjpeg(gray, "-grayscale", scans=scan_script(n), tmpdir=tmpdir)
        assert sum(1 for s, e, nm in jpeg_segments(d) if nm == "MDA") == n
        files[n] = d
        c.file("scans", f"progressive_{n}_scans", d, ".jpg", expect=["ok"], note=f"{n} scans (cjpeg)")
    d = files[100]
    segs = jpeg_segments(d)
    i_sos = [i for i, (s, e, nm) in enumerate(segs) if nm == "MDA"][-1]
    start = segs[i_sos - 1][0] if segs[i_sos - 1][2] == "MC4" else segs[i_sos][0]
    eoi = [s for s, e, nm in segs if nm == "MD9"][-1]
    last = d[start:eoi]
    for n in (101, 500, 2000):
        big = d[:eoi] + last * (n - 100) + b"\xFF\xD9"
        assert sum(1 for s, e, nm in jpeg_segments(big) if nm == "MDA") == n
        c.file("scans", f"progressive_{n}_scans", big, ".jpg", expect=["SF_ERR_LIMIT_SCANS"],
               note=f"{n} scans: 100 by cjpeg, then the last one ({len(last)} bytes) repeated")
        if n == 500:
            sos = [s for s, e, nm in jpeg_segments(big) if nm == "MDA"]
            c.file("scans", "progressive_500_scans_cut_at_300", big[:sos[300]], ".jpg",
                   expect=["SF_ERR_LIMIT_SCANS", "SF_ERR_TRUNCATED"], note="500-scan file cut before scan 301")
            c.file("scans", "progressive_500_scans_cut_at_80", big[:sos[80]], ".jpg", expect=["SF_ERR_TRUNCATED"],
                   note="500-scan file cut before scan 81 (under the limit)")
    # the last refinement scan of a progressive file repeated 1000 times
    prog = jb["progressive"]
    segs = jpeg_segments(prog)
    last_sos = [i for i, (s, e, nm) in enumerate(segs) if nm == "MDA"][-1]
    start = segs[last_sos][0]
    while last_sos > 0 and segs[last_sos - 1][2] == "MC4":
        last_sos -= 1
        start = segs[last_sos][0]
    eoi = [s for s, e, nm in segs if nm == "MD9"][-1]
    scan = prog[start:eoi]
    c.file("scans", "repeated_scan_x1000", prog[:eoi] + scan * 1000 + b"\xFF\xD9", ".jpg",
           expect=["SF_ERR_LIMIT_SCANS", "SF_ERR_CORRUPT"],
           note="last scan repeated 1000 times (a repeated pass is refused before decoding since 1.3)")
    base = jb["baseline420"]
    bs = [(s, e) for s, e, nm in jpeg_segments(base) if nm in ("MDA", "ECS")]
    scan = base[bs[0][0]:bs[-1][1]]
    c.file("scans", "baseline_scan_x200", base[:-2] + scan * 200 + b"\xFF\xD9", ".jpg",
           note="baseline scan repeated 200 times")
    # 1-scan-per-component sequential file with an absurd scan count of tiny scans
    color = pattern(H, W, 9, 3)
    seq = cjpeg(color, scans="0;\n1;\n2;\n", tmpdir=tmpdir)
    c.file("scans", "sequential_3_scans", seq, ".jpg", expect=["ok"], note="non-interleaved baseline, 3 scans")


def add_exif(c, jb, pb):
    S = "exif"
    base = jb["baseline420"]
    for o in range(0, 10):
        c.file(S, f"jpeg_orientation_{o}", insert_after_soi(base, jpeg_app1_exif(tiff_orientation(o))), ".jpg",
               expect=["ok"], note=f"EXIF orientation {o} (big-endian)")
    c.file(S, "jpeg_orientation_8_le", insert_after_soi(base, jpeg_app1_exif(tiff_orientation(8, le=True))), ".jpg",
           expect=["ok"], note="EXIF orientation 8 (little-endian)")
    c.file(S, "jpeg_orientation_65535", insert_after_soi(base, jpeg_app1_exif(tiff_orientation(65535))), ".jpg",
           expect=["ok"], note="EXIF orientation 65535")
    t = tiff_orientation(6)
    bad = {
        "ifd_offset_ffffffff": tiff_orientation(6, ifd=0xFFFFFFFF),
        "ifd_offset_fffffff8": tiff_orientation(6, ifd=0xFFFFFFF8),
        "ifd_offset_len": tiff_orientation(6, ifd=len(t)),
        "ifd_offset_len_minus1": tiff_orientation(6, ifd=len(t) - 1),
        "ifd_offset_len_minus2": tiff_orientation(6, ifd=len(t) - 2),
        "ifd_offset_0": tiff_orientation(6, ifd=0),
        "count_65535": tiff_orientation(6, count=0xFFFF),
        "count_0": tiff_orientation(6, count=0),
        "entry_cut": t[:8 + 2 + 11],
        "header_only": t[:8],
        "header_cut": t[:5],
        "magic_43": tiff_orientation(6, magic=43),
        "bad_byte_order": b"XX" + t[2:],
        "type_long": tiff_orientation(6, entry_type=4),
        "empty_tiff": b"",
    }
    for name, tiff in bad.items():
        c.file(S, f"jpeg_{name}", insert_after_soi(base, jpeg_app1_exif(tiff)), ".jpg", expect=["ok"],
               note=f"EXIF {name}")
    c.file(S, "jpeg_app1_exif_no_header", insert_after_soi(base, b"\xFF\xE1\x00\x08Exif\0\0"), ".jpg",
           expect=["ok"], note="APP1 with 'Exif\\0\\0' only")
    c.file(S, "jpeg_two_exif", insert_after_soi(base, jpeg_app1_exif(tiff_orientation(3))
                                                + jpeg_app1_exif(tiff_orientation(6))), ".jpg", expect=["ok"],
           note="two EXIF APP1 segments")
    prog = jb["progressive"]
    for o in (5, 6, 7):
        c.file(S, f"jpeg_progressive_orientation_{o}", insert_after_soi(prog, jpeg_app1_exif(tiff_orientation(o))),
               ".jpg", expect=["ok"], note=f"progressive, orientation {o}")
    # transposing orientations on a 1-pixel-high image
    thin = set_jpeg_dims(base, W, 1)
    c.file(S, "jpeg_thin_orientation_6", insert_after_soi(thin, jpeg_app1_exif(tiff_orientation(6))), ".jpg",
           note="48x1 image rotated")
    png = pb["gray8"]
    cs = [png[s:e] for s, e, k in png_chunks(png)]
    for name, tiff, where in [("png_orientation_6", tiff_orientation(6), "pre"),
                              ("png_orientation_8_after_idat", tiff_orientation(8, le=True), "post"),
                              ("png_ifd_offset_ffffffff", tiff_orientation(6, ifd=0xFFFFFFFF), "pre"),
                              ("png_count_65535", tiff_orientation(6, count=0xFFFF), "pre"),
                              ("png_exif_1_byte", b"M", "pre"), ("png_exif_empty", b"", "pre"),
                              ("png_exif_garbage", b"XXXX" + bytes(30), "pre")]:
        ch = png_chunk(b"eXIf", tiff)
        body = cs[0] + ch + b"".join(cs[1:]) if where == "pre" else b"".join(cs[:-1]) + ch + cs[-1]
        c.file(S, name, PNG_SIG + body, ".png", note=f"eXIf {name}")
    c.file(S, "png_two_exif", PNG_SIG + cs[0] + png_chunk(b"eXIf", tiff_orientation(6))
           + png_chunk(b"eXIf", tiff_orientation(3)) + b"".join(cs[1:]), ".png", note="two eXIf chunks")


def add_nonimage(c, jb, pb):
    S = "nonimage"
    UNK, UNS = "SF_ERR_UNKNOWN_FORMAT", "SF_ERR_UNSUPPORTED"
    rng = random.Random(stable_seed("nonimage"))
    elf = (b"\x7fELF\x02\x01\x01\x00" + bytes(8) + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0x1040, 64, 0, 0, 64,
                                                                56, 0, 64, 0, 0) + bytes(200))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("image.jpg", jb["baseline420"])
        z.writestr("readme.txt", "hello")
    items = [
        ("text", b"This is not an image.\nJust some text.\n" * 10, ".jpg", [UNK]),
        ("html", b"<!DOCTYPE html><html><body><img src=x.jpg></body></html>\n", ".png", [UNK]),
        ("utf16_text", "\ufeffhello image".encode("utf-16-le"), ".jpg", [UNK]),
        ("elf", elf, ".jpg", [UNK]),
        ("zip_with_jpeg", zbuf.getvalue(), ".jpg", [UNK]),
        ("gzip", b"\x1f\x8b\x08\x00" + bytes(6) + zlib.compress(b"x" * 100)[2:], ".png", [UNK]),
        ("gif87a", b"GIF87a" + struct.pack("<HH", 10, 10) + b"\x00\x00\x00;", ".jpg", [UNS]),
        ("gif89a_only_magic", b"GIF89a", ".gif", [UNS]),
        ("bmp_magic", b"BM" + bytes(60), ".bmp", [UNS]),
        ("bm_text", b"BMW is a car maker\n", ".txt", [UNS, UNK]),
        ("webp_magic", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24), ".webp", [UNS]),
        ("riff_wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(24), ".jpg", [UNK]),
        ("tiff_ii", b"II*\x00\x08\x00\x00\x00" + bytes(20), ".jpg", [UNS]),
        ("tiff_mm", b"MM\x00*\x00\x00\x00\x08" + bytes(20), ".jpg", [UNS]),
        ("heif", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", ".jpg", [UNS]),
        ("jpeg2000", b"\x00\x00\x00\x0cjP  \r\n\x87\n" + bytes(20), ".jpg", [UNS]),
        ("jpegxl", b"\xff\x0a" + bytes(20), ".jpg", [UNS]),
        ("pnm", b"P5\n4 4\n255\n" + bytes(16), ".jpg", [UNS]),
        ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", ".jpg", [UNS]),
        ("soi_only", b"\xff\xd8", ".jpg", [UNS, UNK, "SF_ERR_TRUNCATED"]),
        ("soi_ff", b"\xff\xd8\xff", ".jpg", TRUNC_OK),
        ("png_sig_7", PNG_SIG[:7], ".png", [UNK, "SF_ERR_TRUNCATED"]),
        ("png_sig_garbage", PNG_SIG + b"garbage!" * 8, ".png", [ERR]),
        ("random_5000", bytes(rng.randrange(256) for _ in range(5000)), ".jpg", [UNK, UNS]),
        ("zeros_4096", bytes(4096), ".png", [UNK]),
        ("ff_4096", b"\xff" * 4096, ".jpg", [UNK, UNS]),
        ("one_byte_ff", b"\xff", ".jpg", [UNK, "SF_ERR_TRUNCATED"]),
        ("shell_script", b"#!/bin/sh\necho pwned\n", ".jpg", [UNK]),
        ("model_json_as_image", json.dumps(model_doc("linear")).encode(), ".jpg", [UNK]),
    ]
    try:
        from PIL import Image
        im = Image.fromarray(pattern(20, 20, 11))
        for fmt, ext in [("GIF", ".gif"), ("BMP", ".bmp"), ("WEBP", ".webp"), ("TIFF", ".tif")]:
            b = io.BytesIO()
            try:
                im.save(b, fmt)
                items.append((f"real_{fmt.lower()}", b.getvalue(), ext, [UNS]))
            except Exception:
                c.skipped.append(f"nonimage real_{fmt.lower()}")
    except ImportError:
        c.skipped.append("nonimage real GIF/BMP/WebP/TIFF (Pillow)")
    for name, data, ext, exp in items:
        c.file(S, name, data, ext, expect=exp, note=name)


def add_empty(c):
    for name, ext in [("empty_jpg", ".jpg"), ("empty_png", ".png"), ("empty_noext", "")]:
        c.file("empty", name, b"", ext, expect=["SF_ERR_EMPTY_INPUT"], note="0 bytes")
    c.file("empty", "one_byte_zero", b"\0", ".jpg", expect=["SF_ERR_UNKNOWN_FORMAT"], note="1 byte")
    c.file("empty", "whitespace", b"   \n", ".png", expect=["SF_ERR_UNKNOWN_FORMAT"], note="whitespace")


def chmod_blocks_reads(path):
    """True if mode 000 keeps us from reading (not root, no CAP_DAC_OVERRIDE)."""
    try:
        with open(path, "rb"):
            return False
    except PermissionError:
        return True


def add_paths(c, valid_jpeg):
    S = "paths"
    root = os.fsencode(c.root)
    d = os.path.join(root, b"paths")
    os.makedirs(d, exist_ok=True)
    J = lambda *p: os.path.join(d, *p)  # noqa: E731
    IO = ["SF_ERR_IO"]

    with open(J(b"valid.jpg"), "wb") as f:
        f.write(valid_jpeg)
    c.path(S, "control_valid", b"paths/valid.jpg", expect=["ok"], note="valid JPEG (control)")
    os.mkdir(J(b"dir.jpg"))
    c.path(S, "directory", b"paths/dir.jpg", expect=IO, note="a directory named .jpg")
    c.path(S, "directory_trailing_slash", b"paths/dir.jpg/", expect=IO, note="directory with trailing slash")
    c.path(S, "dot", b"paths/.", expect=IO, note="'.'")
    os.mkfifo(J(b"fifo.jpg"))
    c.path(S, "fifo", b"paths/fifo.jpg", expect=IO, note="a FIFO nobody writes to")
    os.symlink(b"loop_b.jpg", J(b"loop_a.jpg"))
    os.symlink(b"loop_a.jpg", J(b"loop_b.jpg"))
    c.path(S, "symlink_loop", b"paths/loop_a.jpg", expect=IO, note="a -> b -> a")
    os.symlink(b"self.jpg", J(b"self.jpg"))
    c.path(S, "symlink_self", b"paths/self.jpg", expect=IO, note="self -> self")
    os.symlink(b"does-not-exist.jpg", J(b"dangling.jpg"))
    c.path(S, "symlink_dangling", b"paths/dangling.jpg", expect=IO, note="dangling symlink")
    os.symlink(b"dir.jpg", J(b"to_dir.jpg"))
    c.path(S, "symlink_to_dir", b"paths/to_dir.jpg", expect=IO, note="symlink to a directory")
    os.symlink(b"fifo.jpg", J(b"to_fifo.jpg"))
    c.path(S, "symlink_to_fifo", b"paths/to_fifo.jpg", expect=IO, note="symlink to a FIFO")
    os.symlink(b"valid.jpg", J(b"to_valid.jpg"))
    c.path(S, "symlink_to_valid", b"paths/to_valid.jpg", expect=["ok"], note="symlink to a valid JPEG")
    os.symlink(b"/dev/zero", J(b"to_dev_zero.jpg"))
    c.path(S, "symlink_to_dev_zero", b"paths/to_dev_zero.jpg", expect=IO, note="symlink to /dev/zero")
    for dev in (b"/dev/null", b"/dev/zero", b"/dev/urandom"):
        if os.path.exists(dev):
            c.path(S, "device_" + dev.decode().split("/")[-1], dev, expect=IO, abs_path=True,
                   note=f"{dev.decode()} (character device)")
    sp = J(b"socket.jpg")
    try:
        s = socket.socket(socket.AF_UNIX)
        s.bind(sp)
        s.close()
        c.path(S, "unix_socket", b"paths/socket.jpg", expect=IO, note="a bound Unix socket file")
    except OSError:
        c.skipped.append("paths/unix_socket")
    with open(J(b"mode000.jpg"), "wb") as f:
        f.write(valid_jpeg)
    os.chmod(J(b"mode000.jpg"), 0)
    c.restore.append(J(b"mode000.jpg"))
    blocked = chmod_blocks_reads(J(b"mode000.jpg"))
    c.path(S, "mode000", b"paths/mode000.jpg", expect=IO if blocked else ["ok"],
           note="chmod 000 " + ("(reads blocked)" if blocked else "(readable anyway: root)"), regular=False)
    os.mkdir(J(b"locked_dir"))
    with open(J(b"locked_dir", b"inner.jpg"), "wb") as f:
        f.write(valid_jpeg)
    os.chmod(J(b"locked_dir"), 0)
    c.restore.append(J(b"locked_dir"))
    c.path(S, "in_mode000_dir", b"paths/locked_dir/inner.jpg", expect=IO if blocked else ["ok"],
           note="file inside a chmod 000 directory", regular=False)
    # unreadable whatever our privileges: a path through a regular file
    c.path(S, "inside_a_file", b"paths/valid.jpg/child", expect=IO, note="path component is a file (ENOTDIR)")
    c.path(S, "inside_a_file_jpg", b"paths/valid.jpg/child.jpg", expect=IO, note="path component is a file")
    c.path(S, "regular_trailing_slash", b"paths/valid.jpg/", expect=IO, note="regular file with a trailing slash")
    c.path(S, "missing", b"paths/missing.jpg", expect=IO, note="does not exist")
    c.path(S, "missing_dir", b"paths/no/such/dir.jpg", expect=IO, note="parent does not exist")
    c.path(S, "empty_path", b"", expect=IO, abs_path=True, note="empty path string")
    c.path(S, "name_over_name_max", b"paths/" + b"n" * 300 + b".jpg", expect=IO,
           note="component of 304 bytes (ENAMETOOLONG)")
    c.path(S, "path_over_path_max", os.path.join(d, b"/".join([b"d" * 200] * 25)) + b"/x.jpg", expect=IO,
           abs_path=True, note="path of 5000+ bytes (ENAMETOOLONG)")
    # over max_input_bytes without using disk: a sparse file
    with open(J(b"sparse_300M.jpg"), "wb") as f:
        f.write(valid_jpeg[:100])
        f.truncate(300 * 1024 * 1024)
    c.path(S, "sparse_over_input_limit", b"paths/sparse_300M.jpg", expect=["SF_ERR_LIMIT_INPUT_SIZE"],
           note="300 MiB sparse file (over max_input_bytes)", regular=False)


def add_names(c, valid_jpeg, valid_png):
    S = "names"
    root = os.fsencode(c.root)
    d = os.path.join(root, b"names")
    os.makedirs(d, exist_ok=True)
    names = [
        ("space", b"with space.jpg"), ("leading_space", b" leading.jpg"), ("trailing_space", b"trailing.jpg "),
        ("newline", b"new\nline.jpg"), ("leading_newline", b"\nfirst.jpg"), ("only_newline", b"\n"),
        ("tab", b"tab\tname.jpg"), ("carriage_return", b"cr\rname.jpg"), ("escape_seq", b"esc\x1b[31mred.jpg"),
        ("latin1_byte", b"caf\xe9.jpg"), ("invalid_utf8", b"\xff\xfe\xfd.jpg"), ("lone_continuation", b"\x80.jpg"),
        ("overlong_utf8", b"\xc0\xaf.jpg"), ("utf8_emoji", "фото-😀.jpg".encode()),
        ("combining", "e\u0301\u0301\u0301.jpg".encode()), ("rtl_override", "\u202egpj.exe".encode()),
        ("leading_dash", b"-x.jpg"), ("double_dash_option", b"--preset"), ("just_dash", b"-"),
        ("just_double_dash", b"--"), ("format_string", b"%s%n%x%p%%.jpg"), ("shell_subst", b"$(echo pwned).jpg"),
        ("quotes", b"quote'\"`.jpg"), ("backslash", b"back\\slash.jpg"), ("glob", b"*?[glob].jpg"),
        ("shell_meta", b"semi;colon&amp|pipe>.jpg"), ("comma_csv", b"a,b,1.5,nan.jpg"),
        ("hidden", b".hidden.jpg"), ("no_extension", b"noextension"), ("upper_ext", b"UPPER.JPEG"),
        ("name_max_255", b"l" * 251 + b".jpg"), ("name_254", b"m" * 250 + b".jpg"),
        ("name_max_multibyte", "é".encode() * 125 + b".jpg"),
        ("png_named_jpg", b"png-content.jpg"), ("jpeg_named_png", b"jpeg-content.png"),
    ]
    for label, fn in names:
        content = valid_png if label in ("png_named_jpg",) else valid_jpeg
        with open(os.path.join(d, fn), "wb") as f:
            f.write(content)
        c.path(S, label, b"names/" + fn, expect=["ok"], note=repr(fn)[:80])
    # a long path near PATH_MAX (4096): nested 250-byte directories
    p = d
    rel = b"names"
    while len(os.path.join(p, b"x" * 250)) + 40 < 4090:
        p = os.path.join(p, b"x" * 250)
        rel += b"/" + b"x" * 250
    os.makedirs(p, exist_ok=True)
    tail_len = 4090 - len(p) - 1
    tail = b"t" * max(1, min(tail_len - 4, 250)) + b".jpg"
    with open(os.path.join(p, tail), "wb") as f:
        f.write(valid_jpeg)
    c.path(S, "path_near_path_max", rel + b"/" + tail, expect=["ok"],
           note=f"absolute path of {len(os.path.join(p, tail))} bytes")


# ------------------------------------------------------------------ models

def model_doc(kind):
    rng = np.random.default_rng(3)
    nf = 80
    feats = {"preset": "celeba", "n": 80, "epsilon": 1e-08, "center": "reference", "normalize": "first",
             "crop": "none", "interpolate": True, "n_features": nf}
    coef = [round(float(v), 6) for v in rng.normal(0, 0.1, nf)]
    coef[0] = 0.0123456789  # a unique literal the text mutations replace
    linear = {"type": "linear", "estimator": "LogisticRegression", "coef": coef, "intercept": 0.25,
              "probability": "logistic"}
    if kind == "linear":
        clf = linear
    elif kind == "svc":
        sv = [[round(float(v), 6) for v in rng.normal(1, 0.2, nf)] for _ in range(3)]
        clf = {"type": "svc", "kernel": "rbf", "gamma": 0.05, "support_vectors": sv, "dual_coef": [1.0, -0.5, -0.5],
               "intercept": 0.1, "probability": {"a": -1.5, "b": 0.2}}
    elif kind == "poly":
        sv = [[round(float(v), 6) for v in rng.normal(1, 0.2, nf)] for _ in range(2)]
        clf = {"type": "svc", "kernel": "poly", "gamma": 0.01, "coef0": 1.0, "degree": 3, "support_vectors": sv,
               "dual_coef": [0.7, -0.7], "intercept": 0.0, "probability": None}
    elif kind == "isotonic":
        base = dict(linear, probability=None)
        clf = {"type": "calibrated", "method": "isotonic", "base": base, "x": [-1.0, 0.0, 1.0], "y": [0.1, 0.5, 0.9]}
    else:
        raise ValueError(kind)
    return {"format": "spectralfake-model", "format_version": 1, "features": feats, "classes": [0, 1],
            "fake_class": 1, "scaler": {"type": "standard", "mean": [1.0] * nf, "scale": [0.5] * nf},
            "classifier": clf, "metadata": {"note": "hostile corpus"}}


def add_models(c):
    S = "models"
    INV = ["SF_ERR_MODEL_INVALID"]
    docs = {k: model_doc(k) for k in ("linear", "svc", "poly", "isotonic")}
    text = json.dumps(docs["linear"])
    for k, doc in docs.items():
        c.file(S, f"valid_{k}", json.dumps(doc, indent=1).encode(), ".json", kind="model", expect=["ok"],
               note=f"valid {k} model")
    c.file(S, "valid_bom", b"\xef\xbb\xbf" + text.encode(), ".json", kind="model", expect=["ok"],
           note="UTF-8 BOM")

    def add(name, data, expect=INV, note=""):
        if isinstance(data, dict):
            data = json.dumps(data)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        c.file(S, name, data, ".json", kind="model", expect=expect, note=note or name)

    def mutate(fn, kind="linear"):
        d = json.loads(json.dumps(docs[kind]))
        fn(d)
        return d

    for cut in (1, len(text) // 4, len(text) // 2, len(text) - 1):
        add(f"truncated_{cut}", text[:cut], note=f"first {cut} of {len(text)} bytes")
    coef0 = json.dumps(docs["linear"]["classifier"]["coef"][0])
    for lit in ("NaN", "Infinity", "-Infinity", "nan", "1e400", "-1e400", "1" * 400, "1e-400"):
        exp = ["ok"] if lit == "1e-400" else INV
        add(f"coef_{lit[:12]}", text.replace(coef0, lit, 1), exp, note=f"coef[0] = {lit[:40]}")
    add("coef_string_nan", mutate(lambda d: d["classifier"]["coef"].__setitem__(0, "NaN")))
    add("number_1M_digits", text.replace(coef0, "1" * 1_000_000, 1), note="a number of 10^6 digits")
    add("number_1M_fraction_digits", text.replace(coef0, "0." + "1" * 1_000_000, 1), ["ok"],
        note="10^6 fraction digits")
    add("coef_huge_1e308", mutate(lambda d: d["classifier"].__setitem__("coef", [1e308] * 80)), ["ok"],
        note="every coef 1e308 (loads; scoring overflows)")
    add("scale_tiny", mutate(lambda d: d["scaler"].__setitem__("scale", [5e-324] * 80)), ["ok"],
        note="scaler scale 5e-324")
    add("n_features_1e20", mutate(lambda d: d["features"].__setitem__("n_features", 1e20)))
    add("n_features_2^63", text.replace('"n_features": 80', '"n_features": 9223372036854775808'))
    add("n_features_negative", mutate(lambda d: d["features"].__setitem__("n_features", -80)))
    add("n_features_float", mutate(lambda d: d["features"].__setitem__("n_features", 80.5)))
    add("n_0", mutate(lambda d: d["features"].__setitem__("n", 0)))
    add("n_max_mismatch", mutate(lambda d: d["features"].update(n=1048576, n_features=1048576)),
        note="n = n_features = 2^20 with 80 coefficients")
    add("n_over_max", mutate(lambda d: d["features"].update(n=1048577, n_features=1048577)))
    add("epsilon_negative", mutate(lambda d: d["features"].__setitem__("epsilon", -1.0)))
    add("epsilon_huge", mutate(lambda d: d["features"].__setitem__("epsilon", 1.7e308)), None,
        note="epsilon 1.7e308")
    add("format_version_3", mutate(lambda d: d.__setitem__("format_version", 3)), ["SF_ERR_MODEL_VERSION"])  # newer than the reader (2)
    add("format_version_huge", mutate(lambda d: d.__setitem__("format_version", 1e300)))
    add("format_version_0", mutate(lambda d: d.__setitem__("format_version", 0)))
    add("format_version_string", mutate(lambda d: d.__setitem__("format_version", "1")))
    add("format_wrong", mutate(lambda d: d.__setitem__("format", "other-model")))
    for root in ("[]", "null", "42", '"model"', "true", "{}", ""):
        add(f"root_{root or 'empty'}", root)
    add("whitespace_only", " \n\t ")
    add("features_array", mutate(lambda d: d.__setitem__("features", [])))
    add("classes_string", mutate(lambda d: d.__setitem__("classes", "01")))
    add("classes_one", mutate(lambda d: d.__setitem__("classes", [0])))
    add("classes_three", mutate(lambda d: d.__setitem__("classes", [0, 1, 2])))
    add("classes_equal", mutate(lambda d: d.__setitem__("classes", [1, 1])))
    add("classes_nested", mutate(lambda d: d.__setitem__("classes", [[0], [1]])))
    add("classes_null", mutate(lambda d: d.__setitem__("classes", [None, 1])))
    add("classes_mixed_ok", mutate(lambda d: d.__setitem__("classes", ["real", True])), ["ok"])
    add("fake_class_string", mutate(lambda d: d.__setitem__("fake_class", "1")))
    add("fake_class_2", mutate(lambda d: d.__setitem__("fake_class", 2)))
    add("fake_class_half", mutate(lambda d: d.__setitem__("fake_class", 0.5)))
    add("coef_object", mutate(lambda d: d["classifier"].__setitem__("coef", {"a": 1})))
    add("coef_short", mutate(lambda d: d["classifier"]["coef"].pop()))
    add("coef_long", mutate(lambda d: d["classifier"]["coef"].append(1.0)))
    add("coef_nested", mutate(lambda d: d["classifier"]["coef"].__setitem__(3, [1.0])))
    add("intercept_null", mutate(lambda d: d["classifier"].__setitem__("intercept", None)))
    add("scaler_robust", mutate(lambda d: d["scaler"].__setitem__("type", "robust")))
    add("scaler_scale_zero", mutate(lambda d: d["scaler"]["scale"].__setitem__(5, 0)))
    add("scaler_mean_short", mutate(lambda d: d["scaler"]["mean"].pop()))
    add("classifier_tree", mutate(lambda d: d["classifier"].__setitem__("type", "tree")))
    add("estimator_unknown", mutate(lambda d: d["classifier"].__setitem__("estimator", "Perceptron")))
    add("probability_unknown", mutate(lambda d: d["classifier"].__setitem__("probability", "softmax")))
    add("unknown_member", mutate(lambda d: d.__setitem__("extra", 1)))
    add("kernel_precomputed", mutate(lambda d: d["classifier"].__setitem__("kernel", "precomputed"), "svc"))
    add("gamma_0", mutate(lambda d: d["classifier"].__setitem__("gamma", 0), "svc"))
    add("gamma_negative", mutate(lambda d: d["classifier"].__setitem__("gamma", -1), "svc"))
    add("gamma_huge", mutate(lambda d: d["classifier"].__setitem__("gamma", 1e308), "svc"), ["ok"])
    add("degree_1e9", mutate(lambda d: d["classifier"].__setitem__("degree", 1e9), "poly"))
    add("degree_1000", mutate(lambda d: d["classifier"].__setitem__("degree", 1000), "poly"), ["ok"])
    add("sv_empty", mutate(lambda d: d["classifier"].update(support_vectors=[], dual_coef=[]), "svc"))
    add("sv_row_short", mutate(lambda d: d["classifier"]["support_vectors"][1].pop(), "svc"))
    add("dual_coef_mismatch", mutate(lambda d: d["classifier"]["dual_coef"].pop(), "svc"))
    add("svc_probability_string", mutate(lambda d: d["classifier"].__setitem__("probability", {"a": "x", "b": 0}),
                                         "svc"))
    add("isotonic_not_increasing", mutate(lambda d: d["classifier"].__setitem__("x", [0.0, 0.0, 1.0]), "isotonic"))
    add("isotonic_y_2", mutate(lambda d: d["classifier"].__setitem__("y", [0.1, 0.5, 2.0]), "isotonic"))
    add("isotonic_empty", mutate(lambda d: d["classifier"].update(x=[], y=[]), "isotonic"))
    add("isotonic_single", mutate(lambda d: d["classifier"].update(x=[0.0], y=[0.5]), "isotonic"), None)
    add("duplicate_key", text.replace('"fake_class": 1', '"fake_class": 1, "fake_class": 0'))
    add("trailing_comma", text[:-1] + ",}")
    add("comment", "// model\n" + text)
    add("single_quotes", text.replace('"', "'"))
    add("control_char", text.replace("hostile corpus", "hostile\x01corpus"))
    add("invalid_utf8", text.encode().replace(b"hostile corpus", b"hostile \xff\xfe corpus"))
    add("lone_surrogate", text.replace("hostile corpus", "\\ud800 corpus"))
    add("utf16", text.encode("utf-16"))
    add("deep_nesting_100", text.replace('{"note": "hostile corpus"}', "[" * 100 + "]" * 100))
    add("deep_nesting_1M", "[" * 1_000_000 + "]" * 1_000_000, note="10^6 nested arrays")
    add("deep_objects_100k", '{"a":' * 100_000 + "1" + "}" * 100_000)
    add("nesting_60_ok", text.replace('{"note": "hostile corpus"}', "[" * 60 + "]" * 60), ["ok"],
        note="metadata nested 60 levels (under the limit)")
    add("big_metadata_string", mutate(lambda d: d["metadata"].__setitem__("blob", "x" * 5_000_000)), ["ok"],
        note="5 MB metadata string")
    add("many_keys", mutate(lambda d: d["metadata"].update({f"k{i}": i for i in range(100_000)})), ["ok"],
        note="100k metadata members")
    d = os.path.join(os.fsencode(c.root), b"models")
    with open(os.path.join(d, b"sparse_over_model_limit.json"), "wb") as f:
        f.write(b"{")
        f.truncate(65 * 1024 * 1024)
    c.path(S, "sparse_over_model_limit", b"models/sparse_over_model_limit.json", kind="model",
           expect=["SF_ERR_LIMIT_MODEL_SIZE"], note="65 MiB sparse file (over max_model_bytes)", regular=False)


def add_model_paths(c):
    S = "model_paths"
    IO = ["SF_ERR_IO"]
    d = os.path.join(os.fsencode(c.root), b"model_paths")
    os.makedirs(d, exist_ok=True)
    J = lambda *p: os.path.join(d, *p)  # noqa: E731
    with open(J(b"valid.json"), "wb") as f:
        f.write(json.dumps(model_doc("linear")).encode())
    os.mkdir(J(b"dir.json"))
    c.path(S, "directory", b"model_paths/dir.json", kind="model", expect=IO, note="a directory")
    os.mkfifo(J(b"fifo.json"))
    c.path(S, "fifo", b"model_paths/fifo.json", kind="model", expect=IO, note="a FIFO nobody writes to")
    os.symlink(b"loop.json", J(b"loop.json"))
    c.path(S, "symlink_loop", b"model_paths/loop.json", kind="model", expect=IO, note="self-loop")
    c.path(S, "missing", b"model_paths/missing.json", kind="model", expect=IO, note="does not exist")
    c.path(S, "inside_a_file", b"model_paths/valid.json/child", kind="model", expect=IO, note="ENOTDIR")
    c.path(S, "dev_null", b"/dev/null", kind="model", expect=IO, abs_path=True, note="/dev/null")
    c.path(S, "dev_zero", b"/dev/zero", kind="model", expect=IO, abs_path=True,
           note="/dev/zero (endless)", needs_memlimit=True)
    with open(J(b"empty.json"), "wb"):
        pass
    c.path(S, "empty", b"model_paths/empty.json", kind="model", expect=["SF_ERR_MODEL_INVALID", "SF_ERR_EMPTY_INPUT"],
           note="0 bytes")
    c.path(S, "control_valid", b"model_paths/valid.json", kind="model", expect=["ok"], note="control: valid")


# -------------------------------------------------------------------- main

def build(root, seed=SEED):
    """Generates the corpus into root (created; must be empty). Returns the
    manifest dict (also written to root/manifest.json)."""
    if os.path.isdir(root) and os.listdir(root):
        raise SystemExit(f"{root} is not empty")
    c = Corpus(root, seed)
    tmp = os.path.join(root, ".tmp")
    os.makedirs(tmp)
    jb = jpeg_bases(c, tmp)
    pb = png_bases()
    add_valid(c, jb, pb)
    add_trunc_jpeg(c, jb)
    add_trunc_png(c, pb)
    add_bitflip(c, jb, pb)
    add_dims(c, jb, pb)
    add_bomb(c, jb, pb)
    add_jpeg_struct(c, jb)
    add_png_struct(c, pb)
    add_palette(c, pb)
    add_scans(c, jb, tmp)
    add_exif(c, jb, pb)
    add_nonimage(c, jb, pb)
    add_empty(c)
    add_paths(c, jb["baseline420"])
    add_names(c, jb["baseline420"], pb["gray8"])
    add_models(c)
    add_model_paths(c)
    shutil.rmtree(tmp)
    return c.write_manifest()


def load(root):
    with open(os.path.join(root, "manifest.json")) as f:
        return json.load(f)


def remove_corpus(root):
    """Deletes a corpus, restoring chmod-000 entries first."""
    try:
        doc = load(root)
        for p in doc.get("restore", []):
            try:
                os.chmod(bytes.fromhex(p), 0o700)
            except OSError:
                pass
    except (OSError, ValueError):
        pass
    for dirpath, dirnames, filenames in os.walk(os.fsencode(root)):
        for dn in dirnames:
            p = os.path.join(dirpath, dn)
            try:
                if not os.path.islink(p):
                    os.chmod(p, 0o700)
            except OSError:
                pass
    shutil.rmtree(root, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--remove", action="store_true", help="delete a corpus made by this script")
    a = ap.parse_args(argv)
    if a.remove:
        remove_corpus(a.outdir)
        return 0
    doc = build(a.outdir, a.seed)
    for cat, n in doc["counts"].items():
        print(f"{cat:12s} {n:5d}  {CATEGORIES[cat]}")
    print(f"{'total':12s} {len(doc['entries']):5d}  in {doc['root']}")
    for s in doc["skipped"]:
        print("skipped:", s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
