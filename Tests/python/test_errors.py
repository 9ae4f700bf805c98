"""Bad input: a clear error each (status, message naming the file and what
was seen), no crash, no hang, no exit of the host process."""
import os
import struct
import zlib

import cv2
import numpy as np
import pytest

import spectralfake as sf
from conftest import pink_noise


def jpeg_bytes(h=64, w=64, progressive=False):
    img = np.dstack([pink_noise(h, w, seed=s) for s in (1, 2, 3)])
    params = [cv2.IMWRITE_JPEG_QUALITY, 90]
    if progressive:
        params += [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]
    return cv2.imencode(".jpg", img, params)[1].tobytes()


def png_bytes(h=64, w=64):
    return cv2.imencode(".png", pink_noise(h, w, seed=4))[1].tobytes()


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def test_empty_file(tmp_path):
    p = tmp_path / "empty.jpg"
    p.write_bytes(b"")
    with pytest.raises(sf.EmptyInputError) as e:
        sf.features(str(p))
    assert str(p) in e.value.message and e.value.path == str(p)
    with pytest.raises(sf.EmptyInputError):
        sf.features(b"")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(sf.ImageReadError, match="No such file"):
        sf.features(str(tmp_path / "nope.jpg"))
    with pytest.raises(sf.ImageReadError, match="directory"):
        sf.features(str(tmp_path))


def test_fifo_does_not_hang(tmp_path):
    p = tmp_path / "fifo"
    os.mkfifo(p)
    with pytest.raises(sf.ImageReadError, match="FIFO"):
        sf.features(str(p))


def test_random_bytes():
    rng = np.random.default_rng(0)
    with pytest.raises(sf.UnknownFormatError, match="not a JPEG or PNG"):
        sf.features(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())


@pytest.mark.parametrize("progressive", [False, True])
def test_truncated_jpeg(progressive):
    data = jpeg_bytes(progressive=progressive)
    for cut in (3, 20, len(data) // 3, len(data) // 2, len(data) - 40):
        with pytest.raises((sf.TruncatedImageError, sf.CorruptImageError)) as e:
            sf.features(data[:cut])
        assert e.value.message


def test_truncated_jpeg_policy_matches_imdecode():
    """Data that runs out is rejected exactly where cv2.imdecode returns None."""
    data = jpeg_bytes(96, 80)
    for cut in range(100, len(data), max(1, len(data) // 40)):
        buf = data[:cut]
        cv = cv2.imdecode(np.frombuffer(buf, np.uint8), cv2.IMREAD_GRAYSCALE)
        try:
            ours = sf.decode(buf)
        except sf.CorruptImageError:
            ours = None
        if cv is None:
            assert ours is None, f"cut {cut}: cv2 rejects, we decoded"
        else:
            assert ours is not None and np.array_equal(ours, cv), f"cut {cut}"


def test_truncated_png():
    data = png_bytes()
    for cut in (10, 30, len(data) // 2, len(data) - 5):
        with pytest.raises(sf.CorruptImageError):
            sf.features(data[:cut])


def test_header_claiming_huge_dimensions():
    # PNG header claiming 100000 x 100000
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\0" * 10))
    with pytest.raises(sf.LimitExceededError, match="100000x100000") as e:
        sf.features(data)
    assert e.value.status_name == "SF_ERR_LIMIT_DIMENSION"
    # JPEG SOF claiming 20000 x 20000 (within each side limit, over max_pixels)
    j = bytearray(jpeg_bytes())
    i = j.find(b"\xff\xc0")
    j[i + 5:i + 9] = struct.pack(">HH", 20000, 20000)
    with pytest.raises(sf.LimitExceededError, match="max_pixels") as e:
        sf.features(bytes(j))
    assert e.value.status_name == "SF_ERR_LIMIT_PIXELS"


def test_limits_are_settable():
    data = jpeg_bytes(64, 64)
    with pytest.raises(sf.LimitExceededError, match="max_width"):
        sf.features(data, limits=sf.Limits(max_width=32))
    with pytest.raises(sf.LimitExceededError, match="max_pixels = 1000"):
        sf.features(data, limits=sf.Limits(max_pixels=1000))
    with pytest.raises(sf.LimitExceededError, match="max_input_bytes"):
        sf.features(data, limits=sf.Limits(max_input_bytes=100))
    prog = jpeg_bytes(64, 64, progressive=True)
    with pytest.raises(sf.LimitExceededError, match="scans") as e:
        sf.features(prog, limits=sf.Limits(max_jpeg_scans=2))
    assert e.value.status_name == "SF_ERR_LIMIT_SCANS"
    assert sf.features(prog).shape == (80,)


@pytest.mark.parametrize("magic,name", [(b"GIF89a" + b"\0" * 20, "GIF"), (b"BM" + b"\0" * 40, "BMP"),
                                        (b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 20, "WebP"),
                                        (b"II*\0" + b"\0" * 20, "TIFF")])
def test_unsupported_formats(magic, name):
    with pytest.raises(sf.UnsupportedFormatError, match=name):
        sf.features(magic)


def test_too_small_and_constant_images():
    with pytest.raises(sf.ImageTooSmallError, match="at least 4"):
        sf.features(np.arange(16, dtype=np.uint8).reshape(4, 4))
    with pytest.raises(sf.ConstantImageError, match="constant"):
        sf.features(np.full((64, 64), 128, np.uint8))
    with pytest.raises(sf.ImageTooSmallError, match="center-third"):
        sf.features(pink_noise(12, 12), "ffpp")


def test_bad_settings():
    img = pink_noise(32, 32)
    with pytest.raises(sf.InvalidArgumentError, match="preset"):
        sf.features(img, "nonsense")
    with pytest.raises(TypeError, match="unknown feature setting"):
        sf.features(img, bogus=1)
    with pytest.raises(sf.InvalidArgumentError, match="n = 0"):
        sf.features(img, n=0)
    with pytest.raises(sf.InvalidArgumentError, match="epsilon"):
        sf.features(img, epsilon=float("nan"))
    with pytest.raises(sf.InvalidArgumentError, match="center"):
        sf.features(img, center="middle")
    with pytest.raises(sf.InvalidArgumentError, match="uint8"):
        sf.features(img.astype(np.float32))


def test_batch_reports_each_failure(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes())
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"\0" * 30)
    paths = [str(good), str(bad), str(tmp_path / "missing.png"), str(good)]
    with pytest.raises(sf.BatchError) as e:
        sf.features_batch(paths)
    failed = {i for i, _ in e.value.failures}
    assert failed == {1, 2}
    assert all(err.path == paths[i] for i, err in e.value.failures)
    est = sf.Limits(fft_planning="estimate")
    X, failures = sf.features_batch(paths, errors="return", limits=est)
    assert np.array_equal(X[0], sf.features(str(good), limits=est)) and np.all(X[1] == 0)
    assert [i for i, _ in failures] == [1, 2]


def test_zero_exit_never_happens_in_child():
    """A burst of bad inputs in a child process ends with exit code 0."""
    import subprocess
    import sys
    code = (
        "import spectralfake as sf, numpy as np\n"
        "bad=[b'', b'\\xff\\xd8\\xff', b'\\x89PNG\\r\\n\\x1a\\n', bytes(range(256))*10]\n"
        "for b in bad:\n"
        "    try: sf.features(b)\n"
        "    except sf.SpectralFakeError: pass\n"
        "print('survived')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "survived" in r.stdout, r.stderr
