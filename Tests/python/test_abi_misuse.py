"""Misuse of the C ABI through the real .so (ctypes): NULL handles and
pointers, freed handles, wrong struct sizes, zero-length and too-small
buffers. Each returns a status with a message; none traps."""
import ctypes
from ctypes import byref, c_double, c_size_t, c_void_p

import numpy as np
import pytest

import spectralfake as sf
from spectralfake import _lib
from spectralfake._lib import SfError, SfLimits, SfScore, SfSettings

lib = _lib.load()
INVALID, TOO_SMALL = 1, 2


def status_name(st):
    return lib.sf_status_name(st).decode()


def test_null_handles_and_pointers():
    err = SfError()
    out = (c_double * 80)()
    n = c_size_t()
    assert lib.sf_features_file(None, b"x.jpg", out, 80, byref(n), byref(err)) == INVALID
    assert b"sf_context is NULL" in err.message
    assert lib.sf_context_new(None, None, None, byref(err)) == INVALID
    assert lib.sf_model_score_features(None, out, 80, None, byref(err)) == INVALID
    assert lib.sf_image_width(None) == 0 and not lib.sf_image_pixels(None)
    assert lib.sf_model_feature_count(None) == 0 and lib.sf_model_fake_class(None) == -1
    lib.sf_context_free(None)
    lib.sf_image_free(None)
    lib.sf_model_free(None)
    # err itself may be NULL
    assert lib.sf_features_file(None, b"x.jpg", out, 80, byref(n), None) == INVALID


def test_freed_and_foreign_handles():
    err = SfError()
    ctx = c_void_p()
    assert lib.sf_context_new(None, None, byref(ctx), byref(err)) == 0
    lib.sf_context_free(ctx)
    lib.sf_context_free(ctx)  # double free: ignored
    n = c_size_t()
    assert lib.sf_context_feature_count(ctx, 64, 64, byref(n), byref(err)) == INVALID
    assert b"not live" in err.message
    # a pointer that was never a handle
    junk = ctypes.create_string_buffer(64)
    assert lib.sf_context_feature_count(ctypes.cast(junk, c_void_p), 64, 64, byref(n), byref(err)) == INVALID
    # a context given where a model is expected
    ctx2 = c_void_p()
    lib.sf_context_new(None, None, byref(ctx2), byref(err))
    s = SfScore()
    s.struct_size = ctypes.sizeof(SfScore)
    x = (c_double * 80)()
    assert lib.sf_model_score_features(ctx2, x, 80, byref(s), byref(err)) == INVALID
    assert b"sf_model" in err.message
    lib.sf_context_free(ctx2)


def test_struct_sizes():
    err = SfError()
    s = SfSettings()
    assert lib.sf_settings_init(byref(s), 4, 0, byref(err)) == INVALID
    assert lib.sf_settings_init(byref(s), ctypes.sizeof(SfSettings), 0, byref(err)) == 0
    s.struct_size = 8  # a caller that did not initialise it
    ctx = c_void_p()
    assert lib.sf_context_new(byref(s), None, byref(ctx), byref(err)) == INVALID
    assert b"struct_size" in err.message and not ctx
    l = SfLimits()
    assert lib.sf_limits_init(byref(l), 3, byref(err)) == INVALID
    sc = SfScore()
    assert lib.sf_score_init(byref(sc), 1, byref(err)) == INVALID
    s = SfSettings()
    lib.sf_settings_init(byref(s), ctypes.sizeof(SfSettings), 0, None)
    s.center = 9
    assert lib.sf_context_new(byref(s), None, byref(ctx), byref(err)) == INVALID
    assert b"center" in err.message


def test_zero_length_and_small_buffers():
    err = SfError()
    ctx = sf._context("celeba")
    n = c_size_t()
    out = (c_double * 80)()
    assert lib.sf_features_memory(ctx.handle, b"", 0, out, 80, byref(n), byref(err)) == 20  # SF_ERR_EMPTY_INPUT
    img = (np.add.outer(np.arange(64), np.arange(64)) * 7 % 251).astype(np.uint8)
    p = img.ctypes.data
    assert lib.sf_features_pixels(ctx.handle, p, img.nbytes, 64, 64, 64, 0, None, 0, byref(n), byref(err)) == TOO_SMALL
    assert n.value == 80
    assert lib.sf_features_pixels(ctx.handle, p, img.nbytes, 64, 64, 64, 0, out, 79, byref(n), byref(err)) == TOO_SMALL
    # buffer size that does not cover height rows of stride bytes
    assert lib.sf_features_pixels(ctx.handle, p, 100, 64, 64, 64, 0, out, 80, byref(n), byref(err)) == TOO_SMALL
    # stride smaller than a row
    assert lib.sf_features_pixels(ctx.handle, p, img.nbytes, 64, 64, 10, 0, out, 80, byref(n), byref(err)) == INVALID
    # unknown pixel format
    assert lib.sf_features_pixels(ctx.handle, p, img.nbytes, 64, 64, 64, 42, out, 80, byref(n), byref(err)) == INVALID
    buf = ctypes.create_string_buffer(4)
    length = c_size_t()
    # class label into a too small buffer (needs a model)
    doc = ('{"format": "spectralfake-model", "format_version": 1, "features": {"preset": "celeba", "n": 80, '
           '"epsilon": 1e-08, "center": "reference", "normalize": "first", "crop": "none", "interpolate": true, '
           '"n_features": 80}, "classes": ["real-face", "fake-face"], "fake_class": 1, "scaler": null, '
           '"classifier": {"type": "linear", "estimator": "LinearSVC", "coef": [' + ", ".join(["0.1"] * 80) +
           '], "intercept": 0.0, "probability": null}}').encode()
    m = c_void_p()
    assert lib.sf_model_load_memory(None, doc, len(doc), byref(m), byref(err)) == 0
    assert lib.sf_model_class_label(m, 1, buf, 4, byref(length), byref(err)) == TOO_SMALL and length.value == 9
    assert lib.sf_model_class_label(m, 2, buf, 4, byref(length), byref(err)) == INVALID
    assert lib.sf_model_score_features(m, out, 0, None, byref(err)) == INVALID
    lib.sf_model_free(m)


def test_every_status_has_a_name_and_summary():
    for st in list(range(0, 22)) + [99]:
        assert status_name(st).startswith("SF_")
        assert lib.sf_status_summary(st)
    assert status_name(1234) == "SF_ERR_UNKNOWN_STATUS"
