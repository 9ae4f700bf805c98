"""Many threads computing features of different sizes at once give the same
results as one thread (bit for bit with the ESTIMATE planning policy), while
plans and bin maps are created for new sizes."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import spectralfake as sf
from conftest import pink_noise

SIZES = [(31, 47), (64, 64), (100, 150), (128, 128), (129, 131), (200, 64), (256, 256), (333, 201)]


def test_threads_give_the_same_results():
    est = sf.Limits(fft_planning="estimate")
    imgs = [pink_noise(h, w, seed=i) for i, (h, w) in enumerate(SIZES * 4)]
    jobs = [(img, preset) for img in imgs for preset in ("celeba", "faces-hq", "ffpp", "upconv")]
    serial = [sf.features(img, preset, limits=est) for img, preset in jobs]
    for _ in range(3):
        with ThreadPoolExecutor(8) as ex:
            par = list(ex.map(lambda j: sf.features(j[0], j[1], limits=est), jobs))
        for a, b in zip(serial, par):
            assert np.array_equal(a, b)


def test_native_batch_threads_match(tmp_path):
    import cv2
    paths = []
    for i, (h, w) in enumerate(SIZES * 3):
        p = tmp_path / f"{i}.png"
        cv2.imwrite(str(p), pink_noise(h, w, seed=100 + i))
        paths.append(str(p))
    est = sf.Limits(fft_planning="estimate")
    one = sf.features_batch(paths, threads=1, limits=est)
    for t in (2, 4, 16):
        assert np.array_equal(sf.features_batch(paths, threads=t, limits=est), one)
    # the default policy switches sizes to MEASURE plans along the way
    for _ in range(3):
        auto = sf.features_batch(paths * 12, threads=4)
        assert np.allclose(auto, np.tile(one, (12, 1)), rtol=1e-13, atol=0)
