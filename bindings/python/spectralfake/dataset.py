"""The article's dataset step, on native threads.

    data = spectralfake.build_dataset("real/", "fake/", "features.pkl")
    # data == {"data": float64 (n, N), "label": float64 (n,), ...}; fake = 1.0

The article's classification step (pickle.load, then X = data["data"],
y = data["label"], SVC(kernel='linear').fit ...) runs unchanged on it.
"""
from __future__ import annotations

import os
import pickle
import sys
import time

import numpy as np

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


def list_images(folder, limit=None):
    """Image files (JPEG, PNG) under folder, recursively, in sorted order."""
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{folder}: not a directory")
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for f in sorted(files):
            if f.lower().endswith(IMAGE_EXTENSIONS):
                out.append(os.path.join(root, f))
    return out[:limit] if limit is not None else out


class _Progress:
    def __init__(self, total, enabled):
        self.total, self.done, self.enabled, self.t0 = total, 0, enabled, time.perf_counter()

    def update(self, n):
        self.done += n
        if not self.enabled:
            return
        frac = self.done / max(self.total, 1)
        bar = "#" * int(30 * frac)
        rate = self.done / max(time.perf_counter() - self.t0, 1e-9)
        sys.stderr.write(f"\r[{bar:<30}] {self.done}/{self.total} images, {rate:.0f}/s")
        sys.stderr.flush()
        if self.done >= self.total:
            sys.stderr.write("\n")


def build_dataset(real_dir, fake_dir, out_pkl=None, preset="celeba", limit=None, *, threads=None,
                  progress=None, skip_errors=True, **overrides) -> dict:
    """Features of every image in fake_dir (label 1.0) then real_dir (label
    0.0), as the article's notebook builds them, computed natively.

    Returns {"data": float64 (n, N), "label": float64 (n,), "paths": [...],
    "settings": {...}, "skipped": [(path, message), ...]} and pickles it to
    out_pkl when given. limit: at most this many images per class.
    progress: show a progress bar on stderr (default: when stderr is a terminal).
    Images that cannot be read are skipped and listed (skip_errors=False
    raises instead).
    """
    from .features import features_batch
    from .settings import settings as _settings

    fake = list_images(fake_dir, limit)
    real = list_images(real_dir, limit)
    paths = fake + real
    labels = np.concatenate([np.ones(len(fake)), np.zeros(len(real))])
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(len(paths), show)
    chunks, failures = [], []
    step = 256
    for start in range(0, len(paths), step):
        part = paths[start:start + step]
        X, fails = features_batch(part, preset, threads, errors="return", **overrides)
        if fails and not skip_errors:
            raise fails[0][1]
        for i, e in fails:
            failures.append((start + i, e.message))
        chunks.append(X)
        bar.update(len(part))
    X = np.concatenate(chunks) if chunks else np.zeros((0, _settings(preset, **overrides)["n"]))
    keep = np.ones(len(paths), dtype=bool)
    keep[[i for i, _ in failures]] = False
    skipped = [(paths[i], msg) for i, msg in failures]
    if failures:
        print(f"build_dataset: skipped {len(failures)} unreadable image(s), e.g. {skipped[0][1]}", file=sys.stderr)
    data = {
        "data": X[keep],
        "label": labels[keep],
        "paths": [p for p, k in zip(paths, keep) if k],
        "settings": _settings(preset, **overrides),
        "skipped": skipped,
    }
    if out_pkl is not None:
        with open(out_pkl, "wb") as f:
            pickle.dump(data, f)
    return data
