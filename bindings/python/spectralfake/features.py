"""Features of one image or a batch of files, computed natively."""
from __future__ import annotations

import ctypes
import os
import threading
from ctypes import byref, c_char_p, c_double, c_size_t, c_void_p
from typing import Iterable, Sequence

import numpy as np

from ._constants import Status
from ._inputs import array_input, batch_items, encoded_input, encoded_items, kind, path_bytes, threads_arg
from ._lib import SfError
from .errors import BatchError, SpectralFakeError, error, raise_for
from .settings import Context, Limits, context


class _Scratch(threading.local):
    """Per-thread objects of the single-image calls, made once: the error
    struct, the count, references to both, and an output buffer with its
    address and capacity as ready ctypes arguments (a call writes into it;
    the caller gets a copy of the values)."""

    def __init__(self):
        self.err = SfError()
        self.count = c_size_t()
        self.err_ref = byref(self.err)
        self.count_ref = byref(self.count)
        self.grow(4096)

    def grow(self, capacity: int):
        self.out = np.empty(capacity, dtype=np.float64)
        self.out_ptr = self.out.ctypes.data_as(ctypes.POINTER(c_double))
        self.out_arg = c_void_p(self.out.ctypes.data)
        self.capacity = capacity
        self.capacity_arg = c_size_t(capacity)


_scratch = _Scratch()
_OK = int(Status.SF_OK)
_TOO_SMALL = int(Status.SF_ERR_BUFFER_TOO_SMALL)


def _call_features(ctx: Context, image, channels, capacity_hint=None) -> np.ndarray:
    lib = ctx._lib
    k = kind(image)
    sc = _scratch
    path = None
    keep = None
    if k == "path":
        path = image if type(image) is str else os.fspath(image)
        bpath = path_bytes(path)
    elif k == "bytes":
        keep, data, size = encoded_input(image, ctx.limits)
        if type(data) is int:
            data = c_void_p(data)   # an address (bytes and None pass as they are)
        size = c_size_t(size)
    else:
        keep, ptr, size, w, h, stride, fmt = array_input(image, channels)
        n = c_size_t()
        raise_for(lib.sf_context_feature_count(ctx.handle, w, h, byref(n), sc.err_ref), sc.err)
        if n.value > sc.capacity:
            sc.grow(int(n.value))
    if capacity_hint and capacity_hint > sc.capacity:
        sc.grow(capacity_hint)
    for _ in range(2):
        # prepared calls: every argument already a ctypes object of the C type
        if k == "path":
            st = lib.sf_features_file_prepared(ctx.handle, bpath, sc.out_arg, sc.capacity_arg, sc.count_ref,
                                               sc.err_ref)
        elif k == "bytes":
            st = lib.sf_features_memory_prepared(ctx.handle, data, size, sc.out_arg, sc.capacity_arg,
                                                 sc.count_ref, sc.err_ref)
        else:
            st = lib.sf_features_pixels(ctx.handle, ptr, size, w, h, stride, fmt, sc.out_ptr, sc.capacity,
                                        sc.count_ref, sc.err_ref)
        if st == _OK:
            return sc.out[: sc.count.value].copy()
        if st == _TOO_SMALL and sc.count.value > sc.capacity:
            sc.grow(int(sc.count.value))   # a raw profile longer than any so far: once more
            continue
        break
    raise_for(st, sc.err, path)


def features(image, preset: str = "celeba", *, channels: str | None = None, limits: Limits | None = None,
             **overrides) -> np.ndarray:
    """The feature vector (float64) of one image.

    image: a path, encoded JPEG/PNG bytes, or a uint8 numpy array (HxW gray;
    HxWx3 with channels="bgr" or "rgb"; HxWx4 with "bgra"/"rgba").
    preset: "celeba" (default, 80 values), "faces-hq" (raw profile), "ffpp"
    (middle-third crop, 300 values) or "upconv" (88 values, min-max).
    overrides: n, epsilon, center ("reference"|"dc"), normalize
    ("first"|"none"|"minmax"), crop ("none"|"center-third"), interpolate.
    """
    return _call_features(context(preset, limits, **overrides), image, channels)


def radial_profile(image, *, preset: str = "celeba", channels: str | None = None,
                   limits: Limits | None = None, **overrides) -> np.ndarray:
    """The raw azimuthal profile (mean of 20*ln|F + eps| per 1-pixel ring,
    first and last ring dropped), before interpolation and normalisation.
    The preset and overrides choose crop, centre and epsilon."""
    overrides = dict(overrides, interpolate=False, normalize="none")
    return _call_features(context(preset, limits, **overrides), image, channels)


def features_batch(items: Iterable, preset: str = "celeba", threads: int | None = None, *,
                   limits: Limits | None = None, errors: str = "raise", **overrides):
    """Features of many images computed on native threads (threads=None: one
    per CPU). Returns an array of shape (len(items), n).

    items: paths, or encoded JPEG/PNG images in memory (bytes, bytearray,
    memoryview; one native call for the whole batch, e.g. a Spark
    partition's files); not a mix of both.
    errors="raise" raises BatchError if any item fails (its ``failures`` and
    partial ``result`` are attached); errors="return" returns
    ``(X, failures)`` where failures is a list of (index, SpectralFakeError)
    and failed rows are zeros. The feature count must not depend on the image
    size (use a preset that interpolates, or images of one size).
    """
    if errors not in ("raise", "return"):
        raise ValueError("errors must be 'raise' or 'return'")
    items, encoded = batch_items(items)
    names = [None] * len(items) if encoded else items
    ctx = context(preset, limits, **overrides)
    lib = ctx._lib
    n = len(items)
    if ctx.settings.interpolate:
        row = int(ctx.settings.n)
    else:
        row = _raw_row_length(ctx, items, encoded)
    out = np.zeros((n, row), dtype=np.float64)
    if n == 0:
        return (out, []) if errors == "return" else out
    counts = (c_size_t * n)()
    item_errors = (SfError * n)()
    failed = c_size_t()
    err = SfError()
    optr = out.ctypes.data_as(ctypes.POINTER(c_double))
    if encoded:
        keep, data, sizes = encoded_items(items)
        st = lib.sf_features_batch_memory(ctx.handle, data, sizes, n, threads_arg(threads), optr, row, counts,
                                          item_errors, byref(failed), byref(err))
    else:
        arr = (c_char_p * n)(*[path_bytes(p) for p in items])
        st = lib.sf_features_batch(ctx.handle, arr, n, threads_arg(threads), optr, row, counts, item_errors,
                                   byref(failed), byref(err))
    if st not in (Status.SF_OK, Status.SF_ERR_BATCH_PARTIAL):
        raise_for(st, err)
    failures = []
    if st == Status.SF_ERR_BATCH_PARTIAL:
        for i in range(n):
            if item_errors[i].status != Status.SF_OK:
                failures.append((i, error(item_errors[i].status, item_errors[i], names[i])))
    if errors == "return":
        return out, failures
    if failures:
        raise BatchError(Status.SF_ERR_BATCH_PARTIAL, err.message.decode("utf-8", "replace"), failures, out)
    return out


def _raw_row_length(ctx: Context, items: Sequence, encoded: bool = False) -> int:
    """Raw-profile row length: decode the first readable image's size."""
    lib = ctx._lib
    for p in items:
        img = c_void_p()
        err = SfError()
        if encoded:
            try:
                keep, data, size = encoded_input(p, ctx.limits)
            except SpectralFakeError:   # over max_input_bytes: that item's error, not the batch's
                continue
            st = lib.sf_image_decode_memory(ctx.handle, data, size, byref(img), byref(err))
        else:
            st = lib.sf_image_decode_file(ctx.handle, path_bytes(p), byref(img), byref(err))
        if st == Status.SF_OK:
            w, h = lib.sf_image_width(img), lib.sf_image_height(img)
            lib.sf_image_free(img)
            n = c_size_t()
            raise_for(lib.sf_context_feature_count(ctx.handle, w, h, byref(n), byref(err)), err)
            return max(int(n.value), 1)
    return 1
