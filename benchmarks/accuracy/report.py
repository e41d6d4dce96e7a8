"""Figures per fold, tables per dataset, mean ranks, the plot, and the files in benchmarks/results/."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as skm

FIGURES = ("roc_auc", "log_loss", "accuracy", "fit_seconds")


def fold_figures(y: np.ndarray, proba: np.ndarray, pred: np.ndarray, fit_seconds: float) -> dict[str, float]:
    p = np.clip(np.asarray(proba, dtype=np.float64), 1e-7, 1 - 1e-7)
    return {
        "roc_auc": float(skm.roc_auc_score(y, p)),
        "log_loss": float(skm.log_loss(y, p, labels=[0, 1])),
        "accuracy": float(skm.accuracy_score(y, pred)),
        "fit_seconds": float(fit_seconds),
    }


def summarise(results: dict) -> dict:
    """Mean and standard deviation over folds per (dataset, model); AUC ranks per dataset; mean rank per model."""
    summary: dict = {"datasets": {}, "mean_rank": {}}
    ranks: dict[str, list[float]] = {}
    for name, entry in results["datasets"].items():
        table = {}
        for model, folds in entry["folds"].items():
            ok = [f for f in folds if "error" not in f]
            if len(ok) != len(folds) or not ok:
                table[model] = {"error": next(f["error"] for f in folds if "error" in f)}
                continue
            table[model] = {k: float(np.mean([f[k] for f in ok])) for k in FIGURES}
            table[model].update({f"{k}_std": float(np.std([f[k] for f in ok])) for k in FIGURES})
            table[model]["fit_seconds_total"] = float(np.sum([f["fit_seconds"] for f in ok]))
        scored = [m for m in table if "error" not in table[m]]
        if scored:
            # rank 1 = best AUC; ties share the mean rank; a failed model ranks last
            order = rankdata([-round(table[m]["roc_auc"], 4) for m in scored])
            for m, r in zip(scored, order):
                table[m]["rank"] = float(r)
            for m in table:
                ranks.setdefault(m, []).append(table[m].get("rank", float(len(table))))
        summary["datasets"][name] = table
    summary["mean_rank"] = {m: float(np.mean(r)) for m, r in sorted(ranks.items(), key=lambda kv: np.mean(kv[1]))}
    return summary


def _fmt(mean: float, std: float, digits: int) -> str:
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def markdown(results: dict, summary: dict) -> str:
    meta = results["meta"]
    lines = [
        "# Accuracy benchmark",
        "",
        f"{meta['mode']} run, {meta['date']}, {meta['machine']}; twoclass {meta['versions']['twoclass']}, "
        f"scikit-learn {meta['versions']['sklearn']}, lightgbm {meta['versions']['lightgbm']}. "
        f"Total {meta['total_seconds'] / 60:.1f} min.",
        "",
        "Every model sees the same folds and the same features (twoclass.data.Preprocessor fitted on the "
        "training fold; twoclass runs it inside its own fit). ROC AUC and log loss from predicted "
        "probabilities; accuracy at each model's own threshold (twoclass: the threshold it chose on its "
        "validation split for F1; the others: 0.5); fit time includes the preprocessing. Mean ± standard "
        "deviation over folds.",
        "",
        "## Models",
        "",
    ]
    lines += [f"- **{m}**: {d}" for m, d in meta["models"].items()]
    lines += ["", "## Mean rank (ROC AUC, 1 = best, over all datasets)", "", "| model | mean rank |", "|---|---|"]
    lines += [f"| {m} | {r:.2f} |" for m, r in summary["mean_rank"].items()]
    for name, table in summary["datasets"].items():
        info = results["datasets"][name]
        lines += [
            "",
            f"## {name}",
            "",
            f"{info['split']}."
            + "".join(f" Note: {n}." for n in info["notes"])
            + (
                f" Reference (index.json, logistic regression): ROC AUC {info['reference_auc']:.3f}."
                if info.get("reference_auc")
                else ""
            ),
            "",
            "| model | ROC AUC | log loss | accuracy | fit s | rank |",
            "|---|---|---|---|---|---|",
        ]
        for model, row in table.items():
            if "error" in row:
                lines.append(f"| {model} | failed: {row['error']} | | | | |")
                continue
            lines.append(
                f"| {model} | {_fmt(row['roc_auc'], row['roc_auc_std'], 4)} | "
                f"{_fmt(row['log_loss'], row['log_loss_std'], 4)} | "
                f"{_fmt(row['accuracy'], row['accuracy_std'], 4)} | {row['fit_seconds']:.2f} | "
                f"{row['rank']:g} |"
            )
    lines += ["", "## Targets (issue 6)", ""] + [f"- {t}" for t in targets(summary)]
    return "\n".join(lines) + "\n"


def targets(summary: dict) -> list[str]:
    """Issue 6's accuracy targets, checked from this run only."""
    out = []
    short = []
    for name, table in summary["datasets"].items():
        tc, lr = table.get("twoclass", {}), table.get("logreg", {})
        if "roc_auc" in tc and "roc_auc" in lr and tc["roc_auc"] < lr["roc_auc"] - 0.002:
            short.append(f"{name} ({tc['roc_auc']:.4f} vs {lr['roc_auc']:.4f})")
    out.append(
        "twoclass defaults at least match logistic regression (ROC AUC within 0.002) on every dataset: "
        + ("MET" if not short else "NOT MET on " + ", ".join(short))
    )
    ranks = summary["mean_rank"]
    if "twoclass" in ranks and "mlp" in ranks:
        met = ranks["twoclass"] < ranks["mlp"]
        out.append(
            f"twoclass beats MLPClassifier on mean rank: {'MET' if met else 'NOT MET'} "
            f"({ranks['twoclass']:.2f} vs {ranks['mlp']:.2f})"
        )
    best_gb = (
        min((ranks[m], m) for m in ("hgb", "lightgbm") if m in ranks)
        if any(m in ranks for m in ("hgb", "lightgbm"))
        else None
    )
    if best_gb and "twoclass" in ranks:
        out.append(
            f"gap to gradient boosting: twoclass mean rank {ranks['twoclass']:.2f}, {best_gb[1]} {best_gb[0]:.2f}"
        )
    return out + issue13_targets(summary)


TABULAR = (
    "titanic",
    "pima_indians_diabetes",
    "banknote_authentication",
    "ionosphere",
    "breast_cancer_wisconsin_diagnostic",
    "adult",
    "default_credit_card_clients",
    "heart_disease_cleveland",
)
TEXT = ("sms_spam_collection", "sentiment_labelled_sentences")


def issue13_targets(summary: dict) -> list[str]:
    """Issue 13's targets that this run measures (the 67,000-row text table is `python -m
    benchmarks.accuracy.large_text`; the CLI's time is measured apart)."""
    tables = summary["datasets"]

    def figure(model: str, names: tuple[str, ...], key: str) -> list[float] | None:
        values = [tables[n][model].get(key) for n in names if n in tables and model in tables[n]]
        return values if len(values) == len(names) and None not in values else None

    out = []
    auc = figure("twoclass", TABULAR, "roc_auc")
    if auc:
        mean = float(np.mean(auc))
        out.append(
            f"issue 13: mean ROC AUC over the 8 tabular datasets >= 0.912: "
            f"{'MET' if mean >= 0.912 else 'NOT MET'} ({mean:.4f})"
        )
        out.append(
            f"issue 13: adult >= 0.925: {'MET' if auc[5] >= 0.925 else 'NOT MET'} ({auc[5]:.4f}); credit "
            f"default >= 0.780: {'MET' if auc[6] >= 0.780 else 'NOT MET'} ({auc[6]:.4f})"
        )
        total = sum(figure("twoclass", TABULAR, "fit_seconds_total"))
        out.append(
            f"issue 13: total fit time of the 8 tabular datasets x folds <= 30 s: "
            f"{'MET' if total <= 30 else 'NOT MET'} ({total:.1f} s)"
        )
    text, text_lr = figure("twoclass", TEXT, "roc_auc"), figure("logreg", TEXT, "roc_auc")
    if text and text_lr:
        ratio = sum(figure("twoclass", TEXT, "fit_seconds_total")) / max(
            sum(figure("logreg", TEXT, "fit_seconds_total")), 1e-9
        )
        met = np.mean(text) >= np.mean(text_lr) and ratio <= 10
        out.append(
            f"issue 13: text mean ROC AUC >= logistic regression's in <= 10x its fit time: "
            f"{'MET' if met else 'NOT MET'} ({np.mean(text):.4f} vs {np.mean(text_lr):.4f}, {ratio:.1f}x)"
        )
    return out


def plot(results: dict, summary: dict):
    """ROC AUC per dataset and model (mean over folds, whiskers = one standard deviation)."""
    from matplotlib.figure import Figure

    names = list(summary["datasets"])
    models = list(results["meta"]["models"])
    fig = Figure(figsize=(9.0, 0.45 * len(names) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    colours = dict(zip(models, ["#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]))
    for j, model in enumerate(models):
        ys, xs, es = [], [], []
        for i, name in enumerate(names):
            row = summary["datasets"][name].get(model, {})
            if "roc_auc" in row:
                ys.append(i + (j - (len(models) - 1) / 2) * 0.14)
                xs.append(row["roc_auc"])
                es.append(row["roc_auc_std"])
        ax.errorbar(xs, ys, xerr=es, fmt="o", ms=5, color=colours[model], label=model, capsize=2)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("ROC AUC (mean over folds)")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8, ncols=len(models))
    ax.set_title("Accuracy benchmark: ROC AUC per dataset")
    return fig


def atomic_bytes(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` (its folder made) through twoclass's own atomic writer."""
    from twoclass.core.files import atomic_output

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path, "wb") as handle:
        handle.write(data)


def write(out_dir: Path, results: dict, summary: dict) -> list[Path]:
    import io

    md, js, png = out_dir / "accuracy.md", out_dir / "accuracy.json", out_dir / "accuracy.png"
    atomic_bytes(md, markdown(results, summary).encode())
    atomic_bytes(js, (json.dumps({**results, "summary": summary}, indent=1) + "\n").encode())
    buffer = io.BytesIO()
    plot(results, summary).savefig(buffer, format="png", dpi=110)
    atomic_bytes(png, buffer.getvalue())
    return [md, js, png]
