"""The wheel of `make wheel` (dist/wheels/) is self-contained: installed with
pip into a fresh virtual environment outside the repository, imported from
outside the repository with PYTHONPATH and SPECTRALFAKE_LIBRARY unset, it
loads the library from its own site-packages, with fftw/jpeg/png resolved to
the copies auditwheel put in the wheel (spectralfake.libs/), and scores
images exactly as the in-repository binding does on the library it was built
from.

Environment: SPECTRALFAKE_WHEEL_DIR (default dist/wheels), SPECTRALFAKE_DIST
(the dist/ the wheel was built from, default dist/), SPECTRALFAKE_DATA
(shared data, default ../shared/data; optional)."""
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEEL_DIR = Path(os.environ.get("SPECTRALFAKE_WHEEL_DIR", ROOT / "dist" / "wheels"))
DIST = Path(os.environ.get("SPECTRALFAKE_DIST", ROOT / "dist"))
BUNDLED = ("libfftw3", "libfftw3_threads", "libjpeg", "libpng16")
CLEAN_ENV = ("PYTHONPATH", "SPECTRALFAKE_LIBRARY", "PYTHONHOME", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "LD_PRELOAD")


# Runs in the wheel's venv (and, for the reference, in this interpreter on
# the in-repo binding): the loaded library, its version, every image's score
# and the files mapped into the process for fftw/jpeg/png.
SCORE = r"""
import json, sys, sysconfig
import spectralfake as sf
m = sf.Model.default()
scores = [m.score_file(p) for p in sys.argv[1:]]
maps = sorted({line.split()[-1] for line in open("/proc/self/maps")
               if any(k in line for k in ("libfftw3", "libjpeg", "libpng"))})
print(json.dumps({"library": sf.library_path(), "version": sf.version(), "module": sf.__file__,
                  "platlib": sysconfig.get_paths()["platlib"], "scores": scores, "maps": maps}))
"""


def run(python, args, env, cwd, timeout=600):
    r = subprocess.run([str(python)] + [str(a) for a in args], capture_output=True, text=True, env=env,
                       cwd=str(cwd), timeout=timeout)
    assert r.returncode == 0, f"{args[:3]}: rc {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def wheel():
    wheels = sorted(WHEEL_DIR.glob("spectralfake-*.whl"))
    if not wheels:
        pytest.skip(f"no wheel in {WHEEL_DIR} (make wheel)")
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_name_and_contents(wheel, sf_version):
    # spectralfake-<version>-py3-none-manylinux_X_Y_x86_64.whl: the header's version, any Python 3,
    # no Python ABI, a manylinux platform tag (not py3-none-any, not linux_x86_64)
    m = re.fullmatch(r"spectralfake-([^-]+)-py3-none-(manylinux_\d+_\d+_x86_64(\.manylinux\w+)*)\.whl", wheel.name)
    assert m, wheel.name
    assert m.group(1) == sf_version
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(f"spectralfake-{m.group(1)}.dist-info/METADATA").decode()
    assert "spectralfake/_native/libspectralfake.so.1" in names
    libs = [n for n in names if n.startswith("spectralfake.libs/")]
    for stem in BUNDLED:
        assert any(Path(n).name.startswith(stem + "-") for n in libs), (stem, libs)
    assert re.search(r"^Requires-Dist: numpy", meta, re.M), meta


def test_wheel_in_fresh_venv_scores_like_the_repo(wheel, tmp_path, sample_images, sf_version):
    assert not tmp_path.resolve().is_relative_to(ROOT), tmp_path
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    venv = tmp_path / "venv"
    run(sys.executable, ["-m", "venv", venv], env, tmp_path)
    py = venv / "bin" / "python"
    # the wheel and its declared dependency (numpy) from the index; nothing from the repo
    run(py, ["-m", "pip", "install", "-q", wheel], env, tmp_path)

    imgs = sample_images
    work = tmp_path / "elsewhere"
    work.mkdir()
    got = json.loads(run(py, ["-c", SCORE] + imgs, env, work))

    site = Path(got["platlib"]).resolve()
    lib = Path(got["library"]).resolve()
    assert lib.is_relative_to(site) and lib.is_relative_to(venv.resolve()), got["library"]
    assert Path(got["module"]).resolve().is_relative_to(site), got["module"]
    assert got["version"] == sf_version

    # fftw/jpeg/png mapped into the process are the wheel's copies, not the system's (-dev or runtime packages)
    libs_dir = site / "spectralfake.libs"
    assert got["maps"], "no fftw/jpeg/png mapped after scoring"
    for mapped in got["maps"]:
        assert Path(mapped).resolve().is_relative_to(libs_dir), got["maps"]
    ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, env=env, timeout=60)
    assert ldd.returncode == 0, ldd.stderr
    assert "not found" not in ldd.stdout, ldd.stdout
    for stem in BUNDLED:
        lines = [ln for ln in ldd.stdout.splitlines() if ln.strip().startswith(stem + "-")]
        assert len(lines) == 1, (stem, ldd.stdout)
        resolved = Path(lines[0].split("=>")[1].split("(")[0].strip()).resolve()
        assert resolved.is_relative_to(libs_dir), lines[0]
    if shutil.which("readelf"):
        dyn = subprocess.run(["readelf", "-d", str(lib)], capture_output=True, text=True, timeout=60).stdout
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn)
        for stem in BUNDLED:  # renamed (hashed) copies only: the system's sonames are never asked for
            assert not any(n.startswith(stem + ".so") for n in needed), needed

    # the same files through the in-repo binding on the library the wheel was built from
    ref_env = dict(env, PYTHONPATH=str(ROOT / "bindings" / "python"),
                   SPECTRALFAKE_LIBRARY=str(DIST / "lib" / "libspectralfake.so.1"))
    ref = json.loads(run(sys.executable, ["-c", SCORE] + imgs, ref_env, work))
    assert len(got["scores"]) == len(ref["scores"]) == len(imgs)
    for a, b in zip(got["scores"], ref["scores"]):
        assert a["path"] == b["path"]
        assert a["verdict"] == b["verdict"] and a["label"] == b["label"] and a["notes"] == b["notes"], (a, b)
        assert a["decision"] == pytest.approx(b["decision"], rel=0, abs=1e-12), (a, b)
        if b["probability_fake"] is None:
            assert a["probability_fake"] is None
        else:
            assert a["probability_fake"] == pytest.approx(b["probability_fake"], rel=0, abs=1e-12), (a, b)
