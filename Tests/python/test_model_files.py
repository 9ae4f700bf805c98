"""Malformed model files: each is rejected with a clear error (its status
and a message naming the member or the reason), never a crash or a hang.
Also the exact round trip of every float through a model file.

The format is specified in docs/model-format.md.
"""
import copy
import json
import os
from ctypes import byref, c_void_p
from decimal import Decimal

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC, LinearSVC

import spectralfake as sf
from spectralfake import _lib
from spectralfake._lib import SfError
from spectralfake.exporter import export, model_document

pytestmark = [
    pytest.mark.filterwarnings("ignore:The `probability` parameter was deprecated:FutureWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

INVALID, VERSION, LIMIT, IO = "SF_ERR_MODEL_INVALID", "SF_ERR_MODEL_VERSION", "SF_ERR_LIMIT_MODEL_SIZE", "SF_ERR_IO"


# ----------------------------------------------------------------- models

def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 80))
    y = (X[:, 0] + 0.5 * rng.standard_normal(n) > 0).astype(np.int64)
    return X, y


def _ccv(base, method):
    return CalibratedClassifierCV(base, method=method, ensemble=False, cv=3)


ESTIMATORS = {
    # every member of the format appears in one of these
    "svc": lambda: make_pipeline(MinMaxScaler(clip=True), SVC(kernel="poly", probability=True, random_state=0)),
    "linear": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "isotonic": lambda: _ccv(LinearSVC(), "isotonic"),
    "sigmoid": lambda: _ccv(SVC(kernel="rbf"), "sigmoid"),
    "temperature": lambda: _ccv(SVC(kernel="linear"), "temperature"),
}


@pytest.fixture(scope="module")
def docs():
    X, y = _data()
    out = {}
    for name, make in ESTIMATORS.items():
        est = make().fit(X, y)
        out[name] = model_document(est)
    assert len(out["isotonic"]["classifier"]["x"]) >= 3
    return out


def dumps(doc):
    return json.dumps(doc).encode()


def load(data, limits=None):
    if not isinstance(data, (bytes, bytearray)):
        data = dumps(data)
    return sf.Model.from_bytes(data, limits)


def rejects(data, *needles, status=INVALID, limits=None):
    """Loading data fails with status, and the message contains every needle."""
    cls = {INVALID: sf.ModelFormatError, VERSION: sf.ModelVersionError, LIMIT: sf.LimitExceededError}[status]
    with pytest.raises(sf.SpectralFakeError) as e:
        load(data, limits)
    err = e.value
    assert type(err) is cls and err.status_name == status, f"{type(err).__name__} {err.status_name}: {err.message}"
    for n in needles:
        assert n in err.message, f"{n!r} not in the message {err.message!r}"
    return err.message


def native_load_file(path, limits=None):
    """sf_model_load_file through the C ABI: (status name, message)."""
    lib = _lib.load()
    h, err = c_void_p(), SfError()
    st = lib.sf_model_load_file(byref(limits._s) if limits else None, os.fsencode(str(path)), byref(h), byref(err))
    if st == 0:
        lib.sf_model_free(h)
    return lib.sf_status_name(st).decode(), err.message.decode("utf-8", "replace")


def printed(path):
    """A member path as the loader prints it: classifier.support_vectors[3]."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


def get(doc, path):
    for p in path:
        doc = doc[p]
    return doc


def with_member(doc, path, value=None, delete=False):
    doc = copy.deepcopy(doc)
    parent = get(doc, path[:-1])
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def members(doc, path=()):
    """(path, value) of every member and of a few array items, metadata aside."""
    for k, v in doc.items():
        if not path and k == "metadata":
            continue
        p = path + (k,)
        yield p, v
        if isinstance(v, dict):
            yield from members(v, p)
        elif isinstance(v, list) and v:
            for i in sorted({0, len(v) - 1}):
                yield p + (i,), v[i]
                if isinstance(v[i], list) and v[i]:
                    yield p + (i, len(v[i]) // 2), v[i][len(v[i]) // 2]


def test_the_base_documents_load(docs):
    names = {k: load(d).classifier for k, d in docs.items()}
    assert names == {"svc": "svc(poly)", "linear": "logistic-regression",
                     "isotonic": "calibrated-isotonic(linear-svc)", "sigmoid": "calibrated-sigmoid(svc(rbf))",
                     "temperature": "calibrated-temperature(svc(linear))"}


# ------------------------------------------------------------- truncation

@pytest.mark.parametrize("name", ["svc", "isotonic"])
def test_truncated_json_at_many_cut_points(docs, name):
    text = json.dumps(docs[name], indent=1).encode()
    end = len(text.rstrip())
    cuts = sorted(set(list(range(0, 40)) + list(range(0, end, max(1, end // 300))) + list(range(end - 40, end))))
    for cut in cuts:
        msg = rejects(text[:cut], "JSON error at byte" if cut else "empty")
        if cut:
            assert ("data ends" in msg or "end of data" in msg or "invalid literal" in msg
                    or "after '.'" in msg or "in the exponent" in msg), (cut, msg)


# --------------------------------------------------------------- types

NULLABLE = {("scaler",), ("scaler", "mean"), ("scaler", "scale"), ("classifier", "probability")}


def _wrong_values(v, path):
    if isinstance(v, bool):
        wrong = [1, "true", [], {}]
    elif isinstance(v, (int, float)):
        wrong = ["1", True, [1], {"v": 1}]
    elif isinstance(v, str):
        wrong = [1, True, ["x"], {}]
    elif isinstance(v, list):
        wrong = ["x", 1, {}, True]
    elif isinstance(v, dict):
        wrong = ["x", 1, [], True]
    else:  # null: an optional member left empty
        return []
    if path not in NULLABLE:
        wrong.append(None)
    if len(path) == 2 and path[0] == "classes":
        wrong = [None, [], {}]  # labels may be numbers, strings or booleans
    return wrong


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_wrong_types_for_each_member(docs, name):
    doc = docs[name]
    seen = 0
    for path, value in members(doc):
        for bad in _wrong_values(value, path):
            msg = rejects(with_member(doc, path, bad))
            # a bad array item is reported as "<array>: [i] ..." or "<array>[i]: ..."
            if isinstance(path[-1], int) and path[0] != "classes" and isinstance(get(doc, path[:-1])[0], float):
                want = f"{printed(path[:-1])}: [{path[-1]}] must be a number"
            else:
                want = printed(path) + ": "
            assert want in msg, (path, bad, msg)
            assert ("must be" in msg or "class labels" in msg), (path, bad, msg)
            seen += 1
    assert seen > 40


def test_top_level_must_be_an_object():
    for text, found in ((b"[]", "an array"), (b"null", "null"), (b"1", "a number"), (b'"model"', "a string"),
                        (b"true", "a boolean")):
        rejects(text, f"model file must be a JSON object, found {found}")


# ------------------------------------------------------ missing / unknown

OPTIONAL = {("scaler",), ("scaler", "clip"), ("classifier", "probability"), ("classifier", "base", "probability")}


def optional(doc, path):
    if path in (("scaler", "mean"), ("scaler", "scale")):
        return doc["scaler"]["type"] == "standard"  # a minmax scaler needs its scale
    return path in OPTIONAL


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_missing_members(docs, name):
    doc = docs[name]
    for path, value in members(doc):
        if isinstance(path[-1], int):
            continue
        parent = printed(path[:-1]) or "model"
        if optional(doc, path):
            load(with_member(doc, path, delete=True))  # loads without it
            continue
        rejects(with_member(doc, path, delete=True), f'{parent}: missing member "{path[-1]}"')
    if "metadata" in doc:
        load(with_member(doc, ("metadata",), delete=True))


def test_minmax_feature_range_required_only_to_clip(docs):
    doc = docs["svc"]
    assert doc["scaler"]["clip"] is True
    rejects(with_member(doc, ("scaler", "feature_range"), delete=True),
            'scaler: missing member "feature_range" (required when clip is true)')
    no_clip = with_member(doc, ("scaler", "clip"), False)
    load(with_member(no_clip, ("scaler", "feature_range"), delete=True))
    # present but malformed is an error even when unused
    rejects(with_member(no_clip, ("scaler", "feature_range"), "x"), "scaler.feature_range: must be an array")
    rejects(with_member(no_clip, ("scaler", "feature_range"), [1, 0]), "scaler.feature_range: must be increasing")


def test_unused_svc_parameters_are_still_checked(docs):
    doc = docs["sigmoid"]  # an rbf base: coef0 and degree unused
    base = doc["classifier"]["base"]
    assert base["kernel"] == "rbf"
    load(with_member(doc, ("classifier", "base", "coef0"), 0.5))
    load(with_member(doc, ("classifier", "base", "degree"), 3))
    rejects(with_member(doc, ("classifier", "base", "coef0"), "0"), "classifier.base.coef0: must be a number")
    rejects(with_member(doc, ("classifier", "base", "degree"), 2.5), "classifier.base.degree: must be an integer")
    lin = docs["temperature"]  # a linear kernel: gamma unused
    load(with_member(lin, ("classifier", "base", "gamma"), 0.1))
    rejects(with_member(lin, ("classifier", "base", "gamma"), -1.0), "classifier.base.gamma: must be > 0")


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_unknown_members(docs, name):
    doc = docs[name]
    objects = [()] + [p for p, v in members(doc) if isinstance(v, dict)]
    assert len(objects) >= 3
    for path in objects:
        bad = copy.deepcopy(doc)
        get(bad, path)["bogus"] = 1
        rejects(bad, f'{printed(path) or "model"}: unknown member "bogus"')
    # metadata is free: anything goes
    free = copy.deepcopy(doc)
    free["metadata"] = {"bogus": [1, {"x": None}], "nested": {"deep": [[["ok"]]]}, "n": 1e300, "s": "\u00e9\u4e2d"}
    assert load(free).metadata["s"] == "\u00e9\u4e2d"


def test_calibration_members_follow_the_method(docs):
    rejects(with_member(docs["sigmoid"], ("classifier", "x"), [0.0]), 'classifier: unknown member "x"')
    rejects(with_member(docs["isotonic"], ("classifier", "beta"), 1.0), 'classifier: unknown member "beta"')
    rejects(with_member(docs["temperature"], ("classifier", "a"), 1.0), 'classifier: unknown member "a"')


# ------------------------------------------------------- vector lengths

def test_mismatched_vector_lengths(docs):
    svc, lin, iso, sig = docs["svc"], docs["linear"], docs["isotonic"], docs["sigmoid"]
    nsv = len(svc["classifier"]["dual_coef"])
    cases = [
        (svc, ("classifier", "support_vectors", 1), svc["classifier"]["support_vectors"][1][:-1],
         "classifier.support_vectors[1]: must have 80 values"),
        (svc, ("classifier", "support_vectors", 0), svc["classifier"]["support_vectors"][0] + [0.5],
         "classifier.support_vectors[0]: must have 80 values"),
        (svc, ("classifier", "support_vectors"), svc["classifier"]["support_vectors"][:-1],
         f"classifier.dual_coef: must have {nsv - 1} values"),
        (svc, ("classifier", "dual_coef"), svc["classifier"]["dual_coef"][:-1],
         f"classifier.dual_coef: must have {nsv} values"),
        (svc, ("classifier", "dual_coef"), svc["classifier"]["dual_coef"] + [1.0],
         f"classifier.dual_coef: must have {nsv} values"),
        (svc, ("classifier", "support_vectors"), [], "classifier.support_vectors: must hold at least one"),
        (svc, ("scaler", "scale"), svc["scaler"]["scale"][:79], "scaler.scale: must have 80 values"),
        (svc, ("scaler", "min"), svc["scaler"]["min"] + [0.0], "scaler.min: must have 80 values"),
        (svc, ("scaler", "feature_range"), [0.0, 0.5, 1.0], "scaler.feature_range: must have 2 values"),
        (lin, ("classifier", "coef"), lin["classifier"]["coef"][:79], "classifier.coef: must have 80 values"),
        (lin, ("classifier", "coef"), [], "classifier.coef: must have 80 values"),
        (lin, ("scaler", "mean"), lin["scaler"]["mean"][:79], "scaler.mean: must have 80 values"),
        (lin, ("scaler", "scale"), lin["scaler"]["scale"] * 2, "scaler.scale: must have 80 values"),
        (iso, ("classifier", "y"), iso["classifier"]["y"][:-1],
         f"classifier.y: must have {len(iso['classifier']['x'])} values"),
        (iso, ("classifier", "x"), iso["classifier"]["x"][:-1],
         f"classifier.y: must have {len(iso['classifier']['x']) - 1} values"),
        (iso, ("classifier", "x"), [], "classifier.x: must have at least 1 values"),
        (iso, ("classifier", "base", "coef"), iso["classifier"]["base"]["coef"][:10],
         "classifier.base.coef: must have 80 values"),
        (sig, ("classifier", "base", "dual_coef"), sig["classifier"]["base"]["dual_coef"][1:],
         "classifier.base.dual_coef: must have"),
        (svc, ("features", "n_features"), 79, "features.n_features: is 79 but the settings produce 80"),
        (svc, ("classes",), [0, 1, 2], "classes: a binary classifier has 2 classes, found 3"),
        (svc, ("classes",), [1], "classes: a binary classifier has 2 classes, found 1"),
    ]
    for doc, path, value, needle in cases:
        rejects(with_member(doc, path, value), needle)


def test_invalid_values(docs):
    svc, lin, iso, sig, tmp = (docs[k] for k in ("svc", "linear", "isotonic", "sigmoid", "temperature"))
    x = iso["classifier"]["x"]
    cases = [
        (svc, ("classifier", "gamma"), 0.0, "classifier.gamma: must be > 0"),
        (svc, ("classifier", "gamma"), -0.5, "classifier.gamma: must be > 0"),
        (svc, ("classifier", "degree"), 2.5, "classifier.degree: must be an integer in 0 ... 1000, found 2.5"),
        (svc, ("classifier", "degree"), 1001, "classifier.degree: must be an integer in 0 ... 1000"),
        (svc, ("classifier", "kernel"), "precomputed", 'classifier.kernel: unknown kernel "precomputed"'),
        (svc, ("classifier", "type"), "knn", 'classifier.type: unknown classifier "knn"'),
        (svc, ("scaler", "type"), "robust", 'scaler.type: unknown scaler "robust"'),
        (svc, ("scaler", "feature_range"), [1.0, 1.0], "scaler.feature_range: must be increasing"),
        (lin, ("scaler", "scale", 3), 0.0, "scaler.scale[3]: is 0"),
        (lin, ("classifier", "estimator"), "RidgeClassifier", 'unknown linear estimator "RidgeClassifier"'),
        (lin, ("classifier", "probability"), "softmax", 'classifier.probability: unknown probability model'),
        (iso, ("classifier", "method"), "beta", 'classifier.method: unknown calibration "beta"'),
        (iso, ("classifier", "x", 2), x[1], "classifier.x[2]: thresholds must be strictly increasing"),
        (iso, ("classifier", "y", 0), 1.5, "classifier.y[0]: 1.5 is not a probability"),
        (iso, ("classifier", "y", 0), -0.25, "classifier.y[0]: -0.25 is not a probability"),
        (iso, ("classifier", "base", "type"), "calibrated", 'classifier.base.type: unknown base estimator'),
        (iso, ("classifier", "base", "probability"), "logistic",
         "classifier.base.probability: a calibrated model's base must not carry its own probability model"),
        (sig, ("classifier", "base", "probability"), {"a": 1.0, "b": 0.0},
         "classifier.base.probability: a calibrated model's base must not carry"),
        (tmp, ("classifier", "beta"), "1", "classifier.beta: must be a number"),
        (svc, ("fake_class",), 2, "fake_class: must be an integer in 0 ... 1, found 2.0"),
        (svc, ("fake_class",), 0.5, "fake_class: must be an integer"),
        (svc, ("classes",), [1, 1.0], "classes: the two labels are equal"),
        (svc, ("classes",), ["a", "a"], "classes: the two labels are equal"),
        (svc, ("features", "preset"), "CelebA", 'features.preset: unknown value "CelebA"'),
        (svc, ("features", "center"), "middle", 'features.center: unknown value "middle"'),
        (svc, ("features", "normalize"), "l2", 'features.normalize: unknown value "l2"'),
        (svc, ("features", "crop"), "center", 'features.crop: unknown value "center"'),
        (svc, ("features", "epsilon"), -1.0, "features: epsilon = -1.0 must be"),
        (svc, ("features", "n"), 0, "features: n = 0 is out of range"),
        (svc, ("features", "n"), 2 ** 20 + 1, "features.n: must be an integer in 0 ... 1048576"),
        (svc, ("features", "n_features"), 0, "features.n_features: must be an integer in 1 ... 1048576"),
    ]
    for doc, path, value, needle in cases:
        rejects(with_member(doc, path, value), needle)
    # labels of the three kinds, and mixed kinds, load
    for labels in ([False, True], ["fake", "real"], [-1, 1], [0.5, 2], [0, "1"]):
        assert list(load(with_member(svc, ("classes",), labels)).classes_) == list(np.asarray(labels))


# ------------------------------------------------------------- numbers

def _marked(doc, path):
    """The document's text with the value at path replaced by MARK."""
    return json.dumps(with_member(doc, path, "@@MARK@@")).replace('"@@MARK@@"', "MARK")


@pytest.mark.parametrize("token,needle", [
    ("NaN", "NaN and Infinity are not valid JSON numbers"),
    ("Infinity", "NaN and Infinity are not valid JSON numbers"),
    ("-Infinity", "invalid number"),
    ("nan", "invalid literal"),
    ("inf", "unexpected 'i'"),
    ("1e999", "number 1e999 does not fit in a double"),
    ("-1e999", "number -1e999 does not fit in a double"),
    ("1.8e308", "does not fit in a double"),
    ("+1", "unexpected '+'"),
    (".5", "unexpected '.'"),
    ("1.", "no digits after '.'"),
    ("1e", "no digits in the exponent"),
    ("01", "leading zeros"),
    ("-", "invalid number"),
    ("0x10", "expected ',' or"),
    ("1_000", "expected ',' or"),
])
def test_bad_number_tokens(docs, token, needle):
    text = _marked(docs["linear"], ("classifier", "intercept"))
    at = text.index("MARK")
    msg = rejects(text.replace("MARK", token).encode(), "JSON error at byte", needle)
    if token in ("NaN", "Infinity", "nan", "inf", "+1", ".5"):
        assert f"at byte {at}:" in msg, msg
    # and the same in an array of the classifier
    text = _marked(docs["svc"], ("classifier", "support_vectors", 2, 7))
    rejects(text.replace("MARK", token).encode(), "JSON error at byte", needle)


def test_numbers_written_by_python_json_with_nan_are_refused(docs):
    doc = with_member(docs["svc"], ("scaler", "min", 4), float("nan"))
    rejects(json.dumps(doc).encode(), "NaN and Infinity are not valid JSON numbers")
    doc = with_member(docs["svc"], ("classifier", "probability", "a"), float("inf"))
    rejects(json.dumps(doc).encode(), "NaN and Infinity")


def test_underflow_is_zero_not_an_error(docs):
    text = _marked(docs["linear"], ("classifier", "intercept")).replace("MARK", "1e-400").encode()
    ref = load(with_member(docs["linear"], ("classifier", "intercept"), 0.0))
    X = np.random.default_rng(2).standard_normal((5, 80))
    assert np.array_equal(load(text).decision_function(X), ref.decision_function(X))


# ------------------------------------------------------------- versions

def test_future_format_version(docs):
    doc = with_member(docs["svc"], ("format_version",), 3)   # the library reads versions 1 and 2
    msg = rejects(doc, "format_version 3 is newer than this library reads (2)", status=VERSION)
    assert "upgrade" in msg
    # a newer file may have other members and lack ours: still a version error
    newer = {"format": "spectralfake-model", "format_version": 7, "model": {"kind": "transformer"}}
    rejects(newer, "format_version 7 is newer", status=VERSION)
    assert issubclass(sf.ModelVersionError, sf.ModelError)
    for bad, needle in ((0, "must be an integer in 1 ... 2147483647, found 0.0"), (-1, "must be an integer"),
                        (1.5, "must be an integer"), ("1", "must be a number, found a string"),
                        (None, "must be a number, found null"), (1e10, "must be an integer")):
        rejects(with_member(docs["svc"], ("format_version",), bad), "format_version: " + needle)
    rejects(with_member(docs["svc"], ("format_version",), delete=True), 'model: missing member "format_version"')
    assert load(with_member(docs["svc"], ("format_version",), 1.0)).classifier == "svc(poly)"


def test_wrong_format_name(docs):
    for name in ("spectralfake-model2", "", "SPECTRALFAKE-MODEL", "sklearn"):
        rejects(with_member(docs["svc"], ("format",), name), f'format: "{name}" is not "spectralfake-model"')
    # the name is checked before the version
    doc = with_member(with_member(docs["svc"], ("format",), "onnx"), ("format_version",), 9)
    rejects(doc, 'format: "onnx" is not')
    rejects(with_member(docs["svc"], ("format",), delete=True), 'model: missing member "format"')


# --------------------------------------------------------- sizes, nesting

def test_huge_array(docs):
    doc = docs["svc"]
    nsv = len(doc["classifier"]["dual_coef"])
    text = _marked(doc, ("classifier", "dual_coef")).replace("MARK", "[" + ",".join(["0.5"] * 2_000_000) + "]")
    assert len(text) > 8_000_000
    rejects(text.encode(), f"classifier.dual_coef: must have {nsv} values", "found 2000000")


def test_huge_valid_model_loads(docs):
    """2,000 support vectors (the same 40-ish repeated, weights divided):
    loads and scores like the small one, to rounding."""
    doc = copy.deepcopy(docs["svc"])
    c = doc["classifier"]
    reps = 2000 // len(c["dual_coef"]) + 1
    c["support_vectors"] = c["support_vectors"] * reps
    c["dual_coef"] = [a / reps for a in c["dual_coef"]] * reps
    X = np.random.default_rng(3).standard_normal((20, 80))
    big, small = load(doc), load(docs["svc"])
    np.testing.assert_allclose(big.decision_function(X), small.decision_function(X), rtol=1e-9, atol=1e-12)


def test_max_model_bytes(docs, tmp_path):
    data = json.dumps(docs["svc"], indent=1).encode()
    n = len(data)
    path = tmp_path / "model.json"
    path.write_bytes(data)
    small = sf.Limits(max_model_bytes=n - 1)
    rejects(data, f"over the limit max_model_bytes = {n - 1}", status=LIMIT, limits=small)
    with pytest.raises(sf.LimitExceededError) as e:
        sf.Model.load(path, limits=small)
    assert e.value.status_name == LIMIT and f"{n} bytes" in e.value.message and str(path) in e.value.message
    assert native_load_file(path, small)[0] == LIMIT
    load(data, sf.Limits(max_model_bytes=n))  # exactly at the limit: fine
    assert sf.Model.load(path, limits=sf.Limits(max_model_bytes=0)).classifier == "svc(poly)"  # 0 = no limit
    # the default limit, 64 MiB: a (sparse) file one byte over it is refused unread
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(64 * 2 ** 20 + 1)
    with pytest.raises(sf.LimitExceededError) as e:
        sf.Model.load(big)
    assert e.value.status_name == LIMIT and "max_model_bytes = 67108864" in e.value.message
    status, msg = native_load_file(big)
    assert status == LIMIT and "max_model_bytes = 67108864" in msg


def _nested(depth, inner="[]"):
    return "[" * (depth - 1) + inner + "]" * (depth - 1) if inner == "[]" else "[" * depth + inner + "]" * depth


def test_nesting_limit(docs):
    base = _marked(docs["svc"], ("metadata",))
    # the top-level object is level 1: 63 arrays inside it make 64 levels (allowed)
    load(base.replace("MARK", _nested(63)).encode())
    load(base.replace("MARK", "[" * 62 + "1" + "]" * 62).encode())
    rejects(base.replace("MARK", _nested(64)).encode(), "nesting deeper than 64 levels")
    rejects(base.replace("MARK", "[" * 63 + "1" + "]" * 63).encode(), "nesting deeper than 64 levels")
    rejects(base.replace("MARK", '{"a":' * 70 + "1" + "}" * 70).encode(), "nesting deeper than 64 levels")
    # very deep input fails at the limit, without exhausting the stack
    rejects(base.replace("MARK", "[" * 1_000_000).encode(), "nesting deeper than 64 levels")
    rejects(b"[" * 1_000_000, "nesting deeper than 64 levels")
    text = _marked(docs["svc"], ("classes",))
    rejects(text.replace("MARK", _nested(100)).encode(), "nesting deeper than 64 levels")


def test_duplicate_keys(docs):
    text = json.dumps(docs["svc"])
    for key in ("fake_class", "format"):
        i = text.index(f'"{key}"')
        dup = text[:i] + f'"{key}": 0, ' + text[i:]
        rejects(dup.encode(), f'duplicate member "{key}"')
    i = text.index('"n_features"')
    rejects((text[:i] + '"n": 80, ' + text[i:]).encode(), 'duplicate member "n"')
    # the same name written with an escape is the same name
    rejects((text[:1] + '"\\u0066ormat": "x", ' + text[1:]).encode(), 'duplicate member "format"')
    # also inside the free metadata
    meta = _marked(docs["svc"], ("metadata",)).replace("MARK", '{"a": 1, "a": 2}')
    rejects(meta.encode(), 'duplicate member "a"')


@pytest.mark.parametrize("raw", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"a\x80b"])
def test_invalid_utf8(docs, raw):
    text = _marked(docs["svc"], ("metadata",)).encode()
    rejects(text.replace(b"MARK", b'"' + raw + b'"'), "invalid UTF-8 in a string")
    rejects(text.replace(b"MARK", b'{"' + raw + b'": 1}'), "invalid UTF-8 in a string")


def test_string_escapes_and_bytes(docs):
    text = _marked(docs["svc"], ("metadata",))
    for bad, needle in (('"\\ud800"', "lone high surrogate"), ('"\\udc00"', "lone low surrogate"),
                        ('"\\ud800\\u0041"', "invalid low surrogate"), ('"\\x41"', "invalid escape"),
                        ('"\\u12g4"', "invalid hex digit"), ('"a\x01b"', "control character 0x1"),
                        ("\xff", "unexpected")):
        data = text.encode().replace(b"MARK", b"\xff") if bad == "\xff" else text.replace("MARK", bad).encode()
        rejects(data, needle)
    m = load(text.replace("MARK", '"\\ud83d\\ude00 \\u00e9 \\n \\/"').encode())
    assert m.metadata == "\U0001F600 \u00e9 \n /"


def test_syntax_errors(docs):
    text = json.dumps(docs["isotonic"])
    for bad, needle in ((text + " x", "after the JSON value"), (text + "{}", "after the JSON value"),
                        (text.replace('"classes": [0, 1]', '"classes": [0, 1,]'), "where a value was expected"),
                        (text[:-1] + ",}", "expected a member name"),
                        ("// model\n" + text, "unexpected '/'"),
                        (text.replace('"fake_class"', "'fake_class'"), "expected a member name"),
                        (text.replace('"fake_class":', '"fake_class"'), "expected ':' after \"fake_class\""),
                        (text.replace("true", "True"), "unexpected 'T'"),
                        (text.replace("null", "nul"), "invalid literal (expected null)")):
        assert bad != text
        rejects(bad.encode(), "JSON error at byte", needle)
    # a byte order mark and surrounding whitespace are fine
    assert load(b"\xef\xbb\xbf \n\t" + text.encode() + b"\r\n").classifier == "calibrated-isotonic(linear-svc)"


# ------------------------------------------------------ files, not models

def test_empty_file(tmp_path):
    p = tmp_path / "empty.json"
    p.write_bytes(b"")
    for call in (lambda: sf.Model.load(p), lambda: sf.Model.from_bytes(b"")):
        with pytest.raises(sf.ModelFormatError) as e:
            call()
        assert e.value.status_name == INVALID and "empty model" in e.value.message
    assert native_load_file(p) == (INVALID, f"{p}: empty model file (0 bytes)")
    rejects(b" \n ", "data ends where a value was expected")
    rejects(b"\xef\xbb\xbf", "data ends where a value was expected")


def test_directory_fifo_and_missing_path(tmp_path):
    for path, needle in ((tmp_path, "is a directory, not a regular file"),
                         (tmp_path / "missing.json", "No such file")):
        with pytest.raises(sf.ImageReadError) as e:
            sf.Model.load(path)
        assert e.value.status_name == IO and needle in e.value.message and str(path) in e.value.message
        status, msg = native_load_file(path)
        assert status == IO and needle in msg, msg
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(sf.ImageReadError, match="is a FIFO"):
        sf.Model.load(fifo)  # no writer: must not block
    assert native_load_file(fifo)[0] == IO


def test_errors_from_a_file_name_the_file(docs, tmp_path):
    p = tmp_path / "bad model.json"
    p.write_bytes(dumps(with_member(docs["svc"], ("classifier", "gamma"), -1)))
    with pytest.raises(sf.ModelFormatError) as e:
        sf.Model.load(p)
    assert e.value.message.startswith(f"{p}: classifier.gamma: must be > 0") and e.value.path == str(p)
    status, msg = native_load_file(p)
    assert status == INVALID and msg.startswith(f"{p}: classifier.gamma: must be > 0")


# --------------------------------------------------- float round trip

def _bits(a):
    return np.asarray(a, dtype=np.float64).view(np.uint64)


def _same_bits(a, b):
    return np.array_equal(_bits(a), _bits(b))


def _floats(doc):
    """Every float of the document (metadata aside), in order."""
    out = []

    def walk(v):
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return
        if isinstance(v, float):
            out.append(v)
        elif isinstance(v, int):
            return
        elif isinstance(v, list):
            for x in v:
                walk(x)
        else:
            for k, x in v.items():
                if k != "metadata":
                    walk(x)
    walk(doc)
    return out


def _write(doc, fmt):
    """JSON text with every float written by fmt (metadata left out)."""
    def enc(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if v is None:
            return "null"
        if isinstance(v, float):
            return fmt(v)
        if isinstance(v, (int, str)):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ",".join(enc(x) for x in v) + "]"
        return "{" + ",".join(json.dumps(k) + ":" + enc(x) for k, x in v.items() if k != "metadata") + "}"
    return enc(doc).encode()


def test_floats_round_trip_exactly(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 80)) * np.logspace(-6, 6, 80) + np.logspace(3, -3, 80)
    y = ((X[:, 3] - X[:, 3].mean()) / X[:, 3].std() + rng.standard_normal(120) > 0).astype(int)
    ests = {
        "svc": make_pipeline(StandardScaler(), SVC(kernel="poly", degree=3, coef0=0.3, probability=True,
                                                   random_state=0)),
        "minmax": make_pipeline(MinMaxScaler(feature_range=(-0.3, 1.7), clip=True), LogisticRegression()),
        "isotonic": _ccv(make_pipeline(StandardScaler(), LinearSVC()), "isotonic"),
        "sigmoid": _ccv(make_pipeline(StandardScaler(), SVC()), "sigmoid"),
        "temperature": _ccv(make_pipeline(StandardScaler(), SVC(kernel="sigmoid")), "temperature"),
    }
    Xs = np.vstack([X, X[:10] * 1.5])
    for name, est in ests.items():
        est.fit(X, y)
        path = tmp_path / f"{name}.json"
        written = export(est, path)
        with open(path) as f:
            reread = json.load(f)
        # every float of the file is the float the exporter wrote
        a, b = _floats(written), _floats(reread)
        assert len(a) == len(b) > 80 and _same_bits(a, b), name
        # ... and the float sklearn holds
        c = reread["classifier"]
        if name == "svc":
            sc, svc = est[0], est[-1]
            assert _same_bits(reread["scaler"]["mean"], sc.mean_) and _same_bits(reread["scaler"]["scale"], sc.scale_)
            assert _same_bits(c["support_vectors"], svc.support_vectors_)
            assert _same_bits(c["dual_coef"], svc.dual_coef_[0]) and _same_bits(c["intercept"], svc.intercept_[0])
            assert _same_bits(c["gamma"], svc._gamma) and _same_bits(c["coef0"], svc.coef0)
            assert _same_bits(c["probability"]["a"], svc._probA[0]) and _same_bits(c["probability"]["b"], svc._probB[0])
        elif name == "minmax":
            sc, lr = est[0], est[-1]
            assert _same_bits(reread["scaler"]["scale"], sc.scale_) and _same_bits(reread["scaler"]["min"], sc.min_)
            assert _same_bits(reread["scaler"]["feature_range"], sc.feature_range)
            assert _same_bits(c["coef"], lr.coef_[0]) and _same_bits(c["intercept"], lr.intercept_[0])
        else:
            cc = est.calibrated_classifiers_[0]
            cal = cc.calibrators[0]
            base = cc.estimator[-1]
            assert _same_bits(reread["scaler"]["mean"], cc.estimator[0].mean_)
            if name == "isotonic":
                assert _same_bits(c["x"], cal.X_thresholds_) and _same_bits(c["y"], cal.y_thresholds_)
                assert _same_bits(c["base"]["coef"], base.coef_[0])
            elif name == "sigmoid":
                assert _same_bits([c["a"], c["b"]], [cal.a_, cal.b_])
                assert _same_bits(c["base"]["support_vectors"], base.support_vectors_)
            else:
                assert _same_bits(c["beta"], cal.beta_)
        # scores are bit-identical whatever writes the (same) numbers
        ref = sf.Model.load(path)
        outs = [ref.decision_function(Xs)] + ([ref.predict_proba(Xs)] if ref.has_proba else [])
        for text in (json.dumps(reread).encode(),                      # Python's json, compact
                     json.dumps(reread, indent=4, sort_keys=True).encode(),
                     _write(reread, repr),
                     _write(reread, lambda v: f"{v:.17e}"),               # 17 digits, not the shortest
                     _write(reread, lambda v: f"{v:.17E}".replace("E+", "E")),
                     _write(reread, lambda v: format(Decimal(v), "f") if abs(v) < 1e30 else repr(v))):  # exact
            m = load(text)
            again = [m.decision_function(Xs)] + ([m.predict_proba(Xs)] if m.has_proba else [])
            for o, g in zip(outs, again):
                assert _same_bits(o, g), (name, text[:80])


def test_number_parser_is_correctly_rounded(docs):
    """coef values probed through the decision function: with x the k-th unit
    vector the sum is exactly coef[k], so the parsed double is observable
    bit for bit. Each text must give the double Python's float() gives."""
    rng = np.random.default_rng(9)
    special = ["5e-324", "-5e-324", "4.9406564584124654e-324", "2.4703282292062327e-324",  # halfway: rounds up
               "2.4703282292062328e-324", "2.225073858507201e-308", "2.2250738585072011e-308",
               "2.2250738585072014e-308", "1.7976931348623157e308", "-1.7976931348623157e308",
               "1.7976931348623158e308", "0.1", "0.30000000000000004", "1e23", "9007199254740993",
               "9007199254740993.000000000000000001", "9007199254740995", "8.98846567431158e307",
               "1" + "0" * 400 + "e-400", "0." + "0" * 300 + "1e300", "123456789012345678901234567890",
               "2.5", "-0.000001", "1E5", "1e+5", "1.0e-5", "4.35679e-10", "7.2057594037927933e16",
               "0.000000000000000000000000000000000000000000001"]
    values = [float(s) for s in special]
    bits = rng.integers(1, 0x7FF0000000000000, size=80, dtype=np.int64)  # finite, non-zero
    bits[:6] = rng.integers(1, 2 ** 52, size=6)  # subnormals
    for v, neg in zip(bits.view(np.float64), rng.random(80) < 0.5):
        if len(values) < 80:
            values.append(-float(v) if neg else float(v))
    texts = special + [repr(v) for v in values[len(special):]]
    base = copy.deepcopy(docs["linear"])
    base["scaler"] = None
    base["classifier"]["probability"] = None
    base["classifier"]["intercept"] = 0.0
    for form in (lambda t, v: t, lambda t, v: f"{v:.17e}", lambda t, v: format(Decimal(v), "f"),
                 lambda t, v: format(Decimal(v), "e")):
        words = [form(t, v) for t, v in zip(texts, values)]
        doc = with_member(base, ("classifier", "coef"), "@@C@@")
        text = json.dumps(doc).replace('"@@C@@"', "[" + ",".join(words) + "]").encode()
        got = load(text).decision_function(np.eye(80))
        want = np.array([float(w) for w in words])
        bad = np.flatnonzero(_bits(got) != _bits(want))
        assert not bad.size, [(words[i][:60], got[i], want[i]) for i in bad[:5]]
