"""The built-in default model: its training (`make default-model`) and its
evaluation (`make default-model-report`, the tables of docs/default-model.md).

    python3 scripts/default_model.py train  DATA models/default-model.json
    python3 scripts/default_model.py report DATA [--jobs 2] > report.md

Everything is seeded; the features come from the library itself (preset
combo128), so the model scores exactly what it was trained on. The recipe
(chosen by leave-one-source-out on the shared data; docs/default-model.md):

- every image of DATA/manifest.csv (12 sources); its *training version* is
  the original file, except the lossless FFHQ thumbnails and the q100
  TPDNE-1024 fakes, re-encoded with Pillow JPEG q75 like the images they are
  compared with (format pairing);
- three augmented copies per image, alike for both classes: with p = 0.5 a
  resize by U(0.5, 1.5) (never below a 128 side; bilinear/bicubic/lanczos),
  then with p = 0.75 JPEG at quality U{60..95}, else PNG;
- "glmin" balancing: in every size group (short side 128/256/512/1024) the
  real and the fake images weigh the same (the smaller count);
- StandardScaler + LogisticRegression(C=0.1) with those sample weights;
- Platt sigmoid on 5-fold out-of-fold decision values (CalibratedClassifierCV
  (ensemble=False) with these folds), then the classifier refitted on all;
- the uncertain band: hi = the smallest t in 0.50 ... 0.99 with at least 90%
  fakes (weighted) among calibration rows above it, lo the mirror for reals;
- the out-of-distribution test "nearest source": a 20-component PCA of the
  standardised features of the training versions, a per-source mean and
  variance there; the score is the smallest mean squared standardised
  distance to a source; its threshold the 0.90 quantile of out-of-fold
  in-distribution scores;
- scope: a side under 128 pixels, JPEG quality under 60 (the lowest in
  training), and the upscale test make the verdict uncertain.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # before numpy: reproducible single-threaded linear algebra

import csv
import hashlib
import io
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
import spectralfake as sf  # noqa: E402

SEED = 20250601
N_AUG = 3
MIN_SIDE = 128
MIN_JPEG_QUALITY = 60
TAU = 0.90
OOD_K = 20
OOD_Q = 0.90
C_REG = 0.1
PAIR_REENCODE = {"ffhq_thumb_128png": 75, "stylegan2_tpdne_1024jpg": 75}
VERSIONS = ["orig", "train"] + [f"aug{k}" for k in range(1, N_AUG + 1)] + ["png", "q90", "half"]
PAIR128 = (["ffhq_thumb_128png"], ["stylegan2_tpdne_128jpg"])
PAIR512 = (["ffhq_lago_512jpg"], ["stylegan_lago_512jpg", "stylegan2_lago_512jpg"])


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------- data

def load_manifest(data: Path):
    with open(data / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["width"], r["height"] = int(r["width"]), int(r["height"])
        r["y"] = 1 if r["label"] == "fake" else 0
        s = min(r["width"], r["height"])
        r["group"] = 128 if s <= 160 else 256 if s <= 384 else 512 if s <= 768 else 1024
    return rows


def _pil():
    from PIL import Image
    return Image


def _rgb(data: bytes):
    return _pil().open(io.BytesIO(data)).convert("RGB")


def _jpeg(im, q: int) -> bytes:
    b = io.BytesIO()
    im.save(b, "JPEG", quality=int(q))
    return b.getvalue()


def _png(im) -> bytes:
    b = io.BytesIO()
    im.save(b, "PNG", compress_level=1)
    return b.getvalue()


def versions(row, orig: bytes, index: int) -> dict:
    """The encoded versions of one image: original, training version,
    augmented copies, and the shortcut probe's (PNG, JPEG q90, halved)."""
    Image = _pil()
    out = {"orig": orig}
    q = PAIR_REENCODE.get(row["source"])
    out["train"] = _jpeg(_rgb(orig), q) if q else orig
    filters = [Image.Resampling.BILINEAR, Image.Resampling.BICUBIC, Image.Resampling.LANCZOS]
    for k in range(1, N_AUG + 1):
        rng = np.random.default_rng([SEED, index, k])
        im = _rgb(out["train"])
        if rng.random() < 0.5:
            f = rng.uniform(0.5, 1.5)
            W, H = im.size
            s = min(W, H)
            s2 = max(MIN_SIDE, int(round(s * f)))
            im = im.resize((int(round(W * s2 / s)), int(round(H * s2 / s))), filters[rng.integers(3)])
        out[f"aug{k}"] = _jpeg(im, int(rng.integers(MIN_JPEG_QUALITY, 96))) if rng.random() < 0.75 else _png(im)
    im = _rgb(orig)
    out["png"] = _png(im)
    out["q90"] = _jpeg(im, 90)
    out["half"] = _png(im.resize((im.size[0] // 2, im.size[1] // 2), Image.Resampling.BICUBIC))
    return out


def _features_of(args):
    data, row, index = args
    orig = (data / row["path"]).read_bytes()
    feats, sides = {}, {}
    for v, b in versions(row, orig, index).items():
        feats[v] = sf.features(b, "combo128")
        g = sf.image_info(b)
        sides[v] = min(g["width"], g["height"])
    return index, feats, sides


def feature_cache(data: Path, rows, jobs: int) -> dict:
    """Features (combo128) of every version of every image, cached under
    .build-model/ (keyed by the manifest and the library version)."""
    key = hashlib.sha256((data / "manifest.csv").read_bytes() + sf.version().encode() + b"v1").hexdigest()[:16]
    path = ROOT / ".build-model" / f"features-{key}.npz"
    if path.exists():
        return dict(np.load(path))
    path.parent.mkdir(exist_ok=True)
    n = len(rows)
    X = {v: np.zeros((n, 556)) for v in VERSIONS}
    side = {v: np.zeros(n, int) for v in VERSIONS}
    t0 = time.time()
    tasks = [(data, r, i) for i, r in enumerate(rows)]
    if jobs > 1:
        from multiprocessing import Pool
        with Pool(jobs) as pool:
            results = pool.imap_unordered(_features_of, tasks, chunksize=16)
            for k, (i, f, s) in enumerate(results):
                for v in VERSIONS:
                    X[v][i], side[v][i] = f[v], s[v]
                if k % 500 == 0:
                    log(f"features {k}/{n} {time.time() - t0:.0f}s")
    else:
        for k, t in enumerate(tasks):
            i, f, s = _features_of(t)
            for v in VERSIONS:
                X[v][i], side[v][i] = f[v], s[v]
    out = {f"X_{v}": X[v] for v in VERSIONS}
    out.update({f"side_{v}": side[v] for v in VERSIONS})
    np.savez(path, **out)
    log(f"features of {n} images x {len(VERSIONS)} versions in {time.time() - t0:.0f}s -> {path}")
    return out


# ------------------------------------------------------------- training

class Data:
    def __init__(self, data: Path, jobs: int):
        self.rows = load_manifest(data)
        self.cache = feature_cache(data, self.rows, jobs)
        self.y = np.array([r["y"] for r in self.rows])
        self.src = np.array([r["source"] for r in self.rows])
        self.grp = np.array([r["group"] for r in self.rows])
        self.all = np.arange(len(self.rows))
        self.sources = list(dict.fromkeys(r["source"] for r in sorted(self.rows, key=lambda r: (r["label"], r["group"], r["source"]))))

    def X(self, version, idx):
        return self.cache[f"X_{version}"][idx]

    def weights(self, idx):
        """glmin: in every size group, real and fake weigh min(n_real, n_fake);
        equal weights within a (group, label) cell; mean 1."""
        y, g = self.y[idx], self.grp[idx]
        w = np.ones(len(idx))
        for gg in np.unique(g):
            mg = g == gg
            nmin = min((mg & (y == 0)).sum(), (mg & (y == 1)).sum())
            for c in (0, 1):
                m = mg & (y == c)
                if m.any():
                    w[m] = max(nmin, 1) / m.sum()
        return w * len(w) / w.sum()

    def train_set(self, idx):
        """Training version + the augmented copies of each image; an image's
        weight is shared by its rows."""
        vers = ["train"] + [f"aug{k}" for k in range(1, N_AUG + 1)]
        X = np.vstack([self.X(v, idx) for v in vers])
        y = np.tile(self.y[idx], len(vers))
        w = np.tile(self.weights(idx), len(vers)) / len(vers)
        return X, y, w * len(w) / w.sum(), np.tile(idx, len(vers)), np.repeat(np.arange(len(vers)) == 0, len(idx))

    def folds(self, idx, k=5, seed=SEED + 1):
        from sklearn.model_selection import StratifiedKFold
        skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        return [(idx[a], idx[b]) for a, b in skf.split(idx, self.src[idx])]


class NearestSource:
    """PCA (k components) of standardised features; per-source mean and variance."""

    def fit(self, Z, src, k=OOD_K):
        self.mu = Z.mean(0)
        _, S, Vt = np.linalg.svd(Z - self.mu, full_matrices=False)
        self.V = Vt[:k]
        lam = S ** 2 / (len(Z) - 1)
        U = (Z - self.mu) @ self.V.T
        self.sources = [(s, U[src == s].mean(0), U[src == s].var(0) + 1e-6 * lam[:k]) for s in np.unique(src)]
        return self

    def score(self, Z):
        U = (Z - self.mu) @ self.V.T
        return np.min([((U - m) ** 2 / v).mean(1) for _, m, v in self.sources], axis=0)


def choose_band(p, y, w, tau=TAU):
    hi, lo = 1.0, 0.0
    for t in np.round(np.arange(0.50, 1.0, 0.01), 2):
        m = p > t
        if w[m].sum() > 0 and w[m & (y == 1)].sum() / w[m].sum() >= tau:
            hi = float(t)
            break
    for t in np.round(np.arange(0.50, 0.0, -0.01), 2):
        m = p < t
        if w[m].sum() > 0 and w[m & (y == 0)].sum() / w[m].sum() >= tau:
            lo = float(t)
            break
    return lo, hi


class DefaultModel:
    """The recipe, fitted on the images idx (all of them for the shipped model)."""

    def fit(self, d: Data, idx):
        from sklearn.calibration import _SigmoidCalibration
        X, y, w, img, isb = d.train_set(idx)
        d_oof = np.zeros(len(y))
        ood_oof = np.zeros(len(y))
        for tr, te in d.folds(idx):
            a, b = np.isin(img, tr), np.isin(img, te)
            scaler, clf = self._base(X[a], y[a], w[a])
            Zb = scaler.transform(X[b])
            d_oof[b] = clf.decision_function(Zb)
            ab = a & isb
            ood_oof[b] = NearestSource().fit(scaler.transform(X[ab]), d.src[img[ab]]).score(Zb)
        self.scaler, self.clf = self._base(X, y, w)
        self.sig = _SigmoidCalibration().fit(d_oof, y, sample_weight=w)
        self.band = choose_band(self.sig.predict(d_oof), y, w)
        Z = self.scaler.transform(X)
        self.ood = NearestSource().fit(Z[isb], d.src[img[isb]])
        self.ood_threshold = float(np.quantile(ood_oof[isb], OOD_Q))
        self.calibration = dict(d=d_oof, y=y, w=w, isb=isb)
        self.n_rows, self.n_images = len(y), len(idx)
        return self

    @staticmethod
    def _base(X, y, w):
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
        scaler = StandardScaler().fit(X)
        clf = LogisticRegression(C=C_REG, max_iter=3000, tol=1e-5).fit(scaler.transform(X), y, sample_weight=w)
        return scaler, clf

    def assess(self, X, sides):
        """P(fake), OOD score and the verdict (1 fake, 0 real, -1 uncertain) of feature rows."""
        Z = self.scaler.transform(X)
        p = self.sig.predict(self.clf.decision_function(Z))
        ood = self.ood.score(Z)
        v = np.full(len(p), -1)
        v[p > self.band[1]] = 1
        v[p < self.band[0]] = 0
        v[(ood > self.ood_threshold) | (sides < MIN_SIDE)] = -1
        return p, ood, v

    def document(self, d: Data) -> dict:
        from sklearn.pipeline import Pipeline
        from spectralfake.exporter import model_document
        pipe = Pipeline([("scaler", self.scaler), ("clf", self.clf)])
        counts = {s: int((d.src == s).sum()) for s in d.sources}
        meta = {
            "name": "spectralfake-default",
            "version": "1",
            "trained_by": f"scripts/default_model.py (spectralfake {sf.version()})",
            "recipe": "combo128 features of the training versions + 3 augmented copies, glmin balancing, "
                      f"StandardScaler + LogisticRegression(C={C_REG}), Platt sigmoid on 5-fold out-of-fold "
                      f"decisions, uncertain band at {TAU:.0%} precision, nearest-source OOD (PCA {OOD_K}, "
                      f"q = {OOD_Q})",
            "training": {"images": self.n_images, "rows": self.n_rows, "sources": counts,
                         "real": int((d.y == 0).sum()), "fake": int((d.y == 1).sum())},
            "docs": "docs/default-model.md",
        }
        verdict = {
            "threshold": 0.5,
            "uncertain": [self.band[0], self.band[1]],
            "min_side": MIN_SIDE,
            "min_jpeg_quality": MIN_JPEG_QUALITY,
            "max_aspect": 1.5,
            "upscale_threshold": 1.0,
            "ood": {"type": "nearest-source", "mean": self.ood.mu.tolist(), "projection": self.ood.V.tolist(),
                    "sources": [{"name": str(s), "mean": m.tolist(), "variance": v.tolist()}
                                for s, m, v in self.ood.sources],
                    "threshold": self.ood_threshold},
        }
        doc = model_document(pipe, preset="combo128", fake_label=1, metadata=meta, verdict=verdict)
        base = doc["classifier"]
        base["probability"] = None
        doc["classifier"] = {"type": "calibrated", "method": "sigmoid", "base": base,
                             "a": float(self.sig.a_), "b": float(self.sig.b_)}
        return doc


def train(data: Path, out: Path, jobs: int):
    from spectralfake.exporter import write_document
    d = Data(data, jobs)
    t0 = time.time()
    m = DefaultModel().fit(d, d.all)
    text = write_document(m.document(d), out)
    # the shipped file scores the training versions as the study's model does
    lib = sf.Model.from_bytes(text.encode())
    X = d.X("orig", d.all[::37])
    p_lib = lib.predict_proba(X)[:, 1]
    p_ref, _, _ = m.assess(X, np.full(len(X), 10 ** 6))
    dev = float(np.max(np.abs(p_lib - p_ref)))
    assert dev < 1e-9, dev
    log(f"trained on {m.n_images} images ({m.n_rows} rows) in {time.time() - t0:.0f}s; band {m.band}, "
        f"OOD threshold {m.ood_threshold:.4f}; wrote {out} ({len(text)} bytes; library vs sklearn P(fake) {dev:.1e})")


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=FutureWarning)
    args = sys.argv[1:]
    jobs = 2
    if "--jobs" in args:
        i = args.index("--jobs")
        jobs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) >= 2 and args[0] == "train":
        train(Path(args[1]), Path(args[2] if len(args) > 2 else ROOT / "models" / "default-model.json"), jobs)
    elif len(args) >= 2 and args[0] == "report":
        from default_model_report import report
        report(Data(Path(args[1]), jobs), DefaultModel, jobs)
    else:
        sys.exit(__doc__)
