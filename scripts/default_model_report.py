"""The evaluation tables of docs/default-model.md, printed as Markdown by
`python3 scripts/default_model.py report DATA` (make default-model-report).

Every figure comes from models fitted without the images they are measured
on: leave-one-source-out (a whole source held out), 5-fold over images
(stratified by source), and the like-for-like pairs under three protocols.
Accuracies are class-balanced where a set has both classes; a held-out
source has one class, so its accuracy is the share of its images called
right at P(fake) > 0.5.
"""
from __future__ import annotations

import time

import numpy as np

from default_model import MIN_SIDE, OOD_Q, PAIR128, PAIR512, TAU, log

_STATE = {}


def md(header, rows):
    s = "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
    for r in rows:
        s += "| " + " | ".join(str(x) for x in r) + " |\n"
    return s


def f3(x):
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def bal_acc(y, pred):
    return float(np.mean([np.mean(pred[y == c] == c) for c in (0, 1) if (y == c).any()]))


def _pool_map(fn, items, jobs):
    if jobs <= 1:
        return [fn(i) for i in items]
    from multiprocessing import get_context
    with get_context("fork").Pool(jobs) as pool:
        return pool.map(fn, items)


# ---------------------------------------------------------- the screen

SCREEN = [
    # (name, versions used for training, blocks, balancing, C)
    ("originals, celeba-80 block only", ["orig"], "celeba", "none", 0.1),
    ("originals, all 4 blocks", ["orig"], "all", "none", 0.1),
    ("paired versions, all 4 blocks", ["train"], "all", "none", 0.1),
    ("paired + 3 augmented copies", ["train", "aug1", "aug2", "aug3"], "all", "none", 0.1),
    ("paired + augmented, glmin balancing (chosen)", ["train", "aug1", "aug2", "aug3"], "all", "glmin", 0.1),
    ("same, C = 0.01", ["train", "aug1", "aug2", "aug3"], "all", "glmin", 0.01),
    ("same, C = 1", ["train", "aug1", "aug2", "aug3"], "all", "glmin", 1.0),
    ("same, ffpp-300 block only", ["train", "aug1", "aug2", "aug3"], "ffpp", "glmin", 0.1),
]
BLOCKS = {"celeba": slice(0, 80), "ffpp": slice(80, 380), "all": slice(0, 556)}


def _screen_fold(args):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    d = _STATE["d"]
    (name, vers, blocks, bal, C), s = args
    tr, te = d.all[d.src != s], d.all[d.src == s]
    cols = BLOCKS[blocks]
    X = np.vstack([d.X(v, tr)[:, cols] for v in vers])
    y = np.tile(d.y[tr], len(vers))
    if bal == "glmin":
        w = np.tile(d.weights(tr), len(vers))
    else:
        w0 = np.ones(len(tr))
        for c in (0, 1):
            w0[d.y[tr] == c] = len(tr) / (2 * (d.y[tr] == c).sum())
        w = np.tile(w0, len(vers))
    sc = StandardScaler().fit(X)
    clf = LogisticRegression(C=C, max_iter=3000, tol=1e-5).fit(sc.transform(X), y, sample_weight=w)
    pred = (clf.decision_function(sc.transform(d.X("orig", te)[:, cols])) > 0).astype(int)
    return name, s, float(np.mean(pred == d.y[te]))


def screen(d, jobs):
    out = _pool_map(_screen_fold, [(r, s) for r in SCREEN for s in d.sources], jobs)
    acc = {}
    for name, s, a in out:
        acc.setdefault(name, {})[s] = a
    rows = [[name, f3(np.mean(list(acc[name].values()))), f3(min(acc[name].values())), f3(max(acc[name].values()))]
            for name, *_ in SCREEN]
    return md(["recipe (LogisticRegression on combo128 features)", "LOSO mean accuracy", "worst source", "best source"],
              rows)


# ---------------------------------------------------- full evaluations

def _fit_and_assess(args):
    d, M = _STATE["d"], _STATE["M"]
    kind, key, tr, te, vers = args
    m = M().fit(d, tr)
    out = {}
    for v in vers:
        out[v] = m.assess(d.X(v, te), d.cache[f"side_{v}"][te])
    return kind, key, te, out, m.band, m.ood_threshold, (float(m.sig.a_), float(m.sig.b_))


def report(d, M, jobs: int):
    t0 = time.time()
    _STATE.update(d=d, M=M)
    print("## Recipe screen: leave-one-source-out\n")
    print(screen(d, jobs))
    log(f"screen {time.time() - t0:.0f}s")
    tasks = [("loso", s, d.all[d.src != s], d.all[d.src == s], ["orig"]) for s in d.sources]
    tasks += [("cv5", i, tr, te, ["orig", "train", "png", "q90", "half"]) for i, (tr, te) in enumerate(d.folds(d.all))]
    for name, pair in (("pair128", PAIR128), ("pair512", PAIR512)):
        pi = d.all[np.isin(d.src, pair[0] + pair[1])]
        tasks.append((name + "-heldout", 0, d.all[~np.isin(d.all, pi)], pi, ["train"]))
        for i, (tr, te) in enumerate(d.folds(pi)):
            tasks.append((name + "-within", i, tr, te, ["train"]))
            rest = d.all[~np.isin(d.all, te)]
            tasks.append((name + "-withothers", i, rest, te, ["train"]))
    res = _pool_map(_fit_and_assess, tasks, jobs)
    log(f"evaluations {time.time() - t0:.0f}s")
    by = {}
    for kind, key, te, out, band, thr, sig in res:
        by.setdefault(kind, []).append((key, te, out, band, thr))

    # -- LOSO per source
    print("## Leave-one-source-out: each source held out in turn\n")
    rows, conf_wrong_all, acc_all = [], [], []
    for s, te, out, band, thr in sorted(by["loso"], key=lambda r: d.sources.index(r[0])):
        p, ood, v = out["orig"]
        y = d.y[te]
        acc = float(np.mean((p > 0.5) == y))
        fired = float(np.mean(ood > thr))
        let = v != -1
        cw = float(np.mean(let & (v != y)))
        acc_all.append(acc)
        conf_wrong_all.append(cw)
        rows.append([s, "fake" if y[0] else "real", len(te), f3(acc), f3(float(np.mean(v == -1))), f3(fired),
                     int(let.sum()), f3(float(np.mean(v[let] == y[let])) if let.any() else None), f3(cw)])
    rows.append(["**mean over sources**", "", "", f3(np.mean(acc_all)), "", "", "", "", f3(np.mean(conf_wrong_all))])
    print(md(["held-out source", "label", "n", "accuracy (P > 0.5)", "uncertain", "OOD fires", "definite verdicts",
              "their accuracy", "confidently wrong"], rows))

    # -- 5-fold within sources
    cv = by["cv5"]
    idx = np.concatenate([te for _, te, *_ in cv])
    p = np.concatenate([o["orig"][0] for _, _, o, *_ in cv])
    v = np.concatenate([o["orig"][2] for _, _, o, *_ in cv])
    ood = np.concatenate([o["orig"][1] for _, _, o, *_ in cv])
    thr = np.concatenate([np.full(len(te), t) for _, te, _, _, t in cv])
    y = d.y[idx]
    print("## 5-fold over images (every source in training)\n")
    let = v != -1
    print(md(["set", "balanced accuracy (P > 0.5)", "uncertain", "OOD fires", "definite verdicts: balanced accuracy"],
             [["all 12 sources", f3(bal_acc(y, (p > 0.5).astype(int))), f3(float(np.mean(~let))),
               f3(float(np.mean(ood > thr))), f3(bal_acc(y[let], v[let]))]]))

    # -- pairs
    print("## Like-for-like pairs (balanced accuracy, P > 0.5)\n")
    rows = []
    for name, label in (("pair128", "128: FFHQ thumbnails re-encoded q75 vs TPDNE-128 q75"),
                        ("pair512", "512: FFHQ vs StyleGAN + StyleGAN2 (Lago et al., one pipeline)")):
        def ba(kind):
            items = by[name + kind]
            ii = np.concatenate([te for _, te, *_ in items])
            pp = np.concatenate([o["train"][0] for _, _, o, *_ in items])
            return bal_acc(d.y[ii], (pp > 0.5).astype(int))
        rows.append([label, f3(ba("-withothers")), f3(ba("-heldout")), f3(ba("-within"))])
    print(md(["pair", "5-fold, other sources in training", "pair held out", "trained on the pair only"], rows))

    # -- shortcut probe
    print("## Shortcut probe (5-fold held-out images, each also scored as PNG, as JPEG q90, and halved)\n")
    base_v = np.concatenate([o["orig"][2] for _, _, o, *_ in cv])
    base_p = np.concatenate([o["orig"][0] for _, _, o, *_ in cv])
    rows = []
    for ver, label in (("png", "re-saved as PNG"), ("q90", "re-saved as JPEG q90"), ("half", "halved (bicubic), PNG")):
        pv = np.concatenate([o[ver][0] for _, _, o, *_ in cv])
        vv = np.concatenate([o[ver][2] for _, _, o, *_ in cv])
        side = d.cache[f"side_{ver}"][idx]
        rows.append([label, f3(float(np.mean((pv > 0.5) != (base_p > 0.5)))), f3(float(np.mean(vv != base_v))),
                     f3(float(np.mean(side < MIN_SIDE)))])
    print(md(["probe", "binary verdict (P > 0.5) changes", "three-way verdict changes", "now below 128 px"], rows))

    # -- calibration
    print("## Calibration (10 equal bins of P(fake))\n")
    lo = by["loso"]
    pl = np.concatenate([o["orig"][0] for _, _, o, *_ in lo])
    yl = np.concatenate([d.y[te] for _, te, *_ in lo])
    rows, eces = [], []
    for pp, yy in ((p, y), (pl, yl)):
        b = np.minimum((pp * 10).astype(int), 9)
        e = sum((b == k).sum() / len(pp) * abs(pp[b == k].mean() - yy[b == k].mean()) for k in range(10) if (b == k).any())
        eces.append(e)
    for k in range(10):
        cells = [f"{k / 10:.1f}-{(k + 1) / 10:.1f}"]
        for pp, yy in ((p, y), (pl, yl)):
            m = np.minimum((pp * 10).astype(int), 9) == k
            cells += [int(m.sum()), f3(float(pp[m].mean())) if m.any() else "-", f3(float(yy[m].mean())) if m.any() else "-"]
        rows.append(cells)
    print(md(["P(fake) bin", "5-fold n", "mean P", "fraction fake", "LOSO n", "mean P", "fraction fake"], rows))
    print(f"Expected calibration error: {eces[0]:.3f} in distribution (5-fold), {eces[1]:.3f} on unseen sources "
          "(leave-one-source-out).\n")
    log(f"report {time.time() - t0:.0f}s")
    print(f"(band: TAU = {TAU}, OOD quantile {OOD_Q}; {time.time() - t0:.0f} s on this machine)")
