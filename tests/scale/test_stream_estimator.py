"""The estimator streamed: its preprocessing fitted in one pass over chunks equals `Preprocessor.fit` on the same rows
(numbers with gaps, categories with rare and missing levels, TF-IDF and hashed text), the streamed rows train the
network to an in-memory fit's weights, and a TwoClassClassifier trained from a file predicts as one trained in memory
on it, within tolerance (their validation rows differ: a random split against a stratified one)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from twoclass.data import Preprocessor
from twoclass.data.stream import frame_chunks
from twoclass.streaming import preprocess as streamed
from twoclass.streaming.estimator import train_estimator_stream

WORDS = np.array("the a good bad movie film great awful plot actor story boring fun long short".split())


def mixed_frame(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """Numbers (one with gaps), a city with 40 levels (rare ones among them), a colour with missing values, a review
    of 6-19 words, and a label that depends on all of them."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n) * 3 + 10
    x2 = np.where(rng.random(n) < 0.1, np.nan, rng.exponential(size=n))
    city = rng.choice([f"c{i}" for i in range(40)], size=n, p=np.r_[np.full(10, 0.07), np.full(30, 0.3 / 30)])
    colour = np.where(rng.random(n) < 0.05, None, rng.choice(["red", "green", "blue"], size=n))
    review = [" ".join(rng.choice(WORDS, size=rng.integers(6, 20))) for _ in range(n)]
    tone = np.array([r.count("good") + r.count("great") - r.count("bad") - r.count("awful") for r in review])
    logit = 0.6 * (x1 - 10) + 0.8 * tone + np.isin(city, ["c0", "c1", "c2"]) - (colour == "red")
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"x1": x1, "x2": x2, "city": city, "colour": colour, "review": review, "y": y})


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream_estimator")
    frame = mixed_frame()
    frame.to_parquet(folder / "rows.parquet", row_group_size=400, index=False)
    frame.to_csv(folder / "rows.csv", index=False)
    return {"frame": frame, "parquet": folder / "rows.parquet", "csv": folder / "rows.csv"}


@pytest.mark.parametrize(
    "options",
    [
        {"text_max_features": 60, "max_categories": 12},  # terms tied on count at the cut; rare cities pooled
        {"text_method": "hashing", "text_max_features": 64, "text_ngram_range": (1, 1), "max_categories": 30},
    ],
)
def test_streamed_preprocessing_equals_fit_in_memory(table, options):
    features = table["frame"].drop(columns="y")
    kinds = {"review": "text"}
    in_memory = Preprocessor(kinds, **options).fit(features)
    chunks = (features.iloc[i : i + 333].reset_index(drop=True) for i in range(0, len(features), 333))
    passed = streamed.fit_preprocessor_stream(chunks, column_types=kinds, **options)
    assert dict(passed.column_types_) == dict(in_memory.column_types_)
    assert passed.feature_names_out_ == in_memory.feature_names_out_
    stored, expected = passed.to_dict(), in_memory.to_dict()
    assert stored["categorical"] == expected["categorical"] and stored["text"] == expected["text"]  # exact
    assert any(block["infrequent"] for block in stored["categorical"])  # the rare-level rule was exercised
    for key in ("median", "mean", "var", "scale"):
        np.testing.assert_allclose(stored["numeric"][key], expected["numeric"][key], rtol=1e-12)
    assert stored["numeric"]["missing_indicator"] == ["x2"]
    np.testing.assert_allclose(passed.transform(features), in_memory.transform(features), rtol=1e-6, atol=1e-6)


def test_medians_of_long_columns_come_from_a_uniform_sample(monkeypatch):
    monkeypatch.setattr(streamed, "MEDIAN_ROWS", 500)
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"v": rng.exponential(size=20_000), "w": rng.normal(size=20_000)})
    chunks = (frame.iloc[i : i + 1000] for i in range(0, len(frame), 1000))
    record = streamed.fit_preprocessor_stream(chunks).to_dict()["numeric"]
    # the sample's median: within a few standard errors (about 0.06 for 500 rows) of the true ln 2 and 0
    assert abs(record["median"][0] - np.log(2)) < 0.2 and abs(record["median"][1]) < 0.2
    np.testing.assert_allclose(record["mean"], frame.mean().to_numpy(), rtol=1e-9)  # the sums see every row


def test_streamed_rows_train_the_network_to_the_in_memory_weights(table):
    """Without shuffling and without held-out rows, the preprocessed chunks fed to fit_stream are the in-memory
    matrix's rows in order: the weights agree to float rounding."""
    from twoclass.data import infer_labels
    from twoclass.layers import Dense, Input
    from twoclass.models import Sequential
    from twoclass.streaming.estimator import _Split, _TrainingRows
    from twoclass.streaming.fit import fit_stream

    frame = table["frame"]
    features = frame.drop(columns="y")
    preprocessor = Preprocessor({"review": "text"}).fit(features)
    encoding = infer_labels(frame["y"])
    rows = _TrainingRows(table["csv"], {}, _Split(0, 0.0, 0), "y", preprocessor, encoding, None, len(frame))

    def net():
        model = Sequential([Input((preprocessor.n_features_out_,)), Dense(8, activation="relu"), Dense(1)])
        model.reseed(5)
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model

    streamed_net, in_memory = net(), net()
    fit_stream(streamed_net, rows, epochs=2, batch_size=50, chunk_rows=500, shuffle=False, verbose=0)
    x, y = preprocessor.transform(features), encoding.encode(frame["y"]).astype(np.float32)
    in_memory.fit(x, y, epochs=2, batch_size=50, shuffle=False, verbose=0)
    for got, want in zip(streamed_net.get_weights(), in_memory.get_weights()):
        np.testing.assert_allclose(got, want, atol=2e-5)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_streamed_estimator_predicts_as_the_in_memory_one(table, kind, tmp_path):
    from twoclass.estimator.classifier import TwoClassClassifier
    from twoclass.io import load

    params = {"column_types": {"review": "text"}, "epochs": 6, "batch_size": 64, "hidden_layer_sizes": (16,)}
    params |= {"random_state": 0, "recipe": "plain", "n_networks": 1}
    frame = table["frame"]
    features, y = frame.drop(columns="y"), (frame["y"] == "yes").to_numpy()
    model = train_estimator_stream(table[kind], target="y", params=params)
    note = model.validation_figures_["notes"][0]
    assert note.startswith("Trained by streaming") and f"of {len(frame):,}" in note
    assert model.preprocessor_.column_types_["city"] == "categorical"
    reference = TwoClassClassifier(**params).fit(features, frame["y"])
    p_stream, p_memory = model.predict_proba(features)[:, 1], reference.predict_proba(features)[:, 1]
    assert np.abs(p_stream - p_memory).mean() < 0.06
    assert abs(roc_auc_score(y, p_stream) - roc_auc_score(y, p_memory)) < 0.03 and roc_auc_score(y, p_stream) > 0.8
    # an ordinary model directory: loaded back, it predicts the same
    loaded = load(model.save(tmp_path / "model"))
    np.testing.assert_allclose(loaded.predict_proba(features), model.predict_proba(features), atol=1e-6)


def test_held_out_rows_past_the_validation_room_train_instead(table, monkeypatch):
    from twoclass.streaming import estimator

    monkeypatch.setattr(estimator, "VALIDATION_BYTES", 0)
    monkeypatch.setattr(estimator, "MIN_VALIDATION_ROWS", 50)
    params = {"column_types": {"review": "text"}, "epochs": 1, "hidden_layer_sizes": (4,), "random_state": 0}
    model = train_estimator_stream(table["parquet"], target="y", params=params)
    notes = model.validation_figures_["notes"]
    assert model.validation_figures_["n"] == 50
    assert notes[0].startswith("Trained by streaming 'rows.parquet' in chunks: 1,450 training rows, 50 validation")
    assert any(note.endswith("the preprocessing was fitted without them.") for note in notes)


def test_frame_chunks_cut_every_format_into_equal_frames(table):
    for kind in ("parquet", "csv"):
        chunks = list(frame_chunks(table[kind], 600))
        assert [len(c) for c in chunks] == [600, 600, 300]
        joined = pd.concat(chunks, ignore_index=True)
        pd.testing.assert_frame_equal(joined, table["frame"], check_dtype=False)


def test_a_stream_with_a_missing_target_value_is_refused(tmp_path):
    frame = mixed_frame(200).astype({"y": object})
    frame.loc[150, "y"] = None
    frame.to_csv(tmp_path / "gaps.csv", index=False)
    with pytest.raises(ValueError, match=r"The target column 'y' has missing values \(rows 150\)"):
        train_estimator_stream(tmp_path / "gaps.csv", target="y")
