"""The binding's own checks on what crosses into C (issue 13): a NUL byte in
a path, integers that ctypes would wrap, oversized buffers; and encoded
bytes passed without a copy in every buffer type."""
import json

import cv2
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import spectralfake as sf
from spectralfake.exporter import model_document

from conftest import pink_noise


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory):
    img = pink_noise(96, 96, seed=3)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    p = tmp_path_factory.mktemp("checks") / "a.jpg"
    p.write_bytes(buf.tobytes())
    return p


@pytest.mark.parametrize("call", [
    lambda p: sf.features(p),
    lambda p: sf.decode(p),
    lambda p: sf.image_info(p),
    lambda p: sf.features_batch([p]),
    lambda p: sf.Model.load(p),
    lambda p: sf.Model.default().decision_function([p]),
    lambda p: sf.Model.default().score_file(p),
])
def test_nul_in_a_path_is_refused(jpeg, call):
    """C would read "a.jpg\\0.png" as "a.jpg": an extension check in the
    caller would be bypassed. Refused, as open() refuses it."""
    with pytest.raises(sf.InvalidArgumentError, match="NUL"):
        call(str(jpeg) + "\x00.png")
    with pytest.raises(ValueError):
        open(str(jpeg) + "\x00.png")


@pytest.mark.parametrize("field,bits", [("max_width", 32), ("max_height", 32), ("max_jpeg_scans", 32),
                                        ("max_jpeg_passes", 32), ("max_milliseconds", 32), ("max_pixels", 64),
                                        ("max_input_bytes", 64), ("max_model_bytes", 64),
                                        ("max_ancillary_bytes", 64), ("max_decode_memory", 64)])
def test_limits_refuse_integers_that_would_wrap(field, bits):
    assert getattr(sf.Limits(**{field: 2 ** bits - 1}), field) == 2 ** bits - 1
    for bad in (2 ** bits, 2 ** bits + 64, -1, 1.5, True, "7", None):
        with pytest.raises(sf.InvalidArgumentError, match=field):
            sf.Limits(**{field: bad})


def test_limits_have_the_library_defaults():
    lim = sf.Limits()
    assert (lim.max_ancillary_bytes, lim.max_decode_memory, lim.max_milliseconds, lim.max_jpeg_passes) == \
        (16 << 20, 1 << 30, 0, 10)


@pytest.mark.parametrize("threads", [-1, 2 ** 32, 1.5, "2"])
def test_threads_are_range_checked(jpeg, threads):
    with pytest.raises(sf.InvalidArgumentError, match="threads"):
        sf.features_batch([jpeg], threads=threads)
    with pytest.raises(sf.InvalidArgumentError, match="threads"):
        sf.Model.default().decision_function([jpeg], threads=threads)


def test_many_threads_are_clamped(jpeg):
    est = sf.Limits(fft_planning="estimate")   # the same plans for both: bit-identical
    X = sf.features_batch([jpeg] * 3, threads=2 ** 32 - 1, limits=est)   # at most 256, never more than the items
    assert np.array_equal(X, sf.features_batch([jpeg] * 3, threads=1, limits=est))


def test_an_array_side_over_uint32_is_refused():
    """A (1, 2**32 + 64) array would reach C as 64 pixels wide."""
    a = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(1, 2 ** 32 + 64), strides=(0, 0))
    with pytest.raises(sf.InvalidArgumentError, match="4294967295"):
        sf.features(a)


def test_n_is_range_checked():
    with pytest.raises(sf.InvalidArgumentError):
        sf.settings("celeba", n=2 ** 63)
    with pytest.raises(sf.InvalidArgumentError):
        sf.settings("celeba", n=2.5)


def test_every_buffer_type_gives_the_same_features(jpeg):
    est = sf.Limits(fft_planning="estimate")   # the same plans for every call: bit-identical
    data = jpeg.read_bytes()
    want = sf.features(data, limits=est)
    arr = np.frombuffer(data, np.uint8)
    for buf in (bytearray(data), memoryview(data), memoryview(bytearray(data)), memoryview(arr),
                memoryview(arr.reshape(2, -1)) if arr.size % 2 == 0 else memoryview(arr)):
        assert np.array_equal(sf.features(buf, limits=est), want), type(buf)
    # a non-contiguous view is copied (after the size check) and works too
    doubled = np.frombuffer(bytes(b for c in data for b in (c, 0)), np.uint8)
    assert np.array_equal(sf.features(memoryview(doubled[::2]), limits=est), want)
    assert np.array_equal(sf.decode(bytearray(data)), sf.decode(data))
    m = sf.Model.default(est)
    assert m.decision_function(bytearray(data))[0] == m.decision_function(data)[0]


def test_buffers_over_the_limit_are_refused_by_size(jpeg):
    lim = sf.Limits(max_input_bytes=100)
    data = jpeg.read_bytes()
    for buf in (data, bytearray(data), memoryview(data)):
        with pytest.raises(sf.LimitExceededError, match="max_input_bytes = 100"):
            sf.features(buf, limits=lim)
        with pytest.raises(sf.LimitExceededError, match="max_input_bytes = 100"):
            sf.decode(buf, limits=lim)
    with pytest.raises(sf.LimitExceededError, match="max_model_bytes = 10"):
        sf.Model.from_bytes(bytearray(b"{" * 50), limits=sf.Limits(max_model_bytes=10))


def test_model_from_any_buffer():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 80))
    blob = json.dumps(model_document(LogisticRegression().fit(X, (X[:, 0] > 0).astype(int)))).encode()
    a, b = sf.Model.from_bytes(blob), sf.Model.from_bytes(memoryview(bytearray(blob)))
    assert np.array_equal(a.decision_function(X), b.decision_function(X))


def test_trim_caches():
    sf.features(pink_noise(64, 64))
    sf.trim_caches()
    assert sf.features(pink_noise(64, 64)).shape == (80,)
