#!/usr/bin/env python3
"""The cost of each costly input (Tests/cost/costly.py): wall time and peak
RSS of one call through the C ABI and the Python binding, each in its own
process, as a markdown table (docs/hardening.md, issue 13's closing note).

    scripts/cost_table.py [--cases DIR] [--runners c,py] [--listed]
                          [--before LIBDIR:PYTHONPATH] [--timeout S]

--before also runs every case against another build (its dist/lib and its
Python binding) and prints both. The C probe is dist/bin/sf-cost-probe
(make test-cost builds it).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "cost"))
import costly  # noqa: E402
import runner  # noqa: E402


def measure(case, path, which, timeout, env):
    cmd = runner.command(which, path, case.kind, case.limits)
    return runner.run(cmd, timeout, env=env)


def cell(o):
    if o is None:
        return "", "", ""
    st = o.status.replace("SF_ERR_", "").replace("SF_OK", "ok")
    if o.returncode is None:
        return f"killed after {o.wall:.0f} s", f"> {o.wall:.0f}", f"{o.rss_mb:,.0f}"
    return st, f"{o.wall:.2f}", f"{o.rss_mb:,.0f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, help="directory for the generated inputs (default: a temporary one)")
    ap.add_argument("--runners", default="c,py")
    ap.add_argument("--listed", action="store_true", help="only the cases listed in issue 13")
    ap.add_argument("--only", nargs="*", help="case names")
    ap.add_argument("--before", help="LIBDIR:PYTHONPATH of an older build to compare with")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args(argv)
    cases = [c for c in costly.CASES if (not a.listed or c.listed) and (not a.only or c.name in a.only)]
    tmp = None
    if a.cases is None:
        tmp = tempfile.TemporaryDirectory(prefix="sf-costly-")
        a.cases = Path(tmp.name)
    a.cases.mkdir(parents=True, exist_ok=True)
    after_env = {"PYTHONPATH": str(ROOT / "bindings" / "python")}
    before_env = None
    if a.before:
        lib, py = a.before.split(":")
        before_env = {"LD_LIBRARY_PATH": lib, "SPECTRALFAKE_LIBRARY": str(Path(lib) / "libspectralfake.so.1"),
                      "PYTHONPATH": py}
    runners = a.runners.split(",")
    head = "| input | size | via |"
    rule = "|---|---:|---|"
    if before_env:
        head += " before: result | s | MB |"
        rule += "---|---:|---:|"
    head += " after: result | s | MB |"
    rule += "---|---:|---:|"
    print(head)
    print(rule, flush=True)
    for c in cases:
        p = costly.write(c, a.cases)
        size = p.stat().st_size
        for r in runners:
            row = f"| {c.name} | {size:,} | {'C' if r == 'c' else 'Python'} |"
            if before_env:
                row += " {} | {} | {} |".format(*cell(measure(c, p, r, a.timeout, before_env)))
            row += " {} | {} | {} |".format(*cell(measure(c, p, r, a.timeout, after_env)))
            print(row, flush=True)
        if tmp is not None and size > 50 << 20:
            p.unlink()   # the largest inputs are not kept around
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
