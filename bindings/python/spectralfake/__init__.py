"""spectralfake: spectral fake-face features and scoring through libspectralfake.

A thin ctypes binding. The numbers come from the native library; the
binding only converts arguments and results.

    import spectralfake as sf
    x = sf.features("face.jpg")                      # celeba preset, 80 values
    X = sf.features_batch(paths, threads=2)          # (len(paths), 80)
    p = sf.radial_profile("face.jpg")                # raw azimuthal profile
    g = sf.decode("face.jpg")                        # == cv2.imread(path, 0)
    m = sf.Model.load("model.json")                  # an exported sklearn model

Errors raise SpectralFakeError subclasses that carry the library's message,
its status (a ``Status``; every enum of the C header is an IntEnum here,
with its constants under their C names, e.g. ``sf.SF_ERR_TRUNCATED``) and
the offending path.

This module only re-exports: errors.py, settings.py, _inputs.py,
features.py, image.py and model.py hold the code.
"""
from __future__ import annotations

from . import _lib
from ._lib import library_path, version
from ._constants import *  # noqa: F401,F403  (every enum constant of the header, by its C name)
from ._constants import (ENUMS, Center, Crop, FftPlanning, ImageFormat, Label, Normalize, Note, PixelFormat, Preset,
                         Status, Subsampling, ValueKind, Verdict)
from .errors import (BatchError, BufferTooSmallError, ConstantImageError, CorruptImageError, EmptyInputError,
                     FeatureMismatchError, ImageReadError, ImageTooSmallError, InvalidArgumentError,
                     LimitExceededError, ModelError, ModelFormatError, ModelVersionError, NonFiniteError,
                     OutOfMemoryError, SpectralFakeError, TimeLimitError, TruncatedImageError, UnknownFormatError,
                     UnsupportedFormatError)
from .errors import error as _error  # noqa: F401  (used by tests and tools)
from .features import features, features_batch, radial_profile
from .image import decode, image_info, upscale_score
from .model import Model
from .settings import Limits, settings


def fft_wisdom(path=...):
    """The FFTW wisdom file the library keeps its measured FFT plans in
    (None when off); with an argument, sets it first: a path, None (no
    persistence) or "" (the default: $SPECTRALFAKE_FFT_WISDOM, else
    $XDG_CACHE_HOME/spectralfake/fftw-wisdom-<FFTW version>-<CPU>).
    See "FFTW WISDOM" in spectralfake.h."""
    import ctypes
    import os

    from ._lib import SfError
    from .errors import raise_for
    from ._inputs import path_bytes

    lib = _lib.load()
    err = SfError()
    if path is not ...:
        arg = None if path is None else (b"" if path == "" else path_bytes(os.fspath(path)))
        raise_for(lib.sf_fft_wisdom_set(arg, ctypes.byref(err)), err)
    n = ctypes.c_size_t()
    lib.sf_fft_wisdom_path(None, 0, ctypes.byref(n), ctypes.byref(err))
    buf = ctypes.create_string_buffer(n.value + 1)
    raise_for(lib.sf_fft_wisdom_path(buf, n.value + 1, ctypes.byref(n), ctypes.byref(err)), err)
    return os.fsdecode(buf.value) or None


def trim_caches() -> None:
    """Releases the memory the library keeps between calls (FFT plans and
    work buffers, ring maps, spline plans; sf_trim_caches). Thread-safe."""
    _lib.load().sf_trim_caches()

from .settings import context as _context  # noqa: F401  (used by tests and tools)

__all__ = [
    "features", "features_batch", "radial_profile", "decode", "image_info", "upscale_score", "settings", "PRESETS",
    "Limits", "version", "library_path", "trim_caches", "fft_wisdom",
    "SpectralFakeError", "InvalidArgumentError", "BufferTooSmallError", "ImageReadError",
    "UnknownFormatError", "UnsupportedFormatError", "CorruptImageError", "TruncatedImageError",
    "LimitExceededError", "TimeLimitError", "OutOfMemoryError", "ImageTooSmallError", "ConstantImageError", "NonFiniteError",
    "EmptyInputError", "BatchError", "ModelError", "ModelFormatError", "ModelVersionError",
    "FeatureMismatchError", "Model", "export", "build_dataset",
    "Status", "Preset", "Center", "Normalize", "Crop", "FftPlanning", "PixelFormat", "Label", "ValueKind", "Verdict",
    "Note", "ImageFormat", "Subsampling", "ENUMS",
]


def __getattr__(name):
    # PRESETS asks the library; export and the dataset builder import
    # scikit-learn-side code only when used.
    if name == "PRESETS":
        from .settings import presets
        return presets()
    if name == "export":
        from .exporter import export
        return export
    if name == "build_dataset":
        from .dataset import build_dataset
        return build_dataset
    raise AttributeError(f"module 'spectralfake' has no attribute {name!r}")
