"""Shared fixtures for the Python tests (run through the real dist/ library).

Tests that need ../shared/data skip with a visible reason when it is absent;
set SPECTRALFAKE_DATA to point elsewhere.
"""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
# child processes started by tests find the package too
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bindings" / "python"),
                                                          os.environ.get("PYTHONPATH")]))
DATA = Path(os.environ.get("SPECTRALFAKE_DATA", ROOT.parent / "shared" / "data"))


def data_dir():
    if not (DATA / "manifest.csv").exists():
        pytest.skip(f"shared data not found at {DATA} (set SPECTRALFAKE_DATA)")
    return DATA


@pytest.fixture(scope="session")
def data():
    return data_dir()


def pink_noise(h, w, seed=0, alpha=1.0):
    """A smooth random image with a natural-looking 1/f spectrum (uint8)."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spec = (rng.standard_normal((h, w // 2 + 1)) + 1j * rng.standard_normal((h, w // 2 + 1))) / f ** alpha
    img = np.fft.irfft2(spec, s=(h, w))
    img = (img - img.min()) / (img.max() - img.min() + 1e-12)
    noise = rng.integers(0, 8, (h, w))
    return np.clip(img * 240 + noise, 0, 255).astype(np.uint8)


def assert_close(ours, ref, rtol=1e-9, what=""):
    """Relative agreement with an absolute floor of rtol for values near 0."""
    ours, ref = np.asarray(ours), np.asarray(ref)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != {ref.shape}"
    assert np.all(np.isfinite(ours)), f"{what}: non-finite values"
    err = np.abs(ours - ref) / np.maximum(np.abs(ref), 1.0)
    worst = float(err.max()) if err.size else 0.0
    assert worst <= rtol, f"{what}: max relative deviation {worst:.3e} > {rtol:.0e} at index {int(err.argmax())}"
    return worst
