"""The parent: writes the data once, runs every (workload, peer) pair in its own subprocess, judges sanity.

Each pair gets an empty compilation-cache directory: the first child fits with the cache cold, a second child
(JAX peers only) reuses the directory, so its first fit is the warm-cache figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.speed import config, data

REPO_ROOT = Path(__file__).resolve().parents[2]
# twoclass keeps its persistent compilation cache in the user's cache directory; both names below are pointed at
# the pair's empty directory so "cold" is really cold, whichever one the library reads.
TWOCLASS_CACHE_ENV = "TWOCLASS_CACHE_DIR"


def child_env(cache_dir: Path, threads: int) -> dict[str, str]:
    """The same thread settings and cache settings for every peer."""
    env = dict(os.environ)
    env.update(
        {
            config.THREADS_ENV: str(threads),
            "KERAS_BACKEND": "jax",
            "OMP_NUM_THREADS": str(threads),
            "MKL_NUM_THREADS": str(threads),
            "OPENBLAS_NUM_THREADS": str(threads),
            # Idle OpenMP threads sleep instead of spinning: on a busy shared machine a spinning pool made PyTorch's
            # tiny-net steps 30-100x slower than with this setting, which measured the neighbours, not PyTorch.
            "OMP_WAIT_POLICY": "PASSIVE",
            "JAX_COMPILATION_CACHE_DIR": str(cache_dir / "jax"),
            # Cache every compilation, however quick, so that the warm figure is the best each JAX peer can get.
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
            "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
            TWOCLASS_CACHE_ENV: str(cache_dir / "twoclass"),
            "XDG_CACHE_HOME": str(cache_dir / "xdg"),
        }
    )
    return env


def env_note(threads: int) -> str:
    return (
        f"OMP/MKL/OPENBLAS_NUM_THREADS={threads}, OMP_WAIT_POLICY=PASSIVE, torch.set_num_threads({threads}), "
        f"XLA's default CPU thread pool (one thread per core, {os.cpu_count()} cores); "
        f"JAX_COMPILATION_CACHE_DIR, {TWOCLASS_CACHE_ENV} and XDG_CACHE_HOME point at an empty directory per "
        "(workload, peer); JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0 for every JAX peer"
    )


def run_child(
    peer: str,
    workload: config.Workload,
    data_dir: Path,
    phase: str,
    repeats: int,
    env: dict[str, str],
    sizes: config.Sizes,
) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.speed.child",
        "--peer",
        peer,
        "--spec",
        json.dumps(workload.as_spec()),
        "--data",
        str(data_dir),
        "--phase",
        phase,
        "--repeats",
        str(repeats),
        "--budget-s",
        str(sizes.repeat_budget_s),
    ]
    timeout_s = sizes.child_timeout_s
    base = {"peer": peer, "workload": workload.key, "phase": phase, "ok": False, "status": "error"}
    try:
        done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {**base, "error": f"timed out after {timeout_s} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(config.RESULT_PREFIX):
            return json.loads(line[len(config.RESULT_PREFIX) :])
    tail = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return {**base, "error": f"exit code {done.returncode}: {tail[-1][:300] if tail else 'no output'}"}


def _count_files(directory: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(directory)) if directory.exists() else 0


def sanity_verdict(workload: config.Workload, sanity: dict, majority: float) -> tuple[bool, str]:
    """Whether the fit learned what it should, and the figure that says so."""
    if workload.key == "W1":
        value = sanity["train_accuracy"]
        return value >= 0.9, f"train acc {value:.3f}"
    if workload.key == "W2":
        value = sanity["val_accuracy"]
        return value >= 0.9, f"val acc {value:.3f}"
    if workload.key == "W3":
        value = sanity["val_accuracy"]
        return value > majority, f"val acc {value:.3f} (majority {majority:.3f})"
    if workload.key == "W4":
        accs = sorted(sanity["train_accuracies"])
        median = accs[len(accs) // 2] if len(accs) % 2 else (accs[len(accs) // 2 - 1] + accs[len(accs) // 2]) / 2
        return median >= 0.9, f"train acc median {median:.3f}, min {accs[0]:.3f}"
    predict = sanity
    ok = predict["max_abs_diff"] <= 1e-5 and predict["val_accuracy"] > majority
    return ok, f"val acc {predict['val_accuracy']:.3f}, loaded vs trained {predict['max_abs_diff']:.1e}"


def _warm_figures(runs: list[dict]) -> dict:
    """One first fit per process is one sample of a ~0.5 s event on a shared machine: the median of a few."""
    good = [run for run in runs if run.get("ok")]
    if not good:
        return {"ok": False, "error": runs[0].get("error")}
    return {
        "ok": True,
        "processes": len(good),
        "import_s": statistics.median(run["import_s"] for run in good),
        "first_fit_s": statistics.median(run["first_fit_s"] for run in good),
        "first_fit_s_each": [run["first_fit_s"] for run in good],
        "peak_mb": max(run.get("peak_mb") or 0 for run in good),
    }


def run_pair(
    peer: str,
    workload: config.Workload,
    data_dir: Path,
    work_dir: Path,
    sizes: config.Sizes,
    majority: float,
    threads: int,
) -> dict:
    """The row of one (workload, peer): cold child, then (JAX peers) warm children, then the sanity verdict."""
    if sizes is config.FULL and (workload.key, peer) in config.SKIPPED_IN_FULL:
        return {
            "peer": peer,
            "workload": workload.key,
            "ok": False,
            "status": "skipped",
            "error": config.SKIPPED_IN_FULL[(workload.key, peer)],
        }
    cache_dir = Path(tempfile.mkdtemp(prefix=f"cache-{workload.key}-{peer}-", dir=work_dir))
    env = child_env(cache_dir, threads)
    load_before = os.getloadavg()[0]
    row = run_child(peer, workload, data_dir, "cold", config.repeats_for(workload, peer), env, sizes)
    row["cache_files"] = _count_files(cache_dir)
    if row.get("ok") and config.wants_warm_phase(workload, peer):
        row["warm"] = _warm_figures(
            [run_child(peer, workload, data_dir, "warm", 0, env, sizes) for _ in range(config.WARM_PROCESSES)]
        )
    # The machine is shared: the 1-minute load average around the pair says how much to trust its figures.
    row["load_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    if row.get("ok"):
        sanity = row["predict"] if workload.key == "W5" else row["sanity"]
        row["sane"], row["sanity_figure"] = sanity_verdict(workload, sanity, majority)
        row["status"] = "ok" if row["sane"] else "FAILED"
    return row


def prepare_data(directory: Path, chosen: list[config.Workload], sizes: config.Sizes, seed: int) -> dict[str, float]:
    """Write each needed dataset once; return the majority-class rate of each validation set."""
    majorities = {}
    for dataset in sorted({w.dataset for w in chosen}):
        split = data.make_split(dataset, sizes, seed)
        data.write_split(directory, dataset, split)
        majorities[dataset] = data.majority_rate(split.y_val)
    if any(w.key == "W5" for w in chosen):
        data.write_predict_rows(directory, seed)
    return majorities


def run_all(
    chosen: list[config.Workload],
    peers: list[str],
    sizes: config.Sizes,
    seed: int,
    threads: int,
    on_row: Callable[[dict], None],
) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="twoclass-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        majorities = prepare_data(data_dir, chosen, sizes, seed)
        for workload in chosen:
            for peer in peers:
                row = run_pair(peer, workload, data_dir, Path(tmp), sizes, majorities[workload.dataset], threads)
                rows.append(row)
                on_row(row)
    return rows
