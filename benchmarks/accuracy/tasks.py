"""The datasets of ``index.json`` as tasks: a frame, 0/1 targets, column kinds and the folds every model shares.

A ``name_train.csv`` / ``name_test.csv`` pair is one task evaluated on its official split (Adult); every other file
is one task under stratified k-fold cross-validation. Column kinds are inferred once per task (from the features,
never the target) and handed to every model, so the preprocessing is the same for all of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from twoclass.data import LabelEncoding, infer_column_types, read_table

SEED = 0


@dataclass(frozen=True)
class Task:
    name: str
    frame: pd.DataFrame  # features only
    y: np.ndarray  # 0/1, 1 = the index's positive label
    labels: LabelEncoding
    column_types: dict[str, str]
    folds: list[tuple[np.ndarray, np.ndarray]]
    split: str  # how the folds were made, for the report
    notes: list[str] = field(default_factory=list)
    reference_auc: float | None = None


def _encode(frame: pd.DataFrame, target: str, positive: str, name: str) -> tuple[np.ndarray, LabelEncoding]:
    values = frame[target]
    other = [v for v in values.dropna().unique() if str(v) != str(positive)]
    if len(other) != 1:
        raise ValueError(f"{name}: expected two classes in '{target}', found {values.nunique()}.")
    encoding = LabelEncoding(negative=other[0], positive=values[values.astype(str) == str(positive)].iloc[0])
    return encoding.encode(values), encoding


def _subsample(frame: pd.DataFrame, y_col: str, rows: int, seed: int) -> pd.DataFrame:
    """A stratified subsample of ``rows`` rows (the class balance kept), in the original row order."""
    if len(frame) <= rows:
        return frame
    parts = [
        g.sample(n=max(1, round(rows * len(g) / len(frame))), random_state=seed)
        for _, g in frame.groupby(y_col, sort=True)
    ]
    return pd.concat(parts).sort_index()


def _kinds(features: pd.DataFrame) -> dict[str, str]:
    return dict(infer_column_types(features))


# Issue 13's protocol: "5 stratified folds, 20k-row subsample above 20k rows, adult on its official split". Adult's
# official split is kept whole (32,561 / 16,281 rows); any other table above PROTOCOL_ROWS rows is subsampled
# (stratified), which today is credit default (30,000 rows).
PROTOCOL_ROWS = 20_000
OFFICIAL_SPLITS = ("adult",)


def protocol_rows(name: str) -> int | None:
    """The row cap of task ``name`` under issue 13's protocol (None: all rows), for `load_tasks`' ``max_rows``.

    Example:
        >>> protocol_rows("adult"), protocol_rows("default_credit_card_clients")
        (None, 20000)
    """
    return None if name in OFFICIAL_SPLITS else PROTOCOL_ROWS


def load_tasks(
    directory: Path, *, n_folds: int = 5, max_rows: int | None = None, only: list[str] | None = None
) -> list[Task]:
    """Every task of ``directory/index.json`` (or those named in ``only``), with shared folds.

    ``max_rows`` caps the rows of a task (stratified subsample; for a train/test pair, each side) and the cap is
    recorded in ``Task.notes`` so the report says so.
    """
    index = json.loads((directory / "index.json").read_text())
    tasks: list[Task] = []
    done: set[str] = set()
    for file_name, info in index.items():
        if file_name in done:
            continue
        stem = file_name.removesuffix(".csv")
        pair = None
        if stem.endswith("_train") and f"{stem[:-6]}_test.csv" in index:
            pair = f"{stem[:-6]}_test.csv"
        elif stem.endswith("_test") and f"{stem[:-5]}_train.csv" in index:
            continue  # handled with its train file
        name = stem[:-6] if pair else stem
        if only and name not in only:
            continue
        done.add(file_name)
        target, positive = info["target"], str(info["positive"])
        cap = max_rows(name) if callable(max_rows) else max_rows
        notes: list[str] = []
        if pair:
            done.add(pair)
            train = read_table(directory / file_name)
            test = read_table(directory / pair)
            if cap:
                if len(train) > cap or len(test) > cap:
                    notes.append(f"subsampled to at most {cap:,} rows per side (of {len(train):,} / {len(test):,})")
                train, test = _subsample(train, target, cap, SEED), _subsample(test, target, cap, SEED)
            frame = pd.concat([train, test], ignore_index=True)
            folds = [(np.arange(len(train)), np.arange(len(train), len(frame)))]
            split = f"official split: {len(train):,} train / {len(test):,} test rows"
            reference = index[pair].get("logreg_cv5_auc")
        else:
            frame = read_table(directory / file_name)
            if cap and len(frame) > cap:
                notes.append(f"stratified subsample of {cap:,} of its {len(frame):,} rows")
                frame = _subsample(frame, target, cap, SEED).reset_index(drop=True)
            split = f"stratified {n_folds}-fold CV on {len(frame):,} rows"
            folds = None
            reference = info.get("logreg_cv5_auc")
        y, encoding = _encode(frame, target, positive, name)
        features = frame.drop(columns=[target])
        if folds is None:
            splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=SEED)
            folds = list(splitter.split(np.zeros(len(y)), y))
        tasks.append(Task(name, features, y, encoding, _kinds(features), folds, split, notes, reference))
    return tasks
