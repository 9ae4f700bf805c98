#!/usr/bin/env python3
"""Scores every JPEG and PNG under a folder (or a Hadoop glob) on Spark with
libspectralfake and writes the results as Parquet.

    spark-submit examples/spark/score_folder.py INPUT OUTPUT.parquet [--model MODEL.json]
    python3 examples/spark/score_folder.py INPUT OUTPUT.parquet --master local[2]

Columns: path, verdict, probability_fake, decision, notes, error (see
spectralfake.spark). A file that cannot be scored gets a row with `error`
set; the job does not fail. Prints a summary (verdicts, errors, images/s).
"""
from __future__ import annotations

import argparse
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from spectralfake.spark import score_images


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="a folder, a file or a glob (file:/, hdfs://, s3a://, ...)")
    ap.add_argument("output", help="where to write the Parquet result")
    ap.add_argument("--model", help="a model file (default: the built-in model)")
    ap.add_argument("--master", help="e.g. local[2] when run with python instead of spark-submit")
    ap.add_argument("--filter", default="*.{jpg,jpeg,png,JPG,JPEG,PNG}", help="file-name glob (default: %(default)s)")
    a = ap.parse_args()

    builder = (SparkSession.builder.appName("spectralfake-score")
               # many small files per task, a few hundred per native call
               .config("spark.sql.files.openCostInBytes", "8192")
               .config("spark.sql.files.maxPartitionBytes", "16m")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "256"))
    if a.master:
        builder = builder.master(a.master)
    spark = builder.getOrCreate()

    t0 = time.perf_counter()
    df = score_images(spark, a.input, model=a.model, path_glob_filter=a.filter)
    df.write.mode("overwrite").parquet(a.output)
    seconds = time.perf_counter() - t0

    out = spark.read.parquet(a.output)
    n = out.count()
    print(f"{n} files in {seconds:.1f} s ({n / seconds:.0f} images/s) -> {a.output}")
    out.groupBy("verdict").count().orderBy("verdict").show()
    errors = out.where(F.col("error").isNotNull())
    if errors.count():
        errors.select("path", "error").show(10, truncate=False)
    spark.stop()


if __name__ == "__main__":
    main()
