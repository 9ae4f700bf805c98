"""Installs the given pip packages when their modules cannot be imported."""
import importlib
import subprocess
import sys

MODULES = {"opencv-python-headless": "cv2", "scikit-learn": "sklearn", "pillow": "PIL"}

missing = []
for pkg in sys.argv[1:]:
    try:
        importlib.import_module(MODULES.get(pkg, pkg))
    except ImportError:
        missing.append(pkg)
if missing:
    print("pip installing:", " ".join(missing), flush=True)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])
