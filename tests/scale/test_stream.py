"""Streaming from disk: TableStream reads Parquet files, Parquet folders and CSV in fixed chunks with the table's
values, one-pass statistics equal NumPy's, and fit_stream gives an in-memory fit's weights exactly when rows are
not shuffled (one compiled program for every chunk, the short last one included)."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from twoclass.data.stream import TableStream, read_ahead
from twoclass.engine import programs
from twoclass.layers import Dense, Input
from twoclass.models import Sequential
from twoclass.optimizers import Adam
from twoclass.streaming import fit_stream

FEATURES = [f"f{i}" for i in range(4)]


def _rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] ** 2 - 0.5 * x[:, 2] > 0.8).astype(np.float32)
    return x, y


def _frame(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=FEATURES).assign(label=y.astype(np.int64))


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The same 3,000 rows as one Parquet file (row groups of 700), a folder of three files, and a CSV."""
    folder = tmp_path_factory.mktemp("stream")
    x, y = _rows(3000, seed=0)
    frame = _frame(x, y)
    frame.to_parquet(folder / "rows.parquet", row_group_size=700, index=False)
    (folder / "parts").mkdir()
    for i, part in enumerate(np.array_split(np.arange(3000), 3)):
        frame.iloc[part].to_parquet(folder / "parts" / f"part-{i}.parquet", index=False)
    frame.to_csv(folder / "rows.csv", index=False, float_format="%.9g")  # float32 round-trips through 9 digits
    return {"parquet": folder / "rows.parquet", "folder": folder / "parts", "csv": folder / "rows.csv", "x": x, "y": y}


def _net(seed: int = 3) -> Sequential:
    model = Sequential([Input((4,)), Dense(16, activation="relu"), Dense(1, activation="sigmoid")])
    model.reseed(seed)
    model.compile(optimizer=Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("kind", ["parquet", "folder", "csv"])
def test_chunks_hold_the_table_in_order(tables, kind):
    stream = TableStream(tables[kind], target="label")
    chunks = list(stream.chunks(rows=1024))
    assert [len(c[0]) for c in chunks] == [1024, 1024, 952]
    np.testing.assert_array_equal(np.concatenate([c[0] for c in chunks]), tables["x"])
    np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), tables["y"])
    assert stream.columns == FEATURES and stream.n_rows == 3000


@pytest.mark.parametrize("kind", ["parquet", "folder", "csv"])
def test_unshuffled_stream_trains_the_in_memory_weights(tables, kind):
    x, y = tables["x"], tables["y"]
    validation = (x[:400], y[:400])
    alone = _net()
    expected = alone.fit(x, y, epochs=3, batch_size=64, shuffle=False, validation_data=validation, verbose=0)
    before = programs.trace_count("stream_chunk")
    streamed = _net()
    history = fit_stream(
        streamed,
        TableStream(tables[kind], target="label"),
        epochs=3,
        batch_size=64,
        chunk_rows=1024,
        shuffle=False,
        validation_data=validation,
        verbose=0,
    )
    for a, b in zip(alone.get_weights(), streamed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    for key, values in expected.history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5)
    # three chunks a pass, the last one shorter: one program at most (none when an earlier test compiled it)
    assert programs.trace_count("stream_chunk") - before <= 1
    assert streamed.epochs_done == 3


def test_shuffled_stream_learns_and_repeats_itself(tables):
    stream = TableStream(tables["parquet"], target="label")
    runs = []
    for _ in range(2):
        model = _net(seed=5)
        history = fit_stream(model, stream, epochs=4, batch_size=64, chunk_rows=1024, verbose=0)
        runs.append((model.get_weights(), history.history["loss"]))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)  # same seed, same stream: the same weights
    losses = runs[0][1]
    assert losses[-1] < 0.6 * losses[0]
    unshuffled = _net(seed=5)
    fit_stream(unshuffled, stream, epochs=4, batch_size=64, chunk_rows=1024, shuffle=False, verbose=0)
    assert not np.allclose(unshuffled.get_weights()[0], runs[0][0][0])  # the rows really were reordered


def test_statistics_in_one_pass_equal_numpy(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.normal(1e4, 3.0, size=(200_000, 3))  # a large mean: a naive sum of squares loses the variance
    values[rng.random(values.shape) < 0.1] = np.nan
    frame = pd.DataFrame(values, columns=["a", "b", "c"]).assign(label=0)
    frame.to_parquet(tmp_path / "wide.parquet", row_group_size=30_000, index=False)
    stats = TableStream(tmp_path / "wide.parquet", target="label").statistics()
    as_read = values.astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(stats.mean, np.nanmean(as_read, axis=0), rtol=1e-12)
    np.testing.assert_allclose(stats.variance, np.nanvar(as_read, axis=0), rtol=1e-6)
    assert stats.missing.tolist() == np.isnan(values).sum(axis=0).tolist() and stats.rows == 200_000


def test_read_ahead_keeps_order_and_raises_the_producers_error():
    assert list(read_ahead(iter(range(50)), depth=2)) == list(range(50))

    def broken():
        yield 1
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        list(read_ahead(broken()))


def test_bad_tables_get_messages_that_name_them(tmp_path, tables):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        TableStream(tmp_path / "nowhere.parquet")
    (tmp_path / "rows.json").write_text("{}")
    with pytest.raises(ValueError, match="must be a Parquet file .* Got '.*rows.json' instead"):
        TableStream(tmp_path / "rows.json")
    with pytest.raises(ValueError, match="The target column 'Label' is not in"):
        TableStream(tables["parquet"], target="Label")
    with pytest.raises(ValueError, match=r"The column\(s\) \['g'\] are not in"):
        TableStream(tables["parquet"], target="label", columns=["f0", "g"])
    words = pa.table({"f0": [1.0, 2.0], "city": ["a", "b"], "label": [0, 1]})
    pq.write_table(words, tmp_path / "words.parquet")
    with pytest.raises(ValueError, match="Column 'city' .* must be numeric to stream .* Got string"):
        list(TableStream(tmp_path / "words.parquet", target="label").chunks(10))
    pq.write_table(pa.table({"f0": [1.0, 2.0], "label": [0, 2]}), tmp_path / "labels.parquet")
    with pytest.raises(ValueError, match=r"target column 'label' .* must hold 0/1 .* Got \[2.0\]"):
        list(TableStream(tmp_path / "labels.parquet", target="label").chunks(10))
    pq.write_table(
        pa.table({"f0": [1.0, None], "f1": [1.0, 2.0], "f2": [0.0, 1.0], "f3": [1.0, 1.0], "label": [0, 1]}),
        tmp_path / "gaps.parquet",
    )
    with pytest.raises(ValueError, match="missing values"):
        fit_stream(_net(), TableStream(tmp_path / "gaps.parquet", target="label"), verbose=0)
    with pytest.raises(ValueError, match="has no target column"):
        fit_stream(_net(), TableStream(tables["parquet"]), verbose=0)
    with pytest.raises(ValueError, match="'epochs' parameter of fit_stream must be"):
        fit_stream(_net(), TableStream(tables["parquet"], target="label"), epochs=0, verbose=0)


def test_callbacks_early_stopping_as_in_memory(tables):
    from twoclass.callbacks import EarlyStopping

    x, y = tables["x"], tables["y"]
    validation = (x[:400], y[:400])

    def net():
        model = Sequential([Input((4,)), Dense(16, activation="relu"), Dense(1, activation="sigmoid")])
        model.reseed(3)
        model.compile(optimizer=Adam(0.2), loss="binary_crossentropy", metrics=["accuracy"])
        return model

    def stopper():
        return EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)

    alone, streamed = net(), net()
    expected = alone.fit(
        x, y, epochs=30, batch_size=64, shuffle=False, validation_data=validation, verbose=0, callbacks=[stopper()]
    )
    history = fit_stream(
        streamed,
        TableStream(tables["parquet"], target="label"),
        epochs=30,
        batch_size=64,
        chunk_rows=1024,
        shuffle=False,
        validation_data=validation,
        verbose=0,
        callbacks=[stopper()],
    )
    assert len(expected.history["loss"]) < 30  # it did stop early
    assert len(history.history["loss"]) == len(expected.history["loss"])
    for a, b in zip(alone.get_weights(), streamed.get_weights()):  # the restored best weights
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
