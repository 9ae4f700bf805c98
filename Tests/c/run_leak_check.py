"""make test-leaks: the leak-check program natively (flat RSS over thousands
of iterations) and under valgrind (no definite or indirect leaks).

    python3 Tests/c/run_leak_check.py DIST_BIN SAMPLES_DIR [ITERATIONS]
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bindings", "python"))
import spectralfake as sf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main(bin_dir, samples, iterations=2000):
    images = sorted(glob.glob(os.path.join(samples, "*_128.*")) + glob.glob(os.path.join(samples, "*_256.*")))
    assert images, f"no sample images in {samples}"
    from sklearn.svm import SVC
    X = sf.features_batch(images)
    y = np.array([1 if "upsampled" in p else 0 for p in images])
    rng = np.random.default_rng(0)
    Xa = np.vstack([X] * 5) + rng.normal(0, 1e-3, (len(X) * 5, X.shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # SVC(probability=True) is deprecated in sklearn 1.9
        clf = SVC(probability=True).fit(Xa, np.tile(y, 5))
    prog = os.path.join(bin_dir, "sf-leakcheck")
    with tempfile.TemporaryDirectory() as d:
        model = os.path.join(d, "model.json")
        sf.export(clf, model)
        r = subprocess.run([prog, model, str(iterations), *images], capture_output=True, text=True, timeout=600)
        print(r.stdout.strip())
        if r.returncode != 0:
            raise SystemExit(f"leak check failed (exit {r.returncode}):\n{r.stderr}")
        if shutil.which("valgrind") is None:
            print("valgrind not installed: skipping the valgrind pass (apt-get install valgrind)")
            return
        small = [p for p in images if "_128" in p]
        env = dict(os.environ, SF_LEAKCHECK_NO_RSS="1")
        r = subprocess.run(["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=3",
                            f"--suppressions={HERE}/valgrind.supp", prog, model, "20", *small],
                           capture_output=True, text=True, timeout=900, env=env)
        summary = [l.split("== ", 1)[-1] for l in r.stderr.splitlines()
                   if "definitely lost" in l or "indirectly lost" in l or "ERROR SUMMARY" in l]
        print("valgrind (20 iterations):", "; ".join(summary))
        if r.returncode != 0:
            raise SystemExit(f"valgrind found leaks or errors (exit {r.returncode}):\n{r.stderr[-4000:]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 2000)
