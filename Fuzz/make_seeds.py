#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus: Fuzz/corpus/{decode,features,model}/.

    python3 Fuzz/make_seeds.py            # (re)writes the three directories
    python3 Fuzz/make_seeds.py --check    # fails if the committed corpus is stale

Everything is generated here from seeded random numbers (no image from
outside the repo): small JPEGs (cjpeg, Pillow, cv2: every subsampling,
progressive, restart markers, arithmetic coding, gray, RGB, CMYK, EXIF
orientation, and header variants the decoder refuses: 12-bit, lossless,
hierarchical, truncated), PNGs written byte by byte (every colour type and bit
depth, Adam7, tRNS, gAMA/sRGB, eXIf, bKGD, a bad CRC, truncated, APNG), and
model files exported from tiny scikit-learn models with
spectralfake.export (every classifier, kernel, calibration and scaler the
format has) plus a few hand-written edge cases.

A features seed is one selector byte (bits 0-1: preset celeba / faces-hq /
ffpp / upconv, bit 2: reference or DC centre; see FuzzFeatures/main.swift)
followed by an encoded image.

Needs numpy, Pillow, opencv-python-headless, scikit-learn, cjpeg
(libjpeg-turbo-progs) and the built library (make build) for the exporter.
Budget: every file under 8 KB, the whole corpus under 300 KB.
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "bindings" / "python"))

MAX_FILE = 8 * 1024
MAX_TOTAL = 300 * 1024


# ------------------------------------------------------------------ pixels

def texture(h, w, seed, channels=1):
    """Smooth random structure plus a little noise (compresses to small files
    but is not constant, so the feature pipeline runs to the end)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        fx, fy, ph = rng.uniform(0.05, 0.6, 3)
        base = 127 + 80 * np.sin(fx * xx + ph) * np.cos(fy * yy + c)
        base += rng.normal(0, 12, (h, w))
        planes.append(np.clip(base, 0, 255))
    img = np.stack(planes, axis=-1) if channels > 1 else planes[0]
    return img.astype(np.uint8)


# -------------------------------------------------------------------- JPEG

def cjpeg(img, *args):
    """Encodes with libjpeg-turbo's cjpeg (PGM for gray, PPM for colour)."""
    if img.ndim == 2:
        header = b"P5 %d %d 255\n" % (img.shape[1], img.shape[0])
    else:
        header = b"P6 %d %d 255\n" % (img.shape[1], img.shape[0])
    out = subprocess.run(["cjpeg", *args], input=header + img.tobytes(), capture_output=True, check=True)
    return out.stdout


def pil_jpeg(img, mode, **kw):
    """Encodes with Pillow (mode "L" or "CMYK"; Pillow writes CMYK with an
    Adobe marker and inverted values, as Photoshop does)."""
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(img, mode).save(buf, "JPEG", **kw)
    return buf.getvalue()


def cv2_jpeg(img, params):
    import cv2
    ok, buf = cv2.imencode(".jpg", img, params)
    assert ok
    return buf.tobytes()


def exif_orientation_block(o, little=True):
    """An APP1 Exif payload (TIFF header + one IFD with Orientation)."""
    e = "<" if little else ">"
    tiff = (b"II" if little else b"MM") + struct.pack(e + "HI", 42, 8)
    ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", o, 0)
    ifd += struct.pack(e + "I", 0)
    return b"Exif\0\0" + tiff + ifd


def with_app1(jpeg, payload):
    seg = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + seg + jpeg[2:]


def patch_sof(jpeg, new_marker=None, precision=None):
    """Changes the SOFn marker type or the sample precision of a JPEG."""
    b = bytearray(jpeg)
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            break
        m = b[i + 1]
        length = struct.unpack(">H", b[i + 2:i + 4])[0]
        if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
            if new_marker is not None:
                b[i + 1] = new_marker
            if precision is not None:
                b[i + 4] = precision
            return bytes(b)
        i += 2 + length
    raise ValueError("no SOF marker")


def jpeg_seeds():
    s = {}
    g = texture(32, 32, 1)
    c = texture(32, 40, 2, 3)
    for name, samp in [("420", "2x2"), ("422", "2x1"), ("440", "1x2"), ("444", "1x1"), ("411", "4x1")]:
        s[f"cjpeg_{name}.jpg"] = cjpeg(c, "-quality", "60", "-sample", samp)
    s["cjpeg_odd_sampling.jpg"] = cjpeg(texture(19, 23, 3, 3), "-sample", "1x1,2x2,2x2", "-quality", "50")
    s["cjpeg_progressive.jpg"] = cjpeg(c, "-quality", "60", "-progressive")
    s["cjpeg_progressive_gray.jpg"] = cjpeg(g, "-quality", "60", "-progressive")
    s["cjpeg_restart1.jpg"] = cjpeg(c, "-quality", "50", "-restart", "1")
    s["cjpeg_restart2B_prog.jpg"] = cjpeg(c, "-quality", "50", "-restart", "2B", "-progressive")
    s["cjpeg_arith.jpg"] = cjpeg(c, "-quality", "60", "-arithmetic")
    s["cjpeg_arith_prog.jpg"] = cjpeg(c, "-quality", "60", "-arithmetic", "-progressive")
    s["cjpeg_gray.jpg"] = cjpeg(g, "-quality", "70")
    s["cjpeg_rgb.jpg"] = cjpeg(texture(16, 16, 4, 3), "-rgb", "-quality", "50")
    s["cjpeg_float_opt_q100.jpg"] = cjpeg(texture(16, 24, 5), "-dct", "float", "-optimize", "-quality", "100")
    s["cjpeg_q5.jpg"] = cjpeg(c, "-quality", "5")
    s["cjpeg_tiny_3x2.jpg"] = cjpeg(texture(2, 3, 6, 3), "-quality", "80")
    s["pil_cmyk.jpg"] = pil_jpeg(texture(24, 24, 7, 4), "CMYK", quality=50)
    s["pil_gray_prog.jpg"] = pil_jpeg(texture(24, 32, 8), "L", quality=60, progressive=True)
    import cv2
    s["cv2_rst_interval.jpg"] = cv2_jpeg(c, [cv2.IMWRITE_JPEG_QUALITY, 60, cv2.IMWRITE_JPEG_RST_INTERVAL, 2])
    s["cv2_progressive_opt.jpg"] = cv2_jpeg(c, [cv2.IMWRITE_JPEG_QUALITY, 50, cv2.IMWRITE_JPEG_PROGRESSIVE, 1,
                                                cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    for o, little in [(3, True), (6, False), (8, True), (5, False)]:
        s[f"exif_orientation{o}.jpg"] = with_app1(cjpeg(texture(16, 24, 9 + o, 3), "-quality", "40"),
                                                  exif_orientation_block(o, little))
    base = cjpeg(texture(16, 16, 20, 3), "-quality", "40")
    s["sof1_extended.jpg"] = patch_sof(base, new_marker=0xC1)
    s["sof3_lossless_header.jpg"] = patch_sof(base, new_marker=0xC3)
    s["sof5_hierarchical_header.jpg"] = patch_sof(base, new_marker=0xC5)
    s["precision12_header.jpg"] = patch_sof(base, precision=12)
    s["truncated_half.jpg"] = base[: len(base) // 2]
    s["truncated_no_eoi.jpg"] = base[:-2]
    prog = s["cjpeg_progressive.jpg"]
    s["truncated_progressive.jpg"] = prog[: int(len(prog) * 0.7)]
    flipped = bytearray(base)
    sos = base.rfind(b"\xff\xda")
    start = sos + 2 + struct.unpack(">H", base[sos + 2:sos + 4])[0]
    for k in range(start + 8, len(flipped) - 4, 37):
        if flipped[k] != 0xFF and flipped[k - 1] != 0xFF:
            flipped[k] ^= 0x10
    s["corrupt_entropy.jpg"] = bytes(flipped)
    return s


# --------------------------------------------------------------------- PNG

def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def adam7_passes(w, h):
    for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        yield x0, y0, dx, dy


def pack_rows(samples, depth):
    """samples: (rows, cols*channels) integers -> packed rows (no filter byte)."""
    rows = []
    for r in samples:
        if depth == 16:
            rows.append(b"".join(struct.pack(">H", int(v)) for v in r))
        elif depth == 8:
            rows.append(bytes(int(v) for v in r))
        else:
            per = 8 // depth
            out = bytearray()
            for i in range(0, len(r), per):
                byte = 0
                for j in range(per):
                    v = int(r[i + j]) if i + j < len(r) else 0
                    byte |= v << (8 - depth * (j + 1))
                out.append(byte)
            rows.append(bytes(out))
    return rows


def filtered(rows, filt):
    """Applies one PNG filter type to every row (0 none, 1 sub, 2 up)."""
    out = bytearray()
    prev = None
    for row in rows:
        out.append(filt)
        if filt == 1:
            out += bytes((row[i] - (row[i - 1] if i else 0)) & 0xFF for i in range(len(row)))
        elif filt == 2:
            out += bytes((row[i] - (prev[i] if prev else 0)) & 0xFF for i in range(len(row)))
        else:
            out += row
        prev = row
    return bytes(out)


def png(w, h, ctype, depth, seed, interlace=False, extra_before=(), extra_after=(), filt=0):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    maxv = (1 << depth) - 1
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    data = np.zeros((h, w, channels), dtype=np.int64)
    for c in range(channels):
        wave = (np.sin(0.4 * xx + c) * np.cos(0.3 * yy) + 1) / 2
        data[..., c] = np.clip(np.round(wave * maxv + rng.integers(-1, 2, (h, w)) * (maxv // 8)), 0, maxv)
    if ctype == 3:
        data[..., 0] = data[..., 0] % (1 << depth)
    raw = bytearray()
    if not interlace:
        raw += filtered(pack_rows(data.reshape(h, w * channels), depth), filt)
    else:
        for x0, y0, dx, dy in adam7_passes(w, h):
            sub = data[y0::dy, x0::dx]
            if sub.size == 0:
                continue
            raw += filtered(pack_rows(sub.reshape(sub.shape[0], sub.shape[1] * channels), depth), filt)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)
    body = chunk(b"IHDR", ihdr)
    if ctype == 3:
        n = 1 << depth
        pal = bytes(int(v) for v in rng.integers(0, 256, 3 * n))
        body += chunk(b"PLTE", pal)
    for kind, payload in extra_before:
        body += chunk(kind, payload)
    body += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
    for kind, payload in extra_after:
        body += chunk(kind, payload)
    body += chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def png_seeds():
    s = {}
    n = 0
    for ctype, depths in [(0, (1, 2, 4, 8, 16)), (2, (8, 16)), (3, (1, 2, 4, 8)), (4, (8, 16)), (6, (8, 16))]:
        for depth in depths:
            n += 1
            size = 24 if depth >= 8 else 32
            s[f"png_c{ctype}_d{depth}.png"] = png(size, size - 4, ctype, depth, n, filt=n % 3)
    for ctype, depth in [(0, 1), (0, 16), (2, 8), (3, 4), (4, 8), (6, 16)]:
        n += 1
        s[f"png_c{ctype}_d{depth}_adam7.png"] = png(21, 19, ctype, depth, n, interlace=True)
    s["png_trns_gray.png"] = png(24, 24, 0, 8, 40, extra_before=[(b"tRNS", struct.pack(">H", 100))])
    s["png_trns_rgb16.png"] = png(16, 16, 2, 16, 41, extra_before=[(b"tRNS", struct.pack(">HHH", 1, 2, 3))])
    s["png_trns_palette.png"] = png(24, 24, 3, 8, 42, extra_before=[(b"tRNS", bytes(range(0, 256, 4)))])
    s["png_gama_045.png"] = png(24, 24, 2, 8, 43, extra_before=[(b"gAMA", struct.pack(">I", 45455))])
    s["png_gama_22_rgba.png"] = png(24, 24, 6, 8, 44, extra_before=[(b"gAMA", struct.pack(">I", 220000))])
    s["png_srgb.png"] = png(24, 24, 2, 8, 45, extra_before=[(b"sRGB", b"\0")])
    s["png_gama_out_of_range.png"] = png(16, 16, 2, 8, 46, extra_before=[(b"gAMA", struct.pack(">I", 1))])
    s["png_bkgd.png"] = png(16, 16, 2, 8, 47, extra_before=[(b"bKGD", struct.pack(">HHH", 1, 2, 3))])
    s["png_bkgd_bad_length.png"] = png(16, 16, 2, 8, 48, extra_before=[(b"bKGD", b"\0" * 9)])
    for o, little in [(6, True), (3, False)]:
        payload = exif_orientation_block(o, little)[6:]
        s[f"png_exif{o}_before.png"] = png(24, 16, 0, 8, 49 + o, extra_before=[(b"eXIf", payload)])
    s["png_exif8_after.png"] = png(24, 16, 0, 8, 58, extra_after=[(b"eXIf", exif_orientation_block(8)[6:])])
    s["png_text_ztxt.png"] = png(16, 16, 0, 8, 59, extra_before=[(b"tEXt", b"Comment\0fuzz seed"),
                                                                  (b"zTXt", b"Note\0\0" + zlib.compress(b"hello"))])
    actl = struct.pack(">II", 2, 0)
    s["png_apng_actl.png"] = png(16, 16, 0, 8, 60, extra_before=[(b"acTL", actl)])
    good = png(24, 24, 2, 8, 61)
    s["png_truncated_idat.png"] = good[: len(good) - 30]
    s["png_no_iend.png"] = good[:-12]
    idat = good.find(b"IDAT")
    idat_len = struct.unpack(">I", good[idat - 4:idat])[0]
    bad = bytearray(good)
    bad[idat + 4 + idat_len] ^= 0x01
    s["png_bad_idat_crc.png"] = bytes(bad)
    bad = bytearray(good)
    bad[idat + 4 + idat_len // 2] ^= 0x5A
    bad[idat + 4 + idat_len: idat + 8 + idat_len] = struct.pack(">I", zlib.crc32(bytes(bad[idat:idat + 4 + idat_len])))
    s["png_bad_zlib_data.png"] = bytes(bad)
    s["png_ihdr_not_first.png"] = good[:8] + chunk(b"tEXt", b"a\0b") + good[8:]
    s["png_1x1.png"] = png(1, 1, 0, 8, 62)
    s["png_wide_64x2.png"] = png(64, 2, 0, 8, 63)
    return s


def other_format_seeds():
    return {
        "gif_header.gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        "bmp_header.bmp": b"BM" + b"\0" * 30,
        "webp_header.webp": b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\0" * 8,
        "soi_only.jpg": b"\xff\xd8",
        "png_signature_only.png": b"\x89PNG\r\n\x1a\n",
    }


# ------------------------------------------------------------------ models

def model_seeds(tmp: Path):
    import spectralfake as sf
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler
    from sklearn.svm import SVC, LinearSVC

    rng = np.random.default_rng(7)
    nf = 6  # celeba preset with n = 6: small files, same code paths as n = 80
    X = rng.normal(0, 1, (24, nf))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.5, 24) > 0).astype(int)
    X_raw = rng.normal(0, 1, (24, 7))  # faces-hq: a raw profile of 7 values (an image of about 16x16)
    y_str = np.where(y == 1, "fake", "real")

    def svc(**kw):
        return SVC(C=1.0, **kw).fit(X, y)

    models = {
        "svc_linear": (svc(kernel="linear"), {}),
        "svc_rbf_proba": (SVC(kernel="rbf", gamma=0.3, probability=True, random_state=0).fit(X, y), {}),
        "svc_poly": (svc(kernel="poly", degree=3, gamma=0.2, coef0=1.0), {}),
        "svc_sigmoid": (svc(kernel="sigmoid", gamma=0.1, coef0=0.5), {}),
        "linearsvc": (LinearSVC(C=0.5).fit(X, y), {}),
        "logreg": (LogisticRegression().fit(X, y), {}),
        "sgd_log": (SGDClassifier(loss="log_loss", random_state=0).fit(X, y), {}),
        "sgd_huber": (SGDClassifier(loss="modified_huber", random_state=0).fit(X, y), {}),
        "sgd_hinge": (SGDClassifier(loss="hinge", random_state=0).fit(X, y), {}),
        "cal_sigmoid": (CalibratedClassifierCV(LinearSVC(), method="sigmoid", ensemble=False, cv=3).fit(X, y), {}),
        "cal_isotonic": (CalibratedClassifierCV(LogisticRegression(), method="isotonic", ensemble=False, cv=3).fit(X, y), {}),
        "pipe_std_svc": (make_pipeline(StandardScaler(), SVC(kernel="rbf", gamma=0.5)).fit(X, y), {}),
        "pipe_minmax_clip_logreg": (make_pipeline(MinMaxScaler(clip=True), LogisticRegression()).fit(X, y), {}),
        "string_labels": (LogisticRegression().fit(X, y_str), {"fake_label": "fake"}),
        "faces_hq_raw": (LinearSVC().fit(X_raw, y), {"preset": "faces-hq"}),
    }
    try:
        models["cal_temperature"] = (CalibratedClassifierCV(LogisticRegression(), method="temperature",
                                                            ensemble=False, cv=3).fit(X, y), {})
    except (ValueError, TypeError):
        pass  # sklearn without temperature scaling

    s = {}
    for name, (est, kw) in models.items():
        preset = kw.pop("preset", "celeba")
        overrides = {} if preset == "faces-hq" else {"n": nf}
        path = tmp / f"{name}.json"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sf.export(est, path, preset=preset, fake_label=kw.pop("fake_label", 1),
                      metadata={"seed": name}, **overrides)
        doc = json.loads(path.read_text())
        # deterministic bytes: drop the run-dependent metadata members
        doc["metadata"] = {"seed": name, "exported_by": doc["metadata"].get("exported_by")}
        s[f"{name}.json"] = (json.dumps(doc, indent=1, allow_nan=False) + "\n").encode()

    # Hand-written edge cases around the smallest valid model.
    minimal = {
        "format": "spectralfake-model", "format_version": 1,
        "features": {"preset": "faces-hq", "n": 0, "epsilon": 1e-8, "center": "dc", "normalize": "none",
                     "crop": "center-third", "interpolate": False, "n_features": 1},
        "classes": [0, 1], "fake_class": 1, "scaler": None,
        "classifier": {"type": "linear", "estimator": "LinearSVC", "coef": [1.5], "intercept": -0.25},
    }
    s["minimal_linear.json"] = json.dumps(minimal).encode()
    v2 = dict(minimal, format_version=2)
    s["format_version_2.json"] = json.dumps(v2).encode()
    iso = dict(minimal, classes=["real", True], fake_class=0,
               classifier={"type": "calibrated", "method": "isotonic",
                           "base": {"type": "linear", "estimator": "SGDClassifier", "coef": [2.0], "intercept": 0.0},
                           "x": [-1.0, -0.5, 0.25, 3.0], "y": [0.0, 0.2, 0.7, 1.0]})
    s["isotonic_bool_label.json"] = json.dumps(iso).encode()
    temp = dict(minimal, scaler={"type": "standard", "mean": [0.5], "scale": [2.0]},
                classifier={"type": "calibrated", "method": "temperature", "beta": 1.25,
                            "base": {"type": "svc", "kernel": "poly", "gamma": 0.5, "coef0": 1.0, "degree": 2,
                                     "support_vectors": [[0.1], [0.9]], "dual_coef": [-1.0, 1.0], "intercept": 0.1}})
    s["temperature_poly.json"] = json.dumps(temp).encode()
    s["json_escapes.json"] = (
        b'\xef\xbb\xbf{"format":"spectralfake-model","format_version":1.0,"features":{"preset":"celeba",'
        b'"n":2,"epsilon":1E-8,"center":"reference","normalize":"first","crop":"none","interpolate":true,'
        b'"n_features":2},"classes":["\\u00e9t\\u00e9","\\ud83d\\ude00\\n\\"\\\\\\/"],"fake_class":0,'
        b'"scaler":{"type":"minmax","scale":[1,2e0],"min":[-0.0,0.5],"clip":false},'
        b'"classifier":{"type":"svc","kernel":"rbf","gamma":0.125,"support_vectors":[[1,2],[3,4],[5,6]],'
        b'"dual_coef":[0.5,-1,0.5],"intercept":-1e-3,"probability":{"a":-1.5,"b":0.25}},'
        b'"metadata":{"nested":[[[{}]]],"null":null,"t":true,"f":false}}'
    )
    return s


# -------------------------------------------------------------------- main

def features_seeds(decode):
    """Selector byte + a valid, non-constant image, rotating through the 8
    contexts; the smallest images and the refused headers are left out."""
    picks = [k for k in sorted(decode)
             if not any(t in k for t in ("truncated", "corrupt", "header", "sof", "tiny", "1x1", "bad", "ihdr",
                                         "no_iend", "out_of_range", "gif", "bmp", "webp", "only", "apng"))]
    s = {}
    for i, name in enumerate(picks):
        sel = i % 8
        s[f"p{sel}_{Path(name).stem}{Path(name).suffix}"] = bytes([sel]) + decode[name]
    return s


def write(dirpath: Path, files: dict, check: bool):
    if check:
        have = {p.name: p.read_bytes() for p in dirpath.glob("*")} if dirpath.exists() else {}
        stale = sorted(set(have) ^ set(files)) + sorted(k for k in files if k in have and have[k] != files[k])
        return stale
    if dirpath.exists():
        shutil.rmtree(dirpath)
    dirpath.mkdir(parents=True)
    for name, data in sorted(files.items()):
        (dirpath / name).write_bytes(data)
    return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "corpus")
    ap.add_argument("--check", action="store_true", help="compare with the corpus on disk instead of writing")
    a = ap.parse_args()

    decode = {}
    decode.update(jpeg_seeds())
    decode.update(png_seeds())
    decode.update(other_format_seeds())
    features = features_seeds(decode)
    with tempfile.TemporaryDirectory() as t:
        model = model_seeds(Path(t))

    total = 0
    for group in (decode, features, model):
        for name, data in group.items():
            if len(data) > MAX_FILE:
                sys.exit(f"{name}: {len(data)} bytes, over the {MAX_FILE}-byte budget per seed")
            total += len(data)
    if total > MAX_TOTAL:
        sys.exit(f"corpus is {total} bytes, over the {MAX_TOTAL}-byte budget")

    stale = []
    for sub, files in (("decode", decode), ("features", features), ("model", model)):
        stale += [f"{sub}/{n}" for n in write(a.out / sub, files, a.check)]
    if a.check and stale:
        sys.exit("corpus differs from make_seeds.py output: " + ", ".join(stale[:20]))
    print(f"{len(decode)} decode, {len(features)} features, {len(model)} model seeds, {total} bytes"
          + (" (up to date)" if a.check else f" -> {a.out}"))


if __name__ == "__main__":
    main()
