"""Runs one probe (cost_probe or py_probe.py) in a child process and
measures it: wall time, peak RSS (ru_maxrss of the child), the signal that
ended it if any, and the JSON line it printed. Used by the cost tests and
scripts/cost_table.py."""
from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PY_PROBE = HERE / "py_probe.py"


@dataclass
class Outcome:
    wall: float                 # seconds
    rss_mb: float               # peak resident set of the child
    returncode: int | None      # None: killed after the timeout
    signal: int | None
    result: dict | None         # the probe's JSON line
    ready: bool                 # Python probe: the binding loaded
    stderr: str = ""
    cmd: list = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.returncode is None:
            return "TIMEOUT"
        if self.signal:
            return f"SIGNAL {signal.Signals(self.signal).name}"
        if not self.result:
            return f"NO RESULT (exit {self.returncode})"
        return self.result["status"]

    @property
    def clean(self) -> bool:
        """A result or a clean error: the probe printed its line, no signal,
        no foreign exception, no NaN."""
        return (self.returncode == 0 and not self.signal and self.result is not None
                and self.result["status"] not in ("FOREIGN", "NAN", "SF_ERR_INTERNAL", "SF_ERR_NON_FINITE"))


def c_probe_path() -> Path:
    return Path(os.environ.get("SF_COST_PROBE", ROOT / "dist" / "bin" / "sf-cost-probe"))


def command(runner: str, path: Path, kind: str = "image", limits: str = "default", memory: bool = False,
            ms: int = 0) -> list:
    opts = []
    if limits == "off":
        opts.append("--limits-off")
    if memory:
        opts.append("--memory")
    if kind == "model":
        opts.append("--model")
    if ms:
        opts += ["--ms", str(ms)]
    if runner == "c":
        return [str(c_probe_path()), *opts, str(path)]
    return [sys.executable, str(PY_PROBE), *opts, str(path)]


def run(cmd: list, timeout: float, address_space_mb: int | None = None, env: dict | None = None) -> Outcome:
    """Runs cmd; kills it (and reports returncode None) after `timeout` s."""
    e = dict(os.environ)
    e.setdefault("PYTHONPATH", str(ROOT / "bindings" / "python"))
    e.setdefault("OPENBLAS_NUM_THREADS", "1")   # numpy's BLAS threads reserve address space
    e.setdefault("OMP_NUM_THREADS", "1")
    e["SWIFT_BACKTRACE"] = "enable=no"
    if env:
        e.update(env)

    def limit():
        os.setsid()
        if address_space_mb:
            b = address_space_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (b, b))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, preexec_fn=limit)
    chunks = {"out": [], "err": []}
    readers = [threading.Thread(target=lambda f=f, k=k: chunks[k].append(f.read()), daemon=True)
               for f, k in ((p.stdout, "out"), (p.stderr, "err"))]
    for r in readers:
        r.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - t > timeout and not timed_out:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
        time.sleep(0.005)
    wall = time.monotonic() - t
    rc = os.waitstatus_to_exitcode(status)
    p.returncode = rc  # reaped here (wait4 gives this child's own peak RSS)
    for r in readers:
        r.join(5)
    out, err = b"".join(chunks["out"]), b"".join(chunks["err"])
    rss = usage.ru_maxrss
    result = None
    ready = False
    for line in out.decode("utf-8", "replace").splitlines():
        if line == "READY":
            ready = True
        elif line.startswith("{"):
            try:
                result = json.loads(line)
            except ValueError:
                pass
    return Outcome(wall=wall, rss_mb=rss / 1024, returncode=None if timed_out else rc,
                   signal=-rc if (rc is not None and rc < 0 and not timed_out) else None,
                   result=result, ready=ready, stderr=err.decode("utf-8", "replace")[-2000:], cmd=cmd)
