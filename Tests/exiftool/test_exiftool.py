"""exiftool integration (bindings/exiftool): `spectralfake score --exiftool`
written into JPEG and PNG files by Debian's exiftool (libimage-exiftool-perl)
with bindings/exiftool/spectralfake.config, then read back.

Checked: the tags read back equal what was written (strings exactly; reals
as the same decimal text, so the same double bit for bit; Notes as the same
list), with and without the config; a second run replaces a stale record
(no leftover notes or ProbabilityFake); nothing else in the file changes:
the library's features (compared with ==), the decoded pixels, and every
other metadata tag; files that could not be scored are left out of the
--exiftool array and left alone by exiftool.

SPECTRALFAKE_CLI names the command (default dist/bin/spectralfake);
SPECTRALFAKE_LIBRARY the library the Python binding loads; SPECTRALFAKE_DATA
the shared faces (default ../shared/data; without them only generated images
are used, and the test that needs them skips with a reason).
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
_spec = importlib.util.spec_from_file_location("python_test_helpers", ROOT / "Tests" / "python" / "conftest.py")
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
pink_noise = _helpers.pink_noise
DATA = _helpers.DATA

import spectralfake as sf  # noqa: E402

CLI = Path(os.environ.get("SPECTRALFAKE_CLI", ROOT / "dist" / "bin" / "spectralfake"))
CONFIG = ROOT / "bindings" / "exiftool" / "spectralfake.config"
NS = "XMP-spectralfake:"
TAGS = ["Verdict", "ProbabilityFake", "Decision", "Model", "ModelVersion", "LibraryVersion", "Notes"]
REALS = {"ProbabilityFake", "Decision"}
# One file from each of these shared folders (JPEG q75/q90/q95/q100
# progressive, PNG; real and fake).
SHARED_FOLDERS = ["faces/real/lfw_250jpg", "faces/real/ffhq_thumb_128png", "faces/fake/durall_celeba_gan_128jpg",
                  "faces/fake/stylegan2_tpdne_1024jpg", "faces/real/ffhq_lago_512jpg"]
CAMERA_MODEL = "Test Camera X100"  # EXIF Model of a generated JPEG: must survive tagging
PNG_TEXT = ("Comment", "generated for the exiftool test")
EXACT = sf.Limits(fft_planning="estimate")


@pytest.fixture(scope="module")
def exiftool():
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool not installed (apt-get install libimage-exiftool-perl)")
    if not CLI.exists():
        pytest.skip(f"{CLI} not built (make build, or set SPECTRALFAKE_CLI)")
    return exe


def cli(*args, cwd=None, rc=0):
    r = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)
    if rc is not None:
        assert r.returncode == rc, f"exit {r.returncode}, expected {rc}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r


def et(*args, cwd=None, config=True):
    """exiftool (the config must be its first option); fails on exit != 0."""
    pre = ["-config", str(CONFIG)] if config else []
    r = subprocess.run(["exiftool", *pre, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert r.returncode == 0, f"exiftool {args}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r


def tag_files(scores, target, cwd):
    """The documented one-liner's exiftool half: clear the namespace, write
    the records, recurse into folders."""
    r = et("-XMP-spectralfake:all=", f"-json={scores}", "-overwrite_original", "-r", target, cwd=cwd)
    return r.stdout + r.stderr


def read_tags(target, cwd, config=True):
    """{SourceFile: {tag: value}} of the files that have tags of the
    namespace, every number kept as the text exiftool printed
    (parse_float/parse_int=str), lists as lists (-struct)."""
    r = et("-j", "-G1", "-struct", "-r", "-XMP-spectralfake:all", target, cwd=cwd, config=config)
    out = {}
    for o in json.loads(r.stdout, parse_float=str, parse_int=str):
        tags = {k[len(NS):]: v for k, v in o.items() if k.startswith(NS)}
        if tags:
            out[o["SourceFile"]] = tags
    return out


def written(path):
    """The --exiftool records as {SourceFile: {tag: value}}, numbers as the
    CLI's text (parse_float=str): what exiftool is handed. An empty Notes
    list writes no Notes tag (and deletes an old one), so it is dropped."""
    recs = json.loads(Path(path).read_text(), parse_float=str, parse_int=str)
    return {o.pop("SourceFile"): {k[len(NS):]: v for k, v in o.items() if v != []} for o in recs}


def other_metadata(target, cwd):
    """Every tag exiftool sees outside our namespace, XMP packet bookkeeping
    and the file system (size, dates, permissions)."""
    r = et("-j", "-G1", "-a", "-r", target, cwd=cwd)
    skip = ("XMP-spectralfake:", "XMP-x:", "System:", "File:", "ExifTool:")
    return {o["SourceFile"]: {k: v for k, v in o.items() if not k.startswith(skip)} for o in json.loads(r.stdout)}


def pixels(path):
    with Image.open(path) as im:
        return im.mode, np.asarray(im).copy()


def generated(d):
    """JPEG and PNG made here: colour JPEG with an EXIF camera Model (name
    with a space), progressive JPEG in a subfolder, a small grayscale PNG
    (so there are notes), an RGBA PNG with a tEXt chunk (non-ASCII name)."""
    (d / "sub").mkdir(parents=True, exist_ok=True)
    rgb = np.stack([pink_noise(192, 192, seed=s) for s in (1, 2, 3)], 2)
    exif = Image.Exif()
    exif[0x0110] = CAMERA_MODEL
    Image.fromarray(rgb).save(d / "camera shot.jpg", quality=90, exif=exif.tobytes())
    Image.fromarray(np.stack([pink_noise(256, 256, seed=s) for s in (4, 5, 6)], 2)).save(
        d / "sub" / "progressive.jpg", quality=85, progressive=True)
    Image.fromarray(pink_noise(64, 64, seed=7)).save(d / "gray64.png")
    info = PngImagePlugin.PngInfo()
    info.add_text(*PNG_TEXT)
    rgba = np.dstack([rgb[:160, :160], np.full((160, 160), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(d / "sub" / "rgba \u00fc.png", pnginfo=info)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """photos/: generated images plus one shared face per folder when the
    shared data is there; returns (folder, number of shared files)."""
    d = tmp_path_factory.mktemp("source") / "photos"
    generated(d)
    n = 0
    for folder in SHARED_FOLDERS:
        files = sorted((DATA / folder).glob("*")) if (DATA / folder).is_dir() else []
        if files:
            shutil.copy2(files[0], d / f"shared_{folder.split('/')[-1]}{files[0].suffix}")
            n += 1
    return d, n


@pytest.fixture
def photos(source, tmp_path):
    """A fresh copy of the source images (tests write into them)."""
    shutil.copytree(source[0], tmp_path / "photos")
    return tmp_path, "photos"


def images_in(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".jpg", ".png"))


def test_shared_faces_are_included(source):
    if source[1] == 0:
        pytest.skip(f"shared data not found at {DATA} (set SPECTRALFAKE_DATA): generated images only")
    assert source[1] == len(SHARED_FOLDERS)


def test_exiftool_mode_matches_json(exiftool, photos):
    """--exiftool carries the same results as --json, under the namespace's
    tag names, in input order."""
    cwd, target = photos
    tags = json.loads(cli("score", "--exiftool", "--fft-planning", "estimate", "--threads", "2", target, cwd=cwd).stdout)
    plain = json.loads(cli("score", "--json", "--fft-planning", "estimate", "--threads", "2", target, cwd=cwd).stdout)
    assert [o["SourceFile"] for o in tags] == [o["SourceFile"] for o in plain]
    assert len(tags) == len(images_in(cwd / target))
    version = sf.version()
    for t, p in zip(tags, plain):
        assert list(t) == ["SourceFile"] + [NS + k for k in TAGS], list(t)
        assert t[NS + "Verdict"] == p["verdict"]
        assert t[NS + "ProbabilityFake"] == p["probability_fake"]
        assert t[NS + "Decision"] == p["decision"]
        assert t[NS + "Model"] == p["model"]["name"]
        assert t[NS + "ModelVersion"] == p["model"]["version"]
        assert t[NS + "LibraryVersion"] == version
        assert t[NS + "Notes"] == p["notes"]
    assert any(t[NS + "Notes"] for t in tags), "no image with notes: the list round trip would go untested"


def test_bad_files_are_left_out(exiftool, photos, tmp_path):
    cwd, target = photos
    good = images_in(cwd / target)
    data = good[0].read_bytes()
    (cwd / target / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (cwd / target / "garbage.jpg").write_bytes(b"not an image " * 20)
    r = cli("score", "--exiftool", target, cwd=cwd, rc=1)
    recs = json.loads(r.stdout)  # still one valid array
    names = {o["SourceFile"] for o in recs}
    assert names == {str(p.relative_to(cwd)) for p in good}
    assert "truncated.jpg" in r.stderr and "garbage.jpg" in r.stderr
    assert all(set(o) == {"SourceFile"} | {NS + k for k in TAGS} for o in recs)

    # exiftool leaves the unscored files alone and tags the others
    before = {p: p.read_bytes() for p in (cwd / target).rglob("*.jpg") if p.name in ("truncated.jpg", "garbage.jpg")}
    (tmp_path / "scores.json").write_text(r.stdout)
    log = tag_files(tmp_path / "scores.json", target, cwd)
    assert re.search(rf"(^|\s){len(good)} image files updated", log), log
    assert all(p.read_bytes() == b for p, b in before.items())
    assert set(read_tags(target, cwd)) == names

    # nothing scored: an empty array, exit 1
    r = cli("score", "--exiftool", f"{target}/garbage.jpg", cwd=cwd, rc=1)
    assert json.loads(r.stdout) == []


def test_round_trip_and_image_data_untouched(exiftool, photos, tmp_path):
    cwd, target = photos
    files = images_in(cwd / target)
    assert {p.suffix.lower() for p in files} == {".jpg", ".png"}
    feats = {p: sf.features(str(p), limits=EXACT) for p in files}
    pix = {p: pixels(p) for p in files}
    raw = {p: p.read_bytes() for p in files}
    meta = other_metadata(target, cwd)

    scores = tmp_path / "scores.json"
    scores.write_text(cli("score", "--exiftool", target, cwd=cwd).stdout)
    log = tag_files(scores, target, cwd)
    assert re.search(rf"(^|\s){len(files)} image files updated", log), log

    want = written(scores)
    got = read_tags(target, cwd)
    assert set(got) == set(want) == {str(p.relative_to(cwd)) for p in files}
    for name, tags in want.items():
        assert got[name] == tags, name  # same strings, same decimal text, same lists (in order)
        for k in REALS:
            assert float(got[name][k]) == float(tags[k])  # hence the same double
    # the reals as plain json.loads sees them: numbers or, when exiftool
    # thinks them too long (over 16 decimals), strings; same value either way
    plain = json.loads(et("-j", "-G1", "-r", f"-{NS}ProbabilityFake", f"-{NS}Decision", target, cwd=cwd).stdout)
    for o in plain:
        for k in REALS:
            assert float(o[NS + k]) == float(want[o["SourceFile"]][k])
    # without the config the tags still read back (names come from the file)
    assert read_tags(target, cwd, config=False) == got

    for p in files:
        assert p.read_bytes() != raw[p], f"{p.name} was not rewritten"
        after = sf.features(str(p), limits=EXACT)
        assert after.dtype == feats[p].dtype and after.shape == feats[p].shape
        assert (after == feats[p]).all(), f"{p.name}: features changed by tagging"
        mode, arr = pixels(p)
        assert mode == pix[p][0] and np.array_equal(arr, pix[p][1]), f"{p.name}: pixels changed by tagging"
    assert other_metadata(target, cwd) == meta
    cam = next(v for k, v in meta.items() if k.endswith("camera shot.jpg"))
    assert cam["IFD0:Model"] == CAMERA_MODEL
    png = next(v for k, v in meta.items() if k.endswith(".png") and "rgba" in k)
    assert png[f"PNG:{PNG_TEXT[0]}"] == PNG_TEXT[1]


def make_training_set(d):
    """Ten smooth images and ten nearest-neighbour upsampled ones."""
    for i in range(10):
        Image.fromarray(pink_noise(128, 128, seed=100 + i)).save(d / "real" / f"r{i}.png")
        small = pink_noise(64, 64, seed=200 + i)
        Image.fromarray(np.kron(small, np.ones((2, 2), np.uint8))).save(d / "fake" / f"f{i}.png")


def test_second_run_replaces_the_record(exiftool, photos, tmp_path):
    """Tagging again replaces the whole record: a model without
    probabilities leaves no stale ProbabilityFake, notes are replaced, not
    appended. Absolute paths in the records work from any folder."""
    cwd, target = photos
    files = images_in(cwd / target)
    stale = [{"SourceFile": str(p), **{NS + k: v for k, v in {
        "Verdict": "fake", "ProbabilityFake": 0.99, "Decision": 9.5, "Model": "old", "ModelVersion": "0",
        "LibraryVersion": "0.0.1", "Notes": ["stale note one", "stale note two"]}.items()}} for p in files]
    (tmp_path / "stale.json").write_text(json.dumps(stale))
    et("-json=" + str(tmp_path / "stale.json"), "-overwrite_original", "-r", cwd / target, cwd="/")
    assert all(v["Notes"] == ["stale note one", "stale note two"] for v in read_tags(cwd / target, "/").values())

    for c in ("real", "fake"):
        (tmp_path / "train" / c).mkdir(parents=True)
    make_training_set(tmp_path / "train")
    model = tmp_path / "nocal.json"
    cli("train", "--real", tmp_path / "train" / "real", "--fake", tmp_path / "train" / "fake",
        "--calibrate", "none", "-o", model)

    scores = tmp_path / "scores.json"
    scores.write_text(cli("score", "--exiftool", "--model", model, cwd / target, cwd="/").stdout)
    want = written(scores)
    assert all("ProbabilityFake" not in v and v["Model"] == "nocal" for v in want.values())
    tag_files(scores, cwd / target, cwd="/")
    got = read_tags(cwd / target, "/")
    assert got == want  # exactly the new record: no ProbabilityFake, no stale notes
    # a date-like ModelVersion (the model's trained_at) reads back verbatim
    # with the config; see README for how exiftool shows it without
    assert all(v["ModelVersion"] == want[k]["ModelVersion"] for k, v in got.items())
