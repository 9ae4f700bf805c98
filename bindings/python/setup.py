"""Bundles the built library (libspectralfake.so.1) into the package
(spectralfake/_native/) when it exists, so that `pip install bindings/python`
after `make build` gives a self-contained install. Without it, the package
finds the library through SPECTRALFAKE_LIBRARY or the system's loader path.

The library is taken from $SPECTRALFAKE_DIST/lib (set by `make wheel`, which
builds from a staging copy of this folder) or else from the repository's
dist/lib. The package version is the library's: SF_VERSION_STRING of the
header next to that library (or of the repository's include/).

With the library bundled, the wheel is platform-specific: it is tagged
py3-none-<platform> (any Python 3, no Python extension, but a native
library for one platform), not py3-none-any. `make wheel` then runs
auditwheel on it (manylinux tag, fftw/jpeg/png copied in)."""
import os
import re
import shutil
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools: the wheel package's
    try:
        from wheel.bdist_wheel import bdist_wheel
    except ImportError:
        bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "libspectralfake.so.1"


def _dist_dir():
    env = os.environ.get("SPECTRALFAKE_DIST")
    return os.path.abspath(env) if env else os.path.join(HERE, "..", "..", "dist")


def _native_library():
    path = os.path.join(_dist_dir(), "lib", SONAME)
    return path if os.path.exists(path) else None


def _version():
    for header in (os.path.join(_dist_dir(), "include", "spectralfake.h"),
                   os.path.join(HERE, "..", "..", "include", "spectralfake.h")):
        if os.path.exists(header):
            with open(header, encoding="utf-8") as f:
                m = re.search(r'^#define SF_VERSION_STRING "([^"]+)"', f.read(), re.M)
            if m:
                return m.group(1)
    # an sdist (PKG-INFO holds the version it was made with) or a lone copy
    pkg_info = os.path.join(HERE, "PKG-INFO")
    if os.path.exists(pkg_info):
        with open(pkg_info, encoding="utf-8") as f:
            m = re.search(r"^Version: (\S+)", f.read(), re.M)
        if m:
            return m.group(1)
    raise RuntimeError("spectralfake: cannot find the version (include/spectralfake.h "
                       "or $SPECTRALFAKE_DIST/include/spectralfake.h)")


class BuildWithNative(build_py):
    def run(self):
        super().run()
        lib = _native_library()
        if lib:
            target = os.path.join(self.build_lib, "spectralfake", "_native")
            os.makedirs(target, exist_ok=True)
            shutil.copy2(os.path.realpath(lib), os.path.join(target, SONAME))


class NativeDistribution(Distribution):
    """Not pure when the library is bundled: installs into platlib and makes
    bdist_wheel tag the wheel with the platform."""

    def has_ext_modules(self):
        return _native_library() is not None


cmdclass = {"build_py": BuildWithNative}

if bdist_wheel is not None:
    class PlatformWheel(bdist_wheel):
        """py3-none-<platform>: the bundled .so is no Python extension, so the
        wheel fits every Python 3 on that platform."""

        def get_tag(self):
            python, abi, plat = super().get_tag()
            if _native_library() is not None:
                python, abi = "py3", "none"
                if plat == "any":  # should not happen with has_ext_modules
                    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
            return python, abi, plat

    cmdclass["bdist_wheel"] = PlatformWheel

setup(version=_version(), distclass=NativeDistribution, cmdclass=cmdclass)
