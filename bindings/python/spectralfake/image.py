"""Decoding images to gray pixels, as cv2.imdecode(buf, IMREAD_GRAYSCALE)."""
from __future__ import annotations

import ctypes
import os
from ctypes import byref, c_void_p

import numpy as np

from . import _lib
from ._inputs import encoded_input, kind, path_bytes
from ._constants import ImageFormat, Subsampling
from ._lib import SfError, SfImageInfo
from .errors import raise_for
from .settings import Limits, context, name_of


def _decoded(image, limits):
    """A decoded sf_image handle of a path or bytes (free it)."""
    lib = _lib.load()
    k = kind(image)
    if k == "array":
        raise TypeError("decode takes a path or encoded bytes")
    ctx = context("celeba", limits)
    img = c_void_p()
    err = SfError()
    path = None
    if k == "path":
        path = os.fspath(image)
        st = lib.sf_image_decode_file(ctx.handle, path_bytes(path), byref(img), byref(err))
    else:
        keep, data, size = encoded_input(image, limits)
        st = lib.sf_image_decode_memory(ctx.handle, data, size, byref(img), byref(err))
        del keep
    raise_for(st, err, path)
    return lib, img, path


def decode(image, *, limits: Limits | None = None) -> np.ndarray:
    """Decodes a JPEG/PNG path or bytes to a uint8 gray array, bit-identical
    to cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) (EXIF orientation applied)."""
    lib, img, _ = _decoded(image, limits)
    try:
        w, h = lib.sf_image_width(img), lib.sf_image_height(img)
        p = lib.sf_image_pixels(img)
        return np.ctypeslib.as_array(p, shape=(h, w)).copy()
    finally:
        lib.sf_image_free(img)


def image_info(image, *, limits: Limits | None = None) -> dict:
    """What a JPEG/PNG says about itself (the scope of a verdict): size after
    orientation, format, components, bit depth, JPEG quality estimate (IJG
    quality of its luminance table, and whether it is exactly IJG's),
    subsampling, progressive, arithmetic coding, decoder warnings."""
    lib, img, path = _decoded(image, limits)
    try:
        info, err = SfImageInfo(), SfError()
        info.struct_size = ctypes.sizeof(SfImageInfo)
        raise_for(lib.sf_image_get_info(img, byref(info), byref(err)), err, path)
    finally:
        lib.sf_image_free(img)
    return {
        "width": info.width, "height": info.height, "format": name_of(ImageFormat, info.format),
        "orientation": info.orientation, "components": info.components, "bit_depth": info.bit_depth,
        "jpeg_quality": info.jpeg_quality or None, "jpeg_quality_exact": bool(info.jpeg_quality_exact),
        "subsampling": name_of(Subsampling, info.subsampling), "progressive": bool(info.progressive),
        "arithmetic": bool(info.arithmetic), "warnings": info.warnings,
    }


def upscale_score(image, *, limits: Limits | None = None) -> float:
    """The upscale test of the "upscaled" note: > 1 means the image looks
    enlarged from a smaller one (0: not assessed, a side under 64 pixels or a
    constant centre). docs/default-model.md says what it detects."""
    lib, img, path = _decoded(image, limits)
    try:
        v, err = ctypes.c_double(), SfError()
        raise_for(lib.sf_image_upscale_score(img, byref(v), byref(err)), err, path)
        return v.value
    finally:
        lib.sf_image_free(img)
