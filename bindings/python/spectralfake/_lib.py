"""Loading libspectralfake and declaring its C ABI for ctypes.

The library is found, in order, at:
  1. $SPECTRALFAKE_LIBRARY (a path to the .so),
  2. a copy bundled in this package (``spectralfake/_native/``, made by
     ``pip install bindings/python`` when dist/ exists),
  3. ``dist/lib/`` of the source tree this package sits in (so that
     ``PYTHONPATH=bindings/python`` works from the repository root),
  4. the dynamic linker's search path (``libspectralfake.so.1``).
"""
from __future__ import annotations

import ctypes
import os
import threading
from ctypes import (POINTER, Structure, c_char, c_char_p, c_double, c_int, c_int32, c_int64,
                    c_size_t, c_uint, c_uint8, c_uint32, c_uint64, c_void_p)
from pathlib import Path

from ._constants import C_TYPES, MESSAGE_MAX

SONAME = "libspectralfake.so.1"


class SfError(Structure):
    _fields_ = [("status", c_int), ("message", c_char * MESSAGE_MAX)]


class SfSettings(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("preset", c_int32),
        ("interpolate", c_int32),
        ("n", c_int64),
        ("epsilon", c_double),
        ("center", c_int32),
        ("normalize", c_int32),
        ("crop", c_int32),
        ("reserved0", c_int32),
    ]


class SfLimits(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("max_pixels", c_uint64),
        ("max_width", c_uint32),
        ("max_height", c_uint32),
        ("max_jpeg_scans", c_uint32),
        ("fft_planning", c_int32),
        ("max_input_bytes", c_uint64),
        ("max_model_bytes", c_uint64),
        # since 1.3
        ("max_ancillary_bytes", c_uint64),
        ("max_decode_memory", c_uint64),
        ("max_milliseconds", c_uint32),
        ("max_jpeg_passes", c_uint32),
        ("max_pixels_per_byte", c_uint32),
        ("reserved1", c_uint32),
    ]


class SfScore(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("decision", c_double),
        ("probability_fake", c_double),
        ("label", c_int32),
        ("has_probability", c_int32),
        ("class_index", c_int32),
        ("reserved0", c_int32),
        # since 1.2
        ("verdict", c_int32),
        ("notes", c_uint32),
        ("ood_distance", c_double),
    ]


class SfImageInfo(Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("width", c_uint32),
        ("height", c_uint32),
        ("format", c_int32),
        ("orientation", c_int32),
        ("components", c_int32),
        ("bit_depth", c_int32),
        ("jpeg_quality", c_int32),
        ("jpeg_quality_exact", c_int32),
        ("subsampling", c_int32),
        ("progressive", c_int32),
        ("arithmetic", c_int32),
        ("warnings", c_uint32),
    ]


def _candidates():
    env = os.environ.get("SPECTRALFAKE_LIBRARY")
    if env:
        yield Path(env)
        return
    here = Path(__file__).resolve().parent
    yield here / "_native" / SONAME
    for parent in here.parents:
        cand = parent / "dist" / "lib" / SONAME
        if cand.exists():
            yield cand
            break
    yield Path(SONAME)


_lib = None
_lock = threading.Lock()


def library_path() -> str:
    """The path of the loaded library."""
    return load()._spectralfake_path


def version() -> str:
    """The run-time version of the loaded library."""
    return load().sf_version_string().decode()


def load():
    """Loads the library once and declares every function's prototype."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        errors = []
        lib = None
        for cand in _candidates():
            if cand.is_absolute() and not cand.exists():
                errors.append(f"{cand}: not found")
                continue
            try:
                lib = ctypes.CDLL(str(cand))
                lib._spectralfake_path = str(cand)
                break
            except OSError as e:
                errors.append(f"{cand}: {e}")
        if lib is None:
            raise OSError(
                "cannot load libspectralfake: " + "; ".join(errors)
                + ". Build it with `make build` (creates dist/lib), install it, "
                "or set SPECTRALFAKE_LIBRARY to the .so path.")
        _declare(lib)
        _lib = lib
        return lib


def enum_function_stem(enum) -> str:
    """The C name stem of an enum class: sf_<stem>_name (Status -> status,
    PixelFormat -> pixel_format, FftPlanning -> fft_planning)."""
    return C_TYPES[enum][len("sf_"):]


def _declare(lib):
    E = POINTER(SfError)
    S = c_int
    vp = c_void_p
    P = POINTER
    sigs = {
        "sf_version_number": (c_uint, []),
        "sf_version_string": (c_char_p, []),
        "sf_status_name": (c_char_p, [c_int]),
        "sf_status_summary": (c_char_p, [c_int]),
        "sf_model_class_value": (S, [vp, c_size_t, P(c_int), P(c_int64), P(c_double), E]),
        "sf_model_metadata_json": (S, [vp, c_char_p, c_size_t, P(c_size_t), E]),
        "sf_model_default": (vp, []),
        "sf_image_get_info": (S, [vp, P(SfImageInfo), E]),
        "sf_image_upscale_score": (S, [vp, P(c_double), E]),
        "sf_note_summary": (c_char_p, [c_int]),
        "sf_settings_init": (S, [P(SfSettings), c_size_t, c_int, E]),
        "sf_preset_from_name": (S, [c_char_p, P(c_int), E]),
        "sf_preset_name": (c_char_p, [c_int]),
        "sf_limits_init": (S, [P(SfLimits), c_size_t, E]),
        "sf_trim_caches": (None, []),
        "sf_context_new": (S, [P(SfSettings), P(SfLimits), P(vp), E]),
        "sf_context_free": (None, [vp]),
        "sf_context_settings": (S, [vp, P(SfSettings), E]),
        "sf_context_feature_count": (S, [vp, c_uint32, c_uint32, P(c_size_t), E]),
        "sf_image_decode_file": (S, [vp, c_char_p, P(vp), E]),
        "sf_image_decode_memory": (S, [vp, c_void_p, c_size_t, P(vp), E]),
        "sf_image_from_pixels": (S, [vp, c_void_p, c_size_t, c_uint32, c_uint32, c_size_t, c_int, P(vp), E]),
        "sf_image_free": (None, [vp]),
        "sf_image_width": (c_uint32, [vp]),
        "sf_image_height": (c_uint32, [vp]),
        "sf_image_pixels": (P(c_uint8), [vp]),
        "sf_image_warnings": (c_uint32, [vp]),
        "sf_features_file": (S, [vp, c_char_p, P(c_double), c_size_t, P(c_size_t), E]),
        "sf_features_memory": (S, [vp, c_void_p, c_size_t, P(c_double), c_size_t, P(c_size_t), E]),
        "sf_features_pixels": (S, [vp, c_void_p, c_size_t, c_uint32, c_uint32, c_size_t, c_int,
                                   P(c_double), c_size_t, P(c_size_t), E]),
        "sf_features_image": (S, [vp, vp, P(c_double), c_size_t, P(c_size_t), E]),
        "sf_features_batch": (S, [vp, P(c_char_p), c_size_t, c_uint, P(c_double), c_size_t,
                                  P(c_size_t), E, P(c_size_t), E]),
        "sf_fft_wisdom_set": (S, [c_char_p, E]),
        "sf_fft_wisdom_path": (S, [c_char_p, c_size_t, P(c_size_t), E]),
        "sf_features_batch_memory": (S, [vp, P(c_void_p), P(c_size_t), c_size_t, c_uint, P(c_double), c_size_t,
                                         P(c_size_t), E, P(c_size_t), E]),
        # models
        "sf_model_load_file": (S, [vp, c_char_p, P(vp), E]),
        "sf_model_load_memory": (S, [vp, c_void_p, c_size_t, P(vp), E]),
        "sf_model_free": (None, [vp]),
        "sf_model_feature_count": (c_size_t, [vp]),
        "sf_model_settings": (S, [vp, P(SfSettings), E]),
        "sf_model_has_probability": (c_int, [vp]),
        "sf_model_class_count": (c_size_t, [vp]),
        "sf_model_class_label": (S, [vp, c_size_t, c_char_p, c_size_t, P(c_size_t), E]),
        "sf_model_fake_class": (c_int, [vp]),
        "sf_model_classifier": (c_char_p, [vp]),
        "sf_score_init": (S, [P(SfScore), c_size_t, E]),
        "sf_model_score_features": (S, [vp, P(c_double), c_size_t, P(SfScore), E]),
        "sf_model_score_file": (S, [vp, vp, c_char_p, P(SfScore), E]),
        "sf_model_score_memory": (S, [vp, vp, c_void_p, c_size_t, P(SfScore), E]),
        "sf_model_score_pixels": (S, [vp, vp, c_void_p, c_size_t, c_uint32, c_uint32, c_size_t, c_int,
                                      P(SfScore), E]),
        "sf_model_score_batch": (S, [vp, vp, P(c_char_p), c_size_t, c_uint, P(SfScore), E, P(c_size_t), E]),
        "sf_model_score_batch_memory": (S, [vp, vp, P(c_void_p), P(c_size_t), c_size_t, c_uint, P(SfScore), E,
                                            P(c_size_t), E]),
        "sf_model_score_features_batch": (S, [vp, P(c_double), c_size_t, c_size_t, P(SfScore), E]),
    }
    # every enum's sf_X_name / sf_X_from_name (sf_status_from_name for statuses)
    for enum in C_TYPES:
        stem = enum_function_stem(enum)
        sigs[f"sf_{stem}_name"] = (c_char_p, [c_int])
        sigs[f"sf_{stem}_from_name"] = (S, [c_char_p, P(c_int), E])
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name, None)
        if fn is None:
            continue  # an older library without this function
        fn.restype = res
        fn.argtypes = args
    # The single-image feature calls once more without argtypes, for callers
    # that pass every argument as a ready ctypes object of the declared type
    # (c_void_p, bytes, c_size_t, byref(...)): ctypes then converts nothing,
    # which saves about 1 us a call (features.py keeps such objects).
    for name in ("sf_features_file", "sf_features_memory"):
        if getattr(lib, name, None) is None:
            continue
        fn = lib._FuncPtr((name, lib))
        fn.restype = S
        setattr(lib, name + "_prepared", fn)
