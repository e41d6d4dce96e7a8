"""python -m benchmarks.accuracy.large_text: TwoClassClassifier() on a 67,000-row text table (issue 13's target:
under 2 minutes and 2 GB).

The table is generated from the sentiment file (``sentiment_labelled_sentences.csv``): each row takes a random
sentence of the file for its label and length, and draws that many words from all the sentences with its label
(class-conditional unigrams, seeded), so it has the file's vocabulary and a learnable signal, in 67,000 rows. The fit
runs in this process; its wall time and the process's peak resident memory (``ru_maxrss``, JAX's import included)
are printed, with the ROC AUC on 10,000 further generated rows and logistic regression's on the same TF-IDF.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def generated(source: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sentences = source["sentence"].astype(str).str.lower().str.split()
    labels = source["label"].to_numpy()
    pools = {label: np.array([w for words in sentences[labels == label] for w in words]) for label in (0, 1)}
    picks = rng.integers(0, len(source), rows)
    texts = [" ".join(rng.choice(pools[labels[i]], len(sentences.iloc[i]))) for i in picks]
    return pd.DataFrame({"sentence": texts, "label": labels[picks]})


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy.large_text",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    default = os.environ.get("TWOCLASS_DATASETS", str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--datasets", type=Path, default=Path(default))
    parser.add_argument("--rows", type=int, default=67_000)
    args = parser.parse_args()
    source = pd.read_csv(args.datasets / "sentiment_labelled_sentences.csv")
    train, test = generated(source, args.rows, 0), generated(source, 10_000, 1)
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from twoclass import TwoClassClassifier

    model = TwoClassClassifier(text_columns=("sentence",), random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(train[["sentence"]], train["label"])
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    auc = roc_auc_score(test["label"], model.predict_proba(test[["sentence"]])[:, 1])
    pre = model.preprocessor_
    logistic = LogisticRegression(max_iter=2000).fit(pre.transform(train[["sentence"]], sparse=True), train["label"])
    test_x = pre.transform(test[["sentence"]], sparse=True)
    reference = roc_auc_score(test["label"], logistic.predict_proba(test_x)[:, 1])
    print(
        f"{args.rows:,} rows, {pre.n_features_out_:,} features: fit {seconds:.1f} s, peak memory {peak_mb:,.0f} MB "
        f"(process), ROC AUC {auc:.4f} (logistic regression on the same TF-IDF {reference:.4f}); "
        f"{model.recipe_['note']}"
    )


if __name__ == "__main__":
    main()
