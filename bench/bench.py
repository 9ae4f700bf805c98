"""make bench: libspectralfake against its floor and the numpy pipelines, in one run.

For each set of images (128, 256, 512, 1024 JPEG q75 baseline, 1024 JPEG
q100 progressive from ../shared/data; 2048 generated at run time into a
temporary folder) it measures, on the same files:

- the floor and the library from C (bench/floor.c, built as sf-floor):
  libjpeg gray decode + FFTW r2c 2-D (MEASURE plan), and sf_features_memory
  on the same bytes, with its stages, each in passes over the files and
  also alternating image by image;
- per file, one thread, in a fresh process per set: sf.features(path), the
  strongest numpy pipeline (pipelines.numpy_features) and the numpy fft2
  variant, each in passes over the files (as a folder run calls them), and
  the first two also alternating file by file; the seed's code as written
  on a few files; batch throughput with 1 and 2 native threads;
- the first-image cost (a fresh child process, warm wisdom) and the peak
  RSS of a 1,000-image batch (a child process);
- once: Spark local[2] (spectralfake.spark.features_images) against the
  library's own 2-thread batch on the same files, when pyspark is there.

FFT plans are pinned on both sides with FFTW wisdom files (library:
SPECTRALFAKE_FFT_WISDOM; floor: --wisdom). Prints markdown tables;
--write-readme and --write-docs put them between the bench markers of
README.md and docs/performance.md (docs/performance.md explains the
columns). Never writes images into the repository.
"""
from __future__ import annotations

import itertools
import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):   # numpy on one thread
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
DATA = os.environ.get("SPECTRALFAKE_DATA", os.path.join(ROOT, "..", "shared", "data"))
RSS_IMAGES = 1000
FIRST_CALLS = 40   # > 32: the "auto" policy re-plans a size at its 32nd image


# ------------------------------------------------------------------ sets

@dataclass
class ImageSet:
    key: str
    label: str
    size: int
    globs: list
    per_glob: int
    quality: int = 75
    progressive: bool = False
    files: list = field(default_factory=list)
    origin: str = ""


SETS = [
    ImageSet("128", "128x128 JPEG q75 (DCGAN-CelebA, TPDNE-128)", 128,
             ["faces/fake/durall_celeba_gan_128jpg/*.jpg", "faces/fake/stylegan2_tpdne_128jpg/*.jpg"], 100),
    ImageSet("256", "256x256 JPEG q95 (140k FFHQ + StyleGAN)", 256,
             ["faces/real/ffhq_140k_256jpg/*.jpg", "faces/fake/stylegan_1mfakefaces_256jpg/*.jpg"], 14, 95),
    ImageSet("512", "512x512 JPEG q95 (Lago FFHQ, StyleGAN 1/2)", 512,
             ["faces/real/ffhq_lago_512jpg/*.jpg", "faces/fake/stylegan_lago_512jpg/*.jpg",
              "faces/fake/stylegan2_lago_512jpg/*.jpg"], 20, 95),
    ImageSet("1024", "1024x1024 JPEG q75 baseline (FFHQ)", 1024, ["faces/real/ffhq_1024jpg/*.jpg"], 40),
    ImageSet("1024p", "1024x1024 JPEG q100 progressive (TPDNE)", 1024,
             ["faces/fake/stylegan2_tpdne_1024jpg/*.jpg"], 40, 100, True),
    ImageSet("2048", "2048x2048 JPEG q75 (generated: FFHQ 2x + grain)", 2048, [], 10),
]
SPARK_GLOBS = SETS[0].globs


def shared(globs, per_glob):
    out = []
    for g in globs:
        out += sorted(glob.glob(os.path.join(DATA, g)))[:per_glob]
    return out


def pink_noise(n, rng):
    """Unit-variance 1/f noise, n x n."""
    import numpy as np
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.rfftfreq(n)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    z = np.fft.irfft2((rng.standard_normal(f.shape) + 1j * rng.standard_normal(f.shape)) / f, s=(n, n))
    return z / z.std()


def generate(s: ImageSet, folder: str, sources=()):
    """s.per_glob JPEGs of s.size: the given photos resized (cubic) with 1/f
    grain and sensor noise added (detail a real photo at that size has), or
    1/f noise scenes when there are no photos."""
    import cv2
    import numpy as np
    rng = np.random.default_rng(s.size)
    grain = pink_noise(s.size, rng).astype(np.float32)
    params = [cv2.IMWRITE_JPEG_QUALITY, s.quality, cv2.IMWRITE_JPEG_PROGRESSIVE, int(s.progressive)]
    out = []
    for i in range(s.per_glob):
        if sources:
            img = cv2.imread(sources[i % len(sources)], cv2.IMREAD_COLOR)
            img = cv2.resize(img, (s.size, s.size), interpolation=cv2.INTER_CUBIC).astype(np.float32)
            noise = 5.0 * np.roll(grain, (int(rng.integers(s.size)), int(rng.integers(s.size))), (0, 1))
            img += (noise + rng.normal(0.0, 3.0, noise.shape).astype(np.float32))[..., None]
        else:
            base = np.stack([pink_noise(s.size, rng) for _ in range(3)], -1)
            img = 128 + 40 * base
        p = os.path.join(folder, f"gen{s.size}_{i:02d}.jpg")
        cv2.imwrite(p, np.clip(img, 0, 255).astype(np.uint8), params)
        out.append(p)
    return out


def resolve(s: ImageSet, tmp: str):
    if s.globs:
        s.files = shared(s.globs, s.per_glob)
        if len(s.files) >= 4:
            s.origin = "shared"
            return
    src = shared(["faces/real/ffhq_1024jpg/*.jpg"], s.per_glob) if s.size == 2048 else []
    s.files = generate(s, tmp, src)
    s.origin = "generated"
    if not src:
        s.label = f"{s.size}x{s.size} JPEG q{s.quality}{' progressive' if s.progressive else ''} (generated noise)"


# ----------------------------------------------------------- measuring

def clock(fn, arg):
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


def _best_rounds(fns: dict, paths, budget: float, min_rounds: int, schedule):
    """Seconds per call of each function: rounds (at least `min_rounds`,
    then until `budget` seconds) of the (function, file index) calls that
    `schedule(round)` lists; per file the best round (other work only ever
    adds time), then the median over the files."""
    best = {k: [float("inf")] * len(paths) for k in fns}
    start = time.perf_counter()
    rounds = 0
    while rounds < min_rounds or time.perf_counter() - start < budget:
        for k, i in schedule(rounds):
            best[k][i] = min(best[k][i], clock(fns[k], paths[i]))
        rounds += 1
    return {k: statistics.median(v) for k, v in best.items()}, rounds


def interleaved(fns: dict, paths, budget: float, min_rounds: int = 3):
    """File by file: the functions called in turn on each file, in an order
    rotating with the file and the round. Each call finds the caches the
    other pipelines left."""
    names = list(fns)
    n = len(names)
    return _best_rounds(fns, paths, budget, min_rounds,
                        lambda r: ((names[(i + j + r) % n], i) for i in range(len(paths)) for j in range(n)))


def in_passes(fns: dict, paths, budget: float, min_rounds: int = 4):
    """As a folder run calls them: in each round every function runs over
    all the files, one function after the other, in one of the orders of
    the functions (all of them over the rounds)."""
    orders = list(itertools.permutations(fns))
    return _best_rounds(fns, paths, budget, max(min_rounds, len(orders)),
                        lambda r: ((k, i) for k in orders[r % len(orders)] for i in range(len(paths))))


def batch_rates(sf, paths, t_one: float, rounds: int = 5):
    """Images/s of sf.features_batch with 1 and 2 threads (best of rounds),
    over the set's files repeated to about 1 s of one-thread work (at least
    40 items, at most 10,000; with fewer, one thread's wait for the other's
    last image weighs on the 2-thread time)."""
    k = max(len(paths), 40, min(10000, int(1.0 / max(t_one, 1e-6))))
    k += k % 2
    items = [paths[i % len(paths)] for i in range(k)]
    sf.features_batch(items[:4], threads=2)
    best = {1: float("inf"), 2: float("inf")}
    for _ in range(rounds):
        for th in (1, 2):
            t = time.perf_counter()
            sf.features_batch(items, threads=th)
            best[th] = min(best[th], time.perf_counter() - t)
    return k / best[1], k / best[2], k


def child(kind: str, payload, timeout=900, env=None):
    """Runs this script as `--child kind` in a fresh process; its last
    stdout line is JSON."""
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", kind, json.dumps(payload)],
                       capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"child {kind} failed ({r.returncode}): {r.stderr.strip()[-1500:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def child_prime(files_by_set):
    """Every size through the library FIRST_CALLS times, then exit: the
    library's wisdom file then holds the plans of every size."""
    import spectralfake as sf
    for files in files_by_set:
        for i in range(FIRST_CALLS):
            sf.features(files[i % len(files)])
    return {"ok": True}


def child_cold(files):
    """The very first call of a fresh process (loading the library, its
    one-time set-up, the size's setup), and a steady call on that file
    (best of 7)."""
    import spectralfake as sf
    first = clock(sf.features, files[0])
    steady = min(clock(sf.features, files[0]) for _ in range(7))
    return {"first": first, "steady": steady}


def child_first(files):
    """Setup cost of the first image of a size in a fresh process: the
    first call minus the steady call on the same file (best of 7 after 40
    calls); the library is loaded first on a 96x96 array (another size)."""
    import numpy as np

    import spectralfake as sf
    sf.features(np.random.default_rng(0).integers(0, 256, (96, 96), dtype=np.uint8))
    t = [clock(sf.features, files[i % len(files)]) for i in range(FIRST_CALLS)]
    steady0 = min(clock(sf.features, files[0]) for _ in range(7))
    rest = statistics.median(t[1:])
    return {"first": t[0], "steady": steady0, "setup": t[0] - steady0,
            "stall": max(t[1:]) - rest, "stall_at": 2 + t[1:].index(max(t[1:])),
            "excess": sum(t) - t[0] - (len(t) - 1) * rest}


def child_python(payload):
    """Per file, one thread: the library, the strongest numpy and numpy
    fft2 in passes over the files (half the budget), the library and the
    strongest numpy file by file (the other half); the seed's code on a few
    files; then the batches. The library goes first (its FFT buffers are
    made before numpy's)."""
    import cv2
    import numpy as np

    import pipelines
    import spectralfake as sf
    cv2.setNumThreads(1)
    files = payload["files"]
    a = sf.features(files[0])
    diffs = [np.abs(a - pipelines.numpy_features(files[0])).max(),
             np.abs(a - pipelines.numpy_fft2_features(files[0])).max()]
    if payload["seed"]:
        diffs.append(np.abs(a - pipelines.seed_features(files[0])).max())
    # warm: the library past the image at which a size without wisdom is
    # measured, numpy's cached maps
    for i in range(FIRST_CALLS):
        sf.features(files[i % len(files)])
    for p in files[:3]:
        pipelines.numpy_features(p)
        pipelines.numpy_fft2_features(p)
    fns = {"library": sf.features, "numpy": pipelines.numpy_features, "fft2": pipelines.numpy_fft2_features}
    py, rounds = in_passes(fns, files, payload["budget"] / 2)
    mixed, mixed_rounds = interleaved({k: fns[k] for k in ("library", "numpy")}, files, payload["budget"] / 2)
    if payload["seed"]:
        t0, ts = time.perf_counter(), []
        for p in files:
            ts.append(clock(pipelines.seed_features, p))
            if len(ts) >= 2 and time.perf_counter() - t0 > payload["seed_budget"]:
                break
        py["seed"] = statistics.median(ts)
    b1, b2, k = batch_rates(sf, files, py["library"])
    return {"python": py, "rounds": rounds, "mixed": mixed, "mixed_rounds": mixed_rounds,
            "maxdiff": float(max(diffs)), "batch1": b1, "batch2": b2, "batch_items": k}


def child_batch2(payload):
    """Images/s of sf.features_batch(files, threads=2), best of rounds."""
    import spectralfake as sf
    files = payload["files"]
    sf.features_batch(files[:4], threads=2)
    return {"rate": len(files) / min(clock(lambda ps: sf.features_batch(ps, threads=2), files)
                                     for _ in range(payload["rounds"]))}


def vm_hwm():
    """This process's peak RSS in KiB. (ru_maxrss would do in a process
    started from a small one; Linux carries the parent's RSS over fork and
    exec into it, and this parent holds numpy, SciPy and OpenCV.)"""
    with open("/proc/self/status") as f:
        return int(re.search(r"^VmHWM:\s*(\d+)", f.read(), re.M).group(1))


def child_rss(payload):
    import spectralfake as sf
    files, n = payload["files"], payload["n"]
    sf.version()
    before = vm_hwm()
    t = time.perf_counter()
    sf.features_batch([files[i % len(files)] for i in range(n)], threads=2)
    t = time.perf_counter() - t
    return {"before_kib": before, "peak_kib": vm_hwm(), "seconds": t}


def child_spark(payload):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in [os.path.join(ROOT, "bindings", "python"),
                                                            os.environ.get("PYTHONPATH", "")] if p)
    from spectralfake.spark import features_images, local_session
    t = time.perf_counter()
    spark = local_session("spectralfake-bench", 2, spark__sql__files__openCostInBytes=8192,
                          spark__sql__files__maxPartitionBytes="16m",
                          spark__sql__execution__arrow__maxRecordsPerBatch=256)
    startup = time.perf_counter() - t
    folder = payload["folder"]
    try:
        df = features_images(spark, folder)
        rows = df.select("error").collect()                      # warm-up action (workers, plans)
        errors = sum(r["error"] is not None for r in rows)
        times = []
        for _ in range(payload["rounds"]):
            t = time.perf_counter()
            features_images(spark, folder).write.format("noop").mode("overwrite").save()
            times.append(time.perf_counter() - t)
        parts = features_images(spark, folder).rdd.getNumPartitions()
    finally:
        spark.stop()
    return {"rows": len(rows), "errors": errors, "best": min(times), "times": times, "startup": startup,
            "partitions": parts}


CHILDREN = {"prime": child_prime, "python": child_python, "batch2": child_batch2, "cold": child_cold,
            "first": child_first, "rss": child_rss, "spark": child_spark}


# -------------------------------------------------------------- report

def ms(sec):
    v = sec * 1e3
    if v >= 100:
        return f"{v:.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    if v >= 1:
        return f"{v:.2f} ms"
    return f"{v:.3f} ms"


def plan_note(f):
    return "from wisdom" if f.get("plan_from_wisdom") else "measured"


def dms(sec):
    """A signed difference, e.g. +0.029 ms."""
    return ("+" if sec >= 0 else "-") + ms(abs(sec))


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cpu, cores


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def tables(run):
    """The markdown of one run: {name: text}."""
    res = [r for r in run["sets"]]
    main_rows, setup_rows, stage_rows, extra_rows = [], [], [], []
    for r in res:
        f = r.get("floor")
        py = r["python"]
        c_cols = ["n/a"] * 3
        if f:
            c_cols = [ms(f["floor"] / 1e3), ms(f["sf_memory"] / 1e3),
                      f"**{f['sf_memory'] / f['floor']:.2f}x** ({dms((f['sf_memory'] - f['floor']) / 1e3)})"]
        main_rows.append([r["label"], str(r["n"]), *c_cols, ms(py["library"]), ms(py["numpy"]),
                          f"**{py['numpy'] / py['library']:.2f}x**"])
        fi, rss = r["first"], r["rss"]
        setup_rows.append([r["label"], ms(fi["setup"]), f"{r['batch1']:.0f} img/s", f"{r['batch2']:.0f} img/s",
                           f"**{r['batch2'] / r['batch1']:.2f}x**",
                           f"{rss['peak_kib'] / 1024:.0f} MiB (+{(rss['peak_kib'] - rss['before_kib']) / 1024:.0f})"])
        if f:
            beyond = f["sf_image"] - f["convert"] - f["fft"]
            glue = f["sf_memory"] - f["sf_decode"] - f["sf_image"]
            stage_rows.append([r["label"], ms(f["decode"] / 1e3), ms(f["sf_decode"] / 1e3), ms(f["convert"] / 1e3),
                               ms(f["fft"] / 1e3), ms(f["sf_image"] / 1e3), dms(beyond / 1e3),
                               dms(glue / 1e3), ms(f["floor"] / 1e3), ms(f["sf_memory"] / 1e3)])
        seed = py.get("seed")
        mx = r["mixed"]
        ib = f.get("image_by_image") if f else None
        extra_rows.append([r["label"], ms(seed) if seed else "-", ms(py["fft2"]),
                           f"{seed / py['library']:.1f}x" if seed else "-", f"{py['fft2'] / py['library']:.2f}x",
                           f"{r['maxdiff']:.1e}", f"{ms(fi['first'])} / {ms(fi['steady'])}",
                           f"{ms(fi['stall'])} (call {fi['stall_at']})", ms(r["cold"]["first"]),
                           ms(f["sf_first"] / 1e3) if f else "-",
                           (f"{f['plan']:.1f} ms ({plan_note(f)})" if f else "-"),
                           f"{mx['library'] * 1e3:.3g} / {mx['numpy'] * 1e3:.3g} ms = **{mx['numpy'] / mx['library']:.2f}x**",
                           (f"{ms(ib['sf_memory'] / 1e3)} / {ms(ib['floor'] / 1e3)} = "
                            f"**{ib['sf_memory'] / ib['floor']:.2f}x**" if ib else "-"),
                           f"{r['rounds']} + {r['mixed_rounds']} x {r['n']}", str(r["batch_items"])])
    m = run["meta"]
    head = (f"Measured by `make bench` on {m['date']}: {m['cpu']}, {m['cores']} cores, libspectralfake "
            f"{m['library']}, {m['fftw']}, Python {m['python']}, numpy {m['numpy']}, SciPy {m['scipy']}, "
            f"OpenCV {m['opencv']}; load average {m['load_start']:.2f} at the start, {m['load_end']:.2f} at the end.")
    t_main = table(["images", "files", "floor: decode + FFT", "library from C", "from C / floor (gap)",
                    "library from Python", "strongest numpy", "numpy / library"], main_rows)
    t_setup = table(["images", "first image of the size: setup", "batch, 1 thread", "batch, 2 threads",
                     "2 threads / 1", f"peak RSS, {RSS_IMAGES:,}-image batch (+ over the idle process)"], setup_rows)
    t_stage = table(["images", "libjpeg gray decode", "library decode", "u8 -> double (floor's loop)", "FFTW r2c",
                     "library: features of the decoded image", "of which beyond u8 -> double + FFT",
                     "library glue", "floor", "library from C"], stage_rows)
    t_extra = table(["images", "seed as written", "numpy fft2 + cached rings", "seed / library",
                     "numpy fft2 / library", "max abs diff", "first call / steady (Python)",
                     "worst later call (calls 2-40)", "first call of a fresh process (Python)",
                     "library's first call from C", "floor's MEASURE plan",
                     "file by file: library / numpy (Python)", "image by image: library from C / floor",
                     "rounds (passes + file by file) x files",
                     "batch size"], extra_rows)
    sp = run.get("spark")
    if sp and "skipped" not in sp:
        spark = (f"Spark `local[2]` (`spectralfake.spark.features_images`, {sp['n']} files of the 128x128 sets, "
                 f"{sp['partitions']} partitions, best of {len(sp['times'])} after a warm-up job): "
                 f"**{sp['rate']:.0f} img/s**; the library's own 2-thread batch on the same files: "
                 f"{sp['native']:.0f} img/s; Spark / library **{sp['rate'] / sp['native']:.2f}x**.")
    else:
        spark = f"Spark line skipped: {sp['skipped'] if sp else 'not run'}."
    return {"head": head, "main": t_main, "setup": t_setup, "stages": t_stage, "extra": t_extra, "spark": spark}


def readme_block(t):
    return "\n\n".join([
        t["head"],
        "Per image, one thread (for each file its best of several rounds, then the median over the files; "
        "files in the page cache):",
        t["main"],
        "First image, batches and memory:",
        t["setup"],
        t["spark"],
    ])


def docs_blocks(t):
    return {
        "run": "\n\n".join([t["head"], t["main"], t["setup"], t["spark"]]),
        "stages": t["stages"],
        "extra": t["extra"],
    }


def replace_block(path, name, content):
    """Replaces the text between <!-- bench[:name]:begin --> and
    <!-- bench[:name]:end --> in path."""
    tag = f"bench:{name}" if name else "bench"
    begin, end = f"<!-- {tag}:begin -->", f"<!-- {tag}:end -->"
    with open(path) as f:
        text = f.read()
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise SystemExit(f"{path}: markers {begin} ... {end} not found")
    text = text[: i + len(begin)] + "\n" + content.strip() + "\n" + text[j:]
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------------- main

def measure_set(s: ImageSet, args, wisdom_floor):
    r = {"key": s.key, "label": s.label, "n": len(s.files), "origin": s.origin}
    files = s.files
    print(f"\n## {s.label}: {len(files)} files ({s.origin})", flush=True)

    if args.floor:
        out = subprocess.run([args.floor, "--json", "--seconds", str(args.floor_seconds),
                              *(["--wisdom", wisdom_floor] if wisdom_floor else []), *files],
                             capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise SystemExit(f"sf-floor failed: {out.stderr}")
        f = r["floor"] = json.loads(out.stdout.strip().splitlines()[-1])
        ib = f["image_by_image"]
        print(f"floor {f['floor']:.3f} ms (decode {f['decode']:.3f} + FFT {f['fft']:.3f}; u8->double "
              f"{f['convert']:.3f}); library from C {f['sf_memory']:.3f} ms = {f['sf_memory'] / f['floor']:.2f}x "
              f"(decode {f['sf_decode']:.3f} + features of the image {f['sf_image']:.3f}); floor plan "
              f"{f['plan']:.1f} ms ({plan_note(f)}); image by image: floor {ib['floor']:.3f} ms, "
              f"library {ib['sf_memory']:.3f} ms = {ib['sf_memory'] / ib['floor']:.2f}x", flush=True)

    # per file, one thread, and the batches: in a fresh process per set, like
    # the floor (a long-lived process's heap carries state from set to set:
    # e.g. memory numpy had asked transparent huge pages for, reused by the
    # library's FFT buffers, made 2048x2048 a third faster in some runs only)
    got = child("python", {"files": files, "budget": args.budget, "seed_budget": args.seed_budget,
                           "seed": not args.no_seed})
    py, r["rounds"], r["maxdiff"] = got["python"], got["rounds"], got["maxdiff"]
    r["mixed"], r["mixed_rounds"] = got["mixed"], got["mixed_rounds"]
    r["python"] = py
    print(f"Python, one thread: library {py['library'] * 1e3:.3f} ms, numpy {py['numpy'] * 1e3:.3f} ms "
          f"({py['numpy'] / py['library']:.2f}x), numpy fft2 {py['fft2'] * 1e3:.3f} ms"
          + (f", seed {py['seed'] * 1e3:.1f} ms" if "seed" in py else "") + f"; max abs diff {r['maxdiff']:.1e}"
          + f"; file by file: library {r['mixed']['library'] * 1e3:.3f} ms, numpy {r['mixed']['numpy'] * 1e3:.3f} ms"
          f" ({r['mixed']['numpy'] / r['mixed']['library']:.2f}x)",
          flush=True)

    r["batch1"], r["batch2"], r["batch_items"] = got["batch1"], got["batch2"], got["batch_items"]
    print(f"batch of {r['batch_items']}: 1 thread {r['batch1']:.0f} img/s, 2 threads {r['batch2']:.0f} img/s "
          f"({r['batch2'] / r['batch1']:.2f}x)", flush=True)

    fi = r["first"] = child("first", files)
    print(f"first image in a fresh process: {fi['first'] * 1e3:.1f} ms vs steady {fi['steady'] * 1e3:.2f} ms: "
          f"setup {fi['setup'] * 1e3:.1f} ms; worst later call +{fi['stall'] * 1e3:.1f} ms (call {fi['stall_at']})",
          flush=True)
    cold = r["cold"] = child("cold", files)
    print(f"very first call of a fresh process (loads the library): {cold['first'] * 1e3:.1f} ms", flush=True)
    rss = r["rss"] = child("rss", {"files": files, "n": args.rss_images})
    print(f"{args.rss_images}-image batch, 2 threads, fresh process: peak RSS {rss['peak_kib'] / 1024:.1f} MiB "
          f"(+{(rss['peak_kib'] - rss['before_kib']) / 1024:.1f} MiB over the process before it), "
          f"{rss['seconds']:.1f} s", flush=True)
    return r


def spark_line(args, tmp):
    import importlib.util
    if args.no_spark:
        return {"skipped": "--no-spark"}
    if importlib.util.find_spec("pyspark") is None:
        return {"skipped": "pyspark is not installed (`make test-spark` installs it)"}
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return {"skipped": "no Java runtime"}
    files = shared(SPARK_GLOBS, args.spark_files // len(SPARK_GLOBS))
    if len(files) < 20:
        return {"skipped": "the shared 128x128 images are missing"}
    folder = os.path.join(tmp, "spark")
    os.makedirs(folder)
    copies = []
    for i, p in enumerate(files):
        q = os.path.join(folder, f"{i:04d}.jpg")
        shutil.copyfile(p, q)
        copies.append(q)
    print(f"\n## Spark local[2] on {len(copies)} files", flush=True)
    try:
        sp = child("spark", {"folder": folder, "rounds": 3}, timeout=900)
    except Exception as e:   # noqa: BLE001 - a broken Spark setup is reported, not fatal
        return {"skipped": f"Spark failed: {str(e).splitlines()[-1][:300] if str(e) else type(e).__name__}"}
    if sp["rows"] != len(copies) or sp["errors"]:
        return {"skipped": f"Spark returned {sp['rows']} rows, {sp['errors']} errors for {len(copies)} files"}
    native = child("batch2", {"files": copies, "rounds": 3})["rate"]
    sp.update(n=len(copies), rate=len(copies) / sp["best"], native=native)
    print(f"Spark {sp['rate']:.0f} img/s (session start {sp['startup']:.1f} s, {sp['partitions']} partitions), "
          f"library batch 2 threads {sp['native']:.0f} img/s: {sp['rate'] / sp['native']:.2f}x", flush=True)
    return sp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("payload", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--sets", help="comma-separated subset of " + ",".join(s.key for s in SETS))
    ap.add_argument("--floor", default=os.path.join(ROOT, "dist", "bin", "sf-floor"), help="the sf-floor binary")
    ap.add_argument("--wisdom-dir", help="where the bench's wisdom files live (default "
                    "$XDG_CACHE_HOME/spectralfake or ~/.cache/spectralfake)")
    ap.add_argument("--no-wisdom", action="store_true", help="no wisdom files (library: SPECTRALFAKE_FFT_WISDOM=off)")
    ap.add_argument("--budget", type=float, default=8.0,
                    help="seconds of per-file Python timing per set (half in passes, half file by file)")
    ap.add_argument("--floor-seconds", type=float, default=6.0,
                    help="seconds of floor/C timing per set (half in passes, half image by image)")
    ap.add_argument("--seed-budget", type=float, default=3.0, help="seconds for the seed's code per set")
    ap.add_argument("--no-seed", action="store_true", help="skip the seed's code")
    ap.add_argument("--rss-images", type=int, default=RSS_IMAGES)
    ap.add_argument("--spark-files", type=int, default=1000)
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--write-readme", action="store_true", help="put the tables into README.md (full runs only)")
    ap.add_argument("--write-docs", action="store_true", help="put the tables into docs/performance.md (full runs)")
    args = ap.parse_args()

    if args.child:
        print(json.dumps(CHILDREN[args.child](json.loads(args.payload))))
        return

    full = not args.sets and not args.no_seed and not args.no_wisdom and args.rss_images == RSS_IMAGES
    if (args.write_readme or args.write_docs) and not full:
        raise SystemExit("--write-readme/--write-docs need a full run "
                         "(no --sets, --no-seed, --no-wisdom, --rss-images)")
    if not os.path.exists(args.floor):
        if args.write_readme or args.write_docs:
            raise SystemExit(f"{args.floor} is missing (make bench builds it)")
        print(f"{args.floor} is missing: no floor columns")
        args.floor = None

    cache = args.wisdom_dir or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                                            "spectralfake")
    if args.no_wisdom:
        os.environ["SPECTRALFAKE_FFT_WISDOM"] = "off"
        wisdom_floor = None
    else:
        os.makedirs(cache, exist_ok=True)
        os.environ["SPECTRALFAKE_FFT_WISDOM"] = os.path.join(cache, "bench-wisdom")
        wisdom_floor = os.path.join(cache, "bench-floor-wisdom")

    import cv2   # versions, and the generated images; the measuring runs in child processes
    import numpy as np
    import scipy

    import spectralfake as sf

    cpu, cores = machine()
    started = time.time()
    meta = {"date": datetime.date.today().isoformat(), "cpu": cpu, "cores": cores, "library": sf.version(),
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "opencv": cv2.__version__, "fftw": "FFTW ?", "load_start": os.getloadavg()[0],
            "wisdom": os.environ["SPECTRALFAKE_FFT_WISDOM"], "floor_wisdom": wisdom_floor}
    print(f"libspectralfake {meta['library']} ({sf.library_path()}); {cpu}, {cores} cores; "
          f"load {meta['load_start']:.2f}")
    print(f"FFT wisdom: library {meta['wisdom']}, floor {wisdom_floor}")

    keys = args.sets.split(",") if args.sets else [s.key for s in SETS]
    sets = [s for s in SETS if s.key in keys]
    with tempfile.TemporaryDirectory(prefix="sfbench") as tmp:
        for s in sets:
            resolve(s, tmp)
        child("prime", [s.files for s in sets])
        results = [measure_set(s, args, wisdom_floor) for s in sets]
        spark = spark_line(args, tmp)
    for r in results:
        if r.get("floor"):
            meta["fftw"] = "FFTW " + r["floor"]["fftw_version"].removeprefix("fftw-")
    meta["load_end"] = os.getloadavg()[0]
    meta["seconds"] = time.time() - started
    run = {"meta": meta, "sets": results, "spark": spark}
    t = tables(run)
    print("\n" + readme_block(t))
    print("\nBy stage (library from C vs the floor, ms per image):\n\n" + t["stages"])
    print("\nMore columns:\n\n" + t["extra"])
    print(f"\nmake bench took {meta['seconds']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(run, f, indent=1)
    if args.write_readme:
        replace_block(os.path.join(ROOT, "README.md"), None, readme_block(t))
        print("README.md: speed tables updated")
    if args.write_docs:
        for name, text in docs_blocks(t).items():
            replace_block(os.path.join(ROOT, "docs", "performance.md"), name, text)
        print("docs/performance.md: tables updated")


if __name__ == "__main__":
    main()
