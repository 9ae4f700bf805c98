"""Scoring exported models through libspectralfake.

    m = spectralfake.Model.load("model.json")
    m.score_file("face.jpg")  # {'path': ..., 'label': 'fake', 'probability_fake': 0.93, ...}
    m.predict(["a.jpg", "b.png"])          # labels, like sklearn's predict
    m.decision_function(X)                 # X: 2-D features or a list of paths
"""
from __future__ import annotations

import ctypes
import json
import os
from ctypes import byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._constants import Label, Note, Status, ValueKind, Verdict
from ._inputs import array_input, batch_items, encoded_input, encoded_items, kind, path_bytes, threads_arg
from ._lib import SfError, SfScore, SfSettings
from .errors import BatchError, error, message_struct, raise_for
from .settings import Limits, limits_pointer, name_of, settings_dict


class _available_if:
    """A method that exists only when check(instance) holds, as sklearn's
    available_if: otherwise getattr raises AttributeError and hasattr is False."""

    def __init__(self, check, why):
        self.check, self.why = check, why

    def __call__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        return self

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.fn
        if not self.check(obj):
            raise AttributeError(self.why(obj))
        return self.fn.__get__(obj, owner)


class Model:
    """An exported classifier plus its feature settings, scored natively.

    Immutable and safe to share between threads. Attributes: ``classes_``
    (sklearn's labels), ``fake_label`` (the label meaning fake),
    ``n_features_in_``, ``settings`` (the feature settings), ``classifier``
    (e.g. "svc(rbf)"), ``metadata`` (the file's free metadata).
    ``predict_proba`` exists only on models that have probabilities.
    """

    def __init__(self, handle: c_void_p, limits: Limits | None = None, source: str | None = None,
                 owned: bool = True):
        """Wraps a loaded sf_model handle (use Model.load, Model.from_bytes or Model.default)."""
        lib = self._lib = _lib.load()
        self._handle = handle
        self._owned = owned
        self._limits = limits
        self.source = source
        err = SfError()
        self.classes_ = np.asarray([self._class_value(i) for i in range(lib.sf_model_class_count(handle))])
        self.fake_class_ = int(lib.sf_model_fake_class(handle))
        self.fake_label = self.classes_[self.fake_class_]
        self.n_features_in_ = int(lib.sf_model_feature_count(handle))
        s = SfSettings()
        s.struct_size = ctypes.sizeof(SfSettings)
        raise_for(lib.sf_model_settings(handle, byref(s), byref(err)), err)
        self.settings = settings_dict(s)
        self.classifier = lib.sf_model_classifier(handle).decode()
        self.has_proba = bool(lib.sf_model_has_probability(handle))
        self._metadata = None

    @property
    def metadata(self):
        """The file's free "metadata" member (parsed on first use; None when absent)."""
        if self._metadata is None:
            self._metadata = (json.loads(self._text(self._lib.sf_model_metadata_json)),)
        return self._metadata[0]

    def _text(self, fn, *args) -> str:
        """A string from a buffer-protocol function (SF_ERR_BUFFER_TOO_SMALL
        gives the length needed)."""
        n, err = c_size_t(), SfError()
        fn(self._handle, *args, None, 0, byref(n), byref(err))
        buf = ctypes.create_string_buffer(n.value + 1)
        raise_for(fn(self._handle, *args, buf, n.value + 1, byref(n), byref(err)), err)
        return buf.raw[: n.value].decode("utf-8")

    def _class_value(self, index: int):
        kind_, integer, number, err = c_int(), c_int64(), c_double(), SfError()
        raise_for(self._lib.sf_model_class_value(self._handle, index, byref(kind_), byref(integer), byref(number),
                                                 byref(err)), err)
        k = ValueKind(kind_.value)
        if k == ValueKind.SF_VALUE_KIND_INTEGER:
            return integer.value
        if k == ValueKind.SF_VALUE_KIND_FLOAT:
            return number.value
        if k == ValueKind.SF_VALUE_KIND_BOOL:
            return bool(integer.value)
        return self._text(self._lib.sf_model_class_label, c_size_t(index))

    @classmethod
    def load(cls, path, limits: Limits | None = None) -> "Model":
        """Loads a model file (JSON, docs/model-format.md)."""
        path = os.fspath(path)
        handle, err = c_void_p(), SfError()
        raise_for(_lib.load().sf_model_load_file(limits_pointer(limits), path_bytes(path), byref(handle),
                                                 byref(err)), err, path)
        return cls(handle, limits, path)

    @classmethod
    def default(cls, limits: Limits | None = None) -> "Model":
        """The model built into the library (docs/default-model.md: what it
        was trained on, and where it is blind)."""
        h = _lib.load().sf_model_default()
        if not h:
            raise error(Status.SF_ERR_INTERNAL, message_struct("the library has no usable built-in model"))
        return cls(c_void_p(h), limits, "built-in", owned=False)

    @classmethod
    def from_bytes(cls, data: bytes, limits: Limits | None = None) -> "Model":
        """Loads a model held in memory."""
        keep, ptr, size = encoded_input(data, limits, model=True)
        handle, err = c_void_p(), SfError()
        raise_for(_lib.load().sf_model_load_memory(limits_pointer(limits), ptr, size, byref(handle),
                                                   byref(err)), err)
        del keep
        return cls(handle, limits)

    def __del__(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h and getattr(self, "_owned", True):
            self._lib.sf_model_free(h)

    def __repr__(self):
        return (f"Model({self.classifier}, {self.n_features_in_} features, preset={self.settings['preset']!r}, "
                f"classes={list(self.classes_)}, fake={self.fake_label!r})")

    # ------------------------------------------------------------ scoring

    def _new_scores(self, n: int):
        scores = (SfScore * max(n, 1))()
        for s in scores:
            s.struct_size = ctypes.sizeof(SfScore)
        return scores

    def _scores(self, X, threads=None):
        """sf_score list for X: a 2-D feature array, or paths / encoded
        images / image arrays (features are then computed natively with the
        model's settings)."""
        lib = self._lib
        if isinstance(X, (str, os.PathLike, bytes, bytearray, memoryview)):
            X = [X]
        if isinstance(X, np.ndarray) and X.dtype == np.uint8:
            X = [X]  # one image
        if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype != object:
            X = X.reshape(1, -1)
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype != object:
            X = np.ascontiguousarray(X, dtype=np.float64)
            if X.shape[1] != self.n_features_in_:
                raise error(Status.SF_ERR_FEATURE_MISMATCH,
                            message_struct(f"X has {X.shape[1]} features per row, the model expects "
                                           f"{self.n_features_in_}"))
            rows = X.shape[0]
            scores = self._new_scores(rows)
            err = SfError()
            raise_for(lib.sf_model_score_features_batch(self._handle, X.ctypes.data_as(ctypes.POINTER(c_double)),
                                                        rows, X.shape[1], scores, byref(err)), err)
            return list(scores)[:rows]
        items = list(X)
        try:
            items, encoded = batch_items(items)
        except TypeError:   # image arrays, or a mix: one call per item
            return [self._score_one(x) for x in items]
        scores, fails, err = self._batch(items, encoded, threads)
        if fails:
            raise BatchError(Status.SF_ERR_BATCH_PARTIAL, err.message.decode("utf-8", "replace"), fails, None)
        return scores

    def _batch(self, items, encoded: bool, threads=None):
        """(scores, failures, err) of paths (str), or of encoded images in
        memory (`encoded`), scored on native threads in one call; failures:
        (index, SpectralFakeError) of the items that failed (their scores
        are zeroed)."""
        lib = self._lib
        n = len(items)
        names = [None] * n if encoded else items
        scores = self._new_scores(n)
        errors = (SfError * max(n, 1))()
        failed = c_size_t()
        err = SfError()
        if encoded:
            keep, data, sizes = encoded_items(items)
            st = lib.sf_model_score_batch_memory(self._handle, limits_pointer(self._limits), data, sizes, n,
                                                 threads_arg(threads), scores, errors, byref(failed), byref(err))
        else:
            arr = (c_char_p * max(n, 1))(*[path_bytes(p) for p in names])
            st = lib.sf_model_score_batch(self._handle, limits_pointer(self._limits), arr, n,
                                          threads_arg(threads), scores, errors, byref(failed), byref(err))
        if st not in (Status.SF_OK, Status.SF_ERR_BATCH_PARTIAL):
            raise_for(st, err)
        fails = [(i, error(errors[i].status, errors[i], names[i])) for i in range(n) if errors[i].status]
        return list(scores)[:n], fails, err

    def _score_one(self, image, channels=None):
        lib = self._lib
        lp = limits_pointer(self._limits)
        s = self._new_scores(1)[0]
        err = SfError()
        k = kind(image)
        path = None
        if k == "path":
            path = os.fspath(image)
            st = lib.sf_model_score_file(self._handle, lp, path_bytes(path), byref(s), byref(err))
        elif k == "bytes":
            keep, data, size = encoded_input(image, self._limits)
            st = lib.sf_model_score_memory(self._handle, lp, data, size, byref(s), byref(err))
        else:
            keep, ptr, size, w, h, stride, fmt = array_input(image, channels)
            st = lib.sf_model_score_pixels(self._handle, lp, ptr, size, w, h, stride, fmt, byref(s), byref(err))
        raise_for(st, err, path)
        return s

    def decision_function(self, X, threads=None) -> np.ndarray:
        """sklearn's decision_function (for a calibrated model, its base
        estimator's). X: 2-D float features (n, n_features), or a list of
        image paths (scored on native threads)."""
        return np.array([s.decision for s in self._scores(X, threads)], dtype=np.float64)

    def predict(self, X, threads=None) -> np.ndarray:
        """Predicted labels (values of classes_), as sklearn's predict."""
        return self.classes_[[s.class_index for s in self._scores(X, threads)]]

    @_available_if(lambda m: m.has_proba,
                   lambda m: f"this model ({m.classifier}) has no predict_proba; export a model with probabilities "
                             "(LogisticRegression, SVC(probability=True), CalibratedClassifierCV, ...)")
    def predict_proba(self, X, threads=None) -> np.ndarray:
        """(n, 2) class probabilities in classes_ order."""
        out = []
        for s in self._scores(X, threads):
            pf = s.probability_fake
            out.append((1.0 - pf, pf) if self.fake_class_ == 1 else (pf, 1.0 - pf))
        return np.array(out, dtype=np.float64)

    def _record(self, path, s) -> dict:
        """The dict of one score (score_file / score_files): the predicted
        label and class, P(fake), the decision value, and the verdict under
        the model's policy with its notes (names, see sf_note)."""
        return {
            "path": path,
            "label": "fake" if s.label == Label.SF_LABEL_FAKE else "real",
            "is_fake": bool(s.label == Label.SF_LABEL_FAKE),
            "class": self.classes_[s.class_index].item(),
            "probability_fake": float(s.probability_fake) if s.has_probability else None,
            "decision": float(s.decision),
            "verdict": name_of(Verdict, s.verdict),
            "notes": [name_of(Note, n) for n in Note if s.notes & n],
            "ood_distance": float(s.ood_distance) if s.ood_distance >= 0 else None,
        }

    def score_file(self, image, channels=None) -> dict:
        """Scores one image (path, encoded bytes or pixel array): a dict with
        the verdict, the predicted class label, P(fake) and the decision value."""
        s = self._score_one(image, channels)
        return self._record(os.fspath(image) if isinstance(image, (str, os.PathLike)) else None, s)

    def score_files(self, items, threads=None, errors: str = "raise"):
        """score_file for many images on native threads, in one call: paths,
        or encoded JPEG/PNG images in memory (bytes-like; their records'
        "path" is None). errors="raise" raises BatchError when some fail;
        errors="return" returns ``(records, failures)`` with None for each
        failed item's record and failures a list of (index,
        SpectralFakeError)."""
        if errors not in ("raise", "return"):
            raise ValueError("errors must be 'raise' or 'return'")
        items, encoded = batch_items(items)
        scores, fails, err = self._batch(items, encoded, threads)
        failed = {i for i, _ in fails}
        records = [None if i in failed else self._record(None if encoded else items[i], s)
                   for i, s in enumerate(scores)]
        if errors == "return":
            return records, fails
        if fails:
            raise BatchError(Status.SF_ERR_BATCH_PARTIAL, err.message.decode("utf-8", "replace"), fails, None)
        return records
