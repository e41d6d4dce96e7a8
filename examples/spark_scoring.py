"""Scoring a Parquet table with Apache Spark and a saved twoclass model.

    python examples/spark_scoring.py                                   # a demo: trains a small model, makes 1M rows
    python examples/spark_scoring.py MODEL_DIR TABLE.parquet OUT.parquet [--master local[4]]

The scoring itself is three lines (the rest makes demo data and times the run):

    from twoclass.spark import predict_udf
    score = predict_udf("model/")                         # the model's files travel to the executors with the UDF
    spark.read.parquet("table.parquet").withColumn("prediction", score()).write.parquet("scored.parquet")

`score()` reads the columns the model was trained on, by name, and gives a struct column `prediction` with the
user's `label` (at the model's stored threshold) and the positive class's `probability`: the same numbers as
`twoclass predict MODEL TABLE.parquet`. Executors run the NumPy predictor (no JAX), loaded once per Python worker.
They need twoclass installed (or shipped with `spark.submit.pyFiles`), and PYSPARK_PYTHON must point at a Python
that has it; this script sets it to its own interpreter for a local session.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def demo_frame(n: int, seed: int) -> pd.DataFrame:
    """Rows like a customer table: numbers with gaps, a category, a count."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 0.5, n).round(0)
    income[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": income,
            "plan": rng.choice(["basic", "plus", "family", "pro"], n),
            "tenure_months": rng.exponential(24, n).round(1),
            "support_calls": rng.poisson(1.5, n),
        }
    )
    risk = (frame["support_calls"] - 1.5) / 1.2 - frame["tenure_months"] / 24 + (frame["plan"] == "basic")
    frame["churned"] = np.where(risk + rng.normal(0, 0.8, n) > 0, "yes", "no")
    return frame


def make_demo(folder: Path, rows: int) -> tuple[Path, Path]:
    from twoclass import TwoClassClassifier

    train = demo_frame(5_000, seed=0)
    model = TwoClassClassifier(hidden_layer_sizes=(32, 16), epochs=30, n_networks=1, random_state=0)
    model.fit(train.drop(columns="churned"), train["churned"])
    model_dir = model.save(folder / "churn-model")
    table = folder / "customers.parquet"
    demo_frame(rows, seed=1).drop(columns="churned").to_parquet(table, index=False, row_group_size=100_000)
    return Path(model_dir), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", nargs="?", help="a model directory (twoclass train / TwoClassClassifier.save)")
    parser.add_argument("table", nargs="?", help="a Parquet file or folder to score")
    parser.add_argument("out", nargs="?", help="where to write the scored Parquet folder")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of demo data (without arguments)")
    args = parser.parse_args()

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors must find twoclass and pandas
    from pyspark.sql import SparkSession

    from twoclass.spark import predict_udf

    scratch = Path(tempfile.mkdtemp(prefix="twoclass-spark-demo-"))
    if args.model_dir is None:
        model_dir, table = make_demo(scratch, args.rows)
        out = scratch / "scored.parquet"
    elif args.table is None or args.out is None:
        parser.error("give MODEL_DIR, TABLE and OUT, or nothing for the demo")
    else:
        model_dir, table, out = Path(args.model_dir), Path(args.table), Path(args.out)

    spark = (
        SparkSession.builder.master(args.master)
        .appName("twoclass-scoring")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "50000")  # rows per NumPy batch
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")

    score = predict_udf(model_dir)
    print(score)
    frame = spark.read.parquet(str(table))
    rows = frame.count()
    started = time.perf_counter()
    frame.withColumn("prediction", score()).write.mode("overwrite").parquet(str(out))
    seconds = time.perf_counter() - started

    scored = spark.read.parquet(str(out))
    scored.select(*frame.columns[:3], "prediction.label", "prediction.probability").show(5)
    scored.groupBy("prediction.label").count().show()
    print(
        f"Scored {rows:,} rows in {seconds:.1f} s: {rows / seconds:,.0f} rows/s on {args.master} "
        f"(Parquet read, NumPy predictor, Parquet write). Output: {out}"
    )
    spark.stop()


if __name__ == "__main__":
    main()
