"""python -m spectralfake: command-line helpers of the Python binding.

    python -m spectralfake export MODEL.skops -o MODEL.json [--preset celeba] [--fake-label 1]
    python -m spectralfake export MODEL.pkl -o MODEL.json --trust-pickle
    python -m spectralfake dataset --real DIR --fake DIR -o data.pkl [--preset celeba] [--limit N]
    python -m spectralfake score MODEL.json IMAGE...
"""
from __future__ import annotations

import argparse
import json
import sys


def _label(text):
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    if text in ("true", "false"):
        return text == "true"
    return text


def _overrides(a):
    out = {}
    for k in ("n", "epsilon", "center", "normalize", "crop"):
        v = getattr(a, k)
        if v is not None:
            out[k] = v
    if a.interpolate is not None:
        out["interpolate"] = a.interpolate == "on"
    return out


def _names(enum):
    """The library's names of an enum's values (None without a library: the
    library then refuses unknown names itself)."""
    try:
        from .settings import name_of
        return [name_of(enum, v) for v in enum]
    except OSError:
        return None


def _add_feature_args(p):
    from ._constants import Center, Crop, Normalize, Preset
    p.add_argument("--preset", default="celeba", choices=_names(Preset),
                   help="feature preset the model was trained with (default: celeba)")
    p.add_argument("--n", type=int, help="override: number of interpolated points")
    p.add_argument("--epsilon", type=float, help="override: epsilon added before the log")
    p.add_argument("--center", choices=_names(Center), help="override: azimuthal centre")
    p.add_argument("--normalize", choices=_names(Normalize), help="override: normalisation")
    p.add_argument("--crop", choices=_names(Crop), help="override: crop")
    p.add_argument("--interpolate", choices=["on", "off"], help="override: interpolation")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m spectralfake", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    e = sub.add_parser("export", help="export a saved sklearn model to a libspectralfake model file")
    e.add_argument("model", help="a .skops file (loaded safely) or a pickle (needs --trust-pickle)")
    e.add_argument("-o", "--output", required=True, help="model file to write (JSON)")
    e.add_argument("--fake-label", default="1", help="the class label meaning fake (default: 1)")
    e.add_argument("--trust-pickle", action="store_true",
                   help="allow unpickling (runs any code in the file: only for files you trust)")
    e.add_argument("--metadata", action="append", default=[], metavar="KEY=VALUE",
                   help="free metadata to store (repeatable)")
    _add_feature_args(e)

    d = sub.add_parser("dataset", help="compute the article's {'data', 'label'} pickle from two folders")
    d.add_argument("--real", required=True)
    d.add_argument("--fake", required=True)
    d.add_argument("-o", "--output", required=True)
    d.add_argument("--limit", type=int, help="at most this many images per class")
    d.add_argument("--threads", type=int)
    _add_feature_args(d)

    s = sub.add_parser("score", help="score images with a model file")
    s.add_argument("model")
    s.add_argument("images", nargs="+")
    s.add_argument("--threads", type=int)

    a = ap.parse_args(argv)
    from .errors import SpectralFakeError
    from .exporter import ExportError, export, load_estimator
    try:
        if a.cmd == "export":
            est = load_estimator(a.model, trust_pickle=a.trust_pickle)
            meta = {}
            for kv in a.metadata:
                k, _, v = kv.partition("=")
                meta[k] = v
            doc = export(est, a.output, preset=a.preset, fake_label=_label(a.fake_label), metadata=meta,
                         **_overrides(a))
            print(f"wrote {a.output}: {doc['classifier']['type']} on {doc['features']['n_features']} features "
                  f"(preset {doc['features']['preset']}), classes {doc['classes']}, fake = "
                  f"{doc['classes'][doc['fake_class']]!r}")
        elif a.cmd == "dataset":
            from .dataset import build_dataset
            data = build_dataset(a.real, a.fake, a.output, preset=a.preset, limit=a.limit, threads=a.threads,
                                 **_overrides(a))
            print(f"wrote {a.output}: data {data['data'].shape}, {int(data['label'].sum())} fake, "
                  f"{int((data['label'] == 0).sum())} real")
        elif a.cmd == "score":
            from .model import Model
            m = Model.load(a.model)
            for r in m.score_files(a.images, threads=a.threads):
                print(json.dumps(r))
    except (ExportError, SpectralFakeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
