"""Streamed `twoclass train` on a mixed table (issue 16, section 3): `python -m benchmarks.stream.mixed [--rows N]`.

Writes a Parquet file of `--rows` rows (default 1,000,000) into benchmarks/results/stream-data/ (git-ignored; kept for
reruns): 6 numeric columns (one with 10% gaps), a categorical column of 40 levels and one of 3,000 (past the 100
kept, rare levels pooled), a text column of 5-15 words from a 40-word vocabulary (1,600-odd unigram and bigram
features) and a 'yes'/'no' label that depends on all of them. Then runs `twoclass train DATA --stream always`
(and, with `--modes stream,memory`, `--stream never --recipe plain`) in a child process per mode, with the same
network (64-32 relu, Adam, batch 1024) and `--epochs` epochs, and reports the wall time of the whole command, rows
per second over it, peak resident memory of the child and the validation figures it printed.
Results: benchmarks/results/stream-mixed-ROWS.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path("benchmarks/results")
VOCABULARY = [f"w{i}" for i in range(40)]


def _write(path: Path, rows: int, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    part = path.with_suffix(".partial")
    writer = None
    words = np.array(VOCABULARY)
    sentiment = rng.normal(size=len(words))
    for start in range(0, rows, 200_000):
        n = min(200_000, rows - start)
        x = rng.normal(size=(n, 6))
        x[rng.random(n) < 0.1, 5] = np.nan
        small = rng.integers(0, 40, size=n)
        large = np.minimum(rng.zipf(1.3, size=n), 3_000)
        length = rng.integers(5, 16, size=n)
        picks = rng.integers(0, len(words), size=(n, 15))
        text = [" ".join(words[picks[i, : length[i]]]) for i in range(n)]
        tone = np.array([sentiment[picks[i, : length[i]]].mean() for i in range(n)])
        logit = x[:, 0] - 0.5 * x[:, 1] + np.nan_to_num(x[:, 5]) + 2 * tone + (small % 5 == 0) - (large < 3)
        label = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
        table = pa.table(
            {
                **{f"x{j}": x[:, j] for j in range(6)},
                "shop": [f"s{v}" for v in small],
                "product": [f"p{v}" for v in large],
                "review": text,
                "label": label,
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(part, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=100_000)
    writer.close()
    os.replace(part, path)


def _run(mode: str, path: Path, epochs: int, out: Path) -> dict:
    stream = "always" if mode == "stream" else "never"
    command = [sys.executable, "-m", "twoclass.cli", "train", str(path), "--target", "label", "--out", str(out)]
    command += ["--text", "review", "--epochs", str(epochs), "--batch-size", "1024", "--seed", "0", "--stream", stream]
    command += ["--recipe", "plain", "--networks", "1"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "JAX_PLATFORMS": "cpu"})
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KB, the largest child so far
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stdout}\n{done.stderr}")
    printed = done.stdout + done.stderr
    auc = re.search(r"Validation \(([\d,]+) rows.*?ROC AUC ([\d.]+).*?log loss ([\d.]+)", printed)
    epoch = re.findall(r"([\d,]+) rows in ([\d.]+)s \(([\d,]+) rows/s\)", printed)
    return {
        "mode": mode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak / 1024) if peak > before else None,
        "validation_rows": int(auc.group(1).replace(",", "")) if auc else None,
        "roc_auc": float(auc.group(2)) if auc else None,
        "log_loss": float(auc.group(3)) if auc else None,
        "epoch_rows_per_s": [int(e[2].replace(",", "")) for e in epoch],
        "output": printed[-3000:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="stream")
    args = parser.parse_args()
    folder = RESULTS / "stream-data"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"mixed-{args.rows}-{args.seed}.parquet"
    if not path.exists():
        print(f"Writing {args.rows:,} rows to {path} ...", flush=True)
        _write(path, args.rows, args.seed)
    results = []
    for mode in args.modes.split(","):  # memory last: the peak reported is the largest child's so far
        result = _run(mode, path, args.epochs, folder / f"model-{mode}")
        result["rows"] = args.rows
        result["rows_per_s"] = round(args.rows * args.epochs / result["seconds"])
        print(json.dumps({k: v for k, v in result.items() if k != "output"}), flush=True)
        results.append(result)
    (RESULTS / f"stream-mixed-{args.rows}.json").write_text(json.dumps(results, indent=1))
    lines = [
        f"{args.rows:,} rows (6 numeric, 2 categorical of 40 and 3,000 levels, 1 text column), {args.epochs} "
        f"epoch(s), 64-32 relu, Adam, batch 1024; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        "",
        "| mode | whole command (s) | rows/s (whole command) | epoch rows/s | peak RSS (MB) | ROC AUC | log loss |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        epochs = ", ".join(f"{v:,}" for v in r["epoch_rows_per_s"])
        lines.append(
            f"| {r['mode']} | {r['seconds']} | {r['rows_per_s']:,} | {epochs} | {r['peak_rss_mb']} | {r['roc_auc']} "
            f"| {r['log_loss']} |"
        )
    (RESULTS / f"stream-mixed-{args.rows}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
