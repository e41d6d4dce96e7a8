"""twoclass.spark on a real local Spark session (local[2], Java from the system): the UDF's labels and
probabilities equal the NumPy predictor's and `twoclass predict`'s on the same Parquet rows, with numeric, missing,
categorical (some unseen) and text columns; the predictor is built once per Python worker; executors never import
JAX; bad input gets a message that names it."""

import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="pyspark is in the 'spark' extra")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs Java (apt-get install default-jre-headless)", allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from pyspark.sql.functions import pandas_udf  # noqa: E402

import twoclass.spark as tspark  # noqa: E402
from twoclass import TwoClassClassifier, inference  # noqa: E402
from twoclass.spark import predict, predict_udf  # noqa: E402

# pyspark 4.x warns that it does not yet fully support pandas 3, and uses astype(copy=False) that pandas 3
# deprecates; the tests check the results themselves.
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

WORDS = ["cheap", "offer", "meeting", "tomorrow", "free", "win", "lunch", "report", "prize", "call", "now", "team"]


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).round(1)
    age[rng.random(n) < 0.15] = np.nan
    city = rng.choice(["paris", "lyon", "nice", "lille"], n).astype(object)
    city[rng.random(n) < 0.1] = None
    visits = rng.integers(0, 20, n)
    note = [" ".join(rng.choice(WORDS, rng.integers(6, 14))) for _ in range(n)]
    score = (np.nan_to_num(age, nan=40) - 40) / 12 + (city == "paris") + np.array(["free" in t for t in note])
    label = np.where(score + rng.normal(0, 0.7, n) > 0.6, "spam", "ham")
    frame = pd.DataFrame({"age": age, "city": city, "visits": visits, "note": note})
    return frame, pd.Series(label, name="label")


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        # Executors must run this interpreter (the one with twoclass and pandas), not whatever python3 is on PATH.
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("twoclass-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    frame, label = _frame(400, seed=1)
    clf = TwoClassClassifier(
        hidden_layer_sizes=(8,), epochs=15, learning_rate=0.01, n_networks=1, text_columns=("note",), random_state=0
    ).fit(frame, label)
    return clf.save(tmp_path_factory.mktemp("spark-model") / "model")


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    frame, _ = _frame(300, seed=2)
    frame.loc[::17, "city"] = "marseille"  # a category the model never saw
    frame.insert(0, "id", np.arange(len(frame)))
    path = tmp_path_factory.mktemp("spark-rows") / "rows.parquet"
    frame.to_parquet(path, index=False)
    return path


def _collected(scored) -> pd.DataFrame:
    out = scored.select("id", "prediction.label", "prediction.probability").toPandas()
    return out.sort_values("id").reset_index(drop=True)


def test_udf_equals_the_numpy_predictor_on_parquet_rows(spark, model, rows):
    frame = spark.read.parquet(str(rows)).repartition(4)
    out = _collected(frame.withColumn("prediction", predict_udf(model)()))
    expected = pd.read_parquet(rows)
    predictor = inference.load(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the unseen category, on purpose
        proba = predictor.predict_proba(expected)[:, 1]
        labels = predictor.predict(expected)
    assert out["id"].tolist() == expected["id"].tolist()
    np.testing.assert_allclose(out["probability"].to_numpy(), proba, rtol=0, atol=1e-12)
    assert out["label"].tolist() == labels.tolist()
    assert set(out["label"]) == {"spam", "ham"}  # both classes occur, so the comparison says something


def test_udf_equals_twoclass_predict(spark, model, rows, tmp_path):
    out_csv = tmp_path / "predictions.csv"
    cli = Path(sys.executable).with_name("twoclass")
    done = subprocess.run(
        [str(cli), "predict", str(model), str(rows), "--out", str(out_csv)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    expected = pd.read_csv(out_csv).sort_values("id").reset_index(drop=True)
    out = _collected(predict(spark.read.parquet(str(rows)), model))
    np.testing.assert_allclose(
        out["probability"].to_numpy(), expected["probability"].to_numpy(), rtol=1e-12, atol=1e-15
    )
    assert out["label"].tolist() == expected["prediction"].astype(str).tolist()


def test_columns_are_read_by_name_not_position(spark, model, rows):
    frame = spark.read.parquet(str(rows))
    shuffled = frame.select("note", "id", "visits", "city", "age")  # another order, same names
    renamed = frame.withColumnRenamed("age", "years")
    score = predict_udf(model, label="decision", probability="p_spam")
    a = shuffled.withColumn("prediction", score()).select("id", "prediction.*").toPandas().sort_values("id")
    b = (
        renamed.withColumn("prediction", score(F.col("years"), "city", "visits", "note"))
        .select("id", "prediction.*")
        .toPandas()
        .sort_values("id")
    )
    assert list(a.columns) == ["id", "decision", "p_spam"]
    np.testing.assert_array_equal(a["p_spam"].to_numpy(), b["p_spam"].to_numpy())
    assert a["decision"].tolist() == b["decision"].tolist()
    assert score.columns == ["age", "city", "visits", "note"]


def test_boolean_and_integer_labels_keep_their_spark_types(spark, tmp_path):
    frame, label = _frame(200, seed=3)
    frame = frame[["age", "visits"]]
    for target, kind in [(label == "spam", "boolean"), ((label == "spam").astype(int) * 7, "bigint")]:
        clf = TwoClassClassifier(hidden_layer_sizes=(4,), epochs=5, n_networks=1, random_state=0).fit(frame, target)
        path = clf.save(tmp_path / kind)
        score = predict_udf(path)
        assert score.return_type == f"`label` {kind}, `probability` double"
        out = spark.createDataFrame(frame.head(40)).withColumn("prediction", score()).select("prediction.*").toPandas()
        assert out["label"].tolist() == clf.predict(frame.head(40)).tolist()


def test_predictor_is_built_once_per_python_worker_without_jax(spark, model, rows):
    score = predict_udf(model)
    digest, payload, columns = score._digest, score._payload, score.columns

    def counted(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
        for part in tspark._score_batches(batches, digest, payload, columns, "label", "probability"):
            yield part.assign(pid=os.getpid(), loads=tspark._LOADS[digest], jax="jax" in sys.modules)

    udf = pandas_udf(counted, returnType="label string, probability double, pid bigint, loads bigint, jax boolean")
    frame = spark.read.parquet(str(rows)).repartition(8)  # 8 tasks on 2 cores: workers run several tasks each
    out = frame.select(udf(*columns).alias("o")).select("o.*").toPandas()
    per_worker = out.groupby("pid")["loads"].max()
    assert len(out) == 300
    # Without the per-process cache every task would build its predictor again and count up past 1.
    assert (per_worker == 1).all(), per_worker.to_dict()
    assert not out["jax"].any()  # the executors score with NumPy; the driver (this process) has JAX loaded
    assert "jax" in sys.modules


def test_bad_input_gets_messages_that_name_it(spark, model, rows, tmp_path):
    frame = spark.read.parquet(str(rows))
    with pytest.raises(ValueError, match=r"lacks column\(s\) 'city' that the model reads"):
        predict(frame.drop("city"), model)
    with pytest.raises(ValueError, match=r"reads 4 column\(s\) \('age', 'city', 'visits', 'note'\)\. Got 2"):
        predict_udf(model)("age", "city")
    with pytest.raises(ValueError, match="'label' and 'probability' parameters of predict_udf must differ"):
        predict_udf(model, label="p", probability="p")
    with pytest.raises(ValueError, match="'label' parameter of predict_udf must be a non-empty str"):
        predict_udf(model, label="")
    with pytest.raises(FileNotFoundError, match="Model directory not found"):
        predict_udf(tmp_path / "nowhere")
