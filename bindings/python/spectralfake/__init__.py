"""spectralfake: spectral fake-face features and scoring through libspectralfake.

A thin ctypes binding. The numbers come from the native library; this module
only converts arguments and results.

    import spectralfake as sf
    x = sf.features("face.jpg")                      # celeba preset, 80 values
    X = sf.features_batch(paths, threads=2)          # (len(paths), 80)
    p = sf.radial_profile("face.jpg")                # raw azimuthal profile
    g = sf.decode("face.jpg")                        # == cv2.imread(path, 0)

Errors raise SpectralFakeError subclasses that carry the library's message,
its status and the offending path.
"""
from __future__ import annotations

import ctypes
import os
from collections import OrderedDict
from ctypes import byref, c_char_p, c_double, c_int, c_size_t, c_void_p
from threading import Lock
from typing import Iterable, Sequence

import numpy as np

from . import _lib
from ._lib import SfError, SfLimits, SfSettings

__all__ = [
    "features", "features_batch", "radial_profile", "decode", "settings", "PRESETS",
    "Limits", "version", "library_path",
    "SpectralFakeError", "InvalidArgumentError", "BufferTooSmallError", "ImageReadError",
    "UnknownFormatError", "UnsupportedFormatError", "CorruptImageError", "TruncatedImageError",
    "LimitExceededError", "ImageTooSmallError", "ConstantImageError", "NonFiniteError",
    "EmptyInputError", "BatchError", "ModelError", "ModelFormatError", "ModelVersionError",
    "FeatureMismatchError", "Model", "export", "build_dataset",
]

# ----------------------------------------------------------------- errors


class SpectralFakeError(Exception):
    """A failure reported by libspectralfake.

    Attributes: ``status`` (int, an sf_status), ``status_name`` (e.g.
    "SF_ERR_TRUNCATED"), ``message`` (the library's message) and ``path``
    (the file concerned, or None).
    """

    def __init__(self, status: int, message: str, path: str | None = None):
        self.status = status
        self.status_name = _status_name(status)
        self.message = message
        self.path = path
        super().__init__(f"{message} [{self.status_name}]")


class InvalidArgumentError(SpectralFakeError, ValueError):
    pass


class BufferTooSmallError(SpectralFakeError):
    pass


class ImageReadError(SpectralFakeError, OSError):
    """The file cannot be opened or read (missing, a directory, a FIFO...)."""


class UnknownFormatError(SpectralFakeError, ValueError):
    pass


class UnsupportedFormatError(SpectralFakeError, ValueError):
    pass


class CorruptImageError(SpectralFakeError, ValueError):
    pass


class TruncatedImageError(CorruptImageError):
    pass


class LimitExceededError(SpectralFakeError, ValueError):
    """A limit (pixels, dimension, JPEG scans, input or model size) was hit."""


class ImageTooSmallError(SpectralFakeError, ValueError):
    pass


class ConstantImageError(SpectralFakeError, ValueError):
    pass


class NonFiniteError(SpectralFakeError, ArithmeticError):
    pass


class EmptyInputError(CorruptImageError):
    pass


class ModelError(SpectralFakeError, ValueError):
    pass


class ModelFormatError(ModelError):
    pass


class ModelVersionError(ModelError):
    pass


class FeatureMismatchError(ModelError):
    pass


class BatchError(SpectralFakeError):
    """Some items of a batch failed. ``failures`` is a list of
    (index, SpectralFakeError); ``result`` holds the partial output (failed
    rows are zeros)."""

    def __init__(self, status, message, failures, result):
        super().__init__(status, message)
        self.failures = failures
        self.result = result


_ERRORS = {
    1: InvalidArgumentError, 2: BufferTooSmallError, 3: ImageReadError, 4: UnknownFormatError,
    5: UnsupportedFormatError, 6: CorruptImageError, 7: TruncatedImageError, 8: LimitExceededError,
    9: LimitExceededError, 10: LimitExceededError, 11: LimitExceededError, 12: ImageTooSmallError,
    13: ConstantImageError, 14: NonFiniteError, 15: SpectralFakeError, 16: ModelFormatError,
    17: ModelVersionError, 18: FeatureMismatchError, 19: LimitExceededError, 20: EmptyInputError,
}


def _status_name(status: int) -> str:
    try:
        return _lib.load().sf_status_name(status).decode()
    except OSError:
        return f"status {status}"


def _error(status: int, err: SfError, path=None) -> SpectralFakeError:
    msg = err.message.decode("utf-8", "replace") or _lib.load().sf_status_summary(status).decode()
    return _ERRORS.get(status, SpectralFakeError)(status, msg, path)


def _check(status: int, err: SfError, path=None):
    if status != 0:
        raise _error(status, err, path)


# --------------------------------------------------------------- settings

PRESETS = ("celeba", "faces-hq", "ffpp", "upconv")
_CENTERS = {"reference": 0, "dc": 1}
_NORMALIZE = {"first": 0, "none": 1, "minmax": 2}
_CROPS = {"none": 0, "center-third": 1}
_OVERRIDES = ("n", "epsilon", "center", "normalize", "crop", "interpolate")


def version() -> str:
    """The run-time version of the loaded library."""
    return _lib.load().sf_version_string().decode()


def library_path() -> str:
    """The path of the loaded libspectralfake."""
    return _lib.library_path()


def _settings_struct(preset: str = "celeba", **overrides) -> SfSettings:
    lib = _lib.load()
    unknown = set(overrides) - set(_OVERRIDES)
    if unknown:
        raise TypeError(f"unknown feature setting(s) {sorted(unknown)}; known: {', '.join(_OVERRIDES)}")
    err = SfError()
    code = c_int()
    if not isinstance(preset, str):
        raise TypeError(f"preset must be a string, one of {PRESETS}")
    _check(lib.sf_preset_from_name(preset.encode(), byref(code), byref(err)), err)
    s = SfSettings()
    _check(lib.sf_settings_init(byref(s), ctypes.sizeof(SfSettings), code.value, byref(err)), err)

    def pick(name, table):
        v = overrides[name]
        if v not in table:
            raise InvalidArgumentError(1, f"{name}={v!r} is not one of {sorted(table)}")
        return table[v]

    if "n" in overrides:
        n = overrides["n"]
        if isinstance(n, bool) or int(n) != n:
            raise InvalidArgumentError(1, f"n={n!r} must be an integer")
        s.n = int(n)
        if "interpolate" not in overrides:
            s.interpolate = 1
    if "epsilon" in overrides:
        s.epsilon = float(overrides["epsilon"])
    if "center" in overrides:
        s.center = pick("center", _CENTERS)
    if "normalize" in overrides:
        s.normalize = pick("normalize", _NORMALIZE)
    if "crop" in overrides:
        s.crop = pick("crop", _CROPS)
    if "interpolate" in overrides:
        s.interpolate = 1 if overrides["interpolate"] else 0
    return s


def _settings_dict(s: SfSettings) -> dict:
    inv = lambda table, v: next(k for k, x in table.items() if x == v)
    return {
        "preset": _lib.load().sf_preset_name(s.preset).decode(),
        "n": int(s.n),
        "epsilon": float(s.epsilon),
        "center": inv(_CENTERS, s.center),
        "normalize": inv(_NORMALIZE, s.normalize),
        "crop": inv(_CROPS, s.crop),
        "interpolate": bool(s.interpolate),
    }


def settings(preset: str = "celeba", **overrides) -> dict:
    """The complete feature settings of a preset with overrides, as a dict."""
    return _settings_dict(_settings_struct(preset, **overrides))


class Limits:
    """Resource limits for untrusted input (0 disables a limit).

    Defaults: max_pixels=2**26, max_width=max_height=32768, max_jpeg_scans=100,
    max_input_bytes=256 MiB, max_model_bytes=64 MiB; fft_planning="auto"
    ("estimate" for bit-reproducible runs, "measure" to plan at once).
    """

    _FIELDS = ("max_pixels", "max_width", "max_height", "max_jpeg_scans", "max_input_bytes",
               "max_model_bytes", "fft_planning")
    _PLANNING = {"auto": 0, "estimate": 1, "measure": 2}

    def __init__(self, **kw):
        unknown = set(kw) - set(self._FIELDS)
        if unknown:
            raise TypeError(f"unknown limit(s) {sorted(unknown)}; known: {', '.join(self._FIELDS)}")
        lib = _lib.load()
        self._s = SfLimits()
        err = SfError()
        _check(lib.sf_limits_init(byref(self._s), ctypes.sizeof(SfLimits), byref(err)), err)
        for k, v in kw.items():
            if k == "fft_planning":
                if v not in self._PLANNING:
                    raise InvalidArgumentError(1, f"fft_planning={v!r} is not one of {sorted(self._PLANNING)}")
                self._s.fft_planning = self._PLANNING[v]
                continue
            if isinstance(v, bool) or int(v) != v or int(v) < 0:
                raise InvalidArgumentError(1, f"{k}={v!r} must be an integer >= 0")
            setattr(self._s, k, int(v))

    def __getattr__(self, name):
        if name == "fft_planning":
            return next(k for k, v in Limits._PLANNING.items() if v == self._s.fft_planning)
        if name in Limits._FIELDS:
            return getattr(self._s, name)
        raise AttributeError(name)

    def _key(self):
        return tuple(getattr(self._s, f) for f in self._FIELDS)

    def __repr__(self):
        return "Limits(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self._FIELDS) + ")"


class _Context:
    """An sf_context handle (settings + limits), freed with the object."""

    def __init__(self, s: SfSettings, limits: Limits | None):
        lib = _lib.load()
        self._lib = lib
        self.handle = c_void_p()
        err = SfError()
        _check(lib.sf_context_new(byref(s), byref(limits._s) if limits else None, byref(self.handle),
                                  byref(err)), err)
        self.settings = s

    def __del__(self):
        h, self.handle = getattr(self, "handle", None), None
        if h:
            self._lib.sf_context_free(h)


_contexts: "OrderedDict[tuple, _Context]" = OrderedDict()
_contexts_lock = Lock()


def _context(preset="celeba", limits: Limits | None = None, **overrides) -> _Context:
    """A cached context for these arguments (contexts are immutable)."""
    try:
        key = (preset, tuple(sorted(overrides.items())), limits._key() if limits else None)
        hash(key)
    except TypeError:  # unhashable override values: validated (and refused) below
        key = None
    if key is not None:
        with _contexts_lock:
            ctx = _contexts.get(key)
            if ctx is not None:
                _contexts.move_to_end(key)
                return ctx
    ctx = _Context(_settings_struct(preset, **overrides), limits)
    if key is not None:
        with _contexts_lock:
            _contexts[key] = ctx
            while len(_contexts) > 64:
                _contexts.popitem(last=False)
    return ctx


# ----------------------------------------------------------------- inputs

_CHANNELS = {None: 0, "gray": 0, "rgb": 1, "bgr": 2, "rgba": 3, "bgra": 4}


def _array_input(a: np.ndarray, channels):
    """(buffer owner, pointer, size, width, height, stride, format) for an array."""
    if a.dtype != np.uint8:
        raise InvalidArgumentError(1, f"image arrays must be uint8, got {a.dtype}")
    if a.ndim == 2:
        if channels not in (None, "gray"):
            raise InvalidArgumentError(1, f"a 2-D array is gray; channels={channels!r} does not apply")
        fmt, bpp = 0, 1
    elif a.ndim == 3 and a.shape[2] in (3, 4):
        if channels is None:
            raise InvalidArgumentError(
                1, f"a {a.shape[0]}x{a.shape[1]}x{a.shape[2]} array needs channels='bgr' or 'rgb' "
                "(cv2.imread gives bgr)" + (" ('bgra'/'rgba' for 4 channels)" if a.shape[2] == 4 else ""))
        if channels not in _CHANNELS or channels == "gray":
            raise InvalidArgumentError(1, f"channels={channels!r} is not one of bgr, rgb, bgra, rgba")
        fmt = _CHANNELS[channels]
        bpp = 3 if fmt in (1, 2) else 4
        if bpp != a.shape[2]:
            raise InvalidArgumentError(1, f"channels={channels!r} needs {bpp} channels, the array has {a.shape[2]}")
    else:
        raise InvalidArgumentError(1, f"image arrays must be HxW (gray) or HxWx3/4 (color), got shape {a.shape}")
    h, w = a.shape[0], a.shape[1]
    inner_ok = a.strides[1] == bpp and (a.ndim == 2 or a.strides[2] == 1) and a.strides[0] >= w * bpp
    if not inner_ok or h == 0 or w == 0:
        a = np.ascontiguousarray(a)
    stride = a.strides[0] if h > 0 else w * bpp
    size = (h - 1) * stride + w * bpp if h > 0 and w > 0 else 0
    return a, a.ctypes.data, size, w, h, stride, fmt


def _kind(image):
    if isinstance(image, (str, os.PathLike)):
        return "path"
    if isinstance(image, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(image, np.ndarray):
        return "array"
    raise TypeError(f"image must be a path, encoded bytes or a numpy array, not {type(image).__name__}")


def _call_features(ctx: _Context, image, channels, capacity_hint=None) -> np.ndarray:
    lib = ctx._lib
    kind = _kind(image)
    count = c_size_t()
    err = SfError()
    path = None
    keep = None
    if kind == "array":
        keep, ptr, size, w, h, stride, fmt = _array_input(image, channels)
        n = c_size_t()
        _check(lib.sf_context_feature_count(ctx.handle, w, h, byref(n), byref(err)), err)
        capacity = max(int(n.value), 1)
    else:
        capacity = capacity_hint or (ctx.settings.n if ctx.settings.interpolate else 4096)
    if kind == "path":
        path = os.fspath(image)
        bpath = os.fsencode(path)
    elif kind == "bytes":
        keep = bytes(image) if not isinstance(image, bytes) else image
    for _ in range(2):
        out = np.empty(capacity, dtype=np.float64)
        optr = out.ctypes.data_as(ctypes.POINTER(c_double))
        if kind == "path":
            st = lib.sf_features_file(ctx.handle, bpath, optr, capacity, byref(count), byref(err))
        elif kind == "bytes":
            st = lib.sf_features_memory(ctx.handle, keep, len(keep), optr, capacity, byref(count), byref(err))
        else:
            st = lib.sf_features_pixels(ctx.handle, ptr, size, w, h, stride, fmt, optr, capacity,
                                        byref(count), byref(err))
        if st == 2 and count.value > capacity:
            capacity = int(count.value)
            continue
        _check(st, err, path)
        return out[: count.value].copy() if count.value != capacity else out
    _check(st, err, path)


# ------------------------------------------------------------- public API

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
    return _call_features(_context(preset, limits, **overrides), image, channels)


def radial_profile(image, *, preset: str = "celeba", channels: str | None = None,
                   limits: Limits | None = None, **overrides) -> np.ndarray:
    """The raw azimuthal profile (mean of 20*ln|F + eps| per 1-pixel ring,
    first and last ring dropped), before interpolation and normalisation.
    The preset and overrides choose crop, centre and epsilon."""
    overrides = dict(overrides, interpolate=False, normalize="none")
    return _call_features(_context(preset, limits, **overrides), image, channels)


def features_batch(paths: Iterable, preset: str = "celeba", threads: int | None = None, *,
                   limits: Limits | None = None, errors: str = "raise", **overrides):
    """Features of many files computed on native threads (threads=None: one
    per CPU). Returns an array of shape (len(paths), n).

    errors="raise" raises BatchError if any file fails (its ``failures`` and
    partial ``result`` are attached); errors="return" returns
    ``(X, failures)`` where failures is a list of (index, SpectralFakeError)
    and failed rows are zeros. The feature count must not depend on the image
    size (use a preset that interpolates, or images of one size).
    """
    if errors not in ("raise", "return"):
        raise ValueError("errors must be 'raise' or 'return'")
    paths = [os.fspath(p) for p in paths]
    ctx = _context(preset, limits, **overrides)
    lib = ctx._lib
    n = len(paths)
    if ctx.settings.interpolate:
        row = int(ctx.settings.n)
    else:
        row = _raw_row_length(ctx, paths)
    out = np.zeros((n, row), dtype=np.float64)
    if n == 0:
        return (out, []) if errors == "return" else out
    arr = (c_char_p * n)(*[os.fsencode(p) for p in paths])
    counts = (c_size_t * n)()
    item_errors = (SfError * n)()
    failed = c_size_t()
    err = SfError()
    st = lib.sf_features_batch(ctx.handle, arr, n, 0 if threads is None else int(threads),
                               out.ctypes.data_as(ctypes.POINTER(c_double)), row, counts, item_errors,
                               byref(failed), byref(err))
    if st not in (0, 21):
        _check(st, err)
    failures = []
    if st == 21:
        for i in range(n):
            if item_errors[i].status != 0:
                failures.append((i, _error(item_errors[i].status, item_errors[i], paths[i])))
    if errors == "return":
        return out, failures
    if failures:
        raise BatchError(21, err.message.decode("utf-8", "replace"), failures, out)
    return out


def _raw_row_length(ctx: _Context, paths: Sequence[str]) -> int:
    """Raw-profile row length: decode the first readable image's size."""
    lib = ctx._lib
    for p in paths:
        img = c_void_p()
        err = SfError()
        if lib.sf_image_decode_file(ctx.handle, os.fsencode(p), byref(img), byref(err)) == 0:
            w, h = lib.sf_image_width(img), lib.sf_image_height(img)
            lib.sf_image_free(img)
            n = c_size_t()
            _check(lib.sf_context_feature_count(ctx.handle, w, h, byref(n), byref(err)), err)
            return max(int(n.value), 1)
    return 1


def decode(image, *, limits: Limits | None = None) -> np.ndarray:
    """Decodes a JPEG/PNG path or bytes to a uint8 gray array, bit-identical
    to cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) (EXIF orientation applied)."""
    lib = _lib.load()
    kind = _kind(image)
    if kind == "array":
        raise TypeError("decode takes a path or encoded bytes")
    ctx = _context("celeba", limits)
    img = c_void_p()
    err = SfError()
    path = None
    if kind == "path":
        path = os.fspath(image)
        st = lib.sf_image_decode_file(ctx.handle, os.fsencode(path), byref(img), byref(err))
    else:
        data = bytes(image)
        st = lib.sf_image_decode_memory(ctx.handle, data, len(data), byref(img), byref(err))
    _check(st, err, path)
    try:
        w, h = lib.sf_image_width(img), lib.sf_image_height(img)
        p = lib.sf_image_pixels(img)
        return np.ctypeslib.as_array(p, shape=(h, w)).copy()
    finally:
        lib.sf_image_free(img)


def __getattr__(name):
    # Model scoring, export and the dataset builder live in submodules that
    # import sklearn-free code lazily.
    if name == "Model":
        from .model import Model
        return Model
    if name == "export":
        from .exporter import export
        return export
    if name == "build_dataset":
        from .dataset import build_dataset
        return build_dataset
    raise AttributeError(f"module 'spectralfake' has no attribute {name!r}")
