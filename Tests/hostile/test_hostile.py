"""Hostile-input corpus: every malformed file, odd path and broken model of
make_corpus.py goes through the Python binding (features, decode, and
Model.load / sf_model_load_file for models) and through the C example
dist/bin/sf-features, each in child processes with a time bound. Each entry
must end with a result or a clean error: a SpectralFakeError in Python, exit
status 0/1 with an "SF_ERR_...: message" line on stderr for the C example;
never a signal, a hang, a foreign exception or a NaN.

Children run batches of entries for speed. A batch that crashes, hangs or
prints a sanitizer report is rerun entry by entry, so a failure is always
attributed to one file. Known library bugs are listed in KNOWN (xfail,
strict) with a pointer to /work/notes/hostile-findings.md; those entries run
alone so they cannot disturb a batch.

Environment (all optional; sanitizer runs reuse the corpus through these):
  SF_HOSTILE_CORPUS      use this corpus directory (generated there if it has
                         no manifest.json, and kept); default: a temporary one
  SF_HOSTILE_PRELOAD     LD_PRELOAD for the children (e.g. libasan.so)
  SF_HOSTILE_ENV         extra child environment, shell words "K=V K2=V2"
                         (e.g. ASAN_OPTIONS=... UBSAN_OPTIONS=...)
  SF_HOSTILE_TIMEOUT     seconds allowed per file (default 10)
  SF_HOSTILE_MEMLIMIT_MB address-space limit of the children (default 4096;
                         0 = none, needed under ASan; entries that are only
                         safe with a limit are then skipped)
  SF_HOSTILE_JOBS        child processes at once (default 2)
  SF_HOSTILE_BATCH       entries per Python child (default 60)
  SF_HOSTILE_C_BATCH     files per sf-features run (default 80)
  SF_HOSTILE_SF_FEATURES the C example (default dist/bin/sf-features)
  SF_HOSTILE_PYTHON      interpreter for the Python children
  SF_HOSTILE_REPORT      write the per-entry results as JSON to this file
"""
from __future__ import annotations

import atexit
import collections
import json
import math
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import make_corpus  # noqa: E402

CHILD = HERE / "child.py"
FINDINGS = "/work/notes/hostile-findings.md"
N_FEATURES = 80  # the celeba preset, used by both runners

TIMEOUT = float(os.environ.get("SF_HOSTILE_TIMEOUT", "10"))
STARTUP = 30.0  # extra time for a child to import numpy and load the library
MEMLIMIT_MB = int(os.environ.get("SF_HOSTILE_MEMLIMIT_MB", "4096"))
JOBS = max(1, int(os.environ.get("SF_HOSTILE_JOBS", "2")))
BATCH = max(1, int(os.environ.get("SF_HOSTILE_BATCH", "60")))
C_BATCH = max(1, int(os.environ.get("SF_HOSTILE_C_BATCH", "80")))
SF_FEATURES = Path(os.environ.get("SF_HOSTILE_SF_FEATURES", ROOT / "dist" / "bin" / "sf-features"))
PYTHON = os.environ.get("SF_HOSTILE_PYTHON", sys.executable)
SANITIZER = re.compile(rb"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|UndefinedBehaviorSanitizer"
                       rb"|Fatal error:|Segmentation fault|double free|malloc\(\): |free\(\): ")

# Known library bugs: (runner, entry id) -> reason. Each test is
# xfail(strict=True): when the bug is fixed the XPASS fails the run, and the
# entry should be removed from here.
KNOWN: dict[tuple[str, str], str] = {}

# ------------------------------------------------------------------ corpus


def _make_corpus():
    given = os.environ.get("SF_HOSTILE_CORPUS")
    if given:
        if not os.path.exists(os.path.join(given, "manifest.json")):
            make_corpus.build(given)
        return make_corpus.load(given)
    tmp = tempfile.mkdtemp(prefix="sf-hostile-")
    root = os.path.join(tmp, "corpus")

    def cleanup():
        make_corpus.remove_corpus(root)
        try:
            os.rmdir(tmp)
        except OSError:
            pass

    atexit.register(cleanup)
    return make_corpus.build(root)


MANIFEST = _make_corpus()
ENTRIES = MANIFEST["entries"]
CORPUS_ROOT = os.fsencode(MANIFEST["root"])
BY_ID = {e["id"]: e for e in ENTRIES}


def full_path(e) -> bytes:
    p = bytes.fromhex(e["path"])
    return p if e["abs"] else os.path.join(CORPUS_ROOT, p)


def control_image() -> bytes | None:
    e = BY_ID.get("paths/control_valid")
    return full_path(e) if e else None


def runnable(runner, e):
    if runner == "c" and e["kind"] != "image":
        return False
    return True


def skipped_reason(e):
    if e.get("needs_memlimit") and MEMLIMIT_MB <= 0:
        return "only safe with a memory limit (SF_HOSTILE_MEMLIMIT_MB=0)"
    return None


# ---------------------------------------------------------------- children


def child_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bindings" / "python"), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONFAULTHANDLER", "1")
    env["LC_ALL"] = env.get("LC_ALL", "C.UTF-8")
    if os.environ.get("SF_HOSTILE_PRELOAD"):
        env["LD_PRELOAD"] = os.environ["SF_HOSTILE_PRELOAD"]
    for word in shlex.split(os.environ.get("SF_HOSTILE_ENV", "")):
        k, sep, v = word.partition("=")
        if not sep:
            raise ValueError(f"SF_HOSTILE_ENV: {word!r} is not K=V")
        env[k] = v
    return env


ENV = child_env()


def _limit_memory():
    import resource
    lim = MEMLIMIT_MB << 20
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def spawn(cmd, stdout):
    """Starts a child in its own process group (killed as a group)."""
    err = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err, env=ENV,
                         start_new_session=True, preexec_fn=_limit_memory if MEMLIMIT_MB > 0 else None)
    return p, err


def kill(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_err(f, limit=200_000):
    f.seek(0)
    data = f.read()
    f.close()
    return data if len(data) <= limit else data[:limit // 2] + b"\n[...]\n" + data[-limit // 2:]


def describe_rc(rc):
    if rc is None:
        return "did not exit"
    if rc < 0:
        try:
            return f"killed by signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


# --------------------------------------------------------------- Python side


def py_batch(entries):
    """Runs entries in one Python child. Returns (records by id, failure
    description or None, id in flight at the failure)."""
    job = {"control_image": (control_image() or b"").hex(),
           "entries": [{"i": i, "path": full_path(e).hex(), "kind": e["kind"], "regular": e["regular"]}
                       for i, e in enumerate(entries)]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as jf:
        json.dump(job, jf)
    try:
        p, errf = spawn([PYTHON, str(CHILD), jf.name], subprocess.PIPE)
        results, current, done, hung = {}, None, False, False
        fd = p.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + TIMEOUT + STARTUP
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                hung = True
                kill(p)
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"S "):
                    current = int(line[2:])
                    deadline = time.monotonic() + TIMEOUT
                elif line.startswith(b"R "):
                    i, js = line[2:].split(b" ", 1)
                    results[int(i)] = json.loads(js)
                    current = None
                    deadline = time.monotonic() + TIMEOUT
                elif line == b"DONE":
                    done = True
        try:
            rc = p.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            kill(p)
            rc = p.wait()
            hung = hung or not done
        p.stdout.close()
        err = read_err(errf)
    finally:
        os.unlink(jf.name)
    # stderr between the markers of entry i belongs to entry i
    stray = collections.defaultdict(bytes)
    cur = None
    for line in err.split(b"\n"):
        m = re.match(rb"@@hostile-(begin|end) (\d+)$", line)
        if m:
            cur = int(m.group(2)) if m.group(1) == b"begin" else None
        elif line.strip():
            stray[cur] += line + b"\n"
    flagged = [i for i, t in stray.items() if SANITIZER.search(t)]
    recs = {}
    for i, e in enumerate(entries):
        if i in results:
            recs[e["id"]] = {"ops": results[i], "stderr": stray.get(i, b"").decode("utf-8", "replace")[-2000:]}
    failure = None
    if hung:
        failure = f"hang: no progress for {TIMEOUT:g} s" + ("" if current is None else " (time bound per file)")
    elif rc != 0 or not done:
        failure = describe_rc(rc) + ("" if done else " before the batch finished")
    elif flagged:
        failure = "sanitizer/fatal report on stderr"
        current = flagged[0] if current is None else current
    in_flight = entries[current]["id"] if current is not None and current < len(entries) else None
    if failure:
        tail = (stray.get(current, b"") or err[-3000:]).decode("utf-8", "replace")[-3000:]
        failure = f"{failure}\n{tail}".rstrip()
    return recs, failure, in_flight


def py_problems(e, rec):
    """What is wrong with one entry's Python outcomes (empty: all clean)."""
    probs = []
    ops = {r["op"]: r for r in rec["ops"]}
    for r in rec["ops"]:
        op = r["op"]
        if not r["ok"]:
            if not r.get("sf"):
                probs.append(f"{op}: raised {r['exc']} (not a SpectralFakeError): {r['message']}")
            elif r["status"] == "SF_ERR_INTERNAL":
                probs.append(f"{op}: SF_ERR_INTERNAL: {r['message']}")
            elif not r["message"].strip():
                probs.append(f"{op}: {r['status']} with an empty message")
            continue
        if op in ("features", "features_mem"):
            if r.get("dtype") != "float64" or r.get("shape") != [N_FEATURES]:
                probs.append(f"{op}: returned {r.get('dtype')} {r.get('shape')}, expected float64 [{N_FEATURES}]")
            if not r.get("finite"):
                probs.append(f"{op}: non-finite values {[v for v in r['values'] if isinstance(v, str)][:5]}")
        elif op in ("decode", "decode_mem"):
            sh = r.get("shape") or []
            if r.get("dtype") != "uint8" or len(sh) != 2 or min(sh) <= 0:
                probs.append(f"{op}: returned {r.get('dtype')} {sh}")
        elif op == "model_score" and not r.get("finite", True):
            probs.append(f"{op}: non-finite score {r.get('value')}")

    def tok(r):
        return "ok" if r["ok"] else (r["status"] or r["exc"])

    exp = e.get("expect")
    main_ops = ("features", "features_mem") if e["kind"] == "image" else ("model_load", "model_load_file_c")
    for op in main_ops:
        if op in ops and exp and not accepted(tok(ops[op]), exp):
            probs.append(f"{op}: {tok(ops[op])} ({ops[op].get('message', '')[:200]}), expected one of {exp}")
    if e["kind"] == "image":
        f, d = ops.get("features"), ops.get("decode")
        if f and d:
            ft, dt = tok(f), tok(d)
            if ft in ("ok", "SF_ERR_IMAGE_TOO_SMALL", "SF_ERR_CONSTANT_IMAGE"):
                if dt != "ok":
                    probs.append(f"decode gave {dt} where features gave {ft}")
            elif dt != ft:
                probs.append(f"decode gave {dt}, features {ft}")
        # (values are not compared: the FFT plan may change between calls,
        # and near-constant images amplify its rounding differences)
        for a, b in (("features", "features_mem"), ("decode", "decode_mem")):
            if a in ops and b in ops:
                ta, tb = tok(ops[a]), tok(ops[b])
                if ta != tb:
                    probs.append(f"{a} (path) gave {ta}, {b} (bytes) gave {tb}")
                elif a == "decode" and ta == "ok" and ops[a].get("shape") != ops[b].get("shape"):
                    probs.append(f"decode (path) gave {ops[a].get('shape')}, decode_mem {ops[b].get('shape')}")
    else:
        a, b = ops.get("model_load"), ops.get("model_load_file_c")
        if a and b and tok(a) != tok(b) and a.get("sf"):
            probs.append(f"Model.load gave {tok(a)}, sf_model_load_file {tok(b)}")
    return probs


def accepted(token, expect):
    if token in expect:
        return True
    return "error" in expect and token.startswith("SF_ERR_")


# -------------------------------------------------------------------- C side

STATUS_LINE = re.compile(rb"(SF_ERR_[A-Z_]+): ")


def c_run(paths, timeout):
    p, errf = spawn([str(SF_FEATURES), "--threads", "2", *paths], subprocess.PIPE)
    try:
        out, _ = p.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        kill(p)
        out, _ = p.communicate()
        hung = True
    return p.returncode, out, read_err(errf), hung


def parse_values(text: bytes):
    vals = []
    for t in text.split(b","):
        try:
            vals.append(float(t))
        except ValueError:
            vals.append(t.decode("latin-1"))
    return vals


def c_record(outcome, values=None, message=""):
    rec = {"outcome": outcome, "message": message}
    if values is not None:
        rec["values"] = [v if isinstance(v, str) or math.isfinite(v) else repr(v) for v in values]
    return rec


def c_parse_batch(paths, rc, out, err):
    """Per-file records from a whole batch, or None when the output cannot
    be attributed file by file (then the files are rerun one by one)."""
    recs = {}
    pos = 0
    for i, p in enumerate(paths):
        if out.startswith(p + b",", pos):
            end = out.find(b"\n", pos + len(p) + 1)
            if end < 0:
                return None
            recs[i] = c_record("ok", parse_values(out[pos + len(p) + 1:end]))
            pos = end + 1
    if pos != len(out):
        return None
    spos = 0
    for i, p in enumerate(paths):
        if i in recs:
            continue
        m = STATUS_LINE.match(err, spos)
        if not m:
            return None
        disp = p.decode("utf-8", "replace").encode()
        body = err[m.end():]
        k = 0
        while k < min(len(body), len(disp)) and body[k] == disp[k]:
            k += 1
        if k < min(len(disp), 300):
            return None
        end = err.find(b"\n", m.end() + k)
        if end < 0:
            return None
        recs[i] = c_record(m.group(1).decode(), message=err[m.end():end].decode("utf-8", "replace"))
        spos = end + 1
    if err[spos:].strip():
        return None
    failed = len(paths) - sum(1 for r in recs.values() if r["outcome"] == "ok")
    if rc != (1 if failed else 0):
        return None
    return recs


def c_single(e):
    p = full_path(e)
    rc, out, err, hung = c_run([p], TIMEOUT)
    if hung:
        return {"outcome": "hang", "crash": f"hang: still running after {TIMEOUT:g} s\n"
                + err[-2000:].decode("utf-8", "replace")}
    if rc not in (0, 1):
        return {"outcome": "crash", "crash": describe_rc(rc) + "\n" + err[-3000:].decode("utf-8", "replace")}
    if SANITIZER.search(err):
        return {"outcome": "crash", "crash": "sanitizer/fatal report on stderr\n" + err[-3000:].decode("utf-8", "replace")}
    if rc == 0:
        if not out.startswith(p + b",") or not out.endswith(b"\n") or out.count(b"\n") != p.count(b"\n") + 1 or err:
            return {"outcome": "bad-output", "crash": f"exit 0 but stdout {out[:300]!r}, stderr {err[:300]!r}"}
        return c_record("ok", parse_values(out[len(p) + 1:-1]))
    if rc == 1:
        m = STATUS_LINE.match(err)
        if out or not m or not err.endswith(b"\n") or not err[m.end():].strip():
            return {"outcome": "bad-output", "crash": f"exit 1 but stdout {out[:300]!r}, stderr {err[:300]!r}"}
        return c_record(m.group(1).decode(), message=err[m.end():-1].decode("utf-8", "replace"))


def c_batch(entries):
    paths = [full_path(e) for e in entries]
    rc, out, err, hung = c_run(paths, TIMEOUT + 0.5 * len(paths))
    recs = None
    if not hung and rc in (0, 1) and not SANITIZER.search(err):
        recs = c_parse_batch(paths, rc, out, err)
    if recs is not None:
        return {e["id"]: recs[i] for i, e in enumerate(entries)}
    # the batch failed or is ambiguous: one file per run, for attribution
    return {e["id"]: c_single(e) for e in entries}


def c_problems(e, rec):
    if "crash" in rec:
        return [rec["crash"]]
    probs = []
    if rec["outcome"] == "ok":
        vals = rec.get("values", [])
        if len(vals) != N_FEATURES:
            probs.append(f"printed {len(vals)} values, expected {N_FEATURES}")
        bad = [v for v in vals if isinstance(v, str)]
        if bad:
            probs.append(f"non-finite or unparsable values {bad[:5]}")
    elif rec["outcome"] == "SF_ERR_INTERNAL":
        probs.append(f"SF_ERR_INTERNAL: {rec['message']}")
    elif not rec["message"].strip():
        probs.append(f"{rec['outcome']} with an empty message")
    exp = e.get("expect")
    if exp and not accepted(rec["outcome"], exp):
        probs.append(f"{rec['outcome']} ({rec.get('message', '')[:200]}), expected one of {exp}")
    return probs


# ------------------------------------------------------------------ driver

_results = None
_lock = threading.Lock()


def run_py(entries):
    """Python records for entries; a failed batch is rerun one by one."""
    out = {}
    todo = list(entries)
    while todo:
        recs, failure, in_flight = py_batch(todo)
        out.update(recs)
        if not failure:
            for e in todo:
                if e["id"] not in out:
                    out[e["id"]] = {"ops": [], "crash": "no result reported"}
            break
        if len(todo) == 1:
            out[todo[0]["id"]] = {"ops": recs.get(todo[0]["id"], {}).get("ops", []), "crash": failure}
            break
        # rerun one by one every entry the failed child had started
        idx = next((k for k, e in enumerate(todo) if e["id"] == in_flight), None)
        ran = todo if idx is None else todo[:idx + 1]
        alone_failed = False
        for e in ran:
            r, f, _ = py_batch([e])
            if f:
                out[e["id"]] = {"ops": r.get(e["id"], {}).get("ops", []), "crash": f}
                alone_failed = True
            else:
                out[e["id"]] = r[e["id"]]
        if not alone_failed:
            blame = in_flight or ran[-1]["id"]
            out[blame] = dict(out.get(blame, {"ops": []}),
                              crash=f"failed only inside a batch (passes alone): {failure}\n"
                                    f"batch order: {[e['id'] for e in ran]}")
        todo = [] if idx is None else todo[idx + 1:]
    return out


def chunks(seq, n):
    return [seq[i:i + n] for i in range(0, len(seq), n)]


def all_results():
    global _results
    with _lock:
        if _results is not None:
            return _results
        t0 = time.monotonic()
        res = {"py": {}, "c": {}, "skipped": {}}
        py_entries, c_entries, alone = [], [], []
        for e in ENTRIES:
            why = skipped_reason(e)
            if why:
                res["skipped"][e["id"]] = why
                continue
            for runner, lst in (("py", py_entries), ("c", c_entries)):
                if not runnable(runner, e):
                    continue
                if (runner, e["id"]) in KNOWN:
                    alone.append((runner, e))
                else:
                    lst.append(e)
        have_c = SF_FEATURES.exists()
        tasks = [("py", [e]) for r, e in alone if r == "py"]
        tasks += [("c", [e]) for r, e in alone if r == "c" and have_c]
        tasks += [("py", b) for b in chunks(py_entries, BATCH)]
        if have_c:
            tasks += [("c", b) for b in chunks(c_entries, C_BATCH)]
        # interleave so both runners progress together; isolated ones first
        with ThreadPoolExecutor(JOBS + (1 if alone else 0)) as ex:
            futs = [(r, ex.submit(run_py if r == "py" else c_batch, b)) for r, b in tasks]
            for r, f in futs:
                res[r].update(f.result())
        res["seconds"] = time.monotonic() - t0
        res["have_c"] = have_c
        _results = res
        report = os.environ.get("SF_HOSTILE_REPORT")
        if report:
            with open(report, "w") as f:
                json.dump({"manifest_root": MANIFEST["root"], "results": res}, f, indent=1, default=str)
        return res


@pytest.fixture(scope="module")
def results():
    return all_results()


def params(runner):
    out = []
    for e in ENTRIES:
        if not runnable(runner, e):
            continue
        marks = []
        if (runner, e["id"]) in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=f"{KNOWN[(runner, e['id'])]} (see {FINDINGS})"))
        why = skipped_reason(e)
        if why:
            marks.append(pytest.mark.skip(reason=why))
        out.append(pytest.param(e, id=e["id"], marks=marks))
    return out


# ------------------------------------------------------------------- tests


def test_corpus_is_complete():
    counts = MANIFEST["counts"]
    assert len(ENTRIES) >= 200
    missing = set(make_corpus.CATEGORIES) - set(counts)
    assert not missing, f"categories without entries: {missing}; skipped: {MANIFEST['skipped']}"


@pytest.mark.parametrize("entry", params("py"))
def test_python_binding(entry, results):
    rec = results["py"][entry["id"]]
    probs = ([rec["crash"]] if rec.get("crash") else []) + py_problems(entry, rec)
    assert not probs, f"{entry['id']} ({entry['note']}):\n  " + "\n  ".join(probs)


@pytest.mark.parametrize("entry", params("c"))
def test_c_example(entry, results):
    if not results["have_c"]:
        pytest.skip(f"{SF_FEATURES} not built (make examples)")
    rec = results["c"][entry["id"]]
    probs = c_problems(entry, rec)
    assert not probs, f"{entry['id']} ({entry['note']}):\n  " + "\n  ".join(probs)


def test_python_and_c_agree(results):
    """The C example and the Python binding report the same status for every
    image entry (values are not compared, see py_problems)."""
    bad = []
    for e in ENTRIES:
        c, p = results["c"].get(e["id"]), results["py"].get(e["id"])
        if not c or not p or "crash" in c or p.get("crash") or (("py", e["id"]) in KNOWN) or (("c", e["id"]) in KNOWN):
            continue
        f = next((r for r in p["ops"] if r["op"] == "features"), None)
        if f is None:
            continue
        pt = "ok" if f["ok"] else f["status"]
        if pt != c["outcome"]:
            bad.append(f"{e['id']}: Python {pt}, C {c['outcome']}")
    assert not bad, "\n".join(bad[:50])


FAKE_PY_CHILD = r"""
import json, os, signal, sys, time
job = json.load(open(sys.argv[1]))
for e in job["entries"]:
    path = os.path.basename(bytes.fromhex(e["path"]))
    print("S", e["i"], flush=True)
    if b"crash" in path:
        os.kill(os.getpid(), signal.SIGSEGV)
    if b"hang" in path:
        time.sleep(60)
    r = [{"op": "features", "ok": False, "sf": True, "exc": "x", "status": "SF_ERR_CORRUPT", "message": "m"}]
    print("R", e["i"], json.dumps(r), flush=True)
print("DONE", flush=True)
"""

FAKE_C = r"""#!/usr/bin/env python3
import os, signal, sys, time
paths = sys.argv[3:]
names = [os.path.basename(p) for p in paths]
if "crash" in names:
    os.kill(os.getpid(), signal.SIGSEGV)
if "hang" in names:
    time.sleep(60)
for p, n in zip(paths, names):
    if n == "nan":
        print(p + ",nan" * 80)
    else:
        sys.stderr.write("SF_ERR_CORRUPT: " + p + ": bad\n")
sys.exit(0 if all(n == "nan" for n in names) else 1)
"""


def test_runner_attributes_crashes_and_hangs(tmp_path, monkeypatch):
    """The runner itself: a crash or a hang inside a batch is pinned on the
    entry that caused it, the other entries of the batch get their results."""
    child = tmp_path / "child.py"
    child.write_text(FAKE_PY_CHILD)
    fake_c = tmp_path / "sf-features"
    fake_c.write_text(FAKE_C)
    fake_c.chmod(0o755)
    monkeypatch.setattr(sys.modules[__name__], "CHILD", child)
    monkeypatch.setattr(sys.modules[__name__], "SF_FEATURES", fake_c)
    monkeypatch.setattr(sys.modules[__name__], "TIMEOUT", 1.0)
    monkeypatch.setattr(sys.modules[__name__], "STARTUP", 5.0)

    def entry(name):
        return {"id": f"self/{name}", "path": str(tmp_path / name).encode().hex(), "abs": True, "kind": "image",
                "regular": False, "expect": None, "note": ""}

    es = [entry(n) for n in ("a", "b", "crash", "c", "hang", "d", "e")]
    py = run_py(es)
    assert set(py) == {e["id"] for e in es}
    # a sanitizer runtime in the child turns the SIGSEGV into its report and SIGABRT
    assert "SIGSEGV" in py["self/crash"]["crash"] or (os.environ.get("SF_HOSTILE_PRELOAD")
                                                      and "SIGABRT" in py["self/crash"]["crash"])
    assert "hang" in py["self/hang"]["crash"]
    for n in "abcde":
        assert not py[f"self/{n}"].get("crash") and not py_problems(es[0], py[f"self/{n}"]), n
    c = c_batch([entry(n) for n in ("a", "crash", "hang", "nan", "b")])
    assert ("SIGSEGV" in c["self/crash"]["crash"] or (os.environ.get("SF_HOSTILE_PRELOAD")
                                                      and "SIGABRT" in c["self/crash"]["crash"]))
    assert "hang" in c["self/hang"]["crash"]
    assert c["self/a"]["outcome"] == c["self/b"]["outcome"] == "SF_ERR_CORRUPT"
    assert any("non-finite" in p for p in c_problems(entry("nan"), c["self/nan"]))


def test_zz_report(results, capsys):
    """Prints entries and outcomes per category (runs last)."""
    rows = collections.OrderedDict((c, collections.Counter()) for c in make_corpus.CATEGORIES)
    for e in ENTRIES:
        row = rows[e["category"]]
        row["entries"] += 1
        for runner in ("py", "c"):
            rec = results[runner].get(e["id"])
            if rec is None:
                continue
            if runner == "py":
                probs = ([rec["crash"]] if rec.get("crash") else []) + py_problems(e, rec)
                main = next((r for r in rec["ops"] if r["op"] in ("features", "model_load")), None)
                ok = bool(main and main["ok"])
            else:
                probs = c_problems(e, rec)
                ok = rec.get("outcome") == "ok"
            row[f"{runner}_fail"] += bool(probs)
            row[f"{runner}_known"] += bool(probs) and (runner, e["id"]) in KNOWN
            row[f"{runner}_ok"] += ok and not probs
            row[f"{runner}_err"] += (not ok) and not probs
    lines = ["", f"hostile corpus: {len(ENTRIES)} entries in {MANIFEST['root']}, "
                 f"children ran {results['seconds']:.1f} s (timeout {TIMEOUT:g} s/file)",
             f"{'category':12s} {'entries':>7s} | {'py result':>9s} {'py error':>8s} {'py FAIL':>7s} |"
             f" {'C result':>8s} {'C error':>7s} {'C FAIL':>6s}"]
    tot = collections.Counter()
    for cat, row in rows.items():
        tot.update(row)
        lines.append(_row(cat, row))
    lines.append(_row("total", tot))
    if results["skipped"]:
        lines.append(f"skipped: {sorted(results['skipped'])}")
    if not results["have_c"]:
        lines.append(f"C example not run: {SF_FEATURES} missing (make examples)")
    lines.append("(FAIL counts include known bugs, xfail: "
                 f"py {tot['py_known']}, C {tot['c_known']}; see {FINDINGS})")
    with capsys.disabled():
        print("\n".join(lines))


def _row(name, r):
    def cell(k, w):
        return f"{r[k]:>{w}d}"
    return (f"{name:12s} {cell('entries', 7)} | {cell('py_ok', 9)} {cell('py_err', 8)} {cell('py_fail', 7)} |"
            f" {cell('c_ok', 8)} {cell('c_err', 7)} {cell('c_fail', 6)}")
