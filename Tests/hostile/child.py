"""Child process of the hostile-input runner (test_hostile.py): feeds corpus
entries through the Python binding and reports each outcome on stdout.

    python3 child.py JOBFILE

JOBFILE is JSON: {"entries": [{"i", "path" (hex bytes), "kind", "regular"}],
"control_image": hex path of a valid image (scored with loaded models)}.

Protocol, one line each, flushed: "S <i>" before entry i, "R <i> <json>"
after it. On stderr, "@@hostile-begin <i>" / "@@hostile-end <i>" bracket
each entry, written to fd 2 directly so that anything the native code or a
sanitizer prints in between is attributable. A crash or hang shows as an
"S" without its "R"; the parent handles that.
"""
import ctypes
import json
import os
import stat
import sys
import time

import numpy as np

import spectralfake as sf
from spectralfake import _lib

MAX_MEMORY_READ = 64 << 20  # bytes fed to the in-memory entry points


def outcome(op, fn):
    """Runs fn and describes its result or exception (never raises)."""
    t = time.monotonic()
    r = {"op": op}
    try:
        v = fn()
        r["ok"] = True
        if isinstance(v, np.ndarray):
            r["dtype"] = str(v.dtype)
            r["shape"] = list(v.shape)
            if v.dtype.kind == "f":
                r["finite"] = bool(np.all(np.isfinite(v)))
                r["values"] = [float(x) if np.isfinite(x) else repr(float(x)) for x in v.ravel()[:4096]]
        elif isinstance(v, dict):
            r["value"] = {k: (x if not isinstance(x, float) or np.isfinite(x) else repr(x)) for k, x in v.items()}
            r["finite"] = all(np.isfinite(x) for x in v.values() if isinstance(x, float))
        elif v is not None:
            r["value"] = repr(v)[:200]
    except BaseException as e:  # noqa: BLE001 - we report everything, including SystemExit
        r["ok"] = False
        r["exc"] = f"{type(e).__module__}.{type(e).__qualname__}"
        r["sf"] = isinstance(e, sf.SpectralFakeError)
        r["status"] = getattr(e, "status_name", None)
        r["message"] = str(getattr(e, "message", e))[:600]
        if isinstance(e, KeyboardInterrupt):
            raise
    r["ms"] = round((time.monotonic() - t) * 1000, 2)
    return r


def c_model_load_file(path):
    """sf_model_load_file straight through the C ABI (Model.load reads the
    file in Python and uses sf_model_load_memory)."""
    lib = _lib.load()
    h = ctypes.c_void_p()
    err = _lib.SfError()
    st = lib.sf_model_load_file(None, path, ctypes.byref(h), ctypes.byref(err))
    if st == 0:
        n = lib.sf_model_feature_count(h)
        lib.sf_model_free(h)
        return f"loaded, {n} features"
    raise sf._error(st, err, os.fsdecode(path))


def run_entry(e, control):
    path = bytes.fromhex(e["path"])
    spath = os.fsdecode(path)
    results = []
    data = None
    if e.get("regular"):
        try:
            st = os.stat(path)
            if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_MEMORY_READ:
                with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
                    data = f.read()
        except OSError:
            data = None
    if e["kind"] == "image":
        results.append(outcome("features", lambda: sf.features(spath)))
        results.append(outcome("decode", lambda: sf.decode(spath)))
        if data is not None:
            results.append(outcome("features_mem", lambda: sf.features(data)))
            results.append(outcome("decode_mem", lambda: sf.decode(data)))
    else:
        holder = {}

        def load():
            holder["m"] = sf.Model.load(spath)
            return repr(holder["m"])

        results.append(outcome("model_load", load))
        results.append(outcome("model_load_file_c", lambda: c_model_load_file(path)))
        if "m" in holder and control:
            results.append(outcome("model_score", lambda: holder["m"].score_file(os.fsdecode(control))))
    return results


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    control = bytes.fromhex(job["control_image"]) if job.get("control_image") else None
    out = sys.stdout
    for e in job["entries"]:
        i = e["i"]
        os.write(2, b"\n@@hostile-begin %d\n" % i)
        out.write(f"S {i}\n")
        out.flush()
        res = run_entry(e, control)
        out.write(f"R {i} {json.dumps(res)}\n")
        out.flush()
        os.write(2, b"\n@@hostile-end %d\n" % i)
    out.write("DONE\n")
    out.flush()


if __name__ == "__main__":
    main()
