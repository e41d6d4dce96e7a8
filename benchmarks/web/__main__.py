"""``python -m benchmarks.web [--seconds 5] [--repeats 5]``: the playground's responsiveness, over real HTTP.

Each measurement runs in a fresh child process (`benchmarks/web/child.py`) that serves the playground with uvicorn
on 127.0.0.1 and talks to it with httpx, reading the server-sent events as the page does. Figures:

- first surface: seconds from the play request to the first frame with epoch > 0 on the event stream, in a new
  process with JAX's persistent compilation cache warm (the structure was compiled by an earlier process) -
  pressed at once after the page opens, and pressed after the background warm-up (what a user who looks first gets);
- updates/s while playing, for one tab and for two tabs playing at once, at each speed;
- a new learning rate while playing: programs compiled (the engine's own count) and the slowest gap between frames.

Results print as a table and go to benchmarks/results/web.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_child(task: str, seconds: float) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.web.child", task, str(seconds)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child {task!r} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each updates/s measurement plays")
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per first-surface figure")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)

    run_child("prime", 1.0)  # compile the structures once, so every later child finds them in the persistent cache
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    for task in ("first_surface_at_once", "first_surface_after_warmup"):
        runs = [run_child(task, 1.0) for _ in range(args.repeats)]
        results[task] = {"median_s": median([r["seconds"] for r in runs]), "runs_s": [r["seconds"] for r in runs]}
    results["rates"] = run_child("rates", args.seconds)
    results["learning_rate_change"] = run_child("learning_rate_change", args.seconds)

    print(
        f"first surface after play, new process, warm cache, pressed at once:   "
        f"{results['first_surface_at_once']['median_s']:.3f} s (median of {args.repeats})"
    )
    print(
        f"first surface after play, new process, warm cache, after the warm-up: "
        f"{results['first_surface_after_warmup']['median_s']:.3f} s (median of {args.repeats})"
    )
    print("updates/s while playing (epochs/s):")
    for row in results["rates"]:
        print(
            f"  {row['tabs']} tab(s), speed {row['speed']:<6} {row['updates_per_s']:6.1f} updates/s "
            f"({row['epochs_per_s']:7.0f} epochs/s, slowest gap {row['max_gap_s'] * 1000:.0f} ms)"
        )
    change = results["learning_rate_change"]
    print(
        f"new learning rate while playing: {change['programs_compiled']} programs compiled, slowest gap between "
        f"frames around the change {change['max_gap_s'] * 1000:.0f} ms, {change['updates_per_s']:.1f} updates/s"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "web.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
