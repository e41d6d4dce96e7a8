"""python -m benchmarks.accuracy.ablation: the recipe's ingredients, each switched off in turn (issue 13).

Same tasks, folds and figures as the accuracy benchmark (``benchmarks/accuracy``), twoclass only, on the tabular
datasets (text has its own run: ``--only sms_spam_collection,sentiment_labelled_sentences``). Each variant is
``TwoClassClassifier()`` with one part of ``twoclass.estimator.recipe.INGREDIENTS`` changed; 'plain' is
``recipe='plain'``, the Keras-style networks the estimator trained before the recipe. Fit time is summed over
folds and datasets, from the first fit of each variant (the compilation cache warmed by a first pass over the
datasets, so compiling counts as little as it does for a user's second fit).

Output: ``benchmarks/results/ablation.md`` and ``ablation.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import time
import warnings
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from benchmarks.accuracy.report import TABULAR  # the 8 tables of issue 13's targets

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = {  # name -> (INGREDIENTS changes, estimator parameters, what it shows)
    "recipe (default)": ({}, {}, "all ingredients"),
    "plain (before)": ({}, {"recipe": "plain"}, "Keras-style networks, early stopping, 5 seeds on small tables"),
    "one view": ({"views": False}, {}, "bagged tables: the binned features alone, no standardised second view"),
    "no bins": ({"numeric_encoding": "robust"}, {}, "robust scaling + smooth clip, no piecewise-linear bins"),
    "standardised": ({"numeric_encoding": "standard"}, {}, "standardisation instead of robust scaling and bins"),
    "linear paths fitted": ({"linear_start": "fitted"}, {}, "every member's linear path starts at the fitted one"),
    "linear paths from zero": ({"linear_start": "zero"}, {}, "every member's linear path starts at 0"),
    "no guard": ({"guard": False}, {}, "the networks are kept whatever their validation loss"),
    "one network": ({"ensemble": False}, {}, "n_networks auto -> 1"),
    "constant learning rate": ({"schedule": "constant"}, {}, "no flat-cosine decay"),
    "last epoch": ({"best_epoch": False}, {}, "the last epoch, not the best one on validation loss"),
    "no bagging": ({"bagging": False}, {}, "under 2,000 rows, a 15% validation split instead of 4-fold bagging"),
    "no stopping rule": ({"stop": False}, {}, "every epoch of the budget runs"),
    "no large-table network": ({"large_table": False}, {}, "from 25,000 rows too, the 64-32 networks of small tables"),
    "no judges": ({"refit": False}, {}, "large tables: all 3 networks train on the training rows alone (no refit)"),
    "no weight averaging": ({"averaging": False}, {}, "large tables: the weights as trained, not their moving average"),
    "neither (before)": (
        {"refit": False, "averaging": False},
        {},
        "large tables: the large-table network as it was before the judges and the averaging",
    ),
}


class FoldFit(NamedTuple):
    """One fold's `TwoClassClassifier()` fit: test ROC AUC, fit seconds, what the guard kept, and `recipe_`."""

    roc_auc: float
    seconds: float
    kept: str
    recipe: dict | None


def fit_fold(task, train, test, seed, params) -> FoldFit:
    """`TwoClassClassifier(**params)` fitted on the task's ``train`` rows and scored on its ``test`` rows."""
    from sklearn.metrics import roc_auc_score

    from twoclass import TwoClassClassifier

    model = TwoClassClassifier(column_types=task.column_types, random_state=seed, **params)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(task.frame.iloc[train], task.y[train])
        seconds = time.perf_counter() - start
        proba = model.predict_proba(task.frame.iloc[test])[:, 1]
    recipe = getattr(model, "recipe_", None)
    kept = (recipe or {}).get("kept", "plain")
    return FoldFit(float(roc_auc_score(task.y[test], proba)), seconds, kept, recipe)


def run(names: list[str], variants: list[str], datasets: Path) -> dict:
    from twoclass.estimator import recipe

    from .tasks import load_tasks, protocol_rows

    tasks = load_tasks(datasets, only=names, max_rows=protocol_rows)  # the accuracy benchmark's protocol
    default = recipe.INGREDIENTS
    results: dict = {
        "meta": {"date": datetime.datetime.now().isoformat(timespec="seconds"), "load_at_start": os.getloadavg()[0]},
        "variants": {},
    }
    for warm in (True, False):  # a first pass fills the compilation cache for every variant's programs
        for name in variants:
            changes, params, _ = VARIANTS[name]
            recipe.INGREDIENTS = default._replace(**changes)
            try:
                rows = {}
                for task in tasks:
                    folds = task.folds[:1] if warm else task.folds
                    figures = [fit_fold(task, train, test, k, params) for k, (train, test) in enumerate(folds)]
                    rows[task.name] = {
                        "roc_auc": float(np.mean([f.roc_auc for f in figures])),
                        "fit_seconds": float(sum(f.seconds for f in figures)),
                        "kept": [f.kept for f in figures],
                    }
            finally:
                recipe.INGREDIENTS = default
            if not warm:
                results["variants"][name] = rows
                mean = np.mean([r["roc_auc"] for r in rows.values()])
                total = sum(r["fit_seconds"] for r in rows.values())
                print(
                    f"{name:24s} mean ROC AUC {mean:.4f}  fit {total:6.1f} s  "
                    + "  ".join(f"{n[:8]} {r['roc_auc']:.4f}" for n, r in rows.items()),
                    flush=True,
                )
    results["meta"]["load_at_end"] = os.getloadavg()[0]
    return results


def markdown(results: dict) -> str:
    variants = results["variants"]
    names = list(next(iter(variants.values())))
    head = "| variant | mean ROC AUC | " + " | ".join(names) + " | fit s (all folds) |"
    lines = [head, "|" + "---|" * (len(names) + 3)]
    for variant, rows in variants.items():
        mean = np.mean([rows[n]["roc_auc"] for n in names])
        total = sum(rows[n]["fit_seconds"] for n in names)
        lines.append(
            f"| {variant} | {mean:.4f} | "
            + " | ".join(f"{rows[n]['roc_auc']:.4f}" for n in names)
            + f" | {total:.1f} |"
        )
    meta = results["meta"]
    lines.append("")
    lines.append(
        f"Run of {meta['date']}, load average {meta['load_at_start']:.1f} at start, "
        f"{meta['load_at_end']:.1f} at end. "
        + "; ".join(f"{k}: {v[2]}" for k, v in VARIANTS.items() if k in variants)
        + "."
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.accuracy.ablation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    default = os.environ.get("TWOCLASS_DATASETS", str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--datasets", type=Path, default=Path(default))
    parser.add_argument("--only", default=",".join(TABULAR), help="comma-separated dataset names")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, from {list(VARIANTS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    chosen = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"Error: unknown variant(s) {unknown}; choose from {list(VARIANTS)}.")
    results = run([n.strip() for n in args.only.split(",") if n.strip()], chosen, args.datasets)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablation.json").write_text(json.dumps(results, indent=2))
    (args.out / "ablation.md").write_text(markdown(results))
    print(markdown(results))
    print(f"Wrote {args.out / 'ablation.md'} and {args.out / 'ablation.json'}")


if __name__ == "__main__":
    main()
