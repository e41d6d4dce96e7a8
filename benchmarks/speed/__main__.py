"""``python -m benchmarks.speed [--quick] [--only W1,W2] [--peers keras,torch] [--selftest]``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks.speed import config, harness, report


def _csv(value: str, allowed, what: str) -> list[str]:
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in allowed]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"The '{what}' option must be a comma-separated list of {', '.join(allowed)}. Got {value!r} instead."
        )
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 20 epochs for W2, 100k rows for W3")
    parser.add_argument(
        "--only", type=lambda v: _csv(v, ("W1", "W2", "W3", "W4", "W5"), "only"), default=["W1", "W2", "W3", "W4", "W5"]
    )
    parser.add_argument("--peers", type=lambda v: _csv(v, config.PEERS, "peers"), default=list(config.PEERS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=config.THREADS, help="threads for every peer (default 2)")
    parser.add_argument("--out", type=Path, default=harness.REPO_ROOT / "benchmarks" / "results")
    parser.add_argument("--selftest", action="store_true", help="check the NumPy reference's gradients and exit")
    args = parser.parse_args(argv)
    if args.selftest:
        from benchmarks.speed.peers import numpy_peer

        for line in numpy_peer.selftest():
            print("ok:", line)
        return 0

    from rich.console import Console

    console = Console(width=200)
    sizes = config.QUICK if args.quick else config.FULL
    all_workloads = config.workloads(sizes)
    chosen = [all_workloads[key] for key in args.only]
    peers = [p for p in config.PEERS if p in args.peers]
    # The floor first, then twoclass: the references come before the peers that are compared with them.
    peers.sort(key=lambda p: ("floor", "twoclass", "keras", "torch", "sklearn", "numpy").index(p))
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()

    def on_row(row: dict) -> None:
        status = row.get("status", "error")
        detail = row.get("sanity_figure") or row.get("error", "")
        if row.get("predict"):
            figures = f"latency {row['predict']['latency_us']:.1f} µs"
        else:
            first, steady = row.get("first_fit_s"), row.get("steady_fit_s")
            figures = (
                f"first {'—' if first is None else f'{first:.2f} s'}, "
                f"steady {'—' if steady is None else f'{steady:.3f} s'}"
            )
        console.print(
            f"[{time.perf_counter() - started:6.0f} s] {row['workload']} {row['peer']:<9} {status:<13} "
            f"{figures}  {detail}",
            highlight=False,
        )

    rows = harness.run_all(chosen, peers, sizes, args.seed, args.threads, on_row)
    result = report.build_result(rows, chosen, args.quick, args.seed, load_before, harness.env_note(args.threads))
    report.print_rich(result, chosen)
    md_path, json_path = report.write(result, chosen, args.out)
    console.print(f"wrote {md_path} and {json_path} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
