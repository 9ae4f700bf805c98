"""The article's whole workflow through libspectralfake, with honest figures.

    PYTHONPATH=bindings/python python3 examples/python/workflow.py [--data ../shared/data]

1. Build the article's {"data", "label"} dataset from two folders with the
   native batch path (spectralfake.build_dataset), on the like-for-like pair
   of ../shared/data/README.md: FFHQ thumbnails re-encoded as JPEG q75 by
   Pillow (real) against thispersondoesnotexist faces resized and saved as
   JPEG q75 by Pillow (fake) - same size, format, encoder and quality, so
   only the image content differs.
2. Run the article's classification step unchanged (pickle.load, split,
   SVC(kernel='linear')), export the fitted SVC, and score the held-out
   images through the library: its accuracy equals sklearn's.
3. Report cross-validated accuracy per source and for the shortcut-prone
   mixes (PNG real vs JPEG fake), so that format or size never stands in
   for "fake" unnoticed.
"""
from __future__ import annotations

import argparse
import glob
import io
import os
import pickle
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bindings", "python"))
import spectralfake as sf  # noqa: E402


def reencode_jpeg(src_dir, dst_dir, quality=75):
    from PIL import Image
    os.makedirs(dst_dir, exist_ok=True)
    for p in sorted(glob.glob(os.path.join(src_dir, "*"))):
        with Image.open(p) as im:
            im.convert("RGB").save(os.path.join(dst_dir, os.path.splitext(os.path.basename(p))[0] + ".jpg"),
                                   "JPEG", quality=quality)
    return dst_dir


def article_classification(pkl_path, seed=0):
    """Section 3 of the article, with a fixed seed."""
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC
    pkl_file = open(pkl_path, "rb")
    data = pickle.load(pkl_file)
    pkl_file.close()
    X = data["data"]
    y = data["label"]
    idx = np.arange(len(y))
    X_train, X_test, y_train, y_test, i_train, i_test = train_test_split(X, y, idx, test_size=0.2,
                                                                         random_state=seed)
    svclassifier = SVC(kernel="linear")
    svclassifier.fit(X_train, y_train)
    return svclassifier, svclassifier.score(X_test, y_test), [data["paths"][i] for i in i_test], y_test


def cv_accuracy(X, y, groups=None, folds=5, seed=0):
    """5-fold accuracy of a linear SVM, overall and per group."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import SVC
    pred = cross_val_predict(SVC(kernel="linear"), X, y,
                             cv=StratifiedKFold(folds, shuffle=True, random_state=seed))
    out = {"all": float(np.mean(pred == y))}
    if groups is not None:
        for g in sorted(set(groups)):
            m = np.array(groups) == g
            out[g] = float(np.mean(pred[m] == y[m]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
    ap.add_argument("--limit", type=int, default=None, help="images per class (default: all)")
    a = ap.parse_args()
    faces = os.path.join(a.data, "faces")
    if not os.path.isdir(faces):
        raise SystemExit(f"no face data at {faces}: pass --data")
    with tempfile.TemporaryDirectory() as tmp:
        # 1. the like-for-like pair and the article's dataset step
        real_dir = reencode_jpeg(os.path.join(faces, "real", "ffhq_thumb_128png"), os.path.join(tmp, "real_q75"))
        fake_dir = os.path.join(faces, "fake", "stylegan2_tpdne_128jpg")
        pkl = os.path.join(tmp, "celeba_like_for_like.pkl")
        data = sf.build_dataset(real_dir, fake_dir, pkl, preset="celeba", limit=a.limit)
        print(f"dataset: {data['data'].shape[0]} images x {data['data'].shape[1]} features "
              f"({int(data['label'].sum())} fake, {int((data['label'] == 0).sum())} real) -> {pkl}")

        # 2. the article's classification, export, native scoring
        clf, sk_acc, test_paths, y_test = article_classification(pkl)
        model_path = os.path.join(tmp, "model.json")
        sf.export(clf, model_path, preset="celeba", fake_label=1.0,
                  metadata={"training": "like-for-like pair, 80% split"})
        m = sf.Model.load(model_path)
        lib_pred = m.predict(test_paths, threads=2)
        lib_acc = float(np.mean(lib_pred == y_test))
        print(f"article step (SVC linear, 80/20 split): sklearn accuracy {sk_acc:.4f}, "
              f"library on the test image files {lib_acc:.4f} ({'identical' if lib_acc == sk_acc else 'DIFFERENT'})")
        print("one score:", m.score_file(test_paths[0]))

        # 3. honest figures: 5-fold CV, per source, and the shortcut mixes
        X, y = data["data"], data["label"]
        lfl = cv_accuracy(X, y)
        sources = {}
        for label, d in (("real", "ffhq_thumb_128png"), ("real", "lfw_250jpg"), ("real", "ffhq_1024jpg"),
                         ("real", "ffhq_140k_256jpg"), ("fake", "durall_celeba_gan_128jpg"),
                         ("fake", "stylegan2_tpdne_128jpg"), ("fake", "stylegan2_tpdne_1024jpg"),
                         ("fake", "stylegan_1mfakefaces_256jpg")):
            paths = sorted(glob.glob(os.path.join(faces, label, d, "*")))[: a.limit]
            sources[d] = (label, paths)

        def mix(names):
            paths, ys, groups = [], [], []
            for n in names:
                label, ps = sources[n]
                paths += ps
                ys += [1.0 if label == "fake" else 0.0] * len(ps)
                groups += [n] * len(ps)
            return sf.features_batch(paths, threads=2), np.array(ys), groups

        rows = [("like-for-like: FFHQ thumbs re-encoded JPEG q75 vs TPDNE-128 JPEG q75", lfl)]
        Xp, yp, gp = mix(["ffhq_thumb_128png", "stylegan2_tpdne_128jpg"])
        rows.append(("shortcut: same FFHQ thumbs left as PNG vs TPDNE-128 JPEG", cv_accuracy(Xp, yp, gp)))
        X1, y1, g1 = mix(["ffhq_140k_256jpg", "stylegan_1mfakefaces_256jpg"])
        rows.append(("like-for-like (tiny, 14+14): 140k FFHQ vs 1M-fake-faces, 256 q95", cv_accuracy(X1, y1, g1)))
        X2, y2, g2 = mix(["ffhq_1024jpg", "stylegan2_tpdne_1024jpg"])
        rows.append(("1024: FFHQ q75 baseline vs TPDNE q100 progressive (compression differs)",
                     cv_accuracy(X2, y2, g2)))
        Xa, ya, ga = mix(list(sources))
        rows.append(("all 8 sources mixed (sizes, formats, qualities all confounded)", cv_accuracy(Xa, ya, ga)))
        print("\nlinear SVM, celeba preset, 5-fold cross-validated accuracy:")
        print("| set | accuracy | per source |")
        print("|---|---|---|")
        for name, r in rows:
            per = ", ".join(f"{k} {v:.3f}" for k, v in r.items() if k != "all")
            print(f"| {name} | {r['all']:.3f} | {per or '-'} |")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        main()
