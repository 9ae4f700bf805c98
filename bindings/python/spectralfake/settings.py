"""Feature settings, limits and the cached native contexts that hold them.

Every name ("celeba", "center-third", "estimate") is looked up in the
library (sf_*_from_name), so the binding knows no table of its own."""
from __future__ import annotations

import ctypes
from collections import OrderedDict
from ctypes import byref, c_int, c_void_p
from threading import Lock

from . import _lib
from ._constants import C_TYPES, Center, Crop, FftPlanning, Normalize, Preset
from ._lib import SfError, SfLimits, SfSettings
from .errors import invalid, raise_for

OVERRIDES = ("n", "epsilon", "center", "normalize", "crop", "interpolate")


def name_of(enum, value) -> str:
    """The library's name of an enum value ("center-third")."""
    stem = _lib.enum_function_stem(enum)
    return getattr(_lib.load(), f"sf_{stem}_name")(int(value)).decode()


def value_of(enum, name, field: str):
    """The enum member the library knows by `name`; InvalidArgumentError
    (with the known names) otherwise."""
    if not isinstance(name, str):
        names = ", ".join(name_of(enum, v) for v in enum)
        raise invalid(f"{field}={name!r} must be a string naming an {C_TYPES[enum]} ({names})")
    stem = _lib.enum_function_stem(enum)
    code, err = c_int(), SfError()
    raise_for(getattr(_lib.load(), f"sf_{stem}_from_name")(name.encode(), byref(code), byref(err)), err)
    return enum(code.value)


def presets() -> tuple:
    """The preset names, in sf_preset order."""
    return tuple(name_of(Preset, v) for v in Preset)


def checked_uint(v, bits: int, field: str) -> int:
    """v as an integer in [0, 2**bits) for a C field; InvalidArgumentError
    otherwise (ctypes would wrap it silently: 2**32 in a uint32 is 0)."""
    try:
        ok = not isinstance(v, bool) and int(v) == v
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or not 0 <= int(v) < (1 << bits):
        raise invalid(f"{field}={v!r} must be an integer from 0 to {(1 << bits) - 1} (0 = unlimited)")
    return int(v)


def checked_int(v, lo: int, hi: int, field: str) -> int:
    """v as an integer in [lo, hi]; InvalidArgumentError otherwise."""
    try:
        ok = not isinstance(v, bool) and int(v) == v
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or not lo <= int(v) <= hi:
        raise invalid(f"{field}={v!r} must be an integer from {lo} to {hi}")
    return int(v)


def settings_struct(preset: str = "celeba", **overrides) -> SfSettings:
    """An sf_settings: a preset, then the overrides, field by field as the C
    struct has them (validated by the library when a context is made)."""
    lib = _lib.load()
    unknown = set(overrides) - set(OVERRIDES)
    if unknown:
        raise TypeError(f"unknown feature setting(s) {sorted(unknown)}; known: {', '.join(OVERRIDES)}")
    if not isinstance(preset, str):
        raise TypeError(f"preset must be a string, one of {presets()}")
    err = SfError()
    s = SfSettings()
    raise_for(lib.sf_settings_init(byref(s), ctypes.sizeof(SfSettings), value_of(Preset, preset, "preset"),
                                   byref(err)), err)
    if "n" in overrides:
        s.n = checked_int(overrides["n"], -(1 << 63), (1 << 63) - 1, "n")
    if "epsilon" in overrides:
        s.epsilon = float(overrides["epsilon"])
    if "center" in overrides:
        s.center = value_of(Center, overrides["center"], "center")
    if "normalize" in overrides:
        s.normalize = value_of(Normalize, overrides["normalize"], "normalize")
    if "crop" in overrides:
        s.crop = value_of(Crop, overrides["crop"], "crop")
    if "interpolate" in overrides:
        s.interpolate = 1 if overrides["interpolate"] else 0
    return s


def settings_dict(s: SfSettings) -> dict:
    """An sf_settings as a dict of names and numbers."""
    return {
        "preset": name_of(Preset, s.preset),
        "n": int(s.n),
        "epsilon": float(s.epsilon),
        "center": name_of(Center, s.center),
        "normalize": name_of(Normalize, s.normalize),
        "crop": name_of(Crop, s.crop),
        "interpolate": bool(s.interpolate),
    }


def settings(preset: str = "celeba", **overrides) -> dict:
    """The complete feature settings of a preset with overrides, as a dict.
    Setting ``n`` does not turn interpolation on (it is ignored without it)."""
    return settings_dict(settings_struct(preset, **overrides))


class Limits:
    """Resource limits for untrusted input (0 disables a limit).

    Defaults: max_pixels=2**26, max_width=max_height=32768, max_jpeg_scans=100,
    max_jpeg_passes=10, max_input_bytes=256 MiB, max_model_bytes=64 MiB,
    max_ancillary_bytes=16 MiB (metadata), max_decode_memory=1 GiB,
    max_milliseconds=0 (no time budget), max_pixels_per_byte=1024 (images over
    4 MP need a file of at least one byte per 1024 pixels); fft_planning="auto" ("estimate" for
    bit-reproducible runs, "measure" to plan at once). Each integer must fit
    its C field (uint32 or uint64): a larger value is refused, never wrapped.
    """

    _FIELDS = ("max_pixels", "max_width", "max_height", "max_jpeg_scans", "max_input_bytes",
               "max_model_bytes", "max_ancillary_bytes", "max_decode_memory", "max_milliseconds",
               "max_jpeg_passes", "max_pixels_per_byte", "fft_planning")

    def __init__(self, **kw):
        unknown = set(kw) - set(self._FIELDS)
        if unknown:
            raise TypeError(f"unknown limit(s) {sorted(unknown)}; known: {', '.join(self._FIELDS)}")
        lib = _lib.load()
        self._s = SfLimits()
        err = SfError()
        raise_for(lib.sf_limits_init(byref(self._s), ctypes.sizeof(SfLimits), byref(err)), err)
        for k, v in kw.items():
            if k == "fft_planning":
                self._s.fft_planning = value_of(FftPlanning, v, "fft_planning")
                continue
            setattr(self._s, k, checked_uint(v, 8 * ctypes.sizeof(dict(SfLimits._fields_)[k]), k))

    def __getattr__(self, name):
        if name == "fft_planning":
            return name_of(FftPlanning, self._s.fft_planning)
        if name in Limits._FIELDS:
            return getattr(self._s, name)
        raise AttributeError(name)

    def _key(self):
        return tuple(getattr(self._s, f) for f in self._FIELDS)

    def __repr__(self):
        return "Limits(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self._FIELDS) + ")"


_DEFAULT_LIMITS = None


def default_limits() -> Limits:
    """The library's default limits (read once)."""
    global _DEFAULT_LIMITS
    if _DEFAULT_LIMITS is None:
        _DEFAULT_LIMITS = Limits()
    return _DEFAULT_LIMITS


def limits_pointer(limits: Limits | None):
    """The sf_limits * of a Limits (NULL = the defaults)."""
    return byref(limits._s) if limits else None


class Context:
    """An sf_context handle (settings + limits), freed with the object."""

    def __init__(self, s: SfSettings, limits: Limits | None):
        self.limits = limits
        lib = _lib.load()
        self._lib = lib
        self.handle = c_void_p()
        err = SfError()
        raise_for(lib.sf_context_new(byref(s), limits_pointer(limits), byref(self.handle), byref(err)), err)
        self.settings = s

    def __del__(self):
        h, self.handle = getattr(self, "handle", None), None
        if h:
            self._lib.sf_context_free(h)


_contexts: "OrderedDict[tuple, Context]" = OrderedDict()
_contexts_lock = Lock()


_plain_contexts: dict = {}   # preset -> context with no overrides and the default limits


def context(preset="celeba", limits: Limits | None = None, **overrides) -> Context:
    """A cached context for these arguments (contexts are immutable)."""
    if limits is None and not overrides and isinstance(preset, (str, int)):
        ctx = _plain_contexts.get(preset)   # the common call: one dict lookup (a race only builds it twice)
        if ctx is None:
            ctx = _plain_contexts[preset] = _context(preset, None, {})
        return ctx
    return _context(preset, limits, overrides)


def _context(preset, limits, overrides) -> Context:
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
    ctx = Context(settings_struct(preset, **overrides), limits)
    if key is not None:
        with _contexts_lock:
            _contexts[key] = ctx
            while len(_contexts) > 64:
                _contexts.popitem(last=False)
    return ctx
