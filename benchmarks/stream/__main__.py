"""The streaming benchmark (issue 16, section 3): `python -m benchmarks.stream [--rows 10000000] [--epochs 1]`.

Writes a Parquet file of `--rows` rows x 28 float32 features (the speed benchmark's wide teacher data; 1.1 GB of
values at 10M rows) into benchmarks/results/stream-data/ (git-ignored; kept for reruns), then trains a 64-32 relu
network (Adam, batch 1024) for `--epochs` epochs twice, each in a child process: from the file held in memory
(`model.fit`) and streamed from disk (`twoclass.streaming.fit_stream`, chunks of 65,536 rows). Reports rows/s of
training, the ratio, peak resident memory of each whole process, and both models' figures on 100,000 held-out rows.
Results: benchmarks/results/stream.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks.speed.data import wide

RESULTS = Path("benchmarks/results")


def _write(path: Path, rows: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    writer = None
    part = path.with_suffix(".partial")
    for start in range(0, rows, 1_000_000):
        x, y = wide(min(1_000_000, rows - start), rng, teacher_seed=seed)
        table = pa.table({**{f"f{i}": x[:, i] for i in range(x.shape[1])}, "label": y.astype(np.int8)})
        if writer is None:
            writer = pq.ParquetWriter(part, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=262_144)
    writer.close()
    os.replace(part, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="stream,memory")
    args = parser.parse_args()
    folder = RESULTS / "stream-data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"wide-{args.rows}-{args.seed}.parquet"
    if not path.exists():
        print(f"Writing {args.rows:,} rows to {path} ...", flush=True)
        _write(path, args.rows, args.seed)
    held = folder / f"validation-{args.seed}.npz"
    x_val, y_val = wide(100_000, np.random.default_rng(args.seed + 1), teacher_seed=args.seed)
    np.savez(held, x=x_val, y=y_val)
    results = []
    for mode in args.modes.split(","):
        env = {**os.environ, "TWOCLASS_NO_CACHE": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.stream.child", mode, str(path), str(held), str(args.epochs)],
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(row)
        print(
            f"{mode:7s} {row['rows_per_s']:12,.0f} rows/s  train {row['train_s']:7.1f} s  peak RSS "
            f"{row['peak_rss_mb']:7.0f} MB  val_loss {row['val_loss']:.4f}  val_accuracy {row['val_accuracy']:.4f}",
            flush=True,
        )
    data_mb = args.rows * 28 * 4 / 1e6
    lines = [
        f"{args.rows:,} rows x 28 float32 features ({data_mb:,.0f} MB of values), {args.epochs} epoch(s), "
        f"64-32 relu, Adam, batch 1024; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        "",
        "| mode | rows/s | training (s) | peak RSS (MB) | val_loss | val_accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for row in results:
        lines.append(
            f"| {row['mode']} | {row['rows_per_s']:,.0f} | {row['train_s']:.1f} | {row['peak_rss_mb']:,.0f} | "
            f"{row['val_loss']:.4f} | {row['val_accuracy']:.4f} |"
        )
    if len(results) == 2:
        by = {r["mode"]: r for r in results}
        lines.append(f"\nin-memory / streamed rows/s: {by['memory']['rows_per_s'] / by['stream']['rows_per_s']:.2f}x")
    (RESULTS / "stream.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "stream.json").write_text(json.dumps({"args": vars(args), "results": results}, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
