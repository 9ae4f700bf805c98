"""FFTW wisdom through the binding: where the file is, turning it off, and
the file a measured size leaves (each case in a child process, with its own
environment)."""
import json
import os
import subprocess
import sys
import textwrap

import pytest


def child(code, env):
    e = {k: v for k, v in os.environ.items() if k not in ("SPECTRALFAKE_FFT_WISDOM", "XDG_CACHE_HOME")}
    e.update(env)
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=e,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_default_file_is_in_the_user_cache(tmp_path):
    out = child("""
        import json, spectralfake as sf
        print(json.dumps({"path": sf.fft_wisdom()}))
    """, {"XDG_CACHE_HOME": str(tmp_path)})
    assert out["path"].startswith(str(tmp_path / "spectralfake" / "fftw-wisdom-fftw-3"))


@pytest.mark.parametrize("value", ["off", "0", ""])
def test_the_environment_turns_it_off(tmp_path, value):
    out = child("""
        import json, numpy as np, spectralfake as sf
        img = (np.add.outer(np.arange(96), np.arange(80)) * 7 % 251).astype(np.uint8)
        for _ in range(10):
            sf.features(img, limits=sf.Limits(fft_planning="measure"))
        print(json.dumps({"path": sf.fft_wisdom()}))
    """, {"SPECTRALFAKE_FFT_WISDOM": value, "XDG_CACHE_HOME": str(tmp_path)})
    assert out["path"] is None
    assert not (tmp_path / "spectralfake").exists(), "nothing written"


def test_a_measured_size_is_saved_and_reused(tmp_path):
    wisdom = tmp_path / "w" / "wisdom"
    code = """
        import json, numpy as np, spectralfake as sf
        img = (np.add.outer(np.arange(96), np.arange(80)) * 7 % 251).astype(np.uint8)
        est = sf.features(img, limits=sf.Limits(fft_planning="estimate"))
        x = [sf.features(img, limits=sf.Limits(fft_planning="measure")) for _ in range(3)]
        after = sf.features(img, limits=sf.Limits(fft_planning="estimate"))
        print(json.dumps({"path": sf.fft_wisdom(), "est": est.tolist(), "after": after.tolist(),
                          "measured": x[0].tolist()}))
    """
    a = child(code, {"SPECTRALFAKE_FFT_WISDOM": str(wisdom)})
    assert a["path"] == str(wisdom)
    text = wisdom.read_text()
    assert text.startswith("(fftw-3") and "fftw_wisdom" in text
    assert a["est"] == a["after"], "ESTIMATE plans never see the wisdom: bit-identical"
    assert not [p for p in wisdom.parent.iterdir() if ".tmp." in p.name], "no temporary file left"
    mtime = wisdom.stat().st_mtime_ns
    b = child(code, {"SPECTRALFAKE_FFT_WISDOM": str(wisdom)})
    assert b["est"] == a["est"]
    assert b["measured"] == a["measured"], "the same measured plan in the next process: bit-identical"
    assert wisdom.stat().st_mtime_ns == mtime, "nothing new to save"


def test_set_at_run_time(tmp_path):
    out = child(f"""
        import json, spectralfake as sf
        a = sf.fft_wisdom({str(tmp_path / "x")!r})
        b = sf.fft_wisdom(None)
        c = sf.fft_wisdom("")
        print(json.dumps({{"a": a, "b": b, "c": c}}))
    """, {"XDG_CACHE_HOME": str(tmp_path)})
    assert out["a"] == str(tmp_path / "x") and out["b"] is None
    assert out["c"].startswith(str(tmp_path / "spectralfake"))


def test_a_relative_path_is_made_absolute(tmp_path):
    out = child("""
        import json, os, numpy as np, spectralfake as sf
        os.chdir(os.environ["WORK"])
        p = sf.fft_wisdom("rel/dir/wisdom")
        img = (np.add.outer(np.arange(96), np.arange(80)) * 7 % 251).astype(np.uint8)
        sf.features(img, limits=sf.Limits(fft_planning="measure"))
        print(json.dumps({"path": p}))
    """, {"WORK": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert out["path"] == str(tmp_path / "rel" / "dir" / "wisdom")
    assert (tmp_path / "rel" / "dir" / "wisdom").read_text().startswith("(fftw-3")


def test_a_fifo_is_not_waited_for(tmp_path):
    """A wisdom path that is a FIFO (or a device) is ignored, not opened
    for a blocking read under the planner lock."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    out = child("""
        import json, numpy as np, spectralfake as sf
        img = (np.add.outer(np.arange(96), np.arange(80)) * 7 % 251).astype(np.uint8)
        x = sf.features(img, limits=sf.Limits(fft_planning="measure"))
        print(json.dumps({"ok": bool(np.isfinite(x).all())}))
    """, {"SPECTRALFAKE_FFT_WISDOM": str(fifo)})
    assert out["ok"]
