"""Scoring and features of images on Spark, the library doing the work
inside each executor (pyspark is an optional dependency: only this module
needs it).

    from pyspark.sql import SparkSession
    from spectralfake.spark import score_images, features_images

    spark = SparkSession.builder.getOrCreate()
    df = score_images(spark, "hdfs:///photos/")          # built-in model
    df.write.parquet("hdfs:///photos-scores")

On one machine, ``local_session()`` makes a loopback ``local[2]`` session.

Files are read with Spark's ``binaryFile`` source and processed with
``mapInPandas``: each Arrow batch of files (a few hundred, see
``spark.sql.execution.arrow.maxRecordsPerBatch``) goes to the library in
*one* native call over the encoded images in memory
(``sf_model_score_batch_memory`` / ``sf_features_batch_memory``), never
image by image in Python. The model file is read once on the driver,
shipped once (a broadcast variable) and loaded once per Python worker; the
built-in model needs no shipping. A file that cannot be scored (corrupt,
truncated, not an image, over a limit) gives a row with ``error`` set and
the score columns null; the job goes on. (Spark itself skips empty files:
they get no row.)

Throughput depends on how many files a task gets: Spark's defaults
(``spark.sql.files.openCostInBytes`` = 4 MB per file) make one task per
few dozen small images. For folders of photos set, e.g.,
``spark.sql.files.openCostInBytes=8192`` and
``spark.sql.files.maxPartitionBytes=16m`` (see examples/spark).

Executors need the package and the library: install the wheel
(``make wheel``) in the executors' Python environment, or ship it with
``--py-files`` / an archive and point ``SPECTRALFAKE_LIBRARY`` at the
library (``spark.executorEnv.SPECTRALFAKE_LIBRARY``).
"""
from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict

from .model import Model
from .settings import Limits

#: Columns of score_images (Spark DDL).
SCORE_SCHEMA = ("path string, verdict string, probability_fake double, decision double, "
                "notes array<string>, error string")
#: Columns of features_images (Spark DDL).
FEATURES_SCHEMA = "path string, features array<double>, error string"

_lock = threading.Lock()
_models: "OrderedDict" = OrderedDict()   # per Python worker: model key -> Model, the 8 most recent


def local_session(app_name: str = "spectralfake", threads: int = 2, **conf):
    """A Spark session on this machine only (``local[threads]``), for
    tests, benchmarks and a folder on one computer: driver on the loopback
    interface, no web UI, log level ERROR, Python workers running this
    interpreter (PYSPARK_PYTHON and SPARK_LOCAL_IP set unless already
    set). ``conf``: more settings, dots written as ``__``
    (``spark__sql__files__openCostInBytes="8192"``)."""
    import sys

    from pyspark.sql import SparkSession
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (SparkSession.builder.master(f"local[{int(threads)}]").appName(app_name)
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false"))
    for key, value in conf.items():
        builder = builder.config(key.replace("__", "."), str(value))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def read_images(spark, path_or_glob, recursive: bool = True, path_glob_filter: str | None = None):
    """The files under `path_or_glob` (a file, a folder or a Hadoop glob) as
    a DataFrame of (path, content). recursive: walk sub-folders;
    path_glob_filter: keep only file names matching it (e.g.
    ``"*.{jpg,jpeg,png}"``); other files are kept and get an error row."""
    reader = spark.read.format("binaryFile")
    if recursive:
        reader = reader.option("recursiveFileLookup", "true")
    if path_glob_filter:
        reader = reader.option("pathGlobFilter", path_glob_filter)
    return reader.load(os.fspath(path_or_glob)).select("path", "content")


def _limits_args(limits: Limits | None):
    """The limits as plain values (they travel to the executors)."""
    if limits is None:
        return None
    return {f: getattr(limits, f) for f in Limits._FIELDS}


def _worker_model(key, payload, limits_args):
    """The model of a broadcast, loaded once per Python worker."""
    key = (key, tuple(sorted(limits_args.items())) if limits_args else None)   # the limits are part of it
    with _lock:
        m = _models.get(key)
        if m is None:
            limits = Limits(**limits_args) if limits_args else None
            m = Model.default(limits) if payload is None else Model.from_bytes(payload.value, limits)
            _models[key] = m
            while len(_models) > 8:
                _models.popitem(last=False)
        else:
            _models.move_to_end(key)
        return m


def _score_batches(batches, key, payload, limits_args, threads):
    import pandas as pd

    model = _worker_model(key, payload, limits_args)
    for pdf in batches:
        records, failures = model.score_files(list(pdf["content"]), threads=threads, errors="return")
        errors = {i: str(e) for i, e in failures}
        yield pd.DataFrame({
            "path": pdf["path"].values,
            "verdict": [r["verdict"] if r else None for r in records],
            "probability_fake": [r["probability_fake"] if r else None for r in records],
            "decision": [r["decision"] if r else None for r in records],
            "notes": [r["notes"] if r else None for r in records],
            "error": [errors.get(i) for i in range(len(records))],
        })


def score_images(spark, path_or_glob, model=None, recursive: bool = True, *, limits: Limits | None = None,
                 threads: int = 1, path_glob_filter: str | None = None):
    """Scores every image under `path_or_glob` with `model` (a model file's
    path or bytes, read on the driver; None = the built-in model). Returns a
    DataFrame with columns path, verdict ("real", "fake", "uncertain"),
    probability_fake, decision, notes (note names, as Model.score_file gives
    them) and error (the message with its status, or null). Lazy, like any
    DataFrame: write it or collect it to run the job.

    threads: native threads per Spark task (1: Spark already runs a task per
    core; raise it with spark.task.cpus)."""
    if model is None:
        key, payload = "default", None
    else:
        if isinstance(model, (bytes, bytearray)):
            data = model
        else:
            with open(os.fspath(model), "rb") as f:
                data = f.read()
        Model.from_bytes(bytes(data), limits)   # a bad model fails here, on the driver, not in every task
        payload = spark.sparkContext.broadcast(bytes(data))
        key = ("broadcast", uuid.uuid4().hex)   # this call's model, whatever else the worker has loaded
    limits_args = _limits_args(limits)
    df = read_images(spark, path_or_glob, recursive, path_glob_filter)
    return df.mapInPandas(lambda it: _score_batches(it, key, payload, limits_args, threads), SCORE_SCHEMA)


def _features_batches(batches, preset, overrides, limits_args, threads):
    import numpy as np
    import pandas as pd

    from .features import features, features_batch
    from .settings import context

    limits = Limits(**limits_args) if limits_args else None
    interpolates = context(preset, limits, **overrides).settings.interpolate
    for pdf in batches:
        contents = list(pdf["content"])
        if interpolates:
            X, failures = features_batch(contents, preset, threads, limits=limits, errors="return", **overrides)
            errors = {i: str(e) for i, e in failures}
            rows = [None if i in errors else X[i] for i in range(len(contents))]
        else:   # raw profiles: the length depends on the image
            rows, errors = [], {}
            for i, c in enumerate(contents):
                try:
                    rows.append(features(c, preset, limits=limits, **overrides))
                except Exception as e:   # noqa: BLE001 - every library error becomes the row's error
                    rows.append(None)
                    errors[i] = str(e)
        yield pd.DataFrame({
            "path": pdf["path"].values,
            "features": [None if r is None else np.asarray(r, dtype=np.float64) for r in rows],
            "error": [errors.get(i) for i in range(len(contents))],
        })


def features_images(spark, path_or_glob, preset: str = "celeba", recursive: bool = True, *,
                    limits: Limits | None = None, threads: int = 1, path_glob_filter: str | None = None,
                    **overrides):
    """Features of every image under `path_or_glob` (preset and overrides as
    spectralfake.features). Returns a DataFrame with columns path, features
    (array<double>, null on error) and error."""
    from .settings import context

    context(preset, limits, **overrides)   # bad settings fail here, on the driver
    limits_args = _limits_args(limits)
    df = read_images(spark, path_or_glob, recursive, path_glob_filter)
    return df.mapInPandas(lambda it: _features_batches(it, preset, overrides, limits_args, threads),
                          FEATURES_SCHEMA)
