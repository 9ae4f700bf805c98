"""Exported models scored by libspectralfake against scikit-learn 1.9.

Every supported estimator (SVC with each kernel and gamma form, with and
without probability=True; LinearSVC; LogisticRegression; SGDClassifier with
each linear loss; CalibratedClassifierCV(ensemble=False) with sigmoid,
isotonic and temperature calibration; StandardScaler / MinMaxScaler
pipelines, also inside the calibrated estimator) is fitted on random data and
on real features of shared face images, exported, loaded back and compared:
decision values and probabilities to 1e-9 relative (|ours - sklearn| <=
1e-9 * max(1, |sklearn|)), predicted labels identical, through 2-D feature
arrays and through image paths (features computed natively). The largest
deviation over the whole matrix is printed by the last test (run with -s).

Also: label encodings, exporter refusals, the skops / pickle command line,
thread safety, a badly conditioned model (the error bound of
docs/model-format.md), and the article's workflow end to end.
"""
import io
import os
import pickle
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score
from sklearn.metrics.pairwise import polynomial_kernel
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC

import spectralfake as sf
from spectralfake.dataset import list_images
from spectralfake.exporter import ExportError, export, model_document

pytestmark = [
    pytest.mark.filterwarnings("ignore:The `probability` parameter was deprecated:FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

TOL = 1e-9
N_FEATURES = 80  # the celeba preset
# The largest deviation seen by any comparison of this module, and where.
WORST = {"dev": 0.0, "where": "nothing compared"}


def record(ours, ref, what):
    """Asserts |ours - ref| <= TOL * max(1, |ref|) and keeps the maximum."""
    ours = np.asarray(ours, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != {ref.shape}"
    assert np.all(np.isfinite(ours)), f"{what}: non-finite values"
    err = np.abs(ours - ref) / np.maximum(np.abs(ref), 1.0)
    worst = float(err.max()) if err.size else 0.0
    if worst > WORST["dev"]:
        WORST.update(dev=worst, where=what)
    at = np.unravel_index(err.argmax(), err.shape) if err.size else None
    assert worst <= TOL, f"{what}: max deviation {worst:.3e} > {TOL:.0e} at {at}"
    return worst


def fit_quiet(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        return est.fit(X, y)


# ------------------------------------------------------------- sklearn side

def sk_decision(est, X):
    """The decision function the library reports: sklearn's, or for
    CalibratedClassifierCV (which has none) its fitted base estimator's."""
    if isinstance(est, Pipeline):
        for _, step in est.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        return sk_decision(est.steps[-1][1], X)
    if isinstance(est, FrozenEstimator):
        return sk_decision(est.estimator, X)
    if isinstance(est, CalibratedClassifierCV):
        assert len(est.calibrated_classifiers_) == 1
        return sk_decision(est.calibrated_classifiers_[0].estimator, X)
    return est.decision_function(X)


def n_support(est):
    """Number of support vectors of the SVC inside est, or None."""
    if isinstance(est, Pipeline):
        return n_support(est.steps[-1][1])
    if isinstance(est, FrozenEstimator):
        return n_support(est.estimator)
    if isinstance(est, CalibratedClassifierCV):
        return n_support(est.calibrated_classifiers_[0].estimator)
    if isinstance(est, SVC):
        return int(est.n_support_.sum())
    return None


def compare(est, model, X, what, paths=None, X_paths=None):
    """Decision, predict and predict_proba of model vs est, on a 2-D array
    and (optionally) on image paths whose sklearn features are X_paths."""
    assert model.n_features_in_ == X.shape[1]
    assert list(model.classes_) == list(est.classes_)
    inputs = [("features", X, X)]
    if paths is not None:
        inputs.append(("paths", paths, X_paths))
    for kind, ours_in, sk_in in inputs:
        tag = f"{what} [{kind}]"
        record(model.decision_function(ours_in), sk_decision(est, sk_in), f"{tag} decision")
        ours_pred, sk_pred = model.predict(ours_in), est.predict(sk_in)
        assert ours_pred.tolist() == sk_pred.tolist(), f"{tag}: predicted labels differ"
        assert ours_pred.dtype.kind == np.asarray(sk_pred).dtype.kind or {
            ours_pred.dtype.kind, np.asarray(sk_pred).dtype.kind} == {"U", "O"}
        if hasattr(est, "predict_proba"):
            assert model.has_proba, f"{tag}: sklearn has predict_proba, the model has none"
            record(model.predict_proba(ours_in), est.predict_proba(sk_in), f"{tag} predict_proba")
        else:
            assert not model.has_proba, f"{tag}: the model has probabilities, sklearn has none"
            with pytest.raises(AttributeError):
                model.predict_proba(ours_in)


def export_and_load(est, tmp_path, name="model.json", **kw):
    path = tmp_path / name
    export(est, path, **kw)
    return sf.Model.load(path)


# ---------------------------------------------------------------- the data

def _random_data(seed, n_train, n_test):
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    X = rng.standard_normal((n, N_FEATURES))
    w = rng.standard_normal(N_FEATURES)
    score = X @ w / np.sqrt(N_FEATURES) + 0.7 * X[:, 1] * X[:, 2] + 0.8 * rng.standard_normal(n)
    y = (score > 0).astype(np.int64)
    Xtr, ytr, Xte = X[:n_train], y[:n_train], X[n_train:]
    # rows outside the training range: MinMaxScaler(clip=True) clips them,
    # isotonic calibration clips their decision values
    Xte = np.vstack([Xte, 3.0 * Xte[:10], Xte[:10] + 4.0, Xte[:10] - 4.0])
    return Xtr, ytr, Xte


@pytest.fixture(scope="module")
def random_data():
    return _random_data(0, 300, 100)


SOURCES = [  # (folder under faces/, label (1 = fake), images)
    ("fake/durall_celeba_gan_128jpg", 1, 70),
    ("fake/stylegan2_tpdne_128jpg", 1, 70),
    ("fake/stylegan2_tpdne_1024jpg", 1, 8),
    ("real/ffhq_thumb_128png", 0, 70),
    ("real/lfw_250jpg", 0, 70),
    ("real/ffhq_1024jpg", 0, 8),
]


@pytest.fixture(scope="module")
def real_data(data):
    """Features (celeba preset) of ~300 shared images from six folders,
    split into training rows and test paths."""
    paths, labels = [], []
    for folder, label, k in SOURCES:
        found = list_images(data / "faces" / folder)[:k]
        assert found, f"no images in {folder}"
        paths += found
        labels += [label] * len(found)
    X = sf.features_batch(paths)  # native threads
    y = np.array(labels, dtype=np.int64)
    # test rows: 12 from each small-image folder, 2 from each 1024 folder
    rng = np.random.default_rng(7)
    test, start = [], 0
    for folder, label, k in SOURCES:
        test += list(start + rng.choice(k, 2 if "1024" in folder else 12, replace=False))
        start += k
    test = rng.permutation(test)
    train = np.setdiff1d(np.arange(len(paths)), test)
    test_paths = [paths[i] for i in test]
    # what sklearn is given for the paths: spectralfake.features of each
    X_test = np.array([sf.features(p) for p in test_paths])
    np.testing.assert_allclose(X_test, X[test], rtol=1e-12, atol=0)
    return X[train], y[train], X_test, test_paths


# ---------------------------------------------------------- the estimators

def _ccv(base, method, **kw):
    return CalibratedClassifierCV(base, method=method, ensemble=False, cv=3, **kw)


class _FrozenCCV:
    """The 1.9 replacement of cv="prefit": CalibratedClassifierCV around a
    fitted model (optionally with a scaler) wrapped in FrozenEstimator."""

    def __init__(self, method, scaler=None):
        self.method, self.scaler = method, scaler

    def fit(self, X, y):
        base = SVC(kernel="rbf", C=2.0) if self.scaler is None else make_pipeline(self.scaler, SVC(C=2.0))
        frozen = FrozenEstimator(fit_quiet(base, X, y))
        return fit_quiet(CalibratedClassifierCV(frozen, method=self.method), X, y)


ESTIMATORS = {
    "svc-linear": lambda: SVC(kernel="linear"),
    "svc-rbf-scale": lambda: SVC(kernel="rbf", gamma="scale"),
    "svc-rbf-auto": lambda: SVC(kernel="rbf", gamma="auto", C=3.0),
    "svc-rbf-float": lambda: SVC(kernel="rbf", gamma=0.05, C=0.5),
    "svc-poly-scale": lambda: SVC(kernel="poly", gamma="scale", degree=3, coef0=1.0),
    "svc-poly-auto": lambda: SVC(kernel="poly", gamma="auto", degree=2, coef0=0.5),
    "svc-poly-float": lambda: SVC(kernel="poly", gamma=0.02, degree=4, coef0=0.0),
    "svc-sigmoid-scale": lambda: SVC(kernel="sigmoid", gamma="scale", coef0=0.0),
    "svc-sigmoid-auto": lambda: SVC(kernel="sigmoid", gamma="auto", coef0=-0.5),
    "svc-sigmoid-float": lambda: SVC(kernel="sigmoid", gamma=0.002, coef0=0.1, C=2.0),
    "svc-rbf-proba": lambda: SVC(kernel="rbf", probability=True, random_state=0),
    "svc-linear-proba": lambda: SVC(kernel="linear", probability=True, random_state=1),
    "svc-poly-proba": lambda: SVC(kernel="poly", degree=2, coef0=1.0, probability=True, random_state=2),
    "svc-sigmoid-proba": lambda: SVC(kernel="sigmoid", gamma="auto", probability=True, random_state=3),
    "linearsvc": lambda: LinearSVC(C=0.5),
    "linearsvc-no-intercept": lambda: LinearSVC(fit_intercept=False),
    "logreg": lambda: LogisticRegression(max_iter=1000),
    "sgd-hinge": lambda: SGDClassifier(loss="hinge", random_state=0),
    "sgd-log_loss": lambda: SGDClassifier(loss="log_loss", random_state=0),
    "sgd-modified_huber": lambda: SGDClassifier(loss="modified_huber", random_state=0),
    "sgd-squared_hinge": lambda: SGDClassifier(loss="squared_hinge", random_state=0, alpha=0.01),
    "sgd-perceptron": lambda: SGDClassifier(loss="perceptron", random_state=0),
    "ccv-sigmoid-svc": lambda: _ccv(SVC(kernel="rbf"), "sigmoid"),
    "ccv-isotonic-svc": lambda: _ccv(SVC(kernel="rbf", C=2.0), "isotonic"),
    "ccv-temperature-svc": lambda: _ccv(SVC(kernel="linear"), "temperature"),
    "ccv-sigmoid-linearsvc": lambda: _ccv(LinearSVC(), "sigmoid"),
    "ccv-isotonic-linearsvc": lambda: _ccv(LinearSVC(C=0.2), "isotonic"),
    "ccv-temperature-linearsvc": lambda: _ccv(LinearSVC(), "temperature"),
    "ccv-isotonic-frozen-svc": lambda: _FrozenCCV("isotonic"),
    # the scaler inside the calibrated estimator
    "ccv-isotonic-(std+svc)": lambda: _ccv(make_pipeline(StandardScaler(), SVC(kernel="rbf")), "isotonic"),
    "ccv-sigmoid-(minmax+linearsvc)": lambda: _ccv(make_pipeline(MinMaxScaler(), LinearSVC()), "sigmoid"),
    "ccv-temperature-(std+svc-poly)": lambda: _ccv(make_pipeline(StandardScaler(), SVC(kernel="poly", degree=2)),
                                                    "temperature"),
}

SCALERS = {
    "none": None,
    "standard": lambda: StandardScaler(),
    "minmax": lambda: MinMaxScaler(),
    "minmax-clip": lambda: MinMaxScaler(feature_range=(-1.0, 2.0), clip=True),
    "standard-no-mean": lambda: StandardScaler(with_mean=False),
    "standard-no-std": lambda: StandardScaler(with_std=False),
}

# every estimator unscaled and standardised; the other scalers on a selection
CASES = [(e, s) for e in ESTIMATORS for s in ("none", "standard")]
# the other scalers on a selection, on random data only (the real features
# go through every estimator unscaled and standardised)
EXTRA_CASES = [(e, s) for e in ("svc-rbf-proba", "svc-poly-scale", "logreg", "sgd-modified_huber", "linearsvc",
                                "ccv-isotonic-svc", "ccv-temperature-linearsvc", "svc-sigmoid-scale")
               for s in ("minmax", "minmax-clip")]
EXTRA_CASES += [(e, s) for e in ("svc-rbf-scale", "logreg", "ccv-sigmoid-svc") for s in ("standard-no-mean",
                                                                                          "standard-no-std")]
# real features: every estimator unscaled (as the article), a selection standardised
REAL_STANDARD = ("svc-rbf-scale", "svc-poly-scale", "svc-poly-auto", "svc-poly-float", "svc-poly-proba",
                 "svc-sigmoid-scale", "svc-rbf-proba", "linearsvc", "logreg", "sgd-hinge", "sgd-log_loss",
                 "sgd-modified_huber", "ccv-isotonic-svc", "ccv-sigmoid-linearsvc", "ccv-temperature-svc")
REAL_CASES = [(e, s) for e, s in CASES if s == "none" or e in REAL_STANDARD]
PARITY = [(e, s, "random") for e, s in CASES + EXTRA_CASES] + [(e, s, "real") for e, s in REAL_CASES]


def build(est_name, scaler_name):
    est = ESTIMATORS[est_name]()
    if isinstance(est, _FrozenCCV):
        return _FrozenCCV(est.method, SCALERS[scaler_name]() if scaler_name != "none" else None)
    if scaler_name != "none":
        if est_name.startswith("ccv-") and "(" in est_name:
            return None  # a scaler inside and outside is refused (tested below)
        est = make_pipeline(SCALERS[scaler_name](), est)
    return est


def unscaled_poly_on_real(est_name, scaler_name, dataset):
    # A polynomial kernel on the raw (all positive, mean ~0.6) features gives
    # kernel values ~1e4 whose weighted sum cancels down to |d| ~ 1: both
    # sklearn and the library are off from the exact value by ~1e-10 there.
    # It is checked against its conditioned bound in
    # test_badly_conditioned_model_within_its_bound, not against 1e-9.
    return dataset == "real" and scaler_name == "none" and "poly" in est_name and "std+" not in est_name


@pytest.mark.parametrize("est_name,scaler_name,dataset", PARITY, ids=[f"{e}+{s}-{d}" for e, s, d in PARITY])
def test_parity(est_name, scaler_name, dataset, request, tmp_path):
    if unscaled_poly_on_real(est_name, scaler_name, dataset):
        pytest.skip("unscaled polynomial kernel on raw features: see test_badly_conditioned_model_within_its_bound")
    est = build(est_name, scaler_name)
    if est is None:
        pytest.skip("scaler both inside and outside the calibrated estimator (refused by the exporter)")
    if dataset == "random":
        Xtr, ytr, Xte = request.getfixturevalue("random_data")
        paths = X_paths = None
    else:
        Xtr, ytr, X_paths, paths = request.getfixturevalue("real_data")
        Xte = np.vstack([X_paths, X_paths[:5] * 1.3, X_paths[:5] * 0.7])
    est = fit_quiet(est, Xtr, ytr)
    model = export_and_load(est, tmp_path, fake_label=1)
    assert model.fake_label == 1 and model.fake_class_ == 1
    compare(est, model, Xte, f"{est_name}+{scaler_name} on {dataset}", paths, X_paths)


# ---------------------------------------------------- many support vectors

@pytest.mark.parametrize("kind", ["rbf", "linear", "poly-proba", "ccv-sigmoid"])
def test_many_support_vectors(kind, tmp_path):
    Xtr, ytr, Xte = _random_data(11, 900, 200)
    est = {"rbf": SVC(kernel="rbf", C=0.8),
           "linear": SVC(kernel="linear", C=0.05),
           "poly-proba": SVC(kernel="poly", degree=3, coef0=1.0, probability=True, random_state=0),
           "ccv-sigmoid": _ccv(SVC(kernel="rbf", C=0.5), "sigmoid")}[kind]
    est = fit_quiet(est, Xtr, ytr)
    assert n_support(est) >= 300, f"only {n_support(est)} support vectors"
    compare(est, export_and_load(est, tmp_path), Xte, f"{kind} with {n_support(est)} support vectors")


def test_many_support_vectors_real(real_data, tmp_path):
    """The article's model (linear SVC, unscaled features) on real images
    keeps most training rows as support vectors."""
    Xtr, ytr, X_paths, paths = real_data
    est = fit_quiet(SVC(kernel="linear"), Xtr, ytr)
    assert n_support(est) >= 100, f"only {n_support(est)} support vectors"
    compare(est, export_and_load(est, tmp_path), X_paths, f"article SVC, {n_support(est)} SVs, real", paths, X_paths)


# ---------------------------------------------------------- label encodings

ENCODINGS = {
    # name: (map from 0/1 (1 = fake) to the label, the fake label, expected fake_class)
    "int-fake-1": (lambda y: y.astype(np.int64), 1, 1),
    "int-fake-0": (lambda y: (1 - y).astype(np.int64), 0, 0),  # FaceForensics pickle: 0 = fake
    "float-fake-1.0": (lambda y: y.astype(np.float64), 1.0, 1),  # the CelebA pickle: float 0.0/1.0
    "float-fake-0.0": (lambda y: (1 - y).astype(np.float64), 0.0, 0),
    "str": (lambda y: np.where(y == 1, "fake", "real"), "fake", 0),  # sorted: ['fake', 'real']
    "str-object": (lambda y: np.array(["real", "fake"], dtype=object)[y], "fake", 0),
    "minus-plus-1": (lambda y: np.where(y == 1, 1, -1), -1, 0),  # fake = -1
}

ENCODED = {
    "svc-rbf-proba": lambda: SVC(kernel="rbf", probability=True, random_state=0),
    "logreg+std": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "sgd-modified_huber": lambda: SGDClassifier(loss="modified_huber", random_state=0),
    "linearsvc": lambda: LinearSVC(),
    "ccv-isotonic-svc": lambda: _ccv(SVC(), "isotonic"),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("est_name", list(ENCODED))
def test_label_encodings(est_name, encoding, random_data, tmp_path):
    Xtr, y01, Xte = random_data
    to_label, fake_label, fake_class = ENCODINGS[encoding]
    y = to_label(y01)
    est = fit_quiet(ENCODED[est_name](), Xtr, y)
    model = export_and_load(est, tmp_path, fake_label=fake_label)
    assert model.fake_class_ == fake_class
    assert model.fake_label == est.classes_[fake_class]
    compare(est, model, Xte, f"{est_name} with {encoding} labels")
    # the verdict follows the fake label, whatever the encoding
    pred = model.predict(Xte)
    scores = model._scores(Xte)
    assert [s.label == 1 for s in scores] == [p == est.classes_[fake_class] for p in pred]
    if model.has_proba:
        pf = np.array([s.probability_fake for s in scores])
        record(pf, est.predict_proba(Xte)[:, fake_class], f"{est_name} {encoding} P(fake)")


def test_verdicts_on_image_paths(real_data, tmp_path):
    """score_files: label 'fake' exactly when the predicted class is the fake
    label, with fake encoded as 0 (FaceForensics convention)."""
    Xtr, ytr, X_paths, paths = real_data
    y = np.where(ytr == 1, 0.0, 1.0)  # 0.0 = fake
    est = fit_quiet(make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)), Xtr, y)
    model = export_and_load(est, tmp_path, fake_label=0.0)
    rows = model.score_files(paths)
    sk_pred = est.predict(X_paths)
    sk_proba = est.predict_proba(X_paths)
    assert [r["is_fake"] for r in rows] == [p == 0.0 for p in sk_pred]
    assert [r["label"] for r in rows] == ["fake" if p == 0.0 else "real" for p in sk_pred]
    assert [r["class"] for r in rows] == sk_pred.tolist()
    record([r["probability_fake"] for r in rows], sk_proba[:, 0], "score_files P(fake), fake = 0.0")
    record([r["decision"] for r in rows], est.decision_function(X_paths), "score_files decision")


# --------------------------------------------------- badly conditioned model

def test_badly_conditioned_model_within_its_bound(real_data, tmp_path):
    """A polynomial kernel on unscaled features with a large C: kernel values
    of ~1e4 summed with weights of up to 100 cancel to |d| ~ 1. Two correct
    implementations then differ by the rounding of that sum, far more than
    1e-12 relative to |d|. docs/model-format.md bounds the deviation by
    2 * (n_SV + degree * (n_features + 4) + 2) * u * S, where S = |b| + sum_i
    |alpha_i K(x, sv_i)| and u = 2^-53; check that bound."""
    Xtr, ytr, X_paths, paths = real_data
    Xall = np.vstack([Xtr, X_paths])
    u = np.finfo(np.float64).eps / 2
    worst_rel, worst_units = 0.0, 0.0
    for degree, C in ((2, 100.0), (3, 1.0)):
        est = fit_quiet(SVC(kernel="poly", degree=degree, coef0=1.0, C=C), Xtr, ytr)
        model = export_and_load(est, tmp_path)
        ours, sk = model.decision_function(Xall), est.decision_function(Xall)
        K = polynomial_kernel(Xall, est.support_vectors_, degree=degree, gamma=est._gamma, coef0=est.coef0)
        S = np.abs(K * est.dual_coef_[0]).sum(axis=1) + abs(est.intercept_[0])
        bound = 2 * (n_support(est) + degree * (Xall.shape[1] + 4) + 2) * u * S
        dev = np.abs(ours - sk)
        assert np.all(dev <= bound), f"degree {degree}: {dev.max():.3e} over the bound {bound[dev.argmax()]:.3e}"
        assert model.predict(Xall).tolist() == est.predict(Xall).tolist()
        assert model.predict(paths).tolist() == est.predict(X_paths).tolist()
        worst_rel = max(worst_rel, float((dev / np.maximum(np.abs(sk), 1)).max()))
        worst_units = max(worst_units, float((dev / (u * S)).max()))
        assert float(np.median(S / np.maximum(np.abs(sk), 1))) > 1e4  # it is badly conditioned
    print(f"\nbadly conditioned poly SVC (unscaled real features): max deviation {worst_rel:.3e} relative to "
          f"max(1, |d|), {worst_units:.1f} u * S")


# ------------------------------------------------------- exporter refusals

def _fitted(est, n_features=N_FEATURES, classes=2, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((90, n_features))
    y = np.arange(90) % classes
    return fit_quiet(est, X, y)


@pytest.mark.parametrize("case", ["multiclass", "kneighbors", "ensemble", "two-scalers", "scaler-in-and-out",
                                  "n-features", "fake-label", "isotonic-nan", "precomputed", "unfitted",
                                  "unsupported-transform"])
def test_exporter_refusals(case, tmp_path):
    from sklearn.decomposition import PCA
    from sklearn.neighbors import KNeighborsClassifier
    kw = {}
    if case == "multiclass":
        est, needle = _fitted(SVC(), classes=3), "SVC has 3 classes"
    elif case == "kneighbors":
        est, needle = _fitted(KNeighborsClassifier()), "KNeighborsClassifier"
    elif case == "ensemble":
        est, needle = _fitted(CalibratedClassifierCV(SVC(), cv=3, ensemble=True)), "ensemble=True"
    elif case == "two-scalers":
        est = _fitted(make_pipeline(StandardScaler(), MinMaxScaler(), SVC()))
        needle = "StandardScaler, MinMaxScaler"
    elif case == "scaler-in-and-out":
        est = _fitted(make_pipeline(StandardScaler(), _ccv(make_pipeline(MinMaxScaler(), SVC()), "sigmoid")))
        needle = "a scaler both outside and inside CalibratedClassifierCV"
    elif case == "n-features":
        est, needle = _fitted(SVC(), n_features=50), "the model takes 50 features but preset 'celeba' gives 80"
    elif case == "fake-label":
        est, needle, kw = _fitted(SVC()), "fake_label='fake' is not one of the classes [0, 1]", {"fake_label": "fake"}
    elif case == "isotonic-nan":
        est = _fitted(_ccv(SVC(), "isotonic"))
        est.calibrated_classifiers_[0].calibrators[0].y_thresholds_[0] = np.nan
        needle = "isotonic y_thresholds_ contains NaN"
    elif case == "precomputed":
        Z = np.random.default_rng(0).standard_normal((90, 5))
        est = fit_quiet(SVC(kernel="precomputed"), Z @ Z.T, np.arange(90) % 2)  # a PSD Gram matrix
        needle = "SVC(kernel='precomputed')"
    elif case == "unfitted":
        est, needle = SVC(), "SVC is not fitted"
    else:
        est, needle = _fitted(make_pipeline(PCA(5), SVC())), "unsupported transform PCA"
    with pytest.raises(ExportError) as e:
        export(est, tmp_path / "m.json", **kw)
    assert needle in str(e.value), str(e.value)
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.json.tmp").exists()


def test_exporter_fake_label_matches_sklearn_equality(tmp_path):
    """fake_label=1 finds the float class 1.0 (1 == 1.0, as in sklearn), but
    True is not 1 and "1" is not 1."""
    est = _fitted(SVC())
    est.classes_ = est.classes_.astype(np.float64)
    assert model_document(est, fake_label=1)["fake_class"] == 1
    for bad in (True, "1"):
        with pytest.raises(ExportError, match="is not one of the classes"):
            model_document(est, fake_label=bad)


def test_exporter_probability_given_as_numpy_bool(random_data, tmp_path):
    """SVC(probability=np.True_) passes sklearn's validation and has
    predict_proba: the export keeps the Platt model."""
    Xtr, ytr, Xte = random_data
    est = fit_quiet(SVC(probability=np.True_, random_state=0), Xtr, ytr)
    model = export_and_load(est, tmp_path)
    assert model.has_proba
    compare(est, model, Xte, "SVC(probability=np.True_)")


# ----------------------------------------------------- skops / pickle CLI

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "spectralfake", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=os.environ.copy())


def test_cli_export_skops(random_data, tmp_path):
    """A calibrated pipeline saved with skops (its calibration types are in
    the exporter's allowlist) exported by the command line."""
    import skops.io as sio
    Xtr, ytr, Xte = random_data
    est = _ccv(make_pipeline(StandardScaler(), SVC(kernel="rbf")), "sigmoid")
    est = fit_quiet(est, Xtr, np.where(ytr == 1, "fake", "real"))
    src, out = tmp_path / "model.skops", tmp_path / "model.json"
    sio.dump(est, src)
    assert sio.get_untrusted_types(file=src)  # not loadable by skops without trusting them
    r = run_cli("export", src, "-o", out, "--fake-label", "fake", "--metadata", "trained_on=random")
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}" in r.stdout and "fake = 'fake'" in r.stdout
    model = sf.Model.load(out)
    assert model.metadata["trained_on"] == "random" and model.fake_class_ == 0
    compare(est, model, Xte, "skops CLI calibrated pipeline")


def test_cli_pickle_needs_trust(random_data, tmp_path):
    Xtr, ytr, Xte = random_data
    est = fit_quiet(SVC(kernel="rbf"), Xtr, ytr.astype(np.float64))
    src, out = tmp_path / "model.pkl", tmp_path / "model.json"
    src.write_bytes(pickle.dumps(est))
    r = run_cli("export", src, "-o", out)
    assert r.returncode == 1
    assert "refusing to unpickle" in r.stderr and "--trust-pickle" in r.stderr
    assert not out.exists()
    r = run_cli("export", src, "-o", out, "--trust-pickle", "--fake-label", "1")
    assert r.returncode == 0, r.stderr
    model = sf.Model.load(out)
    assert model.classes_.dtype == np.float64 and model.fake_label == 1.0
    compare(est, model, Xte, "pickle CLI")


def test_skops_untrusted_types_refused(tmp_path):
    """A skops file holding a type outside the allowlist is refused before
    anything is loaded (load_estimator is what the command line calls)."""
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer
    from spectralfake.exporter import load_estimator
    import operator
    est = _fitted(make_pipeline(FunctionTransformer(operator.neg), SVC()))
    src = tmp_path / "model.skops"
    sio.dump(est, src)
    untrusted = sio.get_untrusted_types(file=src)
    assert untrusted == ["_operator.neg"]
    with pytest.raises(ExportError, match="not trusted") as e:
        load_estimator(src)
    assert untrusted[0] in str(e.value)


# ------------------------------------------------------------ thread safety

def test_model_shared_by_8_threads(real_data, tmp_path):
    Xtr, ytr, X_paths, paths = real_data
    est = fit_quiet(make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)), Xtr, ytr)
    export(est, tmp_path / "m.json")
    # estimate planning: bit-reproducible features across threads and runs
    model = sf.Model.load(tmp_path / "m.json", limits=sf.Limits(fft_planning="estimate"))
    X = np.vstack([Xtr, X_paths])
    paths = [p for p in paths if "1024" not in p][:30] + [p for p in paths if "1024" in p][:1]
    ref = (model.decision_function(X), model.predict_proba(X), model.decision_function(paths, threads=1),
           model.predict(paths, threads=1))
    barrier = threading.Barrier(8)
    results, errors = {}, []

    def work(t):
        try:
            barrier.wait()
            out = []
            for _ in range(2):
                out.append((model.decision_function(X), model.predict_proba(X),
                            model.decision_function(paths, threads=2), model.predict(paths, threads=2)))
            results[t] = out
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 8
    for t, runs in results.items():
        for d, p, dp, pp in runs:
            assert np.array_equal(d, ref[0]) and np.array_equal(p, ref[1]), f"thread {t}: features differ"
            assert np.array_equal(dp, ref[2]) and np.array_equal(pp, ref[3]), f"thread {t}: paths differ"
    record(ref[2], est.decision_function(np.array([sf.features(p) for p in paths])), "8 threads, paths")


# ------------------------------------------------ the article end to end

def test_article_workflow(data, tmp_path):
    """build_dataset on the like-for-like pair (FFHQ thumbnails re-encoded as
    JPEG q75 by Pillow vs StyleGAN2 TPDNE 128 JPEG q75), the article's
    classification code unchanged, export, and the library's accuracy equal
    to sklearn's score."""
    from PIL import Image
    real_dir, fake_dir = tmp_path / "real", data / "faces" / "fake" / "stylegan2_tpdne_128jpg"
    real_dir.mkdir()
    for p in list_images(data / "faces" / "real" / "ffhq_thumb_128png")[:60]:
        b = io.BytesIO()
        Image.open(p).convert("RGB").save(b, "JPEG", quality=75)
        (real_dir / (os.path.basename(p)[:-4] + ".jpg")).write_bytes(b.getvalue())
    pkl = tmp_path / "data.pkl"
    built = sf.build_dataset(real_dir, fake_dir, pkl, limit=60, progress=False)
    assert built["data"].shape == (120, 80) and not built["skipped"]

    # --- the article's classification step, unchanged but for a fixed seed
    pkl_file = open(pkl, 'rb')
    data = pickle.load(pkl_file)
    pkl_file.close()

    X = data["data"]
    y = data["label"]

    from sklearn.model_selection import train_test_split
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size = 0.2, random_state=42)

    from sklearn.svm import SVC
    svclassifier = SVC(kernel='linear')
    svclassifier.fit(X_train, y_train)
    SVM = svclassifier.score(X_test, y_test)
    # ---

    assert y.dtype == np.float64 and list(svclassifier.classes_) == [0.0, 1.0]
    model = export_and_load(svclassifier, tmp_path, fake_label=1.0, metadata={"data": "like-for-like pair"})
    # the test rows' image paths: the same split of the row indices
    _, idx_test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=42)
    assert np.array_equal(X[idx_test], X_test)
    test_paths = [data["paths"][i] for i in idx_test]

    pred_features = model.predict(X_test)
    pred_paths = model.predict(test_paths)
    assert pred_features.tolist() == svclassifier.predict(X_test).tolist()
    assert pred_paths.tolist() == pred_features.tolist()
    acc_features = accuracy_score(y_test, pred_features)
    acc_paths = accuracy_score(y_test, pred_paths)
    assert acc_features == SVM and acc_paths == SVM, (acc_features, acc_paths, SVM)
    assert float(np.mean(pred_paths == y_test)) == SVM
    record(model.decision_function(test_paths), svclassifier.decision_function(X_test), "article SVC on paths")
    verdicts = model.score_files(test_paths)
    assert [v["is_fake"] for v in verdicts] == [p == 1.0 for p in pred_paths]
    print(f"\narticle workflow (60 JPEG-q75 FFHQ vs 60 TPDNE): SVC(kernel='linear') score {SVM:.4f}, "
          f"library {acc_paths:.4f}")


# ---------------------------------------------------------- the summary

def test_zz_largest_deviation():
    """Runs last (file order): the largest deviation over every comparison
    above, asserted under 1e-9 and printed (pytest -s)."""
    print(f"\nlargest deviation from sklearn over the matrix: {WORST['dev']:.3e} ({WORST['where']})")
    assert WORST["dev"] <= TOL
