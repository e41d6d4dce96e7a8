"""``python -m benchmarks.serve [--clients 20] [--requests 2000] [--rows 1,100] [--no-mlserver]``

Load test of `twoclass serve` against MLServer's scikit-learn runtime, on this machine only (127.0.0.1): the same
client (httpx, asyncio, keep-alive connections), the same Open Inference Protocol request (one FP32 [rows, F]
tensor), the same network size (F inputs, hidden layers 64 and 32, one output). For each server: requests per
second, p50/p90/p99 latency, errors, resident memory of the server's processes after start-up and after the load,
start-up time, and for twoclass whether JAX was ever loaded in the server process and which large libraries are.
Each figure is the median over interleaved rounds, with the best round beside it.

twoclass runs with uvicorn on uvloop and httptools and answers with orjson (its dependencies; without them it falls
back to asyncio, h11 and json). It is run five ways: the bare network (`twoclass.io.save_model_dir` of a Sequential,
like the peer's bare MLP) and the classifier (TwoClassClassifier on the same array: imputation, the recipe's numeric
encoding, threshold), each with and without adaptive micro-batching, and the network with two worker processes.
MLServer runs with its defaults (an HTTP process and one inference worker process; uvloop and orjson, h11) and
is asked for ``predict_proba`` only, its cheapest answer; twoclass returns probability and label.

Results: ``benchmarks/results/serve.json`` and ``serve.md`` (git-ignored); the table is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

from benchmarks.serve import peer
from benchmarks.serve.load import run_load

REPO_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> set[int]:
    """A process and all its descendants (MLServer answers from a child process)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {pid}, {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier and p not in tree}
        tree |= frontier
    return tree


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    total_kb = 0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return round(total_kb / 1024, 1)


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live descendants: per request, a figure that
    the machine's other load changes much less than requests per second."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return total


def _jax_loaded(pid: int) -> bool:
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return "jaxlib" in maps or "xla_extension" in maps


_HEAVY = ("jaxlib", "pandas", "sklearn", "scipy", "pyarrow", "matplotlib")


def _heavy_libraries(pid: int) -> list[str]:
    """Which of the large libraries have compiled modules mapped in the process (what its memory goes to)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return []
    return [name for name in _HEAVY if f"/site-packages/{name}/" in maps or f"/site-packages/{name}.libs/" in maps]


def _wait_ready(url: str, process: subprocess.Popen, limit_s: float = 180.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with {process.returncode} before it was ready.")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"The server was not ready after {limit_s:.0f} s.")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _models(work: Path, x: np.ndarray, y: np.ndarray, hidden: tuple[int, ...]) -> dict[str, Path]:
    from twoclass import TwoClassClassifier, io
    from twoclass.layers import Dense
    from twoclass.models import Sequential

    network = Sequential(
        [
            Dense(hidden[0], input_shape=(x.shape[1],), activation="relu"),
            *[Dense(h, activation="relu") for h in hidden[1:]],
            Dense(1, activation="sigmoid"),
        ]
    )
    network.compile(optimizer="adam", loss="binary_crossentropy")
    network.fit(x, y.astype(np.float32), epochs=5, batch_size=64, verbose=0)
    io.save_model_dir(network, work / "net")
    TwoClassClassifier(hidden_layer_sizes=hidden, epochs=30, n_networks=1, random_state=0).fit(x, y).save(work / "clf")
    return {"net": work / "net", "clf": work / "clf"}


def _body(x: np.ndarray, rows: int, outputs: list[str] | None) -> bytes:
    document: dict = {
        "inputs": [
            {
                "name": "input",
                "datatype": "FP32",
                "shape": [rows, x.shape[1]],
                "data": x[:rows].astype(np.float32).ravel().tolist(),
            }
        ]
    }
    if outputs:
        document["outputs"] = [{"name": name} for name in outputs]
    return json.dumps(document).encode()


class _Server:
    """A started server: its process, where to ask whether it is ready, where to send the load, what to ask for."""

    def __init__(
        self, name: str, process: subprocess.Popen, base: str, model: str, outputs: list[str] | None, twoclass: bool
    ) -> None:
        self.name, self.process, self.twoclass, self.outputs = name, process, twoclass, outputs
        self.ready_url = f"{base}/v2/models/{model}/ready"
        self.infer_url = f"{base}/v2/models/{model}/infer"
        self.result: dict = {"server": name, "runs": {}}

    def wait(self) -> None:
        self.result["startup_s"] = round(_wait_ready(self.ready_url, self.process), 2)
        self.result["rss_before_mb"] = _tree_rss_mb(self.process.pid)

    def load(self, x: np.ndarray, rows: int, args: argparse.Namespace) -> None:
        body = _body(x, rows, self.outputs)
        check = httpx.post(self.infer_url, content=body, headers={"Content-Type": "application/json"}, timeout=60)
        if check.status_code != 200:
            raise RuntimeError(f"{self.name} refused the benchmark request: {check.status_code} {check.text[:300]}")
        cpu = _tree_cpu_s(self.process.pid)
        run = asyncio.run(run_load(self.infer_url, body, clients=args.clients, requests=args.requests, rows=rows))
        figures = run.as_dict()
        # The 200 warm-up requests are in it too: the CPU clock cannot tell them apart.
        used = _tree_cpu_s(self.process.pid) - cpu
        figures["server_cpu_ms"] = round(used * 1000 / (args.requests + 200), 3)
        self.result["runs"].setdefault(str(rows), []).append(figures)
        print(
            f"  {self.name}, {rows} row(s): {run.requests_per_second} req/s, p50 {run.p50_ms} ms, "
            f"p99 {run.p99_ms} ms, {figures['server_cpu_ms']} server CPU ms/request, {run.errors} errors "
            f"(load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )

    def finish(self) -> dict:
        if self.process.poll() is None:
            self.result["rss_after_mb"] = _tree_rss_mb(self.process.pid)
            if self.twoclass:
                self.result["jax_loaded"] = _jax_loaded(self.process.pid)
                self.result["heavy_libraries"] = _heavy_libraries(self.process.pid)
        _stop(self.process)
        return self.result


def _twoclass(spec: str, extra: list[str], name: str) -> _Server:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "twoclass.serve", spec, "--port", str(port), "--log-level", "warning", *extra],
        stdout=subprocess.DEVNULL,
    )
    return _Server(name, process, f"http://127.0.0.1:{port}", spec.split("=", 1)[0], None, twoclass=True)


def _mlserver(work: Path, args: argparse.Namespace) -> _Server:
    python = peer.ensure_venv(args.mlserver_venv)
    port = _free_port()
    root = peer.write_repository(work / "mlserver", port=port, grpc_port=_free_port(), metrics_port=_free_port())
    peer.train_mlp(python, work / "data.npz", root / "mlp" / "model.joblib", args.hidden)
    process = peer.start(python, root)
    return _Server(
        "MLServer sklearn MLPClassifier", process, f"http://127.0.0.1:{port}", "mlp", ["predict_proba"], twoclass=False
    )


def _median_runs(result: dict) -> dict:
    """Each figure's median over the rounds (errors are summed): the rounds interleave the servers, so a change in
    the machine's load during the run falls on all of them alike."""
    out = dict(result)
    out["rounds"] = result["runs"]
    out["runs"] = {}
    for rows, runs in result["runs"].items():
        merged = {k: float(np.median([r[k] for r in runs])) for k in runs[0] if k not in ("errors", "first_error")}
        # The best round too (most requests per second, lowest latencies): the machine's other load only slows.
        merged["best_requests_per_second"] = max(r["requests_per_second"] for r in runs)
        merged["best_p50_ms"] = min(r["p50_ms"] for r in runs)
        merged["best_p99_ms"] = min(r["p99_ms"] for r in runs)
        merged["errors"] = sum(r["errors"] for r in runs)
        merged["first_error"] = next((r["first_error"] for r in runs if r["first_error"]), None)
        out["runs"][rows] = merged
    return out


def _table(results: list[dict], args: argparse.Namespace) -> str:
    lines = [
        f"{args.clients} concurrent clients, {args.requests:,} requests per run after 200 unmeasured, "
        f"{args.rounds} interleaved rounds: median (best), {args.features} features, hidden layers "
        f"{', '.join(map(str, args.hidden))}. Server CPU: milliseconds of CPU the server's processes used per request.",
        "",
        "| server | rows/request | req/s | p50 ms | p99 ms | server CPU ms/req | errors | RSS before -> after MB "
        "| start s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for rows, run in result["runs"].items():
            lines.append(
                f"| {result['server']} | {rows} | {run['requests_per_second']:,.0f} "
                f"({run['best_requests_per_second']:,.0f}) | {run['p50_ms']:.1f} ({run['best_p50_ms']:.1f}) | "
                f"{run['p99_ms']:.0f} ({run['best_p99_ms']:.0f}) | {run['server_cpu_ms']:.2f} | {run['errors']} | "
                f"{result.get('rss_before_mb')} -> {result.get('rss_after_mb')} | {result.get('startup_s')} |"
            )
    heavy = [f"{r['server']}: {', '.join(r['heavy_libraries']) or 'none'}" for r in results if "heavy_libraries" in r]
    if heavy:
        lines += ["", "Large libraries mapped in each twoclass server process: " + "; ".join(heavy) + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.serve", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per run (all clients)")
    parser.add_argument("--rows", type=lambda v: [int(r) for r in v.split(",")], default=[1, 100])
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--hidden", type=lambda v: tuple(int(h) for h in v.split(",")), default=(64, 32))
    parser.add_argument("--max-batch-size", type=int, default=256)
    parser.add_argument("--max-latency-ms", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the medians are reported")
    parser.add_argument("--no-mlserver", action="store_true", help="twoclass only")
    parser.add_argument(
        "--servers",
        type=lambda v: [name.strip() for name in v.split(",")],
        default=["network", "network-batching", "network-2-workers", "classifier", "classifier-batching", "mlserver"],
        help="which of network, network-batching, network-2-workers, classifier, classifier-batching, mlserver",
    )
    parser.add_argument("--mlserver-venv", type=Path, default=Path.home() / ".cache" / "twoclass" / "mlserver-venv")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(5000, args.features)).astype(np.float32)
    teacher = rng.normal(size=args.features)
    y = (np.tanh(x @ teacher) + 0.3 * rng.normal(size=len(x)) > 0).astype(np.int64)
    with tempfile.TemporaryDirectory(prefix="twoclass-serve-bench-") as tmp:
        work = Path(tmp)
        np.savez(work / "data.npz", x=x, y=y)
        models = _models(work, x, y, args.hidden)
        batching = ["--max-batch-size", str(args.max_batch_size), "--max-latency-ms", str(args.max_latency_ms)]
        plans = {
            "network": lambda: _twoclass(f"net={models['net']}", [], "twoclass network"),
            "network-batching": lambda: _twoclass(f"net={models['net']}", batching, "twoclass network, micro-batching"),
            "network-2-workers": lambda: _twoclass(
                f"net={models['net']}", ["--workers", "2"], "twoclass network, 2 workers"
            ),
            "classifier": lambda: _twoclass(f"clf={models['clf']}", [], "twoclass classifier"),
            "classifier-batching": lambda: _twoclass(
                f"clf={models['clf']}", batching, "twoclass classifier, micro-batching"
            ),
            "mlserver": lambda: _mlserver(work, args),
        }
        plans = [plans[name] for name in args.servers if not (args.no_mlserver and name == "mlserver")]
        servers: list[_Server] = []
        try:
            for plan in plans:  # one at a time, so that each start-up time is its own
                servers.append(plan())
                servers[-1].wait()
            for round_ in range(args.rounds):
                print(f"Round {round_ + 1} of {args.rounds}", flush=True)
                for rows in args.rows:
                    for server in servers:  # interleaved: each server meets the machine's load of the moment
                        server.load(x, rows, args)
        finally:
            results = [_median_runs(server.finish()) for server in servers]
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "platform": platform.platform(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    table = _table(results, args)
    (args.out / "serve.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                "results": results,
            },
            indent=1,
        )
    )
    (args.out / "serve.md").write_text(table + "\n")
    print()
    print(table)
    print(f"\nLoad average during the run: {machine['load_average']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
