"""The model API the library gives since 1.1: typed class labels and the
metadata as JSON text, so that Python reads neither the file nor its JSON
itself; predict_proba only where the model has probabilities."""
import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

import spectralfake as sf
from spectralfake.exporter import model_document


def _doc(est_cls=LogisticRegression, classes=None, metadata=None):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 80))
    y = (X[:, 0] > 0).astype(np.int64)
    doc = model_document(est_cls().fit(X, y), metadata=metadata)
    if classes is not None:
        doc["classes"] = classes
    return doc


def _load(doc, text=None):
    return sf.Model.from_bytes(text.encode() if text else json.dumps(doc).encode())


@pytest.mark.parametrize("classes,dtype,values", [
    ([0, 1], np.int64, [0, 1]),
    ([0.0, 1.0], np.float64, [0.0, 1.0]),
    (["fake", "real"], np.str_, ["fake", "real"]),
    ([False, True], np.bool_, [False, True]),
    ([-1, 1], np.int64, [-1, 1]),
    ([1e23, 0], np.float64, [1e23, 0.0]),
    ([2 ** 63, 1], np.float64, [float(2 ** 63), 1.0]),   # an integer beyond int64 is a float
])
def test_class_labels_keep_their_kind(classes, dtype, values):
    m = _load(_doc(classes=classes))
    assert m.classes_.dtype.type == dtype, m.classes_.dtype
    assert list(m.classes_) == values
    assert m.fake_label == m.classes_[m.fake_class_]
    r = m.score_file(np.full((32, 32), 7, np.uint8) + np.eye(32, dtype=np.uint8) * 50)
    assert r["class"] in values


def test_metadata_comes_back_as_written():
    meta = {"trained_on": "x\u00e9\U0001F600\n\"q\"", "n": 3, "f": 0.1, "big": 1e300, "one": 1.0, "neg": -0.0,
            "nested": [1, [2.5, None, True, False], {"a": {}}], "empty": []}
    doc = _doc(metadata=meta)
    m = _load(doc)
    assert m.metadata == json.loads(json.dumps(doc))["metadata"]
    assert {k: m.metadata[k] for k in meta} == meta
    assert isinstance(m.metadata["one"], float) and isinstance(m.metadata["n"], int)


def test_no_metadata_is_none():
    doc = _doc()
    doc.pop("metadata", None)
    assert _load(doc).metadata is None


def test_predict_proba_only_with_probabilities():
    with_p = _load(_doc(LogisticRegression))
    without = _load(_doc(LinearSVC))
    assert hasattr(with_p, "predict_proba") and with_p.predict_proba(np.zeros((1, 80))).shape == (1, 2)
    assert not hasattr(without, "predict_proba")
    with pytest.raises(AttributeError, match="has no predict_proba"):
        without.predict_proba(np.zeros((1, 80)))
    assert "predict_proba" in dir(type(without))  # still documented on the class
