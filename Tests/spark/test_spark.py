"""spectralfake.spark on a local[2] Spark (loopback only): score_images
and features_images on a few hundred shared faces (generated images when
../shared/data is missing) plus bad files, against the library's own batch
calls and the command line. Results repeat across processes to ~1e-15 (FFT
plans), so comparisons use atol=1e-12; verdicts and error rows must match
exactly.

Needs pyspark (and pandas<3, pyarrow) and Java: `make test-spark`
installs the Python packages."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
import spectralfake as sf  # noqa: E402

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (make test-spark installs it)")
from spectralfake.spark import features_images, local_session, score_images  # noqa: E402

CLI = Path(os.environ.get("SPECTRALFAKE_CLI", ROOT / "dist" / "bin" / "spectralfake"))
DATA = Path(os.environ.get("SPECTRALFAKE_DATA", ROOT.parent / "shared" / "data"))
BAD = {"truncated.jpg": "SF_ERR_TRUNCATED", "garbage.jpg": "SF_ERR_UNKNOWN_FORMAT",
       "notes.txt": "SF_ERR_UNKNOWN_FORMAT"}


def shared_faces(n_per_source: int = 30) -> list[Path]:
    out = []
    for d in sorted(glob.glob(str(DATA / "faces" / "*" / "*"))):
        files = sorted(p for p in Path(d).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        out += files[:n_per_source]
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("spark-images")
    faces = shared_faces()
    if len(faces) < 50:   # no shared data: generated images
        import cv2
        rng = np.random.default_rng(0)
        faces = []
        for i in range(120):
            img = cv2.GaussianBlur(rng.integers(0, 256, (160, 160, 3), dtype=np.uint8), (5, 5), 1.0)
            p = d / f"gen{i:03d}.{'png' if i % 3 == 0 else 'jpg'}"
            cv2.imwrite(str(p), img)
        faces = sorted(d.iterdir())
    else:
        for i, f in enumerate(faces):
            sub = d / f.parent.name
            sub.mkdir(exist_ok=True)
            shutil.copy(f, sub / f"{i:04d}{f.suffix.lower()}")
    good = sorted(p for p in d.rglob("*") if p.is_file())
    jpeg = next(p for p in good if p.suffix == ".jpg")
    (d / "bad").mkdir()
    (d / "bad" / "truncated.jpg").write_bytes(jpeg.read_bytes()[:300])
    (d / "bad" / "garbage.jpg").write_bytes(b"this is not an image at all")
    (d / "bad" / "empty.png").write_bytes(b"")   # Spark's file sources skip empty files: no row
    (d / "bad" / "notes.txt").write_bytes(b"a text file in the folder\n")
    return d, good


@pytest.fixture(scope="module")
def spark():
    # the workers import spectralfake from this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bindings" / "python"), os.environ.get("PYTHONPATH", "")])
    s = local_session("spectralfake-test", 2, spark__sql__files__openCostInBytes=8192,
                      spark__sql__files__maxPartitionBytes="4m",
                      spark__sql__execution__arrow__maxRecordsPerBatch=128)
    yield s
    s.stop()


def local(path: str) -> str:
    return path[len("file:"):] if path.startswith("file:") else path


def by_path(rows) -> dict:
    return {local(r["path"]): r for r in rows}


def cli_scores(paths, model=None) -> dict:
    args = [str(CLI), "score", "--jsonl", "--threads", "2", *(["--model", str(model)] if model else []), "-"]
    r = subprocess.run(args, input="\n".join(map(str, paths)) + "\n", capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), r.stderr
    return {rec["SourceFile"]: rec for rec in map(json.loads, r.stdout.splitlines())}


def test_score_images_equals_the_cli_and_reports_bad_files(spark, folder):
    d, good = folder
    rows = by_path(score_images(spark, str(d)).collect())
    assert len(rows) == len(good) + len(BAD), "one row per file, bad ones included"
    assert str(d / "bad" / "empty.png") not in rows
    ref = cli_scores(good)
    dev = 0.0
    for p in good:
        r, c = rows[str(p)], ref[str(p)]
        assert r["error"] is None, (p, r["error"])
        assert r["verdict"] == c["verdict"], p
        dev = max(dev, abs(r["probability_fake"] - c["probability_fake"]), abs(r["decision"] - c["decision"]))
        assert isinstance(r["notes"], list)
    assert dev <= 1e-12, dev
    for name, status in BAD.items():
        r = rows[str(d / "bad" / name)]
        assert r["verdict"] is None and r["probability_fake"] is None and r["decision"] is None
        assert status in r["error"], (name, r["error"])


def test_score_images_equals_the_python_batch_with_notes(spark, folder):
    d, good = folder
    rows = by_path(score_images(spark, str(d), path_glob_filter="*.{jpg,png}").collect())
    assert str(d / "bad" / "notes.txt") not in rows
    recs = sf.Model.default().score_files(good)
    for p, rec in zip(good, recs):
        r = rows[str(p)]
        assert r["verdict"] == rec["verdict"] and list(r["notes"]) == rec["notes"]
        assert abs(r["probability_fake"] - rec["probability_fake"]) <= 1e-12


def test_model_file_is_shipped_and_used(spark, folder, tmp_path):
    """A model given as a file: the same answers as that model in Python;
    a broken model file fails on the driver, before any task runs."""
    d, good = folder
    model_file = ROOT / "models" / "default-model.json"
    rows = by_path(score_images(spark, str(d / good[0].parent.name), model=model_file).collect())
    m = sf.Model.load(model_file)
    paths = sorted(p for p in good if p.parent == good[0].parent)
    for p, rec in zip(paths, m.score_files(paths)):
        assert abs(rows[str(p)]["decision"] - rec["decision"]) <= 1e-12
    bad = tmp_path / "bad-model.json"
    bad.write_text('{"format": "spectralfake-model"')
    with pytest.raises(sf.SpectralFakeError):
        score_images(spark, str(d), model=bad)


def test_features_images_equals_features_batch(spark, folder):
    d, good = folder
    rows = by_path(features_images(spark, str(d)).collect())
    X = sf.features_batch(good, threads=2)
    for p, x in zip(good, X):
        assert rows[str(p)]["error"] is None
        np.testing.assert_allclose(np.array(rows[str(p)]["features"]), x, rtol=0, atol=1e-12)
    for name, status in BAD.items():
        r = rows[str(d / "bad" / name)]
        assert r["features"] is None and status in r["error"]


def test_features_images_raw_profiles_of_any_size(spark, folder):
    """A preset without interpolation: the row length follows each image.
    Raw profiles are log magnitudes of 100 to 300, not normalised: the
    ~1e-15 cross-process repeatability is relative here (rtol 1e-13)."""
    d, good = folder
    rows = by_path(features_images(spark, str(d), preset="faces-hq").collect())
    for p in good[:: max(1, len(good) // 20)]:
        x = sf.features(p, "faces-hq")
        got = np.array(rows[str(p)]["features"])
        assert got.shape == x.shape
        np.testing.assert_allclose(got, x, rtol=1e-13, atol=0)


def test_worker_models_are_keyed_by_limits():
    """The built-in model loaded in a worker with some limits is not reused
    for a call with other limits (a service lowering max_pixels)."""
    from spectralfake.spark import _limits_args, _worker_model
    a = _worker_model("default", None, _limits_args(sf.Limits(max_pixels=4096)))
    b = _worker_model("default", None, None)
    assert a is not b
    assert a._limits.max_pixels == 4096 and b._limits is None
    assert _worker_model("default", None, _limits_args(sf.Limits(max_pixels=4096))) is a
