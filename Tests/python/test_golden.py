"""Golden test: the 1000 CelebA GAN images against the published feature rows
of celeba_low_1000.pkl (Durall et al.), within 1e-9, each image to a distinct
row."""
import csv
import pickle

import numpy as np

import spectralfake as sf


def test_golden_celeba_1000(data):
    with open(data / "golden" / "celeba_low_1000.pkl", "rb") as f:
        golden = pickle.load(f)
    G = golden["data"]
    assert G.shape == (2000, 80)
    rows = {}
    with open(data / "golden" / "celeba_low_1000_rowmap.csv") as f:
        for r in csv.DictReader(f):
            rows[r["path"]] = int(r["row"])
    paths = sorted(rows)
    assert len(paths) == 1000
    X = sf.features_batch([str(data / p) for p in paths], threads=2)
    # each image to its published row, within 1e-9
    worst = 0.0
    for i, p in enumerate(paths):
        row = G[rows[p]]
        assert golden["label"][rows[p]] == 1.0
        d = np.max(np.abs(X[i] - row))
        worst = max(worst, d)
        assert d <= 1e-9, f"{p}: max abs diff {d:.3e} to golden row {rows[p]}"
    # ...and that row is the nearest of all 2000 rows, distinct for every image
    nearest = set()
    for i in range(0, 1000):
        d = np.max(np.abs(G - X[i]), axis=1)
        j = int(d.argmin())
        assert j == rows[paths[i]], f"{paths[i]}: nearest golden row {j}, expected {rows[paths[i]]}"
        nearest.add(j)
    assert len(nearest) == 1000
    print(f"golden: 1000 images, max abs diff {worst:.2e}")
