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
import stat
from ctypes import byref, c_char_p, c_double, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._lib import SfError, SfScore, SfSettings
from . import (BatchError, Limits, _check, _error, _kind, _array_input, _settings_dict)


class Model:
    """An exported classifier plus its feature settings, scored natively.

    Immutable and safe to share between threads. Attributes: ``classes_``
    (sklearn's labels), ``fake_label`` (the label meaning fake),
    ``n_features_in_``, ``settings`` (the feature settings), ``classifier``
    (e.g. "svc(rbf)"), ``metadata`` (the file's free metadata).
    """

    def __init__(self, data: bytes, limits: Limits | None = None, source: str | None = None):
        self._lib = _lib.load()
        self._handle = c_void_p()
        self._limits = limits
        err = SfError()
        lp = byref(limits._s) if limits else None
        _check(self._lib.sf_model_load_memory(lp, data, len(data), byref(self._handle), byref(err)), err, source)
        doc = json.loads(data)
        self.source = source
        self.classes_ = np.asarray(doc["classes"])
        self.fake_class_ = int(self._lib.sf_model_fake_class(self._handle))
        self.fake_label = self.classes_[self.fake_class_]
        self.n_features_in_ = int(self._lib.sf_model_feature_count(self._handle))
        s = SfSettings()
        s.struct_size = ctypes.sizeof(SfSettings)
        _check(self._lib.sf_model_settings(self._handle, byref(s), byref(err)), err)
        self.settings = _settings_dict(s)
        self.classifier = self._lib.sf_model_classifier(self._handle).decode()
        self.has_proba = bool(self._lib.sf_model_has_probability(self._handle))
        self.metadata = doc.get("metadata")

    @classmethod
    def load(cls, path, limits: Limits | None = None) -> "Model":
        """Loads a model file (JSON, docs/model-format.md)."""
        path = os.fspath(path)
        lim = (limits or Limits()).max_model_bytes
        # As the native loader does: open without blocking, then refuse
        # anything but a regular file (a FIFO would block the read forever,
        # a directory would raise a bare IsADirectoryError).
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            raise _error(3, _msg(f"{path}: cannot open: {e.strerror}"), path) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                kind = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device",
                        stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}.get(stat.S_IFMT(st.st_mode),
                                                                                    "not a regular file")
                raise _error(3, _msg(f"{path}: is {kind}, not a regular file"), path)
            size = st.st_size
            if lim and size > lim:
                raise _error(19, _msg(f"{path}: model file is {size} bytes, over the limit max_model_bytes = {lim}"),
                             path)
            with os.fdopen(fd, "rb") as f:
                fd = None  # owned by f now
                data = f.read()
        finally:
            if fd is not None:
                os.close(fd)
        try:
            return cls(data, limits, path)
        except Exception as e:
            if hasattr(e, "message") and not e.message.startswith(path):
                e.message = f"{path}: {e.message}"
                e.args = (f"{e.message} [{e.status_name}]",)
            raise

    @classmethod
    def from_bytes(cls, data: bytes, limits: Limits | None = None) -> "Model":
        return cls(bytes(data), limits)

    def __del__(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h:
            self._lib.sf_model_free(h)

    def __repr__(self):
        return (f"Model({self.classifier}, {self.n_features_in_} features, preset={self.settings['preset']!r}, "
                f"classes={list(self.classes_)}, fake={self.fake_label!r})")

    # ------------------------------------------------------------ scoring

    def _scores(self, X, threads=None):
        """sf_score array for X: a 2-D feature array, or paths / encoded
        images / image arrays (features are then computed natively with the
        model's settings)."""
        lib = self._lib
        lp = byref(self._limits._s) if self._limits else None
        if isinstance(X, (str, os.PathLike, bytes, bytearray, memoryview)):
            X = [X]
        if isinstance(X, np.ndarray) and X.dtype == np.uint8:
            X = [X]  # one image
        if isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype != object:
            X = X.reshape(1, -1)
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype != object:
            X = np.ascontiguousarray(X, dtype=np.float64)
            if X.shape[1] != self.n_features_in_:
                raise _error(18, _msg(f"X has {X.shape[1]} features per row, the model expects "
                                      f"{self.n_features_in_}"))
            rows = X.shape[0]
            scores = (SfScore * max(rows, 1))()
            for s in scores:
                s.struct_size = ctypes.sizeof(SfScore)
            err = SfError()
            _check(lib.sf_model_score_features_batch(self._handle, X.ctypes.data_as(ctypes.POINTER(c_double)),
                                                     rows, X.shape[1], scores, byref(err)), err)
            return list(scores)[:rows]
        items = list(X)
        if items and all(isinstance(p, (str, os.PathLike)) for p in items):
            n = len(items)
            paths = [os.fspath(p) for p in items]
            arr = (c_char_p * n)(*[os.fsencode(p) for p in paths])
            scores = (SfScore * n)()
            for s in scores:
                s.struct_size = ctypes.sizeof(SfScore)
            errors = (SfError * n)()
            failed = c_size_t()
            err = SfError()
            st = lib.sf_model_score_batch(self._handle, lp, arr, n, 0 if threads is None else int(threads), scores,
                                          errors, byref(failed), byref(err))
            if st == 21:
                fails = [(i, _error(errors[i].status, errors[i], paths[i])) for i in range(n) if errors[i].status]
                raise BatchError(21, err.message.decode("utf-8", "replace"), fails, None)
            _check(st, err)
            return list(scores)
        return [self._score_one(x) for x in items]

    def _score_one(self, image, channels=None):
        lib = self._lib
        lp = byref(self._limits._s) if self._limits else None
        s = SfScore()
        s.struct_size = ctypes.sizeof(SfScore)
        err = SfError()
        kind = _kind(image)
        path = None
        if kind == "path":
            path = os.fspath(image)
            st = lib.sf_model_score_file(self._handle, lp, os.fsencode(path), byref(s), byref(err))
        elif kind == "bytes":
            data = bytes(image)
            st = lib.sf_model_score_memory(self._handle, lp, data, len(data), byref(s), byref(err))
        else:
            keep, ptr, size, w, h, stride, fmt = _array_input(image, channels)
            st = lib.sf_model_score_pixels(self._handle, lp, ptr, size, w, h, stride, fmt, byref(s), byref(err))
        _check(st, err, path)
        return s

    def decision_function(self, X, threads=None) -> np.ndarray:
        """sklearn's decision_function (for a calibrated model, its base
        estimator's). X: 2-D float features (n, n_features), or a list of
        image paths (scored on native threads)."""
        return np.array([s.decision for s in self._scores(X, threads)], dtype=np.float64)

    def predict(self, X, threads=None) -> np.ndarray:
        """Predicted labels (values of classes_), as sklearn's predict."""
        return self.classes_[[s.class_index for s in self._scores(X, threads)]]

    def predict_proba(self, X, threads=None) -> np.ndarray:
        """(n, 2) class probabilities in classes_ order."""
        if not self.has_proba:
            raise AttributeError(f"this model ({self.classifier}) has no predict_proba; export a model with "
                                 "probabilities (LogisticRegression, SVC(probability=True), CalibratedClassifierCV, ...)")
        out = []
        for s in self._scores(X, threads):
            pf = s.probability_fake
            out.append((1.0 - pf, pf) if self.fake_class_ == 1 else (pf, 1.0 - pf))
        return np.array(out, dtype=np.float64)

    def score_file(self, image, channels=None) -> dict:
        """Scores one image (path, encoded bytes or pixel array): a dict with
        the verdict, the predicted class label, P(fake) and the decision value."""
        s = self._score_one(image, channels)
        return {
            "path": os.fspath(image) if isinstance(image, (str, os.PathLike)) else None,
            "label": "fake" if s.label == 1 else "real",
            "is_fake": bool(s.label == 1),
            "class": self.classes_[s.class_index].item(),
            "probability_fake": float(s.probability_fake) if s.has_probability else None,
            "decision": float(s.decision),
        }

    def score_files(self, paths, threads=None) -> list[dict]:
        """score_file for many paths on native threads."""
        paths = [os.fspath(p) for p in paths]
        return [{
            "path": p,
            "label": "fake" if s.label == 1 else "real",
            "is_fake": bool(s.label == 1),
            "class": self.classes_[s.class_index].item(),
            "probability_fake": float(s.probability_fake) if s.has_probability else None,
            "decision": float(s.decision),
        } for p, s in zip(paths, self._scores(paths, threads))]


def _msg(text):
    e = SfError()
    e.message = text.encode("utf-8")[: _lib.MESSAGE_MAX - 1]
    return e
