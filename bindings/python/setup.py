"""Bundles the repository's dist/lib/libspectralfake.so.1 into the package
(spectralfake/_native/) when it exists, so that `pip install bindings/python`
after `make build` gives a self-contained install. Without it, the package
finds the library through SPECTRALFAKE_LIBRARY or the system's loader path."""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
DIST_LIB = os.path.join(HERE, "..", "..", "dist", "lib", "libspectralfake.so.1")


class BuildWithNative(build_py):
    def run(self):
        super().run()
        if os.path.exists(DIST_LIB):
            target = os.path.join(self.build_lib, "spectralfake", "_native")
            os.makedirs(target, exist_ok=True)
            shutil.copy2(os.path.realpath(DIST_LIB), os.path.join(target, "libspectralfake.so.1"))


setup(cmdclass={"build_py": BuildWithNative})
