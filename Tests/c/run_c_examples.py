"""Builds nothing: runs the C examples (already compiled against dist/ via
pkg-config by `make examples`) and checks their output against the Python
binding, which goes through the same library.

    python3 Tests/c/run_c_examples.py DIST_BIN SAMPLES_DIR
"""
import csv
import glob
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bindings", "python"))
import spectralfake as sf  # noqa: E402


def run(cmd, expect_rc=0):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != expect_rc:
        raise SystemExit(f"{cmd[0]} exited {r.returncode} (expected {expect_rc})\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def main(bin_dir, samples):
    images = sorted(glob.glob(os.path.join(samples, "*.jpg")) + glob.glob(os.path.join(samples, "*.png")))
    assert len(images) >= 6, f"no sample images in {samples} (run make samples)"

    # sf-features: CSV rows equal to the binding's features, bit for bit
    for preset in ("celeba", "faces-hq", "ffpp", "upconv"):
        r = run([os.path.join(bin_dir, "sf-features"), "--preset", preset, "--threads", "2", *images])
        rows = list(csv.reader(r.stdout.splitlines()))
        assert [row[0] for row in rows] == images
        for row in rows:
            got = np.array([float(v) for v in row[1:]])
            want = sf.features(row[0], preset)
            assert got.shape == want.shape and np.allclose(got, want, rtol=1e-13, atol=0), (preset, row[0])
    print(f"sf-features: {len(images)} images x 4 presets match the Python binding")

    # a failing file: reported on stderr, exit status 1, the others still printed
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.jpg")
        with open(bad, "wb") as f:
            f.write(b"\xff\xd8\xff\xe0 not really a jpeg")
        r = run([os.path.join(bin_dir, "sf-features"), images[0], bad, images[1]], expect_rc=1)
        assert len(r.stdout.splitlines()) == 2 and "bad.jpg" in r.stderr and "SF_ERR_" in r.stderr

        # sf-score: train a small model on the samples, export, score from C
        from sklearn.linear_model import LogisticRegression
        X = sf.features_batch(images)
        y = np.array([1 if "upsampled" in os.path.basename(p) else 0 for p in images])
        clf = LogisticRegression().fit(X, y)
        model = os.path.join(d, "model.json")
        sf.export(clf, model, preset="celeba", fake_label=1)
        r = run([os.path.join(bin_dir, "sf-score"), model, *images, bad], expect_rc=1)
        lines = [l.split("\t") for l in r.stdout.splitlines()]
        assert [l[0] for l in lines] == images
        m = sf.Model.load(model)
        for path, verdict, prob, dec, label in lines:
            s = m.score_file(path)
            assert verdict == s["label"], path
            assert abs(float(prob) - s["probability_fake"]) <= 1e-12
            assert abs(float(dec) - clf.decision_function(sf.features(path)[None])[0]) <= 1e-9
            assert label == str(clf.predict(sf.features(path)[None])[0])
        assert "bad.jpg" in r.stderr
        print(f"sf-score: {len(images)} images scored from C, identical to the Python binding and sklearn")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
