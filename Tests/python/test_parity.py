"""Parity with spectralfake.reference (the article's pipeline written plainly
with numpy/OpenCV/SciPy) for every preset, on generated images of many sizes
and formats, and on the shared images of every source."""
import csv
import glob
import io
import os

import cv2
import numpy as np
import pytest

import spectralfake as sf
from spectralfake import reference as ref
from conftest import assert_close, pink_noise

PRESETS = ["celeba", "faces-hq", "ffpp", "upconv"]
# (height, width): odd, even, non-square, tiny, 1024
SIZES = [(9, 9), (12, 17), (31, 31), (64, 64), (100, 150), (150, 100), (127, 128), (201, 333), (250, 250),
         (256, 256), (1024, 1024),
         # rows transformed in pairs up to 512 wide (an odd last row paired
         # with zeros), one by one beyond
         (9, 512), (11, 513), (13, 2)]
RTOL = 1e-9


def encode(img, fmt):
    ok, buf = cv2.imencode("." + fmt, img, [cv2.IMWRITE_JPEG_QUALITY, 90] if fmt == "jpg" else [])
    assert ok
    return buf.tobytes()


def preset_applies(preset, h, w, **over):
    s = sf.settings(preset, **over)
    if s["crop"] == "center-third":
        h, w = h - 2 * (h // 3), w - 2 * (w // 3)
    cx, cy = ((w - 1) / 2, (h - 1) / 2) if s["center"] == "reference" else (w // 2, h // 2)
    return int(max(np.hypot(cx, cy), np.hypot(w - 1 - cx, h - 1 - cy))) - 1 >= 4


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("hw", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_arrays_match_reference(preset, hw):
    h, w = hw
    img = pink_noise(h, w, seed=h * 1000 + w)
    if not preset_applies(preset, h, w):
        with pytest.raises(sf.ImageTooSmallError):
            sf.features(img, preset)
        return
    assert_close(sf.features(img, preset), ref.features(img, preset), RTOL, f"{preset} {h}x{w}")


@pytest.mark.parametrize("fmt", ["jpg", "png"])
@pytest.mark.parametrize("hw", [(37, 53), (128, 128), (250, 250), (333, 201)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_encoded_files_and_bytes_match_reference(tmp_path, fmt, hw):
    h, w = hw
    rng = np.random.default_rng(h + w)
    color = np.stack([pink_noise(h, w, seed=s) for s in rng.integers(0, 1000, 3)], axis=2)
    data = encode(color, fmt)
    p = tmp_path / f"img.{fmt}"
    p.write_bytes(data)
    for preset in PRESETS:
        if not preset_applies(preset, h, w):
            continue
        want = ref.features(str(p), preset)
        assert_close(sf.features(str(p), preset), want, RTOL, f"file {preset}")
        assert_close(sf.features(data, preset), want, RTOL, f"bytes {preset}")
        assert_close(sf.features(p, preset), want, RTOL, f"PathLike {preset}")


@pytest.mark.parametrize("over", [
    dict(n=40), dict(n=300), dict(epsilon=0.0), dict(epsilon=1e-3), dict(center="dc"),
    dict(normalize="none"), dict(normalize="minmax"), dict(crop="center-third"), dict(interpolate=False),
    dict(center="dc", crop="center-third", n=17, normalize="minmax"),
])
@pytest.mark.parametrize("hw", [(64, 64), (99, 141), (256, 256)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_overrides_match_reference(over, hw):
    h, w = hw
    img = pink_noise(h, w, seed=7)
    assert_close(sf.features(img, **over), ref.features(img, **over), RTOL, str(over))


def test_radial_profile_matches_reference():
    img = pink_noise(120, 90, seed=3)
    for over in ({}, {"center": "dc"}, {"preset": "ffpp"}):
        preset = over.pop("preset", "celeba")
        assert_close(sf.radial_profile(img, preset=preset, **over), ref.radial_profile(img, preset, **over),
                     RTOL, f"profile {preset} {over}")


def test_profile_lengths():
    assert sf.radial_profile(pink_noise(128, 128)).size == 88
    assert sf.radial_profile(pink_noise(256, 256)).size == 179
    assert sf.radial_profile(pink_noise(1024, 1024)).size == 722
    assert sf.features(pink_noise(1024, 1024), "faces-hq").size == 722


def test_color_arrays_use_cvtcolor_arithmetic():
    rng = np.random.default_rng(5)
    bgr = rng.integers(0, 256, (77, 91, 3), dtype=np.uint8)
    want = ref.features(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))
    assert_close(sf.features(bgr, channels="bgr"), want, RTOL, "bgr")
    assert_close(sf.features(np.ascontiguousarray(bgr[:, :, ::-1]), channels="rgb"), want, RTOL, "rgb")
    bgra = np.concatenate([bgr, rng.integers(0, 256, (77, 91, 1), dtype=np.uint8)], axis=2)
    assert_close(sf.features(bgra, channels="bgra"), want, RTOL, "bgra")
    # a strided view (every other column) goes through the stride argument or a copy
    view = bgr[:, ::2]
    assert_close(sf.features(view, channels="bgr"), ref.features(cv2.cvtColor(np.ascontiguousarray(view),
                                                                               cv2.COLOR_BGR2GRAY)), RTOL, "view")
    with pytest.raises(sf.InvalidArgumentError, match="channels"):
        sf.features(bgr)


def sources(data):
    out = {}
    for d in sorted(glob.glob(str(data / "faces" / "*" / "*"))):
        files = sorted(glob.glob(os.path.join(d, "*")))
        out[os.path.basename(d)] = files
    return out


def test_shared_images_of_every_source(data):
    """Decoding is cv2-identical and features match the reference for every
    preset, on a sample of each source folder."""
    srcs = sources(data)
    with open(data / "manifest.csv", newline="") as f:
        listed = {r["source"] for r in csv.DictReader(f)}
    assert set(srcs) == listed, f"folders {sorted(srcs)} != manifest sources {sorted(listed)}"
    worst = {}
    for name, files in srcs.items():
        for p in files[:: max(1, len(files) // 6)][:6]:
            g = sf.decode(p)
            assert np.array_equal(g, cv2.imread(p, cv2.IMREAD_GRAYSCALE)), f"decode {p}"
            for preset in PRESETS:
                w = assert_close(sf.features(p, preset), ref.features(p, preset), RTOL, f"{p} {preset}")
                worst[name] = max(worst.get(name, 0.0), w)
    print("max relative deviation per source:", {k: f"{v:.1e}" for k, v in worst.items()})


def test_batch_equals_single(data):
    """Bit-identical with the ESTIMATE planning policy (the default "auto"
    policy may switch a size to a MEASURE plan, which agrees to ~1e-14)."""
    files = sum((f[:5] for f in sources(data).values()), [])
    est = sf.Limits(fft_planning="estimate")
    X = sf.features_batch(files, threads=2, limits=est)
    for i, p in enumerate(files):
        assert np.array_equal(X[i], sf.features(p, limits=est)), p
    Y = sf.features_batch(files, threads=2)
    assert_close(Y, X, 1e-13, "auto vs estimate planning")
