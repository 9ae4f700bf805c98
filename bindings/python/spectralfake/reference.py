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
