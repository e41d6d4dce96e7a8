"""python -m benchmarks.accuracy.prototype_large: issue 13, ideas for Adult's large-table network (`recipe.LargeTable`).

Each variant changes the library at run time (`recipe.LARGE`, `recipe.INGREDIENTS`, or a patch of
`twoclass.data.numeric`) and fits `TwoClassClassifier()` on Adult's official split for the given seeds
(`ablation.fit_fold`). Measured 2026-11-30 12:10-12:30 on the shared 2-core machine (another engineer's work beside
it; fit seconds move by 1.5x with the load). Adult test ROC AUC; "before" is the recipe of commit 0fd319e (3 networks
on the training rows, weights as trained), which the variants below it change one thing of:

| variant | seeds 0 / 1 / 2 | mean 0-2 | seeds 3 / 4 | seeds 5 / 6 / 7 | mean (seeds) | fit s |
|---|---|---|---|---|---|---|
| before | 0.9237 / 0.9247 / 0.9243 | 0.9243 | 0.9242 / 0.9245 | 0.9249 / 0.9247 / 0.9247 | 0.9245 (8) | 9.3-20 |
| zstd | 0.9245 / 0.9230 / 0.9237 | 0.9237 | | | | 11-38 |
| zstd_clip | 0.9239 / 0.9244 / 0.9240 | 0.9241 | | | | 15-16 |
| ema99 | 0.9243 / 0.9247 / 0.9244 | 0.9245 | | 0.9248 / 0.9247 / 0.9247 | 0.9246 (6) | 15-19 |
| ema995 | 0.9243 / 0.9247 / 0.9244 | 0.9245 | | | | 17-43 |
| swa_epoch | 0.9243 / 0.9246 / 0.9244 | 0.9244 | | | | 15-20 |
| mix, share 0.9 | 0.9238 / 0.9246 / 0.9242 | 0.9242 | | | | |
| judges_1_2 | 0.9258 / 0.9254 / 0.9242 | 0.9251 | 0.9248 / 0.9249 | 0.9247 / 0.9244 / 0.9240 | 0.9248 (8) | 10-15 |
| judges_2_2 | 0.9255 / 0.9241 / 0.9242 | 0.9246 | | 0.9244 / 0.9254 / 0.9253 | 0.9248 (6) | 14-23 |
| judges_1_3 | 0.9247 / 0.9240 / 0.9235 | 0.9241 | | 0.9237 / 0.9251 / 0.9246 | 0.9243 (6) | 13-16 |
| judges_2_2_ema99 | 0.9261 / 0.9241 / 0.9244 | 0.9249 | | 0.9237 / 0.9252 / 0.9253 | 0.9248 (6) | 12-16 |
| default | 0.9261 / 0.9251 / 0.9244 | 0.9252 | 0.9252 / 0.9252 | 0.9253 / 0.9247 / 0.9252 | 0.9252 (8) | 10-16 |
| default_e20 | 0.9260 / 0.9254 / 0.9247 | 0.9254 | | 0.9252 / 0.9253 / 0.9253 | 0.9253 (6) | 12-13 |
| default_ema995 | 0.9261 / 0.9253 / 0.9243 | 0.9252 | | 0.9260 / 0.9251 / 0.9253 | 0.9253 (6) | 10-13 |
| default_lr6 | 0.9263 / 0.9256 / 0.9249 | 0.9256 | 0.9253 / 0.9252 | 0.9254 / 0.9254 / 0.9263 | 0.9256 (8) | 10-12 |
| default_lr8 | 0.9261 / 0.9240 / 0.9247 | 0.9249 | | 0.9254 / 0.9253 / 0.9259 | 0.9252 (6) | 9-12 |
| default_lr6_ema995 | 0.9261 / 0.9256 / 0.9249 | 0.9255 | | 0.9250 / 0.9256 / 0.9262 | 0.9256 (6) | 10-10 |

zstd: standardised z (mean / std, no clipping) beside the tree bins, instead of the robust smooth-clipped z;
zstd_clip: the same, smooth-clipped at 3; ema99 / ema995: a moving average of the weights (decay 0.99 / 0.995 a
step) judged and kept; swa_epoch: the mean of each epoch's steps instead; mix: the large-table networks' and the
64-32 networks' (two fits) test log-odds blended 0.9 / 0.1, the best fixed share of 1, 0.9, 0.75, 0.5, 0 chosen on
the test rows themselves (an upper bound; the others all read lower); judges_j_k: j judges and k kept networks
(below), weights as trained; default: the new default, 1 judge + 2 kept networks, ema99.

The judges (`LargeTable.judges`): the kept networks train on the training and the validation rows (15% more rows),
at the epoch that one more network, trained without the validation rows, chooses on them (with the blend and the
threshold); all three in the one program (a row mask per member, `recipe_networks.judged_rows`). With the moving
average the new default is at or above "before" on each of the 8 seeds (+0.0007 on average, +0.0024 on seed 0),
in about the same fit time (the judge replaces one of the three networks; the kept ones read 18% more rows).
Neither idea alone is clear of the seed-to-seed spread (+-0.0005): the judges +0.0003 on average over 8 seeds, the
average +0.0001 over 6. Standardised z beside the bins and the 64-32 networks in the blend did not help.

On top of the new default (default_*: 20 epochs, decay 0.995, learning rate 6e-3 or 8e-3 instead of 4e-3), only
the learning rate 6e-3 moved: +0.0004 over 8 seeds, at or above the default on each. It is not taken into the
library: it was chosen on Adult's test rows, within what a setting moves from seed to seed, like the 20 settings of
prototype_adult's table. Tried on the other tables at the same time (a patched `recipe`, not kept; the 8 tables
read 0.9116 with the new default): the same judges on credit default's two 64-32 networks (1 judge + 2) 0.7815
against 0.7825; the moving average (0.99) on every table 0.9117 (titanic +0.0011, pima -0.0019, heart +0.0015,
credit -0.0008; 33 s); standardised z beside the bins on the 8 tables 0.9114, smooth-clipped 0.9116; on the six
bagged tables, 4 more networks trained on all the rows beside the 8 bagged ones (kept alone, or all 12) 0.9308 /
0.9306 against 0.9307, 8 more 0.9299.

    python -m benchmarks.accuracy.prototype_large --variants before,default --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import contextlib
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np


@contextlib.contextmanager
def _numeric(clip: bool):
    """Standardised z (mean, 1 / std) beside the tree bins, instead of the robust (median / IQR) z; smooth clipping
    kept or not."""
    from twoclass.data import numeric

    robust, smooth = numeric.robust_scale, numeric.smooth_clip

    def standard(x):
        center, std = x.mean(axis=0), x.std(axis=0)
        return center, np.where(std > 0, 1.0 / np.where(std > 0, std, 1.0), 0.0)

    numeric.robust_scale = standard
    if not clip:
        numeric.smooth_clip = lambda z: z
    try:
        yield
    finally:
        numeric.robust_scale, numeric.smooth_clip = robust, smooth


@contextlib.contextmanager
def _nothing():
    yield


@contextlib.contextmanager
def _large(**changes):
    """`recipe.LARGE` and `recipe.INGREDIENTS` with ``changes`` (fields of `recipe.LargeTable` or
    `recipe.Ingredients`)."""
    from twoclass.estimator import recipe

    large, parts = recipe.LARGE, recipe.INGREDIENTS
    recipe.INGREDIENTS = parts._replace(**{k: v for k, v in changes.items() if k in parts._fields})
    recipe.LARGE = large._replace(**{k: v for k, v in changes.items() if k not in parts._fields})
    try:
        yield
    finally:
        recipe.LARGE, recipe.INGREDIENTS = large, parts


VARIANTS = {
    "default": _nothing,
    "before": lambda: _large(refit=False, averaging=False),
    "zstd": lambda: _numeric(False),
    "zstd_clip": lambda: _numeric(True),
    "ema99": lambda: _large(refit=False),
    "ema995": lambda: _large(refit=False, average=0.995),
    "swa_epoch": lambda: _large(refit=False, average=1.0),
    "judges_1_2": lambda: _large(averaging=False),
    "judges_2_2": lambda: _large(judges=2, averaging=False),
    "judges_1_3": lambda: _large(networks=3, averaging=False),
    "judges_2_2_ema99": lambda: _large(judges=2),
    "default_e20": lambda: _large(epochs=20),
    "default_ema995": lambda: _large(average=0.995),
    "default_lr6": lambda: _large(learning_rate=6e-3),
    "default_lr8": lambda: _large(learning_rate=8e-3),
    "default_lr6_ema995": lambda: _large(learning_rate=6e-3, average=0.995),
}


def mix(task, train, test, seed) -> None:
    """Idea 3 (an upper bound: the shares are not chosen on validation rows): the large-table networks' and the
    64-32 networks' test log-odds averaged with fixed shares."""
    import warnings

    from sklearn.metrics import roc_auc_score

    from twoclass import TwoClassClassifier
    from twoclass.estimator import recipe

    z = {}
    for large in (True, False):
        recipe.INGREDIENTS = recipe.INGREDIENTS._replace(large_table=large)
        try:
            model = TwoClassClassifier(column_types=task.column_types, random_state=seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(task.frame.iloc[train], task.y[train])
                p = np.clip(model.predict_proba(task.frame.iloc[test])[:, 1], 1e-7, 1 - 1e-7)
        finally:
            recipe.INGREDIENTS = recipe.INGREDIENTS._replace(large_table=True)
        z[large] = np.log(p / (1 - p))
    for share in (1.0, 0.9, 0.75, 0.5, 0.0):
        auc = roc_auc_score(task.y[test], share * z[True] + (1 - share) * z[False])
        print(f"mix seed {seed}: large share {share}: AUC {auc:.4f}", flush=True)


def main() -> None:
    from .ablation import fit_fold
    from .prototype_adult import _task_and_folds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="default")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default="adult")
    args = parser.parse_args()
    task, folds = _task_and_folds(args.only, None)
    for name in args.variants.split(","):
        aucs, times = [], []
        if name == "mix":
            for seed in [int(s) for s in args.seeds.split(",")]:
                mix(task, *folds[0], seed)
            continue
        for seed in [int(s) for s in args.seeds.split(",")]:
            for train, test in folds:
                with VARIANTS[name]():
                    fit = fit_fold(task, train, test, seed, {})
                r = fit.recipe or {}
                print(
                    f"{name} seed {seed}: AUC {fit.roc_auc:.4f} fit {fit.seconds:.1f} s best epoch "
                    f"{r.get('best_epoch')}/{r.get('epochs')} kept {fit.kept} ({r.get('network_share')})",
                    flush=True,
                )
                aucs.append(fit.roc_auc)
                times.append(fit.seconds)
        print(
            f"== {name}: {' / '.join(f'{a:.4f}' for a in aucs)} mean {np.mean(aucs):.4f}; fit s best "
            f"{min(times):.1f} median {np.median(times):.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
