"""Decoding images to gray pixels, as cv2.imdecode(buf, IMREAD_GRAYSCALE)."""
from __future__ import annotations

import os
from ctypes import byref, c_void_p

import numpy as np

from . import _lib
from ._inputs import kind
from ._lib import SfError
from .errors import raise_for
from .settings import Limits, context


def decode(image, *, limits: Limits | None = None) -> np.ndarray:
    """Decodes a JPEG/PNG path or bytes to a uint8 gray array, bit-identical
    to cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) (EXIF orientation applied)."""
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
        st = lib.sf_image_decode_file(ctx.handle, os.fsencode(path), byref(img), byref(err))
    else:
        data = bytes(image)
        st = lib.sf_image_decode_memory(ctx.handle, data, len(data), byref(img), byref(err))
    raise_for(st, err, path)
    try:
        w, h = lib.sf_image_width(img), lib.sf_image_height(img)
        p = lib.sf_image_pixels(img)
        return np.ctypeslib.as_array(p, shape=(h, w)).copy()
    finally:
        lib.sf_image_free(img)
