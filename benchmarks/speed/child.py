"""One (workload, peer) measurement in a fresh interpreter; prints one JSON line prefixed by RESULT_PREFIX.

The framework is imported first and timed (nothing heavy is imported before it, NumPy included), then the data
are read, then the first fit, then ``repeats`` steady-state fits of fresh models in the same process.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks.speed import config

# What a user of each peer imports before the first fit.
FRAMEWORK_IMPORTS = {
    "twoclass": ("twoclass", "twoclass.models", "twoclass.layers", "twoclass.optimizers"),
    "keras": ("keras",),
    "torch": ("torch",),
    "sklearn": ("sklearn.neural_network",),
    "numpy": ("numpy",),
    "floor": ("jax", "optax"),
}
PEER_MODULES = {
    "twoclass": "kerasapi",
    "keras": "kerasapi",
    "torch": "torch_peer",
    "sklearn": "sklearn_peer",
    "numpy": "numpy_peer",
    "floor": "floor",
}


def _peer_functions(peer: str):
    """The peer's four functions; the Keras-style module is bound to its prefix (keras or twoclass)."""
    module = importlib.import_module(f"benchmarks.speed.peers.{PEER_MODULES[peer]}")
    if PEER_MODULES[peer] != "kerasapi":
        return module.train, module.check, module.train_seeds, module.check_seeds, module.predict_bench
    api = module.Api(peer)
    return (
        lambda *a: module.train(api, *a),
        lambda *a: module.check(api, *a),
        lambda *a: module.train_seeds(api, *a),
        lambda *a: module.check_seeds(api, *a),
        lambda *a: module.predict_bench(api, *a),
    )


def _steps(spec: dict, n_rows: int) -> int:
    return spec["epochs"] * -(-n_rows // spec["batch_size"])


def measure(peer: str, spec: dict, data_dir: Path, repeats: int, budget_s: float) -> dict:
    from benchmarks.speed import data  # NumPy, after the framework import

    train, check, train_seeds, check_seeds, predict_bench = _peer_functions(peer)
    split = data.read_split(data_dir, spec["dataset"])
    out: dict = {}
    if spec["key"] == "W5":
        with tempfile.TemporaryDirectory() as workdir:
            out["predict"] = predict_bench(spec, split, data.read_predict_rows(data_dir), Path(workdir))
        return out
    seeds_per_fit = config.N_SEEDS if spec["key"] == "W4" else 1
    seed_loop = spec["key"] == "W4" and peer not in config.VMAP_SEED_PEERS

    def fit(first_seed: int):
        if seeds_per_fit > 1:
            return train_seeds(spec, split, list(range(first_seed, first_seed + seeds_per_fit)))
        return train(spec, split, first_seed)

    start = time.perf_counter()
    if seed_loop:  # a user looping over seeds has fitted this net before: one warm-up fit, not a whole loop
        train(spec, split, 10_000)
        out["warmup_fit_s"] = time.perf_counter() - start
        out["first_fit_s"] = None
    else:
        trained = fit(0)
        out["first_fit_s"] = time.perf_counter() - start
    times: list[float] = []
    # At least `repeats` fits, and more while they add up to under MIN_TIMED_S (as timeit's autorange): a 10 ms fit
    # measured 5 times is at the mercy of one noisy moment of a shared machine; the same rule for every peer.
    while repeats and (len(times) < repeats or sum(times) < config.MIN_TIMED_S) and len(times) < config.MAX_REPEATS:
        if times and sum(times) >= budget_s:
            break
        start = time.perf_counter()  # a fresh model (and new seeds) for every fit, as a user writes it
        trained = fit((len(times) + 1) * seeds_per_fit)
        times.append(time.perf_counter() - start)
    out["fit_times_s"] = times
    out["steady_fit_s"] = statistics.median(times) if times else None
    out["steps_per_fit"] = _steps(spec, len(split.y)) * seeds_per_fit
    out["rows_per_fit"] = spec["epochs"] * len(split.y) * seeds_per_fit
    out["sanity"] = (check_seeds if seeds_per_fit > 1 else check)(trained, spec, split)
    return out


def _threads(peer: str) -> str:
    if peer == "torch":
        import torch

        return f"torch.get_num_threads()={torch.get_num_threads()}"
    return f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed.child")
    parser.add_argument("--peer", required=True, choices=config.PEERS)
    parser.add_argument("--spec", required=True, help="JSON of config.Workload.as_spec()")
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--phase", default="cold", choices=("cold", "warm"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget-s", type=float, default=60.0)
    args = parser.parse_args(argv)
    spec = json.loads(args.spec)
    result: dict = {"peer": args.peer, "workload": spec["key"], "phase": args.phase, "ok": False}
    try:
        start = time.perf_counter()
        for index, name in enumerate(FRAMEWORK_IMPORTS[args.peer]):
            importlib.import_module(name)
            if index == 0:  # the package alone (`import twoclass` is lazy: its API modules load JAX)
                result["package_import_s"] = time.perf_counter() - start
        result["import_s"] = time.perf_counter() - start
        result.update(measure(args.peer, spec, args.data, args.repeats if args.phase == "cold" else 0, args.budget_s))
        result["threads"] = _threads(args.peer)
        result["ok"] = True
    except Exception as error:  # one peer's failure is a row in the table, never the end of the run
        from benchmarks.speed.peers import NotAvailable

        result["status"] = "not available" if isinstance(error, NotAvailable) else "error"
        result["error"] = f"{type(error).__name__}: {error}".strip().splitlines()[-1][:300]
        traceback.print_exc(file=sys.stderr)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(config.RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
