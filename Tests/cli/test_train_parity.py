"""`spectralfake train` against scikit-learn: the same features, order and
parameters give decision values within 1e-6 (docs/training.md). The
features come from `spectralfake features` with bit-reproducible FFT plans,
so both sides see the same bytes."""
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
import spectralfake as sf  # noqa: E402

CLI = ROOT / "dist" / "bin" / "spectralfake"
DATA = Path(os.environ.get("SPECTRALFAKE_DATA", ROOT.parent / "shared" / "data"))


def run(*args):
    r = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """60 real (LFW) and 60 fake (CelebA GAN) faces, as links."""
    if not (DATA / "manifest.csv").exists():
        pytest.skip(f"shared data not found at {DATA}")
    d = tmp_path_factory.mktemp("train")
    out = {}
    for label, src in (("real", "real/lfw_250jpg"), ("fake", "fake/durall_celeba_gan_128jpg")):
        (d / label).mkdir()
        for p in sorted((DATA / "faces" / src).iterdir())[:60]:
            (d / label / p.name).symlink_to(p)
        out[label] = d / label
    X_path = d / "X.npy"
    run("features", "--fft-planning", "estimate", "-o", X_path, out["real"], out["fake"])
    X = np.load(X_path)
    y = np.array([0] * 60 + [1] * 60)
    return out["real"], out["fake"], X, y, d


def sklearn_model(kind, tol, C=1.0, balanced=False):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, LinearSVC
    cw = "balanced" if balanced else None
    est = {"svm-rbf": lambda: SVC(kernel="rbf", C=C, tol=tol or 1e-3, class_weight=cw),
           "svm-linear": lambda: LinearSVC(C=C, tol=tol or 1e-4, class_weight=cw),
           "logreg": lambda: LogisticRegression(solver="liblinear", C=C, tol=tol or 1e-4, class_weight=cw)}[kind]()
    return make_pipeline(StandardScaler(), est)


CASES = [("svm-rbf", None, 1.0, False), ("svm-rbf", None, 10.0, True), ("svm-linear", 1e-14, 1.0, False),
         ("svm-linear", 1e-14, 0.1, True), ("logreg", 1e-14, 1.0, False), ("logreg", 1e-14, 10.0, True)]


@pytest.mark.parametrize("kind,tol,C,balanced", CASES)
def test_decision_values_match_sklearn(folders, kind, tol, C, balanced):
    from sklearn.exceptions import ConvergenceWarning
    real, fake, X, y, d = folders
    out = d / f"{kind}-{C}-{balanced}.json"
    args = ["train", "--real", real, "--fake", fake, "--classifier", kind, "--C", C, "--calibrate", "none",
            "--fft-planning", "estimate", "-o", out]
    if tol:
        args += ["--tol", tol]
    if balanced:
        args.append("--balanced")
    run(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = sklearn_model(kind, tol, C, balanced).fit(X, y)
    ours = sf.Model.load(out).decision_function(X)
    theirs = est.decision_function(X)
    dev = float(np.max(np.abs(ours - theirs) / np.maximum(1, np.abs(theirs))))
    print(f"{kind} C={C} balanced={balanced} tol={tol}: max deviation {dev:.2e}")
    assert dev <= 1e-6, dev
    assert np.array_equal(ours > 0, theirs > 0)


def test_calibrated_probabilities_match_sklearn(folders):
    """CalibratedClassifierCV(SVC, sigmoid / isotonic, cv=5, ensemble=False)."""
    from sklearn.calibration import CalibratedClassifierCV
    real, fake, X, y, d = folders
    for method in ("sigmoid", "isotonic"):
        out = d / f"cal-{method}.json"
        run("train", "--real", real, "--fake", fake, "--classifier", "svm-rbf", "--calibrate", method,
            "--fft-planning", "estimate", "-o", out)
        est = CalibratedClassifierCV(sklearn_model("svm-rbf", None), method=method, cv=5, ensemble=False).fit(X, y)
        ours = sf.Model.load(out).predict_proba(X)[:, 1]
        theirs = est.predict_proba(X)[:, 1]
        dev = float(np.max(np.abs(ours - theirs)))
        print(f"calibrated {method}: max |dP| {dev:.2e}")
        assert dev <= 1e-6, (method, dev)
        doc = json.loads(out.read_text())
        assert doc["classifier"]["type"] == "calibrated" and doc["classifier"]["method"] == method


def test_grid_search_picks_the_best_cross_validated_point(folders):
    real, fake, X, y, d = folders
    out = d / "grid.json"
    run("train", "--real", real, "--fake", fake, "--classifier", "svm-linear", "--grid", "--cv", "3",
        "--calibrate", "none", "--tol", "1e-10", "--fft-planning", "estimate", "-o", out)
    meta = json.loads(out.read_text())["metadata"]["training"]
    best = max(meta["grid"], key=lambda g: g["cv_accuracy"])
    assert meta["C"] == best["C"] and meta["cv_accuracy"] == best["cv_accuracy"]
    assert len(meta["grid"]) == 5
