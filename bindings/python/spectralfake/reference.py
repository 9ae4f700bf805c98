"""The article's pipeline, written plainly with numpy, OpenCV and SciPy.

This is the yardstick libspectralfake is tested against: the code of Durall
et al. (cc-hpc-itwm/DeepFakeDetection, ``radialProfile.py`` and the CelebA,
FaceForensics and Faces-HQ notebooks) with each published setting exposed as
a parameter, and nothing optimised. It needs ``opencv-python(-headless)`` and
``scipy`` (not needed by the binding itself).

    from spectralfake import reference
    x = reference.features("face.jpg")              # celeba: N=80, /first
"""
from __future__ import annotations

import os

import numpy as np

PRESETS = {
    "celeba": dict(n=80, epsilon=1e-8, center="reference", normalize="first", crop="none", interpolate=True),
    "faces-hq": dict(n=0, epsilon=1e-8, center="reference", normalize="none", crop="none", interpolate=False),
    "ffpp": dict(n=300, epsilon=1e-8, center="reference", normalize="first", crop="center-third",
                 interpolate=True),
    "upconv": dict(n=88, epsilon=1e-8, center="reference", normalize="minmax", crop="none", interpolate=True),
}

# Composite presets: (side of the canonical square, the blocks computed on it).
COMBOS = {"combo128": (128, ("celeba", "ffpp", "upconv", "faces-hq"))}


def azimuthalAverage(image, center=None):
    """radialProfile.azimuthalAverage as published (blob 09e0dc6c of
    cc-hpc-itwm/DeepFakeDetection), unchanged apart from the layout.

    Mean of each 1-pixel ring (bins by floor of the radius); the first ring
    (r < 1) and the last ring are dropped by the cumsum differences."""
    y, x = np.indices(image.shape)
    if not center:
        center = np.array([(x.max() - x.min()) / 2.0, (y.max() - y.min()) / 2.0])
    r = np.hypot(x - center[0], y - center[1])
    ind = np.argsort(r.flat)
    r_sorted = r.flat[ind]
    i_sorted = image.flat[ind]
    r_int = r_sorted.astype(int)
    deltar = r_int[1:] - r_int[:-1]
    rind = np.where(deltar)[0]
    nr = rind[1:] - rind[:-1]
    csim = np.cumsum(i_sorted, dtype=float)
    tbin = csim[rind[1:]] - csim[rind[:-1]]
    radial_prof = tbin / nr
    return radial_prof


def load_gray(image):
    """The article's ``cv2.imread(filename, 0)``; bytes go through
    cv2.imdecode; arrays are taken as gray (2-D) or converted with
    cv2.cvtColor(BGR2GRAY) (3-D, BGR order as cv2 gives)."""
    import cv2

    if isinstance(image, (str, os.PathLike)):
        img = cv2.imread(os.fspath(image), cv2.IMREAD_GRAYSCALE)
    elif isinstance(image, (bytes, bytearray, memoryview)):
        img = cv2.imdecode(np.frombuffer(bytes(image), np.uint8), cv2.IMREAD_GRAYSCALE)
    else:
        img = np.asarray(image)
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if img is None:
        raise ValueError(f"OpenCV cannot decode {image if isinstance(image, (str, os.PathLike)) else 'the buffer'}")
    return img


def crop_center_third(img):
    """The FaceForensics notebook: ``h = int(H/3); img = img[h:-h, w:-w]``,
    written so that it also holds when H/3 < 1."""
    h, w = img.shape[0] // 3, img.shape[1] // 3
    return img[h: img.shape[0] - h, w: img.shape[1] - w]


def magnitude_spectrum(img, epsilon=1e-8):
    """``20*np.log(np.abs(fftshift(fft2(img)) + epsilon))`` as in the notebooks."""
    f = np.fft.fft2(img)
    fshift = np.fft.fftshift(f)
    fshift += epsilon
    return 20 * np.log(np.abs(fshift))


def area_resize(img, side):
    """The centred square of side min(H, W) resampled to side x side by area
    averaging in float64: out = A @ square @ A.T with A[i, k] = |[k, k+1) ∩
    [i*s/side, (i+1)*s/side)| / (s/side)."""
    h, w = img.shape
    s = min(h, w)
    y0, x0 = (h - s) // 2, (w - s) // 2
    sq = np.asarray(img[y0:y0 + s, x0:x0 + s], dtype=np.float64)
    scale = s / side
    lo = np.arange(side)[:, None] * scale
    hi = lo + scale
    k = np.arange(s)[None, :]
    A = np.clip(np.minimum(hi, k + 1) - np.maximum(lo, k), 0, None) / scale
    return A @ sq @ A.T


def radial_profile(image, preset="celeba", **overrides):
    """The raw azimuthal profile of the (cropped) magnitude spectrum."""
    s = dict(PRESETS[preset], **overrides)
    img = load_gray(image)
    if s["crop"] == "center-third":
        img = crop_center_third(img)
    ms = magnitude_spectrum(img, s["epsilon"])
    h, w = ms.shape
    center = None if s["center"] == "reference" else [w // 2, h // 2]
    return azimuthalAverage(ms, center)


def features(image, preset="celeba", **overrides):
    """The feature vector as the notebooks compute it."""
    from scipy.interpolate import griddata

    if preset in COMBOS:
        if set(overrides) - {"epsilon"}:
            raise ValueError(f"{preset} takes only an epsilon override")
        side, blocks = COMBOS[preset]
        sq = area_resize(load_gray(image), side)
        return np.concatenate([features(sq, b, **overrides) for b in blocks])
    s = dict(PRESETS[preset], **overrides)
    psd1D = radial_profile(image, preset, **overrides)
    if s["interpolate"]:
        N = s["n"]
        points = np.linspace(0, N, num=psd1D.size)
        xi = np.linspace(0, N, num=N)
        v = griddata(points, psd1D, xi, method="cubic")
    else:
        v = psd1D.copy()
    if s["normalize"] == "first":
        v /= v[0]
    elif s["normalize"] == "minmax":
        v = (v - v.min()) / (v.max() - v.min())
    return v


# ------------------------------------------------------------ scope notes
# The "upscaled" note's test, written plainly in numpy: the yardstick of the
# library's UpscaleTest (docs/default-model.md, "Notes").

UPSCALE = dict(crop=256, min_side=64, top_band=0.875, f_min=0.03, grid_guard=1.5, comb_floor=2.0,
               t_top_db=6.5, t_p1_d1=10.0, t_p1_d2=12.2, t_p2_d1=1.75, t_dct_db=1.5)


def _hann(n):
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / (n - 1))


def _top_band_db(X):
    c = X.shape[0]
    w = _hann(c)
    P = np.abs(np.fft.fft2((X - X.mean()) * np.outer(w, w))) ** 2
    px, py = P.sum(axis=0), P.sum(axis=1)
    h = c // 2
    k = np.arange(h + 1)
    s = (px[k] + py[k] + px[(c - k) % c] + py[(c - k) % c]) / 2.0
    S = 10.0 * np.log10(s / float(c) ** 3 + 1e-12)
    floor_db = 10.0 * np.log10((1.0 / 12.0) * float((w * w).sum()) ** 2 / float(c) ** 2)
    return float(S[k / h >= UPSCALE["top_band"]].mean() - floor_db)


def _dct_ring_db(g):
    H, W = g.shape
    c = min(UPSCALE["crop"], H, W) // 8 * 8
    y0, x0 = (H - c) // 2 // 8 * 8, (W - c) // 2 // 8 * 8
    X = g[y0:y0 + c, x0:x0 + c].astype(np.float64) - 128.0
    B = X.reshape(c // 8, 8, c // 8, 8).transpose(0, 2, 1, 3)
    u = np.arange(8)[:, None]
    x = np.arange(8)[None, :]
    D = np.where(u == 0, np.sqrt(1 / 8), 0.5) * np.cos((2 * x + 1) * u * np.pi / 16)
    A = np.abs(D @ B @ D.T).mean(axis=(0, 1))
    ring = np.maximum(*np.indices((8, 8)))
    noise = np.sqrt(1.0 / (6.0 * np.pi))
    return float(np.mean([20.0 * np.log10(A[ring == r].mean() / noise + 1e-12) for r in range(3, 8)]))


def _residual_spectrum(X, order, axis):
    a = X if axis == 0 else X.T
    d = np.abs(np.diff(a, n=order, axis=1)).mean(axis=0)
    m = d.size
    V = np.abs(np.fft.rfft((d - d.mean()) * _hann(m)))
    f = np.arange(V.size) / m
    med = float(np.median(V[f >= UPSCALE["f_min"]]))
    return (V / med if med > 0 else np.zeros_like(V)), f, m


def upscale_statistics(gray):
    """The five statistics of the upscale test of a gray uint8 image (None
    when not assessed: a side under 64 pixels or a constant centre)."""
    g = np.asarray(gray)
    H, W = g.shape
    if min(H, W) < UPSCALE["min_side"]:
        return None
    c = min(UPSCALE["crop"], H, W)
    y0, x0 = (H - c) // 2, (W - c) // 2
    X = g[y0:y0 + c, x0:x0 + c].astype(np.float64)
    if X.max() == X.min():
        return None
    out = {"top_db": _top_band_db(X), "dct_db": _dct_ring_db(g)}
    for order in (1, 2):
        Vx, f, m = _residual_spectrum(X, order, 0)
        Vy, _, _ = _residual_spectrum(X, order, 1)
        grid = np.abs(f[:, None] - np.arange(5)[None, :] / 8.0).min(axis=1)
        ok = (f >= UPSCALE["f_min"]) & (grid > UPSCALE["grid_guard"] / m)
        out[f"p1_d{order}"] = float(np.minimum(Vx, Vy)[ok].max())
        if order == 1:
            def peak(V, f0):
                return float(V[np.abs(f - f0) <= 1.0 / m + 1e-12].max())
            out["p2_d1"] = min(max(peak(V, 0.25), peak(V, 0.5)) /
                               max(UPSCALE["comb_floor"], peak(V, 0.125), peak(V, 0.375)) for V in (Vx, Vy))
    return out


def upscale_score(image):
    """> 1: looks enlarged from a smaller image; 0 when not assessed."""
    st = upscale_statistics(load_gray(image))
    if st is None:
        return 0.0
    u = UPSCALE
    return max(10.0 ** ((u["t_top_db"] - st["top_db"]) / 10.0), st["p1_d1"] / u["t_p1_d1"],
               st["p1_d2"] / u["t_p1_d2"], st["p2_d1"] / u["t_p2_d1"], 10.0 ** ((u["t_dct_db"] - st["dct_db"]) / 10.0))


_IJG_LUMA = np.array([16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
                      14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
                      92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99])


def jpeg_quality(table):
    """(quality, exact) of a luminance quantisation table in natural order
    (as Pillow's im.quantization[0] gives it): the IJG quality whose table
    equals it, else the nearest by the sum of absolute differences (ties:
    the higher quality)."""
    t = np.asarray(table)
    best = None
    for q in range(1, 101):
        scale = 5000 // q if q < 50 else 200 - 2 * q
        ijg = np.clip((_IJG_LUMA * scale + 50) // 100, 1, 255)
        d = int(np.abs(t - ijg).sum())
        if best is None or d <= best[1]:
            best = (q, d)
    return best[0], best[1] == 0
