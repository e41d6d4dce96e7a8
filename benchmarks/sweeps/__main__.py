"""The sweep benchmark (issue 16, section 1): `python -m benchmarks.sweeps [--epochs 10] [--peers ...]`.

A 32-member grid (4 learning rates x 2 L2 strengths x 4 seeds) of the slides' 2-4-1 tanh network (SGD) on 20,000
circle points and of a 64-32 relu network (Adam) on 20,000 rows of 28 Gaussian features (the speed benchmark's wide
teacher data): `twoclass.sweeps.sweep` (one vmapped program) against the same 32 members fitted one after another
with twoclass, Keras 3 (JAX backend) and scikit-learn's MLPClassifier. 16,000 training rows, 4,000 validation rows
scored every epoch (MLPClassifier: once, at the end), batch 128. Every peer runs in a child process; results go to
benchmarks/results/sweeps.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.speed.data import circles, wide

ROWS, VALIDATION = 16_000, 4_000
PEERS = ("sweep", "twoclass", "keras", "sklearn")


def _write_data(folder: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for net, make in (("slides", lambda n: circles(n, rng)), ("64-32", lambda n: wide(n, rng, teacher_seed=seed))):
        x, y = make(ROWS + VALIDATION)
        for name, array in (("x", x[:ROWS]), ("y", y[:ROWS]), ("xv", x[ROWS:]), ("yv", y[ROWS:])):
            np.save(folder / f"{net}_{name}.npy", array)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--nets", default="slides,64-32")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        _write_data(Path(folder), args.seed)
        for net in args.nets.split(","):
            for peer in args.peers.split(","):
                env = {**os.environ, "KERAS_BACKEND": "jax", "TWOCLASS_NO_CACHE": "1"}
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.sweeps.child",
                        peer,
                        net,
                        folder,
                        str(args.epochs),
                        str(args.batch),
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                )
                if done.returncode != 0:
                    print(done.stderr[-2000:], file=sys.stderr)
                    continue
                row = json.loads(done.stdout.strip().splitlines()[-1])
                results.append(row)
                print(
                    f"{net:7s} {peer:9s} first {row['first_s']:7.2f} s  second {row['second_s']:7.2f} s  "
                    f"best val_loss {row['best_val_loss']:.4f}",
                    flush=True,
                )
    out = Path("benchmarks/results")
    out.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "platform": platform.platform(), "load": os.getloadavg()}
    (out / "sweeps.json").write_text(json.dumps({"args": vars(args), "machine": machine, "results": results}, indent=1))
    lines = [
        "| net | peer | first run (s) | second run (s) | vs sweep (second) | best val_loss |",
        "|---|---|---|---|---|---|",
    ]
    for row in results:
        base = next((r for r in results if r["net"] == row["net"] and r["peer"] == "sweep"), None)
        ratio = f"{row['second_s'] / base['second_s']:.1f}x" if base else "-"
        lines.append(
            f"| {row['net']} | {row['peer']} | {row['first_s']:.2f} | {row['second_s']:.2f} | {ratio} | "
            f"{row['best_val_loss']:.4f} |"
        )
    (out / "sweeps.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
