"""The combo128 preset (the built-in model's features) against the numpy
reference: the centred square resampled to 128x128 by area averaging, then
the celeba, ffpp, upconv and raw-profile features of it."""
import csv

import numpy as np
import pytest

import spectralfake as sf
from spectralfake import reference as ref
from conftest import assert_close, pink_noise

RTOL = 1e-9


@pytest.mark.parametrize("hw", [(128, 128), (256, 256), (250, 250), (1024, 1024), (200, 333), (333, 200), (129, 131),
                                (96, 96), (40, 300), (512, 384)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_combo128_matches_the_reference(hw):
    img = pink_noise(*hw, seed=hw[0] + hw[1])
    ours = sf.features(img, "combo128")
    assert ours.shape == (556,)
    assert_close(ours, ref.features(img, "combo128"), RTOL, f"combo128 {hw}")


def test_area_resize_preserves_the_mean_and_constants():
    img = pink_noise(300, 200, seed=3)
    sq = ref.area_resize(img, 128)
    s = img[50:250, :].astype(np.float64)
    assert abs(sq.mean() - s.mean()) < 1e-9
    flat = np.full((300, 200), 77, np.uint8)
    assert np.allclose(ref.area_resize(flat, 128), 77)
    with pytest.raises(sf.ConstantImageError):
        sf.features(flat, "combo128")


def test_combo128_on_shared_images(data):
    with open(data / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    worst = 0.0
    for r in rows[::97]:
        p = str(data / r["path"])
        worst = max(worst, assert_close(sf.features(p, "combo128"), ref.features(p, "combo128"), RTOL, p))
    X = sf.features_batch([str(data / r["path"]) for r in rows[::97]], "combo128", threads=2)
    assert X.shape == (len(rows[::97]), 556)
    print(f"combo128 on {len(rows[::97])} shared images: max relative deviation {worst:.1e}")


def test_combo128_settings():
    s = sf.settings("combo128")
    assert s["n"] == 556 and s["interpolate"] and s["preset"] == "combo128"
    img = pink_noise(160, 160)
    assert_close(sf.features(img, "combo128", epsilon=1e-3), ref.features(img, "combo128", epsilon=1e-3), RTOL)
    for bad in (dict(n=100), dict(crop="center-third"), dict(normalize="none"), dict(center="dc"),
                dict(interpolate=False)):
        with pytest.raises(sf.InvalidArgumentError, match="only epsilon"):
            sf.features(img, "combo128", **bad)
    with pytest.raises(sf.InvalidArgumentError, match="only epsilon|several feature blocks"):
        sf.radial_profile(img, preset="combo128")
