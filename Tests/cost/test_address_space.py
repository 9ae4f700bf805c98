"""Allocation that can fail (issue 13): large and hostile inputs under a
sweep of address-space limits (RLIMIT_AS, as `ulimit -v` sets it), each
run in a child process through the C ABI and the Python binding. At every
step the call ends with features or a clean error (SF_ERR_OUT_OF_MEMORY
with the size asked, or a limit's status): never a signal.

A Python child that cannot even import numpy under a low limit (before the
library is loaded) proves nothing about the library: such steps are
skipped, and at least some steps must have run the library.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import costly  # noqa: E402
import runner  # noqa: E402

STEPS_MB = [60, 100, 150, 200, 300, 400, 600, 800, 1000, 1200]
TIMEOUT = float(os.environ.get("SF_COST_TIMEOUT", "20"))


def genuine_progressive(path: Path, side: int = 4096):
    """A real-looking side x side colour photo (1/f noise), progressive JPEG."""
    rng = np.random.default_rng(7)
    f = np.hypot(np.fft.fftfreq(side)[:, None], np.fft.rfftfreq(side)[None, :])
    f[0, 0] = 1
    planes = []
    for _ in range(3):
        spec = (rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f
        x = np.fft.irfft2(spec, s=(side, side))
        planes.append(((x - x.min()) / (x.max() - x.min()) * 255).astype(np.uint8))
    ok = cv2.imwrite(str(path), np.dstack(planes), [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert ok


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("address-space")
    photo = d / "photo-4096-progressive.jpg"
    genuine_progressive(photo)
    out = {"photo-4096-progressive": (photo, "image", "default")}
    for name in ("jpeg-8192-photo", "png-1000000x9-limits-off", "png-1000-ztxt", "model-8m-coefficients"):
        c = costly.BY_NAME[name]
        out[name] = (costly.write(c, d), c.kind, c.limits)
    return out


NAMES = ["photo-4096-progressive", "jpeg-8192-photo", "png-1000000x9-limits-off", "png-1000-ztxt",
         "model-8m-coefficients"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("via", ["c", "py"])
def test_no_signal_under_any_address_space_limit(name, via, inputs):
    if via == "c" and not runner.c_probe_path().exists():
        pytest.fail(f"{runner.c_probe_path()} is missing: make test-cost builds it")
    path, kind, limits = inputs[name]
    ran, seen = 0, []
    for mb in STEPS_MB:
        o = runner.run(runner.command(via, path, kind, limits), TIMEOUT, address_space_mb=mb)
        assert o.returncode is not None, f"{name} via {via} at {mb} MB: killed after {TIMEOUT} s"
        if via == "py" and not o.ready:
            assert o.result is None
            continue   # the interpreter itself did not start: nothing about the library
        assert not o.signal, f"{name} via {via} at {mb} MB: {o.status}\n{o.stderr}"
        assert o.clean, f"{name} via {via} at {mb} MB: {o.status} {o.result}\n{o.stderr}"
        ran += 1
        seen.append(f"{mb}: {o.result['status']}")
    assert ran >= 4, f"{name} via {via}: the library ran at only {ran} steps ({seen})"
    # the sweep reaches both ends: a clean failure at the bottom, the result at the top
    assert seen[-1].endswith("SF_OK") or kind == "model", seen
    assert any("OUT_OF_MEMORY" in s or "LIMIT" in s for s in seen) or name == "png-1000-ztxt", seen
