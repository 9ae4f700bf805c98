"""The ABI record of libspectralfake, and its check.

    python3 scripts/abi.py dump  DIST          # print the ABI of a built dist/
    python3 scripts/abi.py check DIST RECORD   # compare with the recorded ABI
    python3 scripts/abi.py record DIST RECORD  # (re)write the record

The ABI is: the version and soname; the exported dynamic symbols with their
version node (only sf_* may be exported); every prototype of the header;
the size and every field offset/size of every public struct (measured by
compiling a program generated from the header); every enum constant and
macro value. `check` fails when it differs from the record while the
version in the header is unchanged ("ABI changed without a version bump"),
and when the version was bumped but the record not regenerated.
"""
from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
import tempfile


def header_text(dist):
    with open(os.path.join(dist, "include", "spectralfake.h")) as f:
        return f.read()


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def prototypes(code):
    out = []
    code = "\n".join(l for l in code.splitlines() if not l.lstrip().startswith("#"))
    for m in re.finditer(r"SF_API\s+([^;]+?\))\s*;", code, flags=re.S):
        out.append("prototype " + re.sub(r"\s+", " ", m.group(1)).replace("( ", "(").replace(" )", ")"))
    return sorted(out)


def structs(code):
    """{name: [field, ...]} of `typedef struct name { ... } name;` blocks."""
    out = {}
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", code, flags=re.S):
        fields = []
        for decl in m.group(2).split(";"):
            decl = decl.strip()
            if not decl:
                continue
            fm = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", decl)
            fields.append(fm.group(1))
        out[m.group(3)] = fields
    return out


def enums(code):
    names = []
    for m in re.finditer(r"typedef\s+enum\s+\w*\s*\{(.*?)\}\s*\w+\s*;", code, flags=re.S):
        for item in m.group(1).split(","):
            nm = re.match(r"\s*(\w+)", item)
            if nm:
                names.append(nm.group(1))
    return names


def macros(code):
    return sorted(set(re.findall(r"#define\s+(SF_\w+)\s+\S", code)) - {"SF_API"})


def layout_lines(dist, code):
    st = structs(code)
    lines = ['#include <stdio.h>', '#include <stddef.h>', '#include "spectralfake.h"', "int main(void) {"]
    for name, fields in sorted(st.items()):
        lines.append(f'printf("struct {name} size %zu align %zu\\n", sizeof({name}), _Alignof({name}));')
        for f in fields:
            lines.append(f'printf("field {name}.{f} offset %zu size %zu\\n", offsetof({name}, {f}), '
                         f'sizeof((({name} *)0)->{f}));')
    for e in enums(code):
        lines.append(f'printf("enum {e} = %lld\\n", (long long){e});')
    for mname in macros(code):
        if mname == "SF_VERSION_STRING":
            lines.append(f'printf("macro {mname} = %s\\n", {mname});')
        else:
            lines.append(f'printf("macro {mname} = %lld\\n", (long long)({mname}));')
    lines.append("return 0; }")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "layout.c")
        exe = os.path.join(d, "layout")
        with open(src, "w") as f:
            f.write("\n".join(lines))
        subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", "-I", os.path.join(dist, "include"), src, "-o", exe],
                       check=True)
        return subprocess.run([exe], capture_output=True, text=True, check=True).stdout.splitlines()


def symbols(dist):
    lib = os.path.join(dist, "lib", "libspectralfake.so.1")
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.append(parts[2])
    soname = re.search(r"SONAME\)\s+Library soname: \[(.*?)\]",
                       subprocess.run(["readelf", "-d", lib], capture_output=True, text=True, check=True).stdout)
    return sorted(syms), soname.group(1) if soname else None


def dump(dist):
    text = header_text(dist)
    code = strip_comments(text)
    version = re.search(r'#define SF_VERSION_STRING "([^"]+)"', text).group(1)
    syms, soname = symbols(dist)
    problems = [s for s in syms if not s.split("@")[0].startswith("sf_") and s.split("@")[0] != "SPECTRALFAKE_1"]
    protos = prototypes(code)
    declared = {re.search(r"(\w+)\s*\(", p[len("prototype "):]).group(1) for p in protos}
    exported = {s.split("@")[0] for s in syms if s.split("@")[0].startswith("sf_")}
    problems += [f"declared in the header but not exported: {n}" for n in sorted(declared - exported)]
    problems += [f"exported but not declared in the header: {n}" for n in sorted(exported - declared)]
    lines = [f"version {version}", f"soname {soname}"]
    lines += [f"symbol {s}" for s in syms]
    lines += protos
    lines += layout_lines(dist, code)
    return version, lines, problems


def read_record(path):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    version = next(l.split(" ", 1)[1] for l in lines if l.startswith("version "))
    return version, lines


HEADER = ("# libspectralfake ABI record: written by `make abi-record`, compared by `make abi-check`.\n"
          "# Regenerate only together with a version bump in include/spectralfake.h.\n")


def main(argv):
    cmd, dist = argv[1], argv[2]
    version, lines, problems = dump(dist)
    if problems:
        print("ABI problems:\n  " + "\n  ".join(problems))
        return 1
    if cmd == "dump":
        print("\n".join(lines))
        return 0
    record = argv[3]
    if cmd == "record":
        with open(record, "w") as f:
            f.write(HEADER + "\n".join(lines) + "\n")
        print(f"recorded the ABI of {version} in {record} ({len(lines)} lines)")
        return 0
    rversion, rlines = read_record(record)
    if rlines == lines:
        nsym = sum(1 for l in lines if l.startswith("symbol sf_"))
        print(f"ABI check: {version} matches {record} ({nsym} sf_* symbols, only sf_* exported, "
              f"{sum(1 for l in lines if l.startswith('struct '))} structs)")
        return 0
    diff = "\n".join(difflib.unified_diff(rlines, lines, "recorded", "built", lineterm="", n=0))
    if rversion == version:
        print(f"ABI changed without a version bump (still {version}):\n{diff}\n"
              "Bump SF_VERSION_* in include/spectralfake.h (minor for additions, major for breaking changes), "
              "then run `make abi-record`.")
    else:
        print(f"The version changed ({rversion} -> {version}) but {record} still records {rversion}: "
              f"run `make abi-record` and commit it.\n{diff}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
