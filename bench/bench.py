"""make bench: libspectralfake against the numpy pipelines, in one run.

Single thread, per image (median over rounds), on 1024x1024 JPEGs, and also
on 128x128 and 256x256; then batch throughput with 1 and 2 native threads.
Reads images from ../shared/data when present, else generates JPEGs.
Prints a table and the ratios; writes nothing into the repo.
"""
from __future__ import annotations

import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

cv2.setNumThreads(1)
sys.path.insert(0, os.path.dirname(__file__))
import pipelines  # noqa: E402
import spectralfake as sf  # noqa: E402

DATA = os.environ.get("SPECTRALFAKE_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def images(size, count):
    pats = {
        1024: ["faces/real/ffhq_1024jpg/*.jpg", "faces/fake/stylegan2_tpdne_1024jpg/*.jpg"],
        256: ["faces/real/ffhq_140k_256jpg/*.jpg", "faces/fake/stylegan_1mfakefaces_256jpg/*.jpg"],
        128: ["faces/fake/durall_celeba_gan_128jpg/*.jpg", "faces/fake/stylegan2_tpdne_128jpg/*.jpg"],
    }[size]
    found = []
    for p in pats:
        found += sorted(glob.glob(os.path.join(DATA, p)))[: count // len(pats) + 1]
    if len(found) >= 4:
        return found[:count], "shared data"
    tmp = tempfile.mkdtemp(prefix="sfbench")
    rng = np.random.default_rng(size)
    out = []
    for i in range(count):
        img = cv2.GaussianBlur(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), (5, 5), 1.5)
        p = os.path.join(tmp, f"{i}.jpg")
        cv2.imwrite(p, img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        out.append(p)
    return out, "generated"


def per_image(fn, paths, rounds, warm=40):
    # warm caches (plans - the library switches a size to MEASURE plans at
    # its 32nd image -, bin maps, spline matrices, imports)
    for i in range(warm):
        fn(paths[i % len(paths)])
    times = []
    for _ in range(rounds):
        for p in paths:
            t = time.perf_counter()
            fn(p)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def batch_throughput(paths, threads, rounds):
    sf.features_batch(paths[:2], threads=threads)
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        sf.features_batch(paths, threads=threads)
        best = min(best, time.perf_counter() - t)
    return len(paths) / best


def main():
    print(f"libspectralfake {sf.version()} ({sf.library_path()})")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, opencv {cv2.__version__}")
    rows = []
    for size, count, rounds in ((1024, 40, 3), (256, 28, 10), (128, 100, 5)):
        paths, origin = images(size, count)
        # the three give the same numbers (checked here, not only in the tests)
        a, b, c = sf.features(paths[0]), pipelines.numpy_features(paths[0]), pipelines.seed_features(paths[0])
        d = pipelines.numpy_fft2_features(paths[0])
        dev = max(np.max(np.abs(a - b)), np.max(np.abs(a - c)), np.max(np.abs(a - d)))
        t_seed = per_image(pipelines.seed_features, paths[: max(4, count // 4)], 1 if size == 1024 else 2, warm=1)
        t_np2 = per_image(pipelines.numpy_fft2_features, paths, rounds)
        t_np = per_image(pipelines.numpy_features, paths, rounds)
        t_sf = per_image(sf.features, paths, rounds)
        t_dec = per_image(sf.decode, paths, rounds)
        thr1 = batch_throughput(paths, 1, rounds)
        thr2 = batch_throughput(paths, 2, rounds)
        rows.append((size, len(paths), origin, t_seed, t_np2, t_np, t_sf, t_dec, thr1, thr2, dev))
    print()
    print("Per image, single thread (median); ratios = numpy time / library time.")
    print()
    print("| size | images | seed as written | numpy fft2 + cached bins | best numpy (rfft2, cached bins) | "
          "libspectralfake | vs seed | vs numpy fft2 | vs best numpy | batch 1 thread | batch 2 threads | "
          "2T/1T | max abs diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size, n, origin, ts, tn2, tn, tf, td, t1, t2, dev in rows:
        print(f"| {size}x{size} | {n} ({origin}) | {ts*1e3:.2f} ms | {tn2*1e3:.2f} ms | {tn*1e3:.2f} ms | "
              f"{tf*1e3:.2f} ms | **{ts/tf:.1f}x** | **{tn2/tf:.1f}x** | **{tn/tf:.1f}x** | {t1:.0f} img/s | "
              f"{t2:.0f} img/s | **{t2/t1:.2f}x** | {dev:.1e} |")
    floor = os.path.join(os.path.dirname(__file__), "..", "dist", "bin", "sf-floor")
    if os.path.exists(floor):
        print()
        for size in (1024, 256, 128):
            paths, _ = images(size, 40 if size == 1024 else 100)
            # one JPEG flavour at a time (the 1024 sets differ: q75 baseline vs q100 progressive)
            groups = {}
            for p in paths:
                groups.setdefault(os.path.dirname(p), []).append(p)
            for d, ps in groups.items():
                out = subprocess.run([floor, *ps], capture_output=True, text=True).stdout.strip()
                print(f"{os.path.basename(d) or 'generated'}: {out}")


if __name__ == "__main__":
    main()
