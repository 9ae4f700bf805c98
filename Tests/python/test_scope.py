"""What a file says about itself (sf_image_get_info) and the scope notes of a
verdict: the JPEG quality estimate against Pillow's tables, subsampling,
progressive, grayscale, and the upscale test against the numpy reference."""
import io

import cv2
import numpy as np
import pytest
from PIL import Image

import spectralfake as sf
from spectralfake import reference as ref
from conftest import pink_noise


def color(h, w, seed=0):
    return np.stack([pink_noise(h, w, seed), pink_noise(h, w, seed + 1), pink_noise(h, w, seed + 2)], 2)


def pil_jpeg(arr, **kw):
    b = io.BytesIO()
    Image.fromarray(arr).save(b, "JPEG", **kw)
    return b.getvalue()


@pytest.mark.parametrize("q", [1, 5, 10, 24, 25, 49, 50, 51, 60, 74, 75, 76, 90, 95, 99, 100])
def test_jpeg_quality_is_the_ijg_quality_of_the_table(q):
    data = pil_jpeg(color(64, 64), quality=q)
    info = sf.image_info(data)
    want = ref.jpeg_quality(Image.open(io.BytesIO(data)).quantization[0])
    assert (info["jpeg_quality"], info["jpeg_quality_exact"]) == want == (q, True)


def test_non_ijg_tables_give_the_nearest_quality():
    qt = [max(1, int(v * 0.7) + 3) for v in range(2, 130, 2)]  # a made-up table
    data = pil_jpeg(color(64, 64), qtables=[qt, qt])
    info = sf.image_info(data)
    want = ref.jpeg_quality(Image.open(io.BytesIO(data)).quantization[0])
    assert (info["jpeg_quality"], info["jpeg_quality_exact"]) == want and not info["jpeg_quality_exact"]


@pytest.mark.parametrize("sub,name", [(0, "444"), (1, "422"), (2, "420")])
def test_subsampling_and_progressive(sub, name):
    for progressive in (False, True):
        info = sf.image_info(pil_jpeg(color(80, 96), quality=80, subsampling=sub, progressive=progressive))
        assert info["subsampling"] == name and info["progressive"] is progressive
        assert (info["width"], info["height"], info["components"], info["format"]) == (96, 80, 3, "jpeg")


def test_gray_and_alpha_components(tmp_path):
    g = pink_noise(70, 60)
    assert sf.image_info(pil_jpeg(g))["components"] == 1
    ok, png = cv2.imencode(".png", g)
    assert sf.image_info(png.tobytes())["components"] == 1 and sf.image_info(png.tobytes())["format"] == "png"
    rgba = np.dstack([color(70, 60), np.full((70, 60), 200, np.uint8)])
    ok, png = cv2.imencode(".png", rgba)
    info = sf.image_info(png.tobytes())
    assert info["components"] == 4 and info["jpeg_quality"] is None and info["subsampling"] == "none"
    ok, png16 = cv2.imencode(".png", (color(40, 40).astype(np.uint16) * 257))
    assert sf.image_info(png16.tobytes())["bit_depth"] == 16


def upscaled(img, factor, interp=cv2.INTER_CUBIC):
    h, w = img.shape[:2]
    return cv2.resize(img, (int(w * factor), int(h * factor)), interpolation=interp)


def test_upscale_score_matches_the_reference(data):
    imgs = []
    for seed in range(3):
        base = color(120, 120, seed)
        imgs.append(base)
        for f, interp in ((2, cv2.INTER_CUBIC), (3, cv2.INTER_LINEAR), (1.5, cv2.INTER_NEAREST)):
            imgs.append(upscaled(base, f, interp))
    encoded = []
    for im in imgs:
        encoded.append(cv2.imencode(".png", im)[1].tobytes())
        encoded.append(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes())
    import csv
    with open(data / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    shared = [str(data / r["path"]) for r in rows[::120]]
    worst = 0.0
    for item in encoded + shared:
        ours, want = sf.upscale_score(item), ref.upscale_score(item)
        worst = max(worst, abs(ours - want) / max(1.0, abs(want)))
        assert (ours > 1) == (want > 1)
    assert worst <= 1e-9, worst
    print(f"upscale score: {len(encoded) + len(shared)} images, max relative deviation {worst:.1e}")


def test_upscale_test_flags_lossless_2x_and_not_the_original():
    for seed in range(4):
        base = color(150, 150, seed)
        assert sf.upscale_score(cv2.imencode(".png", base)[1].tobytes()) < 1
        assert sf.upscale_score(cv2.imencode(".png", upscaled(base, 2))[1].tobytes()) > 1
    assert sf.upscale_score(cv2.imencode(".png", color(40, 200))[1].tobytes()) == 0  # side < 64: not assessed


def test_default_model_notes():
    m = sf.Model.default()
    small = m.score_file(cv2.imencode(".png", color(80, 80))[1].tobytes())
    assert "small" in small["notes"] and small["verdict"] == "uncertain"
    wide = m.score_file(cv2.imencode(".png", color(150, 300))[1].tobytes())
    assert "non-square" in wide["notes"]
    gray = m.score_file(cv2.imencode(".png", pink_noise(200, 200))[1].tobytes())
    assert "grayscale" in gray["notes"]
    up = m.score_file(cv2.imencode(".png", upscaled(color(128, 128, 5), 2))[1].tobytes())
    assert "upscaled" in up["notes"] and up["verdict"] == "uncertain"
    low = m.score_file(cv2.imencode(".jpg", color(256, 256, 6), [cv2.IMWRITE_JPEG_QUALITY, 20])[1].tobytes())
    assert "recompressed" in low["notes"] and low["verdict"] == "uncertain"
