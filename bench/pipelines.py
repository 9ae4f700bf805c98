"""The numpy pipelines libspectralfake is measured against (bench/bench.py).

- seed:   the article's code as written (cv2.imread, np.fft.fft2, fftshift,
          argsort-based azimuthalAverage, griddata) = spectralfake.reference.
- numpy-fft2: the same pipeline written plainly with the tools the article
          uses plus the obvious caching: cv2.imread, scipy.fft.fft2 of the
          whole image, fftshift, 20*log|F|, np.bincount over a cached ring
          map, a cached spline matrix.
- numpy:  the strongest plain numpy/scipy version we could write of the
          same pipeline (the one the library is measured against):
          cv2.imread, scipy.fft.rfft2 (half spectrum, real input, input
          buffer reused), |F+eps|^2 in place and one log per coefficient,
          the ring sums of both halves (own and mirrored coefficients) as
          one cached sparse matrix product (scipy.sparse CSR, faster than
          np.bincount), the ring means, the 10x and the cubic spline folded
          into one cached (N x L) matrix.
All give the same numbers as the library (checked in bench.py).
"""
from __future__ import annotations

import functools

import cv2
import numpy as np
import scipy.fft
import scipy.sparse
from scipy.interpolate import make_interp_spline

from spectralfake import reference


def seed_features(path, n=80):
    return reference.features(path, "celeba", n=n)


@functools.lru_cache(maxsize=16)
def _bin_maps(h, w):
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    hw = w // 2 + 1
    ky = np.arange(h)[:, None]
    kx = np.arange(hw)[None, :]
    sy = (ky + h // 2) % h
    sx = (kx + w // 2) % w
    r = np.hypot(sx - cx, sy - cy).astype(int)
    last = (w - 1) // 2
    my = ((h - ky) % h + h // 2) % h
    mx = (w - kx[:, 1:last + 1] + w // 2) % w
    rm = np.hypot(mx - cx, my - cy).astype(int)
    R = int(np.hypot(cx, cy))
    L = R - 1

    def clip(b):
        b = b - 1
        b[(b < 0) | (b >= L)] = L
        return b.ravel()

    own = clip(r)
    mir = clip(rm)
    counts = np.bincount(own, minlength=L + 1) + np.bincount(mir, minlength=L + 1)
    return own, mir, counts[:L].astype(np.float64), L, last


@functools.lru_cache(maxsize=16)
def _spline_matrix(L, n):
    points = np.linspace(0, n, L)
    xi = np.linspace(0, n, n)
    return make_interp_spline(points, np.eye(L), k=3)(xi)   # (n, L)


@functools.lru_cache(maxsize=16)
def _ring_operators(h, w, n):
    """(A, M): A sums the log-magnitudes of the half spectrum (rfft2 layout,
    flattened) into the L rings, mirrored coefficients included; M turns the
    ring sums into the N spline values (ring means, 10x, spline)."""
    own, mir, counts, L, last = _bin_maps(h, w)
    hw = w // 2 + 1
    idx = np.arange(h * hw).reshape(h, hw)
    rows = np.concatenate([own, mir])
    cols = np.concatenate([idx.ravel(), idx[:, 1:last + 1].ravel()])
    keep = rows < L
    A = scipy.sparse.csr_matrix((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(L, h * hw))
    A.sum_duplicates()
    M = _spline_matrix(L, n) * (10.0 / counts)[None, :]
    return A, M


def numpy_features(path, n=80, eps=1e-8):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    h, w = img.shape
    F = scipy.fft.rfft2(img.astype(np.float64), overwrite_x=True)
    m = F.real + eps
    m *= m
    m += np.square(F.imag)
    np.log(m, out=m)                                     # ln|F + eps|^2 = 2 ln|F + eps|
    A, M = _ring_operators(h, w, n)
    v = M @ (A @ m.ravel())
    return v / v[0]


@functools.lru_cache(maxsize=16)
def _full_bins(h, w):
    y, x = np.indices((h, w))
    r = np.hypot(x - (w - 1) / 2.0, y - (h - 1) / 2.0).astype(int)
    R = int(r.max())
    b = r.ravel() - 1
    b[(b < 0) | (b >= R - 1)] = R - 1
    counts = np.bincount(b, minlength=R)[: R - 1].astype(np.float64)
    return b, counts, R - 1


def numpy_fft2_features(path, n=80, eps=1e-8):
    img = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    h, w = img.shape
    fshift = scipy.fft.fftshift(scipy.fft.fft2(img))
    fshift += eps
    mag = 20 * np.log(np.abs(fshift))
    b, counts, L = _full_bins(h, w)
    prof = np.bincount(b, weights=mag.ravel(), minlength=L + 1)[:L] / counts
    v = _spline_matrix(L, n) @ prof
    return v / v[0]
