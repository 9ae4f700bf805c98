"""Installs the given pip packages when their modules cannot be imported."""
import importlib
import re
import subprocess
import sys

MODULES = {"opencv-python-headless": "cv2", "scikit-learn": "sklearn", "pillow": "PIL"}


def module_of(requirement: str) -> str:
    """The module a requirement provides ("pandas<3" -> pandas)."""
    name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
    return MODULES.get(name, name)


missing = []
for pkg in sys.argv[1:]:
    try:
        importlib.import_module(module_of(pkg))
    except ImportError:
        missing.append(pkg)
if missing:
    print("pip installing:", " ".join(missing), flush=True)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])
