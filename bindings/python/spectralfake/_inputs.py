"""Input marshalling: what kind of image an argument is, and the pointer,
size, shape and pixel format of a numpy image array."""
from __future__ import annotations

import ctypes
import os

import numpy as np

from ._constants import PixelFormat, Status
from .errors import error, invalid, message_struct
from .settings import checked_int, default_limits, value_of

# channel orders of colour arrays: the sf_pixel_format is "<channels>8"
_COLOR_CHANNELS = ("bgr", "rgb", "bgra", "rgba")


def kind(image) -> str:
    """"path", "bytes" or "array"; TypeError for anything else."""
    if type(image) is str:   # the common call, without the ABC check below
        return "path"
    if isinstance(image, (str, os.PathLike)):
        return "path"
    if isinstance(image, (bytes, bytearray, memoryview)):
        return "bytes"
    if isinstance(image, np.ndarray):
        return "array"
    raise TypeError(f"image must be a path, encoded bytes or a numpy array, not {type(image).__name__}")


def path_bytes(path) -> bytes:
    """A path as the bytes the library opens. A NUL byte is refused (as
    Python's open() refuses it): C would read the path only up to it."""
    b = os.fsencode(os.fspath(path))
    if b"\0" in b:
        raise invalid(f"path {os.fspath(path)!r} contains a NUL byte")
    return b


def threads_arg(threads) -> int:
    """The `unsigned threads` of a batch call (None = 0 = one per CPU)."""
    return 0 if threads is None else checked_int(threads, 0, (1 << 32) - 1, "threads")


def encoded_input(image, limits=None, *, model: bool = False):
    """(owner, pointer, size) of encoded bytes (an image, or a model file
    when `model`), without a copy. The size is checked against
    max_input_bytes (max_model_bytes) before anything else, so an oversized
    bytearray or memoryview is refused without being copied; only a
    non-contiguous memoryview is copied (after the check)."""
    if isinstance(image, bytes):
        size = len(image)
    else:
        mv = memoryview(image)
        size = mv.nbytes
    lim = limits or default_limits()
    if model:
        limit, status, field, what = lim.max_model_bytes, Status.SF_ERR_LIMIT_MODEL_SIZE, "max_model_bytes", "model"
    else:
        limit, status, field, what = lim.max_input_bytes, Status.SF_ERR_LIMIT_INPUT_SIZE, "max_input_bytes", "input"
    if limit and size > limit:
        raise error(status, message_struct(f"{what} is {size} bytes, over the limit {field} = {limit}"))
    if isinstance(image, bytes):
        return image, image, size
    arr = _uint8_view(image)
    return arr, arr.ctypes.data if size else None, size


def _uint8_view(x) -> np.ndarray:
    """The bytes of a bytes-like object as a 1-D uint8 array, without a copy
    (only a non-contiguous memoryview is copied)."""
    if isinstance(x, bytes):
        return np.frombuffer(x, dtype=np.uint8)
    mv = memoryview(x)
    if not mv.c_contiguous:
        return np.frombuffer(mv.tobytes(), dtype=np.uint8)
    return np.frombuffer(mv.cast("B") if mv.format != "B" or mv.ndim != 1 else mv, dtype=np.uint8)


def is_encoded(x) -> bool:
    """True for an encoded image held in memory (bytes-like)."""
    return isinstance(x, (bytes, bytearray, memoryview))


def batch_items(items):
    """(items, encoded) of a batch: every item an encoded image in memory
    (encoded True), or every item a path (as str, encoded False). TypeError
    for anything else, a mix included (bytes would be taken for a path)."""
    items = list(items)
    if all(is_encoded(x) for x in items) and items:
        return items, True
    if all(isinstance(x, (str, os.PathLike)) for x in items):
        return [os.fspath(x) for x in items], False
    raise TypeError("a batch is either paths or encoded images (bytes-like), not a mix")


def encoded_items(items):
    """(owners, data, sizes) for a batch of encoded images in memory: the
    ctypes arrays of `const void *` and `size_t` that sf_*_batch_memory
    take, without copying the buffers (a non-contiguous memoryview is
    copied). Size limits are the library's business here: an oversized item
    is that item's error, not the batch's. Keep `owners` alive during the
    call."""
    owners = [_uint8_view(x) for x in items]
    n = len(owners)
    data = (ctypes.c_void_p * max(n, 1))(*[a.ctypes.data if a.size else None for a in owners])
    sizes = (ctypes.c_size_t * max(n, 1))(*[a.size for a in owners])
    return owners, data, sizes


def array_input(a: np.ndarray, channels):
    """(buffer owner, pointer, size, width, height, stride, sf_pixel_format)
    of an image array, as sf_*_pixels take them."""
    if a.dtype != np.uint8:
        raise invalid(f"image arrays must be uint8, got {a.dtype}")
    if a.ndim == 2:
        if channels not in (None, "gray"):
            raise invalid(f"a 2-D array is gray; channels={channels!r} does not apply")
        fmt, bpp = PixelFormat.SF_PIXEL_GRAY8, 1
    elif a.ndim == 3 and a.shape[2] in (3, 4):
        if channels is None:
            raise invalid(
                f"a {a.shape[0]}x{a.shape[1]}x{a.shape[2]} array needs channels='bgr' or 'rgb' "
                "(cv2.imread gives bgr)" + (" ('bgra'/'rgba' for 4 channels)" if a.shape[2] == 4 else ""))
        if channels not in _COLOR_CHANNELS:
            raise invalid(f"channels={channels!r} is not one of {', '.join(_COLOR_CHANNELS)}")
        fmt, bpp = value_of(PixelFormat, channels + "8", "channels"), len(channels)
        if bpp != a.shape[2]:
            raise invalid(f"channels={channels!r} needs {bpp} channels, the array has {a.shape[2]}")
    else:
        raise invalid(f"image arrays must be HxW (gray) or HxWx3/4 (color), got shape {a.shape}")
    h, w = a.shape[0], a.shape[1]
    if w >= 1 << 32 or h >= 1 << 32:
        # sf_*_pixels take uint32 sides: ctypes would wrap 2**32 + 64 to 64
        raise invalid(f"a {h}x{w} image array has a side over 4294967295 pixels, the most the library takes")
    inner_ok = a.strides[1] == bpp and (a.ndim == 2 or a.strides[2] == 1) and a.strides[0] >= w * bpp
    if not inner_ok or h == 0 or w == 0:
        a = np.ascontiguousarray(a)
    stride = a.strides[0] if h > 0 else w * bpp
    size = (h - 1) * stride + w * bpp if h > 0 and w > 0 else 0
    return a, a.ctypes.data, size, w, h, stride, fmt
