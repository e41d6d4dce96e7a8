"""python -m benchmarks.accuracy [--datasets DIR] [--quick] [--only NAMES] [--models NAMES] [--out DIR]

Full run: every dataset of index.json, stratified 5-fold CV (Adult: its official split), about 15 minutes on 2
cores. --quick: 3 folds on at most 1,500 rows per dataset, a few minutes; for checking the harness, not for claims.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
QUICK_ROWS = 1_500


def _arguments() -> argparse.Namespace:
    from .models import MODELS

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = os.environ.get("TWOCLASS_DATASETS", str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument(
        "--datasets",
        type=Path,
        default=Path(default),
        help="folder with index.json (default: $TWOCLASS_DATASETS or ../shared/datasets)",
    )
    parser.add_argument("--quick", action="store_true", help="3 folds, at most 1,500 rows per dataset")
    parser.add_argument("--only", default="", help="comma-separated dataset names (file stem; 'adult' for the pair)")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from {', '.join(MODELS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    return parser.parse_args()


def _versions() -> dict[str, str]:
    import lightgbm
    import sklearn

    import twoclass

    return {
        "twoclass": twoclass.__version__,
        "sklearn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "python": platform.python_version(),
    }


def _last_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}"[:200]


def run(args: argparse.Namespace) -> dict:
    from rich.console import Console

    from .models import MODELS, prepare
    from .report import fold_figures
    from .tasks import load_tasks, protocol_rows

    console = Console()
    chosen = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODELS]
    if unknown:
        raise SystemExit(f"Error: unknown model(s) {unknown}; choose from {list(MODELS)}.")
    if not (args.datasets / "index.json").is_file():
        raise SystemExit(f"Error: no index.json in '{args.datasets}'. Pass --datasets DIR or set TWOCLASS_DATASETS.")
    only = [n.strip() for n in args.only.split(",") if n.strip()] or None
    caps = (lambda name: QUICK_ROWS) if args.quick else protocol_rows  # issue 13's protocol (tasks.py)
    tasks = load_tasks(args.datasets, n_folds=3 if args.quick else 5, max_rows=caps, only=only)
    start = time.perf_counter()
    results = {
        "meta": {
            "mode": "quick" if args.quick else "full",
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, "
            f"load average {os.getloadavg()[0]:.1f} at start",
            "versions": _versions(),
            "models": {m: MODELS[m][0] for m in chosen},
        },
        "datasets": {},
    }
    for task in tasks:
        entry = {
            "split": task.split,
            "notes": task.notes,
            "reference_auc": task.reference_auc,
            "rows": len(task.y),
            "positive_rate": float(task.y.mean()),
            "column_types": task.column_types,
            "folds": {m: [] for m in chosen},
        }
        for k, (train, test) in enumerate(task.folds):
            prepared = prepare(task, train, test)
            for model in chosen:
                try:
                    result = MODELS[model][1](task, train, test, prepared, k)
                    figures = fold_figures(task.y[test], result.proba, result.pred, result.fit_seconds)
                    figures["threshold"] = result.threshold
                except Exception as error:  # a failing model is a row in the report, not the end of the run
                    figures = {"error": _last_line(error)}
                entry["folds"][model].append(figures)
                shown = (
                    f"AUC {figures['roc_auc']:.4f}  {figures['fit_seconds']:.1f}s"
                    if "error" not in figures
                    else figures["error"]
                )
                console.print(f"  {task.name} fold {k + 1}/{len(task.folds)} {model:9s} {shown}")
        results["datasets"][task.name] = entry
    results["meta"]["total_seconds"] = time.perf_counter() - start
    results["meta"]["machine"] += f", {os.getloadavg()[0]:.1f} at end"
    return results


def print_tables(summary: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for name, table in summary["datasets"].items():
        grid = Table(title=name)
        for column in ("model", "ROC AUC", "log loss", "accuracy", "fit s", "rank"):
            grid.add_column(column, justify="left" if column == "model" else "right")
        for model, row in table.items():
            if "error" in row:
                grid.add_row(model, "failed", row["error"][:60], "", "", "")
            else:
                grid.add_row(
                    model,
                    f"{row['roc_auc']:.4f}",
                    f"{row['log_loss']:.4f}",
                    f"{row['accuracy']:.4f}",
                    f"{row['fit_seconds']:.2f}",
                    f"{row['rank']:g}",
                )
        console.print(grid)
    ranks = Table(title="Mean rank (ROC AUC)")
    ranks.add_column("model")
    ranks.add_column("mean rank", justify="right")
    for model, rank in summary["mean_rank"].items():
        ranks.add_row(model, f"{rank:.2f}")
    console.print(ranks)


def main() -> None:
    from .report import summarise, targets, write

    args = _arguments()
    results = run(args)
    summary = summarise(results)
    print_tables(summary)
    for line in targets(summary):
        print(line)
    for path in write(args.out, results, summary):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
