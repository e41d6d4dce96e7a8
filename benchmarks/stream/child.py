"""One side of the streaming benchmark, in a process of its own (so its peak resident memory is its own).

    python -m benchmarks.stream.child MODE PARQUET VALIDATION.npz EPOCHS

MODE memory reads the whole file into NumPy and calls model.fit; MODE stream calls twoclass.streaming.fit_stream on
a TableStream of the file. Prints one JSON line: seconds of training, rows/s, validation figures, peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np

BATCH = 1024
CHUNK_ROWS = 65_536  # fit_stream's default


def _model(features: int):
    from twoclass.layers import Dense, Input
    from twoclass.models import Sequential
    from twoclass.optimizers import Adam

    model = Sequential(
        [Input((features,)), Dense(64, activation="relu"), Dense(32, activation="relu"), Dense(1, activation="sigmoid")]
    )
    model.reseed(0)
    model.compile(optimizer=Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main() -> None:
    mode, path, validation, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    held = np.load(validation)
    x_val, y_val = held["x"], held["y"]
    started = time.perf_counter()
    if mode == "memory":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        names = [n for n in table.column_names if n != "label"]
        x = np.column_stack([table.column(n).to_numpy() for n in names]).astype(np.float32, copy=False)
        y = table.column("label").to_numpy().astype(np.float32)
        del table
        read_s = time.perf_counter() - started
        model = _model(x.shape[1])
        t0 = time.perf_counter()
        model.fit(x, y, epochs=epochs, batch_size=BATCH, verbose=0)
        train_s = time.perf_counter() - t0
        rows = len(x) * epochs
    else:
        from twoclass.data.stream import TableStream
        from twoclass.streaming import fit_stream

        stream = TableStream(path, target="label")
        read_s = 0.0
        model = _model(len(stream.columns))
        t0 = time.perf_counter()
        fit_stream(model, stream, epochs=epochs, batch_size=BATCH, chunk_rows=CHUNK_ROWS, verbose=0)
        train_s = time.perf_counter() - t0
        rows = stream.n_rows * epochs
    val_loss, val_accuracy = model.evaluate(x_val, y_val, verbose=0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "mode": mode,
                "train_s": train_s,
                "read_s": read_s,
                "rows_per_s": rows / train_s,
                "val_loss": float(val_loss),
                "val_accuracy": float(val_accuracy),
                "peak_rss_mb": peak_mb,
            }
        )
    )


if __name__ == "__main__":
    main()
