"""The data the tutorial programs load, from ../shared/datasets when it is there, else generated in the same shape.

Each tutorial read its own file (`pima-indians-diabetes.csv` without a header, Kaggle's `data.csv`, the UCI sentiment
folder, `keras.datasets.imdb`, a Kaggle download). The programs call one function here in place of that line, and get
what the original line returned: the same type, columns, column names and dtypes. The real files come from
`$TWOCLASS_DATASETS` (default `../shared/datasets` beside the repository); a clone without them gets generated data
of the same shape and label balance, so the programs still run and compare Keras with twoclass (`SOURCE` says which).

>>> pima_indians_diabetes().shape
(768, 9)
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[4]
DATASETS = Path(os.environ.get("TWOCLASS_DATASETS", str(ROOT.parent / "shared" / "datasets")))
SOURCE: dict[str, str] = {}  # dataset -> "shared" or "generated", filled as the programs ask


def _shared(name: str) -> pd.DataFrame | None:
    path = DATASETS / name
    if path.is_file():
        SOURCE[name] = "shared"
        return pd.read_csv(path)
    SOURCE[name] = "generated"
    return None


def pima_indians_diabetes() -> np.ndarray:
    """What `loadtxt('pima-indians-diabetes.csv', delimiter=',')` returns: (768, 9) floats, the label last."""
    frame = _shared("pima_indians_diabetes.csv")
    if frame is not None:
        return frame.to_numpy(dtype=float)
    rng = np.random.default_rng(768)
    n = 768
    glucose = np.clip(rng.normal(121, 32, n), 0, 199).round()
    bmi = np.clip(rng.normal(32, 7.9, n), 0, 67.1).round(1)
    age = np.clip(rng.gamma(2.2, 5.5, n) + 21, 21, 81).round()
    pregnancies = np.clip(rng.poisson(3.8, n), 0, 17)
    logit = 0.035 * (glucose - 121) + 0.09 * (bmi - 32) + 0.03 * (age - 33) - 0.65 + rng.normal(0, 0.8, n)
    columns = [pregnancies, glucose, np.clip(rng.normal(69, 19, n), 0, 122).round(),
               np.clip(rng.normal(20, 16, n), 0, 99).round(), np.clip(rng.gamma(0.6, 130, n), 0, 846).round(),
               bmi, np.clip(rng.gamma(2.0, 0.24, n) + 0.078, 0.078, 2.42).round(3), age, (logit > 0).astype(float)]
    return np.column_stack(columns).astype(float)


def sonar() -> pd.DataFrame:
    """What `read_csv('sonar.csv', header=None)` returns: 208 rows, 60 floats in [0, 1], then 'R' or 'M'.

    The sonar file is not among the shared datasets, so this is always generated (111 mines, 97 rocks).
    """
    SOURCE["sonar.csv"] = "generated"
    rng = np.random.default_rng(208)
    labels = np.array(["M"] * 111 + ["R"] * 97)
    rng.shuffle(labels)
    angle = np.linspace(0, 3 * np.pi, 60)
    mine = (labels == "M")[:, None]
    # the returns of mines and rocks differ a little in phase, under noise: about 80% cross-validated accuracy for
    # a linear model, near the real file's (not separable, so a comparison of accuracies can fail)
    base = 0.3 + 0.2 * np.sin(angle + np.where(mine, 0.3, 0.0))
    values = np.clip(base + rng.normal(0, 0.15, (208, 60)), 0, 1).round(4)
    frame = pd.DataFrame(values)
    frame[60] = labels
    return frame


def ionosphere() -> pd.DataFrame:
    """What `read_csv('ionosphere.csv', header=None)` returns: 351 rows, 34 floats, then 'g' or 'b'."""
    frame = _shared("ionosphere.csv")
    if frame is not None:
        frame.columns = range(frame.shape[1])
        return frame
    rng = np.random.default_rng(351)
    labels = np.array(["g"] * 225 + ["b"] * 126)
    rng.shuffle(labels)
    good = (labels == "g")[:, None]
    values = np.clip(np.where(good, 0.5, 0.0) + rng.normal(0, 0.5, (351, 34)), -1, 1).round(5)
    values[:, 0] = (rng.random(351) < np.where(good[:, 0], 1.0, 0.7)).astype(float)
    values[:, 1] = 0.0
    frame = pd.DataFrame(values)
    frame[34] = labels
    return frame


def wisconsin_breast_cancer() -> pd.DataFrame:
    """DigitalSreeni's `wisconsin_breast_cancer_dataset.csv`: an 'ID' column, 'Diagnosis' ('M'/'B'), 30 features."""
    frame = _shared("breast_cancer_wisconsin_diagnostic.csv")
    if frame is None:
        rng = np.random.default_rng(569)
        labels = np.array(["M"] * 212 + ["B"] * 357)
        rng.shuffle(labels)
        malignant = (labels == "M")[:, None]
        scales = np.geomspace(0.005, 2000, 30)
        values = scales * np.exp(rng.normal(np.where(malignant, 0.35, 0.0), 0.3, (569, 30)))
        frame = pd.DataFrame(values.round(5), columns=[f"feature {i}" for i in range(30)])
        frame["diagnosis"] = labels
    features = frame.drop(columns="diagnosis")
    out = pd.DataFrame({"ID": np.arange(842302, 842302 + len(frame)), "Diagnosis": frame["diagnosis"]})
    return pd.concat([out, features], axis=1)


def titanic() -> pd.DataFrame:
    """Kaggle's `train.csv` for Titanic: 891 passengers, the Kaggle columns, NaN in Age, Cabin and Embarked."""
    frame = _shared("titanic.csv")
    if frame is not None:
        return frame
    rng = np.random.default_rng(891)
    n = 891
    sex = np.where(rng.random(n) < 0.65, "male", "female")
    pclass = rng.choice([1, 2, 3], n, p=[0.24, 0.21, 0.55])
    age = np.clip(rng.normal(29.7, 14.5, n), 0.42, 80).round(1)
    age[rng.choice(n, 177, replace=False)] = np.nan
    fare = (rng.lognormal(2.6, 0.9, n) * np.where(pclass == 1, 3.0, 1.0)).round(4)
    logit = np.where(sex == "female", 1.3, -1.2) + 0.8 * (2 - pclass) - 0.02 * np.nan_to_num(age - 30)
    survived = (logit + rng.logistic(0, 1, n) > 0).astype(int)
    cabin = np.array([f"C{k}" for k in rng.integers(1, 150, n)], dtype=object)
    cabin[rng.choice(n, 687, replace=False)] = np.nan
    embarked = rng.choice(np.array(["S", "C", "Q"], dtype=object), n, p=[0.72, 0.19, 0.09])
    embarked[rng.choice(n, 2, replace=False)] = np.nan
    titles = np.where(sex == "male", "Mr.", "Mrs.")
    return pd.DataFrame({
        "PassengerId": np.arange(1, n + 1), "Survived": survived, "Pclass": pclass,
        "Name": [f"Passenger{k}, {t} Given" for k, t in enumerate(titles)], "Sex": sex, "Age": age,
        "SibSp": rng.poisson(0.5, n), "Parch": rng.poisson(0.4, n),
        "Ticket": [str(k) for k in rng.integers(10000, 400000, n)], "Fare": fare, "Cabin": cabin,
        "Embarked": embarked,
    })


_POSITIVE = "good great love excellent nice best amazing works perfect happy recommend fantastic".split()
_NEGATIVE = "bad poor waste terrible worst broke disappointed awful boring slow useless never".split()
_NEUTRAL = ("the a it this phone movie food place was is and i to my of for with service battery time really "
            "very product plot staff would again quality not but").split()


def sentiment_sentences() -> pd.DataFrame:
    """The UCI 'Sentiment Labelled Sentences' files concatenated: columns sentence, label, source (1000 each)."""
    frame = _shared("sentiment_labelled_sentences.csv")
    if frame is None:
        rng = np.random.default_rng(3000)
        rows = []
        for source in ("amazon", "imdb", "yelp"):
            for k in range(1000):
                label = k % 2
                words = list(rng.choice(_NEUTRAL, rng.integers(4, 12)))
                words += list(rng.choice(_POSITIVE if label else _NEGATIVE, rng.integers(1, 3)))
                if rng.random() < 0.15:  # some sentences carry a word of the other side
                    words.append(rng.choice(_NEGATIVE if label else _POSITIVE))
                rng.shuffle(words)
                rows.append((source, " ".join(words).capitalize() + ".", label))
        frame = pd.DataFrame(rows, columns=["source", "sentence", "label"])
    # object columns, as read_csv gave them when the tutorials were written (pandas 3 gives Arrow strings, which
    # scikit-learn's train_test_split cannot index)
    return frame[["sentence", "label", "source"]].astype({"sentence": object, "source": object})


def imdb_load_data(num_words: int = 10000):
    """What `keras.datasets.imdb.load_data(num_words=...)` returns, built from the sentiment sentences.

    Word indices as Keras numbers them: 1 starts a review, 2 is a word outside `num_words`, a word's index is its
    frequency rank + 3. Half the sentences train, half test, balanced like IMDB.
    """
    frame = sentiment_sentences()
    order = np.random.default_rng(25000).permutation(len(frame))
    tokens = [re.findall(r"[a-z0-9']+", text.lower()) for text in frame["sentence"].iloc[order]]
    counts = Counter(word for sentence in tokens for word in sentence)
    rank = {word: i + 1 for i, (word, _) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}
    sequences = [[1] + [rank[w] + 3 if rank[w] + 3 < num_words else 2 for w in sentence] for sentence in tokens]
    data = np.empty(len(sequences), dtype=object)
    data[:] = sequences
    labels = frame["label"].to_numpy()[order].astype("int64")
    half = len(data) // 2
    return (data[:half], labels[:half]), (data[half:], labels[half:])


def creditcard(rows: int = 284807) -> pd.DataFrame:
    """Kaggle's `creditcard.csv` (ULB fraud data): 284,807 rows, Time, V1..V28, Amount, Class (492 frauds).

    Not among the shared datasets (144 MB), so always generated: PCA-like V columns, frauds shifted on a few. `rows`
    takes fewer rows with the same share of frauds (0.17%), for programs cut for time.
    """
    SOURCE["creditcard.csv"] = "generated"
    rng = np.random.default_rng(284807)
    n, frauds = rows, round(492 * rows / 284807)
    label = np.zeros(n, dtype="int64")
    label[rng.choice(n, frauds, replace=False)] = 1
    v = rng.normal(0, 1, (n, 28)).astype("float64") * np.linspace(1.9, 0.3, 28)
    shift = np.zeros(28)
    shift[[0, 2, 3, 9, 11, 13, 16]] = [-3.0, -4.0, 3.0, -3.5, -4.0, -5.0, -4.0]
    v[label == 1] += shift * rng.uniform(0.3, 1.2, (frauds, 1))
    frame = pd.DataFrame(v, columns=[f"V{i}" for i in range(1, 29)])
    frame.insert(0, "Time", np.sort(rng.uniform(0, 172792, n)).round())
    frame["Amount"] = rng.lognormal(3.0, 1.6, n).round(2)
    frame["Class"] = label
    return frame


def higgs(rows: int = 11000) -> tuple[np.ndarray, np.ndarray]:
    """The first `rows` of UCI HIGGS: 28 float features and a 0/1 label (about 53% signal); always generated."""
    SOURCE["HIGGS.csv.gz"] = "generated"
    rng = np.random.default_rng(28)
    label = (rng.random(rows) < 0.53).astype("float32")
    low = rng.lognormal(0, 0.5, (rows, 21)) * np.where(label[:, None] == 1, 1.1, 1.0)
    high = rng.lognormal(0, 0.4, (rows, 7)) + 0.25 * label[:, None] * rng.normal(1, 0.5, (rows, 7))
    angles = rng.uniform(-np.pi, np.pi, (rows, 21))
    low = np.where(np.arange(21) % 3 == 1, angles, low)
    return np.concatenate([low, high], axis=1).astype("float32"), label


def heart_disease() -> pd.DataFrame:
    """TensorFlow's `heart.csv` (303 Cleveland patients): age, sex, cp, ..., thal, target; numeric columns as there."""
    frame = _shared("heart_disease_cleveland.csv")
    if frame is not None:
        return frame.fillna(frame.median(numeric_only=True))
    rng = np.random.default_rng(303)
    n = 303
    age = rng.normal(54, 9, n).round()
    thalach = rng.normal(150, 23, n).round()
    oldpeak = np.clip(rng.gamma(1.0, 1.0, n), 0, 6.2).round(1)
    logit = 0.04 * (age - 54) - 0.03 * (thalach - 150) + 0.8 * (oldpeak - 1) + rng.normal(0, 1, n)
    return pd.DataFrame({
        "age": age, "sex": rng.integers(0, 2, n).astype(float), "cp": rng.integers(1, 5, n).astype(float),
        "trestbps": rng.normal(131, 17, n).round(), "chol": rng.normal(246, 52, n).round(),
        "fbs": (rng.random(n) < 0.15).astype(float), "restecg": rng.integers(0, 3, n).astype(float),
        "thalach": thalach, "exang": (rng.random(n) < 0.33).astype(float), "oldpeak": oldpeak,
        "slope": rng.integers(1, 4, n).astype(float), "ca": rng.integers(0, 4, n).astype(float),
        "thal": rng.choice([3.0, 6.0, 7.0], n), "target": (logit > 0).astype(int),
    })
