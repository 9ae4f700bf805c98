"""Batches of encoded images in memory (sf_features_batch_memory,
sf_model_score_batch_memory; features_batch and Model.score_files with
bytes): the same numbers as the file batch, per-item errors that never stop
the others, and argument checks through the real library."""
import ctypes
from ctypes import byref, c_double, c_size_t, c_void_p

import cv2
import numpy as np
import pytest

import spectralfake as sf
from spectralfake import _lib
from spectralfake._lib import SfError, SfScore

from conftest import pink_noise

ESTIMATE = sf.Limits(fft_planning="estimate")   # bit-reproducible: == comparisons


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("membatch")
    out = []
    for i, (h, w) in enumerate([(128, 128), (160, 200), (256, 256), (143, 151), (300, 240)]):
        img = np.stack([pink_noise(h, w, seed=i + k) for k in (0, 10, 20)], 2)
        p = d / (f"{i}.png" if i % 2 else f"{i}.jpg")
        cv2.imwrite(str(p), img)
        out.append(p)
    return out


def test_features_of_bytes_equal_features_of_files(files):
    X_files = sf.features_batch(files, limits=ESTIMATE, threads=2)
    blobs = [p.read_bytes() for p in files]
    for items in (blobs, [bytearray(b) for b in blobs], [memoryview(b) for b in blobs]):
        X = sf.features_batch(items, limits=ESTIMATE, threads=2)
        assert np.array_equal(X, X_files)


def test_bad_items_are_their_own_errors(files):
    blobs = [p.read_bytes() for p in files]
    items = [blobs[0], b"", b"not an image", blobs[1][:120], blobs[2]]
    X, failures = sf.features_batch(items, limits=ESTIMATE, errors="return")
    assert [(i, e.status_name) for i, e in failures] == [
        (1, "SF_ERR_EMPTY_INPUT"), (2, "SF_ERR_UNKNOWN_FORMAT"), (3, "SF_ERR_TRUNCATED")]
    assert all(e.path is None for _, e in failures)
    assert np.array_equal(X[0], sf.features(files[0], limits=ESTIMATE))
    assert np.array_equal(X[4], sf.features(files[2], limits=ESTIMATE))
    assert not X[1:4].any(), "failed rows are zeros"
    with pytest.raises(sf.BatchError) as e:
        sf.features_batch(items, limits=ESTIMATE)
    assert [i for i, _ in e.value.failures] == [1, 2, 3]


def test_an_item_over_the_input_limit_fails_alone(files):
    blobs = [p.read_bytes() for p in files]
    small = sf.Limits(max_input_bytes=len(blobs[0]), fft_planning="estimate")
    big = max(range(len(blobs)), key=lambda i: len(blobs[i]))
    X, failures = sf.features_batch(blobs, limits=small, errors="return")
    assert big in [i for i, _ in failures]
    assert all(e.status_name == "SF_ERR_LIMIT_INPUT_SIZE" for _, e in failures)


def test_model_scores_of_bytes_equal_scores_of_files(files):
    m = sf.Model.default(ESTIMATE)
    by_file = m.score_files(files, threads=2)
    blobs = [p.read_bytes() for p in files]
    records, failures = m.score_files(blobs + [b"\x89PNG\r\n\x1a\n"], threads=2, errors="return")
    assert [(i, e.status_name) for i, e in failures] == [(len(blobs), "SF_ERR_TRUNCATED")]
    assert records[-1] is None
    for a, b in zip(by_file, records):
        assert b["path"] is None
        assert {k: v for k, v in a.items() if k != "path"} == {k: v for k, v in b.items() if k != "path"}
    assert np.array_equal(m.decision_function(blobs), np.array([r["decision"] for r in by_file]))


def test_c_arguments_are_checked():
    lib = _lib.load()
    err = SfError()
    ctx = sf._context("celeba", None)
    out = (c_double * 80)()
    failed = c_size_t(7)
    data = (c_void_p * 1)(None)
    sizes = (c_size_t * 1)(0)
    assert lib.sf_features_batch_memory(ctx.handle, None, sizes, 1, 1, out, 80, None, None, byref(failed),
                                        byref(err)) == sf.SF_ERR_INVALID_ARGUMENT
    assert b"data is NULL" in err.message and failed.value == 0
    assert lib.sf_features_batch_memory(ctx.handle, data, None, 1, 1, out, 80, None, None, None,
                                        byref(err)) == sf.SF_ERR_INVALID_ARGUMENT
    assert b"sizes is NULL" in err.message
    assert lib.sf_features_batch_memory(ctx.handle, None, None, 0, 1, None, 0, None, None, None,
                                        byref(err)) == sf.SF_OK
    item_errors = (SfError * 1)()
    assert lib.sf_features_batch_memory(ctx.handle, data, sizes, 1, 1, out, 80, None, item_errors, byref(failed),
                                        byref(err)) == sf.SF_ERR_BATCH_PARTIAL
    assert item_errors[0].status == sf.SF_ERR_EMPTY_INPUT and failed.value == 1
    m = sf.Model.default()
    scores = (SfScore * 1)()
    scores[0].struct_size = ctypes.sizeof(SfScore)
    assert lib.sf_model_score_batch_memory(m._handle, None, None, sizes, 1, 1, scores, None, None,
                                           byref(err)) == sf.SF_ERR_INVALID_ARGUMENT
    assert b"data is NULL" in err.message
    assert lib.sf_model_score_batch_memory(m._handle, None, data, sizes, 1, 1, None, None, None,
                                           byref(err)) == sf.SF_ERR_INVALID_ARGUMENT
    assert lib.sf_model_score_batch_memory(m._handle, None, data, sizes, 1, 1, scores, item_errors, byref(failed),
                                           byref(err)) == sf.SF_ERR_BATCH_PARTIAL
    assert item_errors[0].status == sf.SF_ERR_EMPTY_INPUT


def test_a_mix_of_paths_and_bytes_is_refused(files):
    with pytest.raises(TypeError, match="not a mix"):
        sf.features_batch([files[0].read_bytes(), str(files[1])])
    with pytest.raises(TypeError, match="not a mix"):
        sf.Model.default().score_files([str(files[0]), files[1].read_bytes()])


def test_raw_profiles_of_bytes_with_an_oversized_item(files):
    """A raw-profile preset (row length from the first decodable item): an
    item over max_input_bytes is that item's error, not the batch's."""
    blobs = [p.read_bytes() for p in files]
    small = min(blobs, key=len)
    big = max(blobs, key=len)
    lim = sf.Limits(max_input_bytes=len(small), fft_planning="estimate")
    X, failures = sf.features_batch([big, small], "faces-hq", limits=lim, errors="return")
    assert [(i, e.status_name) for i, e in failures] == [(0, "SF_ERR_LIMIT_INPUT_SIZE")]


def test_feature_count_of_huge_sides_does_not_trap():
    """sf_context_feature_count with sides near 2^32 (no image is made)."""
    lib = _lib.load()
    err = SfError()
    n = c_size_t()
    ctx = sf._context("faces-hq", None)
    for w, h in [(4294967295, 1), (4000000000, 4000000000), (1, 4294967295)]:
        st = lib.sf_context_feature_count(ctx.handle, w, h, byref(n), byref(err))
        assert st in (sf.SF_OK, sf.SF_ERR_INVALID_ARGUMENT, sf.SF_ERR_LIMIT_DIMENSION), (w, h, st)
