"""One input through the Python binding, for the cost tests (issue 13).

    python3 py_probe.py [--limits-off] [--memory] [--model] [--ms N] FILE

Features of FILE (a path, or its bytes with --memory), or Model.load (then
repr, classes_ and a score of a generated image) with --model. Prints
"READY" once the binding is loaded, then one JSON line: {"status", "exc",
"message", "ms"}. status is "SF_OK", the SpectralFakeError's status name, or
"FOREIGN" for any other exception (a finding).
"""
import json
import sys
import time


def main(argv):
    args = argv[1:]
    opts = {"--limits-off": False, "--memory": False, "--model": False}
    ms = 0
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--ms":
            ms = int(args.pop(0))
        else:
            opts[a] = True
    path = args[0]
    import numpy as np
    import spectralfake as sf
    sf.version()
    print("READY", flush=True)
    kw = {}
    if opts["--limits-off"]:
        kw = dict(max_pixels=0, max_width=0, max_height=0, max_jpeg_scans=0, max_input_bytes=0, max_model_bytes=0,
                  max_ancillary_bytes=0, max_decode_memory=0, max_jpeg_passes=0)
    if ms:
        kw["max_milliseconds"] = ms
    known = getattr(sf.Limits, "_FIELDS", ())   # an older binding (for before/after tables) has fewer
    limits = sf.Limits(**{k: v for k, v in kw.items() if k in known})
    r = {"status": "SF_OK", "exc": None, "message": ""}
    t = time.monotonic()
    try:
        if opts["--model"]:
            m = sf.Model.load(path, limits=limits)
            repr(m)
            list(m.classes_)
            img = (np.add.outer(np.arange(128), np.arange(128)) * 7 % 251).astype(np.uint8)
            m.decision_function(img)
            m.predict(img)
        else:
            src = open(path, "rb").read() if opts["--memory"] else path
            v = sf.features(src, limits=limits)
            if not np.all(np.isfinite(v)):
                r["status"] = "NAN"
    except sf.SpectralFakeError as e:
        r.update(status=e.status_name, exc=type(e).__name__, message=str(e.message)[:300])
    except BaseException as e:  # noqa: BLE001 - anything else is a finding
        r.update(status="FOREIGN", exc=f"{type(e).__module__}.{type(e).__qualname__}", message=str(e)[:300])
    r["ms"] = round((time.monotonic() - t) * 1000, 1)
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main(sys.argv)
