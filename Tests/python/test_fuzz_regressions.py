"""Regression tests for the inputs the fuzzers found (Fuzz/corpus/regressions).

Each file under Fuzz/corpus/regressions/<harness>/ is fed, in a child
process, to the binding call that matches its harness:

    decode/    spectralfake.decode(bytes)
    features/  spectralfake.features(bytes[1:], preset, center) with the
               harness's selector byte bytes[0] (bits 0-1 preset, bit 2 DC centre)
    model/     spectralfake.Model.from_bytes(bytes), then scoring a fixed vector

and must end cleanly: the call succeeds or raises a SpectralFakeError with
a message, and the child exits 0 (no crash, no abort, no hang). The call is
then repeated, and the C heap in use (glibc mallinfo2) must not grow: the
first findings were leaks, which libFuzzer reports through LeakSanitizer
but which a plain test only sees as growth.

Fuzz/README.md describes how a fuzzer finding becomes a file here.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGRESSIONS = ROOT / "Fuzz" / "corpus" / "regressions"
HARNESSES = ("decode", "features", "model")

# Calls before the heap is measured (caches: FFT plans, bin maps, Swift
# metadata), calls measured, and the growth that counts as a leak (8 bytes
# a call). The first finding leaked 80 bytes a call (160 KB over 2000
# calls); clean inputs measured 0 bytes of growth.
WARMUP, REPEAT, LEAK_BYTES = 50, 2000, 16 * 1024

CHILD = r"""
import ctypes, json, sys
import numpy as np
import spectralfake as sf

kind, path, warmup, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(path, "rb").read()
PRESETS = ["celeba", "faces-hq", "ffpp", "upconv"]
# the limits of the harnesses (Fuzz/Sources/*/main.swift)
if kind == "decode":
    limits = sf.Limits(max_pixels=4 << 20, max_jpeg_scans=50, max_input_bytes=1 << 20, fft_planning="estimate")
else:
    limits = sf.Limits(max_pixels=1 << 18, max_width=4096, max_height=4096, max_jpeg_scans=50,
                       max_input_bytes=1 << 20, fft_planning="estimate")

def call():
    if kind == "decode":
        a = sf.decode(data, limits=limits)
        return {"shape": list(a.shape)}
    if kind == "features":
        if not data:
            return {"skipped": "empty file"}
        sel = data[0] & 7
        v = sf.features(data[1:], preset=PRESETS[sel & 3], center="dc" if sel & 4 else "reference", limits=limits)
        assert np.all(np.isfinite(v)), "non-finite feature"
        return {"count": int(v.size)}
    m = sf.Model.from_bytes(data, limits=limits)
    n = m.n_features_in_
    x = 1.0 - 0.6 * np.arange(n) / max(n - 1, 1)
    try:
        d = m.decision_function(x[None, :])
    except sf.NonFiniteError as e:
        return {"loaded": m.classifier, "score_error": e.status_name}
    assert np.all(np.isfinite(d)), "non-finite decision"
    return {"loaded": m.classifier, "decision": float(d[0])}

def outcome():
    try:
        return {"ok": True, **call()}
    except sf.SpectralFakeError as e:
        return {"ok": False, "status": e.status_name, "message": e.message}

class MallInfo2(ctypes.Structure):
    _fields_ = [(f, ctypes.c_size_t) for f in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
def heap():
    i = libc.mallinfo2()
    return i.uordblks + i.hblkhd   # bytes in use: heap chunks + mmapped chunks

first = outcome()
for _ in range(warmup):
    outcome()
before = heap()
for _ in range(repeat):
    outcome()
first["heap_growth"] = heap() - before
print(json.dumps(first))
"""


def regression_files():
    files = []
    for kind in HARNESSES:
        d = REGRESSIONS / kind
        if d.is_dir():
            files += [pytest.param(kind, p, id=f"{kind}/{p.name}") for p in sorted(d.iterdir())
                      if p.is_file() and not p.name.startswith(".") and p.suffix != ".md"]
    return files


@pytest.mark.parametrize("kind,path", regression_files())
def test_fuzz_regression(kind, path):
    proc = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), str(WARMUP), str(REPEAT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        f"{path.name}: child exited with {proc.returncode} (crash or uncaught error)\n"
        f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        assert result["message"], f"{path.name}: {result['status']} with an empty message"
        assert result["status"] != "SF_ERR_INTERNAL", f"{path.name}: {result}"
    assert result["heap_growth"] < LEAK_BYTES, (
        f"{path.name}: the C heap grew by {result['heap_growth']} bytes over {REPEAT} calls "
        f"({result['heap_growth'] / REPEAT:.0f} bytes a call): a leak on this input ({result})")


def test_regressions_are_present():
    """The directory layout the fuzzers and this test share."""
    assert regression_files(), f"no regression inputs under {REGRESSIONS}"
