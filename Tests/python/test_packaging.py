"""`pip install bindings/python` gives a self-contained package (the built
library bundled), importable from anywhere without SPECTRALFAKE_LIBRARY."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_bundles_the_library(tmp_path):
    if not (ROOT / "dist" / "lib" / "libspectralfake.so.1").exists():
        pytest.skip("dist/ not built")
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                        str(ROOT / "bindings" / "python")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert (target / "spectralfake" / "_native" / "libspectralfake.so.1").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPECTRALFAKE_LIBRARY")}
    env["PYTHONPATH"] = str(target)
    code = ("import spectralfake as sf, numpy as np\n"
            "assert '_native' in sf.library_path(), sf.library_path()\n"
            "img = (np.add.outer(np.arange(64), np.arange(64)) * 7 % 251).astype(np.uint8)\n"
            "print(sf.features(img).shape)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path), env=env,
                       timeout=120)
    assert r.returncode == 0 and "(80,)" in r.stdout, r.stderr
