"""`make install` for C/C++ users: into a DESTDIR staging area with
PREFIX=/usr/local, and into a plain temporary PREFIX. The installed
pkg-config file names the install prefix (not the build's dist/); a C
program builds against the installed copy with pkg-config and with CMake's
pkg_check_modules (plus a C++ one, the header's extern "C"), each prints
sf_version_string() and the built-in model's score of an image, equal to
what the installed spectralfake command gives; `make uninstall` removes
every installed file.

`make install` runs with NO_BUILD=1 DIST=$SPECTRALFAKE_DIST (default dist/):
the test-install target builds first, the test only installs."""
import json
import os
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("SPECTRALFAKE_DIST", ROOT / "dist"))
# the parent make's variables (DIST, PREFIX, ...) and the repo's exports must not leak into the children
DROP = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "PKG_CONFIG_PATH", "PKG_CONFIG_SYSROOT_DIR",
        "PKG_CONFIG_LIBDIR", "LD_LIBRARY_PATH", "LD_PRELOAD", "SPECTRALFAKE_LIBRARY", "PYTHONPATH",
        "CFLAGS", "LDFLAGS", "CMAKE_PREFIX_PATH")
BASE_ENV = {k: v for k, v in os.environ.items() if k not in DROP}

CHECK_C = r"""
#include <spectralfake.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
        return 2;
    }
    printf("version %s\n", sf_version_string());
    const sf_model *model = sf_model_default();
    if (!model) {
        fprintf(stderr, "no built-in model\n");
        return 1;
    }
    sf_score score;
    sf_error err;
    sf_score_init(&score, sizeof score, NULL);
    if (sf_model_score_file(model, NULL, argv[1], &score, &err) != SF_OK) {
        fprintf(stderr, "%s: %s\n", sf_status_name(err.status), err.message);
        return 1;
    }
    printf("verdict %s\nprobability_fake %.17g\ndecision %.17g\n", sf_verdict_name(score.verdict),
           score.probability_fake, score.decision);
    return 0;
}
"""

CMAKELISTS = r"""
cmake_minimum_required(VERSION 3.13)
project(sfcheck C CXX)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SF REQUIRED IMPORTED_TARGET spectralfake)
add_executable(sf_check_cmake check.c)
target_link_libraries(sf_check_cmake PRIVATE PkgConfig::SF)
add_executable(sf_check_cxx check.cpp)
target_link_libraries(sf_check_cxx PRIVATE PkgConfig::SF)
file(WRITE "${CMAKE_BINARY_DIR}/found.json"
     "{\"prefix\": \"${SF_PREFIX}\", \"version\": \"${SF_VERSION}\", \"libdir\": \"${SF_LIBDIR}\", \"link\": \"${SF_LINK_LIBRARIES}\"}")
"""


def run(cmd, env=None, cwd=None, timeout=600):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env or BASE_ENV,
                       cwd=str(cwd) if cwd else None, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}: rc {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout


def make(target, **variables):
    args = ["make", "--no-print-directory", "-C", ROOT, target, "NO_BUILD=1", f"DIST={DIST}", "LDCONFIG=true"]
    return run(args + [f"{k}={v}" for k, v in variables.items()])


def installed_files(root, prefix, version):
    base = root / prefix.lstrip("/") if root else Path(prefix)
    return {
        "lib": base / "lib" / f"libspectralfake.so.{version}",
        "so1": base / "lib" / "libspectralfake.so.1",
        "so": base / "lib" / "libspectralfake.so",
        "pc": base / "lib" / "pkgconfig" / "spectralfake.pc",
        "header": base / "include" / "spectralfake.h",
        "cli": base / "bin" / "spectralfake",
    }


def check_layout(files, prefix, version):
    assert files["lib"].is_file() and not files["lib"].is_symlink()
    assert os.readlink(files["so1"]) == f"libspectralfake.so.{version}"
    assert os.readlink(files["so"]) == "libspectralfake.so.1"
    assert files["lib"].read_bytes() == (DIST / "lib" / f"libspectralfake.so.{version}").read_bytes()
    assert files["header"].read_bytes() == (DIST / "include" / "spectralfake.h").read_bytes()
    assert files["cli"].stat().st_mode & stat.S_IXUSR
    pc = files["pc"].read_text()
    assert f"prefix={prefix}\n" in pc and f"Version: {version}\n" in pc, pc
    assert str(DIST) not in pc and "@" not in pc, pc


def pkg_config(pcdir, *args, sysroot=None):
    env = dict(BASE_ENV, PKG_CONFIG_PATH=str(pcdir))
    if sysroot:
        env["PKG_CONFIG_SYSROOT_DIR"] = str(sysroot)
    return run(["pkg-config", *args, "spectralfake"], env=env).strip()


def parse(output):
    fields = dict(line.split(" ", 1) for line in output.strip().splitlines())
    return {"version": fields["version"], "verdict": fields["verdict"],
            "probability_fake": float(fields["probability_fake"]), "decision": float(fields["decision"])}


def resolved_spectralfake(binary, env=None):
    """Where the dynamic linker finds libspectralfake.so.1 for binary."""
    out = run(["ldd", binary], env=env)
    line = next(ln for ln in out.splitlines() if "libspectralfake.so.1" in ln)
    return Path(line.split("=>")[1].split("(")[0].strip()).resolve()


@pytest.fixture(scope="module")
def built(sf_version):
    if not (DIST / "lib" / f"libspectralfake.so.{sf_version}").exists():
        pytest.skip(f"{DIST} not built (make build)")
    for tool in ("make", "cc", "pkg-config"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} missing")
    return DIST


def test_destdir_install(built, tmp_path, sf_version, sample_images):
    stage = tmp_path / "stage"
    make("install", DESTDIR=stage, PREFIX="/usr/local")
    files = installed_files(stage, "/usr/local", sf_version)
    check_layout(files, "/usr/local", sf_version)
    pcdir = files["pc"].parent
    # pkg-config reports the install prefix, not the staging area or dist/
    assert pkg_config(pcdir, "--variable=prefix") == "/usr/local"
    assert pkg_config(pcdir, "--variable=libdir") == "/usr/local/lib"
    assert pkg_config(pcdir, "--variable=includedir") == "/usr/local/include"
    assert pkg_config(pcdir, "--modversion") == sf_version
    assert "-lspectralfake" in pkg_config(pcdir, "--libs")
    # a C program against the staged copy (pkg-config's sysroot maps /usr/local into the stage)
    src = tmp_path / "check.c"
    src.write_text(CHECK_C)
    flags = shlex.split(pkg_config(pcdir, "--cflags", "--libs", sysroot=stage))
    assert any(f.startswith("-L") and f[2:].startswith(str(stage)) for f in flags), flags
    prog = tmp_path / "check_staged"
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", src, *flags, "-o", prog])
    env = dict(BASE_ENV, LD_LIBRARY_PATH=str(files["lib"].parent))
    assert resolved_spectralfake(prog, env) == files["lib"].resolve()
    out = parse(run([prog, sample_images[0]], env=env))
    assert out["version"] == sf_version and 0.0 <= out["probability_fake"] <= 1.0

    make("uninstall", DESTDIR=stage, PREFIX="/usr/local")
    left = [p for p in files.values() if p.exists() or p.is_symlink()]
    assert not left, left


def test_prefix_install_pkgconfig_cmake_cli(built, tmp_path, sf_version, sample_images):
    prefix = (tmp_path / "prefix").resolve()
    assert not prefix.is_relative_to(ROOT)
    make("install", PREFIX=prefix)
    files = installed_files(None, str(prefix), sf_version)
    check_layout(files, str(prefix), sf_version)
    pcdir = files["pc"].parent
    assert pkg_config(pcdir, "--variable=prefix") == str(prefix)
    assert pkg_config(pcdir, "--modversion") == sf_version
    libdir = pkg_config(pcdir, "--variable=libdir")
    assert Path(libdir) == prefix / "lib"

    work = tmp_path / "consumer"
    work.mkdir()
    (work / "check.c").write_text(CHECK_C)
    (work / "check.cpp").write_text(CHECK_C.replace("#include <stdio.h>", "#include <cstdio>"))
    (work / "CMakeLists.txt").write_text(CMAKELISTS)
    images = sample_images

    # 1. plain pkg-config
    flags = shlex.split(pkg_config(pcdir, "--cflags", "--libs"))
    prog_pc = work / "check_pkgconfig"
    run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", work / "check.c", *flags, f"-Wl,-rpath,{libdir}",
         "-o", prog_pc])
    assert resolved_spectralfake(prog_pc) == files["lib"].resolve()

    # 2. CMake, pkg_check_modules (IMPORTED_TARGET); CMake's build-tree rpath points at the installed lib
    if not shutil.which("cmake"):
        pytest.fail("cmake missing (apt-get install cmake; make test-install installs it)")
    build = work / "build"
    env = dict(BASE_ENV, PKG_CONFIG_PATH=str(pcdir))
    run(["cmake", "-S", work, "-B", build, "-DCMAKE_BUILD_TYPE=Release"], env=env)
    run(["cmake", "--build", build], env=env)
    found = json.loads((build / "found.json").read_text())
    assert found["prefix"] == str(prefix) and found["version"] == sf_version, found
    assert Path(found["libdir"]) == prefix / "lib", found
    assert Path(found["link"]).resolve() == files["lib"].resolve(), found
    progs = [prog_pc, build / "sf_check_cmake", build / "sf_check_cxx"]
    for p in progs[1:]:
        assert resolved_spectralfake(p) == files["lib"].resolve(), p

    # 3. all three programs agree, on every image, with the installed command
    cli = files["cli"]
    assert sf_version in run([cli, "version"], cwd=tmp_path)
    for image in images:
        outs = [parse(run([p, image], cwd=tmp_path)) for p in progs]
        assert outs[0] == outs[1] == outs[2], outs
        assert outs[0]["version"] == sf_version
        record = json.loads(run([cli, "score", "--jsonl", "--no-progress", image], cwd=tmp_path).splitlines()[0])
        assert record["verdict"] == outs[0]["verdict"], (record, outs[0])
        assert record["probability_fake"] == pytest.approx(outs[0]["probability_fake"], rel=0, abs=1e-12)
        assert record["decision"] == pytest.approx(outs[0]["decision"], rel=0, abs=1e-12)

    make("uninstall", PREFIX=prefix)
    left = [p for p in files.values() if p.exists() or p.is_symlink()]
    assert not left, left
