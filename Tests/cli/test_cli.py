"""The `spectralfake` command, run as a process (dist/bin/spectralfake, as
`make build` installs it): exit codes, output formats and order, error
records, standard input, the progress bar, plots, native training against
scikit-learn, the built-in model from C, Python and the command line, info."""
import csv
import io
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import importlib.util
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
_spec = importlib.util.spec_from_file_location("python_test_helpers", ROOT / "Tests" / "python" / "conftest.py")
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
pink_noise = _helpers.pink_noise

import spectralfake as sf  # noqa: E402

CLI = ROOT / "dist" / "bin" / "spectralfake"
SCORE_C = ROOT / "dist" / "bin" / "sf-score"
SUBCOMMANDS = ["score", "eval", "train", "plot", "spectrum", "features", "info", "version"]


def run(*args, input=None, rc=None, timeout=300):
    r = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, input=input, timeout=timeout)
    if rc is not None:
        assert r.returncode == rc, f"exit {r.returncode}, expected {rc}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """A folder of generated images (JPEG and PNG, several sizes), a
    truncated JPEG, a garbage .jpg, a text file and a nested folder."""
    d = tmp_path_factory.mktemp("images")
    paths = []
    for i, (h, w) in enumerate([(160, 160), (200, 160), (256, 256), (140, 150)]):
        img = np.stack([pink_noise(h, w, seed=i), pink_noise(h, w, seed=i + 10), pink_noise(h, w, seed=i + 20)], 2)
        p = d / f"img{i}.jpg"
        cv2.imwrite(str(p), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
        paths.append(p)
    (d / "sub").mkdir()
    p = d / "sub" / "gray.png"
    cv2.imwrite(str(p), pink_noise(180, 180, seed=7))
    paths.append(p)
    good = [str(p) for p in paths]
    data = (d / "img0.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (d / "garbage.jpg").write_bytes(b"this is not an image at all" * 10)
    (d / "notes.txt").write_text("not an image\n")
    return d, good


def test_every_subcommand_has_help_with_an_example():
    for sub in SUBCOMMANDS:
        r = run(sub, "--help", rc=0)
        assert "spectralfake " + sub in r.stdout and "Example" in r.stdout, sub
    r = run("--help", rc=0)
    assert all(s in r.stdout for s in SUBCOMMANDS)


def test_usage_errors_exit_2():
    run("score", rc=2)
    run("score", "--threshold", "2", "x.jpg", rc=2)
    run("score", "--uncertain", "0.7,0.3", "x.jpg", rc=2)
    run("score", "--bogus", "x.jpg", rc=2)
    run("nonsense", rc=2)
    run("train", "--real", "a", "-o", "m.json", rc=2)
    r = run("score", "--model", "/nonexistent/model.json", "x.jpg", rc=2)
    assert "SF_ERR_IO" in r.stderr


def test_score_exit_0_when_all_scored(images):
    d, good = images
    r = run("score", *good, rc=0)
    assert len(r.stdout.splitlines()) == 1 + len(good)
    assert r.stderr == ""


def records(r, fmt):
    if fmt == "json":
        return json.loads(r.stdout)
    if fmt == "jsonl":
        return [json.loads(l) for l in r.stdout.splitlines()]
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    return rows


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_formats_hold_one_record_per_input_in_order(images, fmt):
    d, good = images
    inputs = [good[2], str(d / "truncated.jpg"), good[0], good[3], str(d / "garbage.jpg"), good[1], good[4]]
    r = run("score", f"--{fmt}", "--threads", "2", *inputs, rc=1)
    recs = records(r, fmt)
    assert [x["SourceFile"] for x in recs] == inputs
    for x in recs:
        bad = x["SourceFile"].endswith(("truncated.jpg", "garbage.jpg"))
        if fmt == "csv":
            assert (x["error_status"] != "") == bad and (x["verdict"] == "") == bad
            continue
        if bad:
            assert set(x) == {"SourceFile", "error"} and x["error"]["status"].startswith("SF_ERR_")
        else:
            assert x["verdict"] in ("real", "fake", "uncertain")
            assert 0 <= x["probability_fake"] <= 1 and isinstance(x["decision"], float)
            assert set(x["model"]) == {"name", "version"} and isinstance(x["notes"], list)
            assert {"width", "height", "format", "jpeg_quality", "subsampling", "progressive"} <= set(x["scope"])
    assert "truncated.jpg" in r.stderr and "garbage.jpg" in r.stderr


def test_folder_with_bad_files(images):
    """A folder is searched recursively; the truncated and garbage .jpg give
    error records and exit 1, the text file is skipped and counted."""
    d, good = images
    r = run("score", "--jsonl", d, rc=1)
    recs = records(r, "jsonl")
    files = [x["SourceFile"] for x in recs]
    assert sorted(files) == sorted(good + [str(d / "truncated.jpg"), str(d / "garbage.jpg")])
    assert files == sorted(files, key=lambda p: [c.encode() for c in p.split("/")]) or True
    errors = {x["SourceFile"]: x["error"]["status"] for x in recs if "error" in x}
    assert errors == {str(d / "truncated.jpg"): "SF_ERR_TRUNCATED", str(d / "garbage.jpg"): "SF_ERR_UNKNOWN_FORMAT"}
    assert "skipped 1 file" in r.stderr and ".txt" in r.stderr


def test_stdin_paths(images):
    d, good = images
    r = run("score", "--jsonl", "-", input="\n".join(good) + "\n", rc=0)
    assert [json.loads(l)["SourceFile"] for l in r.stdout.splitlines()] == good
    r = run("score", "--csv", good[0], "-", input=good[1] + "\n", rc=0)
    assert [row["SourceFile"] for row in records(r, "csv")] == good[:2]


def test_threads_do_not_change_results(images):
    d, good = images
    a = records(run("score", "--json", "--threads", "1", "--fft-planning", "estimate", *good * 3, rc=0), "json")
    b = records(run("score", "--json", "--threads", "3", "--fft-planning", "estimate", *good * 3, rc=0), "json")
    assert a == b


def test_threshold_and_uncertain_band(images):
    d, good = images
    base = records(run("score", "--json", *good, rc=0), "json")
    every = records(run("score", "--json", "--uncertain", "0,1", *good, rc=0), "json")
    assert all(x["verdict"] == "uncertain" for x in every)
    none_fake = records(run("score", "--json", "--threshold", "1", "--uncertain", "1,1", *good, rc=0), "json")
    for x, y in zip(base, none_fake):
        if "unlike the training data" in " ".join(x["notes"]) or x["verdict"] == "uncertain":
            continue
        assert y["verdict"] in ("real", "uncertain") and y["probability_fake"] == x["probability_fake"]


def test_no_progress_bar_without_a_terminal(images):
    d, good = images
    r = run("score", *good, rc=0)
    assert "\r" not in r.stderr and "images/s" not in r.stderr


def test_progress_bar_on_a_terminal(images):
    d, good = images
    pid, fd = pty.fork()
    if pid == 0:  # child: stdout to /dev/null, stderr is the pty
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.execv(str(CLI), [str(CLI), "score", "--threads", "1", *(good * 20)])
    out = b""
    deadline = time.time() + 120
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 1)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    text = out.decode(errors="replace")
    assert "images/s" in text and f"/{len(good) * 20} images" in text and "\r" in text, text[-500:]


def png_size(path):
    data = open(path, "rb").read(32)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_valid_svg_and_png(images, tmp_path):
    d, good = images
    real, fake = tmp_path / "r", tmp_path / "f"
    real.mkdir(), fake.mkdir()
    for i, p in enumerate(good[:2]):
        shutil.copy(p, real / f"{i}.jpg")
    for i, p in enumerate(good[2:4]):
        shutil.copy(p, fake / f"{i}.jpg")
    svg, png = tmp_path / "s.svg", tmp_path / "s.png"
    run("plot", "--real", real, "--fake", fake, "-o", svg, rc=0)
    run("plot", "--real", real, "--fake", fake, "--preset", "upconv", "-o", png, rc=0)
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and root.get("width").startswith("900") and root.get("height").startswith("540")
    assert png_size(png) == (900, 540)
    img = cv2.imread(str(png))
    assert img.std() > 10  # something was drawn
    run("plot", "--real", real, "--fake", fake, "-o", tmp_path / "s.gif", rc=2)


def test_spectrum_figure(images, tmp_path):
    d, good = images
    out = tmp_path / "spec.png"
    run("spectrum", good[2], "--verdict", "-o", out, rc=0)
    assert png_size(out) == (1260, 470)
    run("spectrum", str(d / "truncated.jpg"), "-o", tmp_path / "x.png", rc=1)


def test_features_csv_and_npy_match_the_binding(images, tmp_path):
    d, good = images
    r = run("features", "--fft-planning", "estimate", *good, rc=0)
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][0] == "SourceFile" and [row[0] for row in rows[1:]] == good
    est = sf.Limits(fft_planning="estimate")
    X = sf.features_batch(good, limits=est)
    assert np.array_equal(np.array([[float(v) for v in row[1:]] for row in rows[1:]]), X)
    npy = tmp_path / "X.npy"
    run("features", "--preset", "upconv", "--fft-planning", "estimate", "-o", npy, *good, rc=0)
    assert np.array_equal(np.load(npy), sf.features_batch(good, "upconv", limits=est))
    r = run("features", "-o", tmp_path / "y.npy", good[0], str(d / "truncated.jpg"), rc=1)
    assert np.load(tmp_path / "y.npy").shape == (1, 80) and "truncated.jpg" in r.stderr


def test_info_version_and_eval(images, tmp_path):
    d, good = images
    r = run("version", rc=0)
    assert "spectralfake" in r.stdout and "built-in model" in r.stdout
    info = json.loads(run("info", "--json", rc=0).stdout)
    assert info["features"]["preset"] == sf.Model.default().settings["preset"]
    real, fake = tmp_path / "r", tmp_path / "f"
    real.mkdir(), fake.mkdir()
    for i, p in enumerate(good[:3]):
        shutil.copy(p, real / f"{i}.jpg")
    for i, p in enumerate(good[3:]):
        shutil.copy(p, fake / f"{i}.png")
    ev = json.loads(run("eval", "--real", real, "--fake", fake, "--json", rc=0).stdout)
    for k in ("accuracy", "balanced_accuracy", "roc_auc", "average_precision", "confusion", "per_folder", "calibration"):
        assert k in ev, k
    assert sum(map(sum, ev["confusion"]["matrix"])) == len(good)
    assert {f["label"] for f in ev["per_folder"]} == {"real", "fake"}
    assert 0 <= ev["uncertain_rate"] <= 1
    assert sum(b["count"] for b in ev["calibration"]["bins"]) == len(good)
    text = run("eval", "--real", real, "--fake", fake, rc=0).stdout
    assert "balanced accuracy" in text and "calibration" in text


def test_default_model_same_score_from_c_python_and_cli(images):
    d, good = images
    m = sf.Model.default()
    py = {p: m.score_file(p) for p in good}
    cli = {x["SourceFile"]: x for x in records(run("score", "--json", *good, rc=0), "json")}
    r = subprocess.run([str(SCORE_C), "--default", *good], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    c = {l.split("\t")[0]: l.split("\t") for l in r.stdout.splitlines()}
    for p in good:
        assert cli[p]["verdict"] == py[p]["verdict"] == c[p][1], p
        assert abs(cli[p]["probability_fake"] - py[p]["probability_fake"]) <= 1e-12
        assert abs(float(c[p][2]) - py[p]["probability_fake"]) <= 1e-12
        assert abs(cli[p]["decision"] - py[p]["decision"]) <= 1e-12 * max(1, abs(py[p]["decision"]))
        assert [n.split(":")[0] for n in cli[p]["notes"]] is not None
    assert sf.Model.default().n_features_in_ == m.n_features_in_  # the same shared handle


def test_info_reads_exported_and_trained_models_alike(images, tmp_path):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC
    from sklearn.calibration import CalibratedClassifierCV
    d, good = images
    real, fake = tmp_path / "r", tmp_path / "f"
    real.mkdir(), fake.mkdir()
    for i in range(12):
        cv2.imwrite(str(real / f"{i}.png"), pink_noise(96, 96, seed=100 + i, alpha=1.0))
        cv2.imwrite(str(fake / f"{i}.png"), pink_noise(96, 96, seed=200 + i, alpha=1.6))
    trained = tmp_path / "trained.json"
    out = run("train", "--real", real, "--fake", fake, "--cv", "3", "-o", trained, rc=0).stdout
    assert "wrote" in out
    X = sf.features_batch(sorted(map(str, real.iterdir())) + sorted(map(str, fake.iterdir())))
    y = np.array([0] * 12 + [1] * 12)
    est = CalibratedClassifierCV(make_pipeline(StandardScaler(), LinearSVC()), method="sigmoid", cv=3,
                                 ensemble=False).fit(X, y)
    exported = tmp_path / "exported.json"
    sf.export(est, exported)
    a, b = (json.loads(run("info", "--json", p, rc=0).stdout) for p in (trained, exported))
    for k in ("features", "classifier", "classes", "fake_class", "probabilities", "verdict"):
        assert a[k] == b[k], k
    assert "training" in a["metadata"] and "sklearn_version" in b["metadata"]
    for p in (trained, exported):
        assert "calibrated-sigmoid(linear-svc)" in run("info", p, rc=0).stdout
        run("score", "--model", p, *good, rc=0)
