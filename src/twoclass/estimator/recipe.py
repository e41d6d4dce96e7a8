"""The tabular recipe of TwoClassClassifier (recipe='auto'): what it trains, how big, and what it keeps.

1. Preprocessing with ``numeric_encoding='binned'`` (`twoclass.data.numeric`): robust scaling with smooth clipping,
   and piecewise-linear bins chosen per column by a small tree; categorical one-hot and TF-IDF text as before, the
   text kept sparse.
2. A logistic regression on those features (`engine.ensemble.fit_linear`, L-BFGS, scikit-learn's C=1).
3. ``n_networks`` networks, each that logistic regression plus an MLP whose output starts at zero, trained together
   in one compiled program (`engine.ensemble.train_ensemble`): shared minibatches, mean of the members' losses,
   flat-cosine learning rate, the epoch whose mean log-odds had the lowest validation loss, and a stopping rule
   tied to that epoch (training stops once the epochs since the best outnumber half of those up to it, and 4: on the
   small tables the best comes at epoch 5-20 of 64, so most of the fit time goes, and no ROC AUC). On dense rows
   the logistic regression(s) of step 2 and this training are one compiled program
   (`engine.ensemble.fit_and_train_ensemble`).
   Under `BAGGING_ROWS` rows, cross-validation bagging: the validation rows go back in, every row gets a fold (4,
   stratified), member m trains on the rows outside fold m % 4, and the epoch, the guard and the threshold are
   chosen on out-of-fold log-odds (each row judged by the members that never saw it, the logistic regression it is
   compared with fitted without its fold). A 15% split of 300 rows is 45 rows to choose by; out of fold it is 300,
   and every row trains three quarters of the members. The kept networks are the mean of all members.
4. The guard: on the validation rows, the share ``a`` of the networks' contribution in
   ``a * networks + (1 - a) * logistic regression`` (a in 0, 1/4, ..., 1) with the lowest loss is kept; a = 0 keeps
   the logistic regression alone. ``recipe_`` says which, with both models' validation figures, and `inspect` and the
   report show them.
5. Two views, on a bagged table with numeric columns (`_two_views`): steps 2-4 run twice, once on the binned
   features and once with the numeric columns standardised instead of binned (the preprocessing keeps standardised
   copies beside the bins: ``numeric_encoding='binned+standard'``, `Preprocessor.view_features`), each view with
   its own logistic regression, networks, best epoch and blend; the two programs run side by side on the 2 cores.
   The model is the mean of the two views' log-odds, unless the binned view's guard kept its logistic regression
   alone or the mean's out-of-fold loss is above that logistic regression's (then the binned view alone). The
   networks see the columns in two ways and err differently: on the six small tables of issue 13, ROC AUC summed
   over the six +0.005 to +0.007 on each of three sets of seeds (8-table mean 0.9116 -> 0.9123), and on the 12
   published tables of `benchmarks/accuracy/independent.py` 0.8487 -> 0.8499 (both views on every table; up on 7,
   down on 4). Cheaper forms gained nothing: 4 networks in the second view (+0.0002 on the six), or the 16 networks
   of both views in one program with a best epoch and a blend for each half (below the recipe); on the 15% split
   (credit default) the second view lost (0.7810 against 0.7825). It costs a second program beside the first:
   Titanic's fit 0.32 -> 0.37 s in a warm process, `twoclass train titanic.csv` 1.90 -> 1.98 s (BENCHMARKS.md).
6. The result is one network of Dense layers: the members side by side (block-diagonal below the first layer; with
   two views, each view's first layer reading its own columns), the linear path carried through the ReLU layers as
   the pair relu(z), relu(-z) and added back at the output (relu(z) - relu(-z) = z). Saving, loading without JAX,
   ONNX and serving need nothing new but the standardised copies in the numeric preprocessing.

Large tables (`LARGE_ROWS` training rows and up, dense features, the estimator's network settings left at their
defaults) get another network (`LargeTable`, MLP-T-LR style, Gorishniy et al. 2022): each source column's block of
features (its z and tree bins, or its one-hot levels; `column_groups`) goes through its own Dense(16) + ReLU, then a
ReLU layer of 256, dropout 0.3, AdamW (learning rate 4e-3, weight decay 1e-2), batch 256, 16 epochs; 3 networks,
trained in the same one program, with the same linear path, guard and blend. One of them is a judge
(`LargeTable.judges`): it trains on the training rows alone, and its validation loss chooses the epoch (one for all
three), the blend and the threshold; the two kept networks train on the validation rows too (a row mask per member,
`judged_rows`), blended with the logistic regression of all the rows. The weights judged and kept are a moving
average of every step's (decay 0.99, `EnsemblePlan.average`). Together +0.0007 ROC AUC on Adult over 8 seeds, at or
above the three networks on every seed, in about the same time (`benchmarks/accuracy/prototype_large.py`; alone,
neither is clear of the seeds' spread). The embedding layer is one Dense layer
whose kernel the program multiplies by a 0/1 block mask (`embedding_mask`, an input of the program), folded into
the kernel after training (`engine.ensemble.folded`), so the saved model is plain Dense layers as in 5.
Measured on Adult's official split (27,700 training rows; seeds 0, 1, 2; 2-core machine, shared): ROC AUC 0.9237 /
0.9247 / 0.9243 against 0.9189 / 0.9188 / 0.9187 for the MLP, in 9-13 s a fit against 1-5 s; with the judge and the
moving average 0.9261 / 0.9251 / 0.9244. The rule's 25,000
rows come from the time budget of issue 13 (the eight tables' fits in 30 s, 9 s of which the six small tables
take): the large network costs about 0.4 ms per training row, so one fit on Adult (27,700 rows) is 10 s, but the
five folds of credit default (30,000 rows: 20,400 training rows a fold) took 9-14 s each, 60 s in all, for ROC AUC
0.7831 against 0.7813 (1.7 s a fold; under issue 13's protocol credit default is a 20,000-row subsample, 13,600
training rows a fold). Tables whose folds have fewer than 25,000 training rows keep the MLP.
Candidates measured: ``benchmarks/accuracy/prototype_adult.py --engine``.

Sizes come from a compute budget of rows x epochs x networks (`recipe_sizes`): a few hundred rows get 8 networks
and up to 64 epochs, 15,000 rows two networks of 13 epochs, so small tables get the ensemble that steadies them and
large ones stay fast. Never fewer than two networks (`MIN_NETWORKS`): for the same budget, two networks of half the
epochs beat one (credit default, 20,000-row protocol: ROC AUC 0.7825 against 0.7789; the guard kept the networks in
4 folds of 5 against 2) (issue 13; the measurements are in BENCHMARKS.md's accuracy section). Bagging rounds
the networks to whole rounds of the folds (8).

Measured and not kept (BENCHMARKS.md): periodic (PBLD) numeric embeddings, RealMLP's learnable input scale with its
own learning rate, bagging above 2,000 rows, more epochs on Adult and credit, more than 3 networks of 64-32 on Adult
(or more than one of them: 0.9174 with two against 0.9189 with one): none moved ROC AUC up.

Example:
    >>> recipe_sizes(700, auto_epochs=True, auto_batch=True, auto_members=True)
    RecipeSizes(batch_size=32, epochs=64, networks=8)
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from twoclass.estimator.inputs import FitRows, weighted_by_class

# The module keeps the recipe's settings (INGREDIENTS, LARGE, the sizes' constants), every function that reads them
# (ablation.py and the tests replace them here at run time) and the fit; the features are in `recipe_features`,
# the NumPy side of the networks in `recipe_networks`. Every name stays importable from here.
from twoclass.estimator.recipe_features import LINEAR_L2 as LINEAR_L2
from twoclass.estimator.recipe_features import _logistic_regression as _logistic_regression
from twoclass.estimator.recipe_features import _padded_rows as _padded_rows
from twoclass.estimator.recipe_features import _quietly as _quietly
from twoclass.estimator.recipe_features import _rows as _rows
from twoclass.estimator.recipe_features import _times as _times
from twoclass.estimator.recipe_features import column_groups as column_groups
from twoclass.estimator.recipe_features import embedding_mask as embedding_mask
from twoclass.estimator.recipe_features import padded_width as padded_width
from twoclass.estimator.recipe_networks import BLEND_SHARES as BLEND_SHARES
from twoclass.estimator.recipe_networks import ViewPart as ViewPart
from twoclass.estimator.recipe_networks import _loss as _loss
from twoclass.estimator.recipe_networks import _mean_linear as _mean_linear
from twoclass.estimator.recipe_networks import bagging_folds as bagging_folds
from twoclass.estimator.recipe_networks import best_share as best_share
from twoclass.estimator.recipe_networks import in_columns as in_columns
from twoclass.estimator.recipe_networks import judged_rows as judged_rows
from twoclass.estimator.recipe_networks import member_logits as member_logits
from twoclass.estimator.recipe_networks import member_parts as member_parts
from twoclass.estimator.recipe_networks import members_of as members_of
from twoclass.estimator.recipe_networks import merged_network as merged_network
from twoclass.estimator.recipe_networks import merged_views as merged_views
from twoclass.estimator.recipe_networks import placed_columns as placed_columns

BUDGET = 400_000  # rows x epochs x networks of one fit
MIN_NETWORKS, MAX_NETWORKS = 2, 8
MIN_EPOCHS, MAX_EPOCHS = 12, 64
SPARSE_BUDGET, SPARSE_EPOCHS = 40_000, (4, 10)
RECIPE_OPTIMIZERS = ("adam", "adamw")
BAGGING_ROWS = 2_000  # below this many rows (training + validation), cross-validation bagging
BAGGING_FOLDS = 4
LARGE_ROWS = 25_000  # from this many training rows (dense features), the large-table network (`LargeTable`)


class LargeTable(NamedTuple):
    """The network of large tables (`large_table`): a per-column embedding layer (each source column's features ->
    its own Dense(``embed``) + ReLU), then ``hidden`` ReLU layers, with the logistic regression's linear path, the
    guard and the blend as on every table."""

    embed: int = 16  # embedding units per source column
    hidden: tuple[int, ...] = (256,)
    networks: int = 2  # the networks kept; with validation rows they train on them too (`judges`)
    judges: int = 1  # networks trained without the validation rows, whose validation loss chooses for all
    epochs: int = 16
    batch_size: int = 256
    dropout: float = 0.3  # after the hidden layers, not the embedding
    learning_rate: float = 4e-3
    weight_decay: float = 1e-2  # AdamW's, on the kernels
    average: float = 0.99  # the weights judged and kept: a moving average, this decay a step (`EnsemblePlan.average`)


LARGE = LargeTable()
# the estimator's parameters whose defaults the large-table network replaces (a user who sets any of them to
# another value gets the MLP of ``hidden_layer_sizes``, as on smaller tables)
LARGE_REPLACES = ("hidden_layer_sizes", "learning_rate", "l2", "dropout")


class Ingredients(NamedTuple):
    """The recipe's parts, each of which can be switched off for the ablation in BENCHMARKS.md
    (``benchmarks/accuracy/ablation.py`` replaces `INGREDIENTS`); users change none of them."""

    numeric_encoding: str = "binned"  # or "robust", "standard"
    views: bool = True  # bagged tables with numeric columns: binned and standardised views, averaged (step 5)
    linear_start: str = "mixed"  # members' linear paths start from the logistic regression ('fitted'), at zero
    # ('zero'), or half each way ('mixed'; one network: fitted)
    guard: bool = True  # keep the logistic regression or a blend when the networks' validation loss is not lower
    ensemble: bool = True  # n_networks='auto' trains 2 to 8 networks (else 1)
    schedule: str = "flat_cosine"  # or "constant"
    best_epoch: bool = True  # keep the epoch with the lowest validation loss (else the last)
    bagging: bool = True  # under BAGGING_ROWS rows: members trained on folds, chosen on out-of-fold rows
    stop: bool = True  # stop training once the validation loss has not improved for half as many epochs as it took
    large_table: bool = True  # from LARGE_ROWS rows, the per-column embedding network (`LargeTable`)
    refit: bool = True  # large tables: the kept networks train on the validation rows too, `LargeTable.judges` not
    averaging: bool = True  # large tables: a moving average of the weights is judged and kept (`LargeTable.average`)


INGREDIENTS = Ingredients()


class RecipeSizes(NamedTuple):
    batch_size: int
    epochs: int
    networks: int


def large_table(settings: Any, n_rows: int, sparse: bool) -> LargeTable | None:
    """`LARGE` for a dense table of at least `LARGE_ROWS` training rows whose `LARGE_REPLACES` settings are the
    estimator's defaults; None otherwise.

    Example:
        >>> from twoclass import TwoClassClassifier
        >>> large_table(TwoClassClassifier(), 30_000, sparse=False) == LARGE
        True
        >>> large_table(TwoClassClassifier(hidden_layer_sizes=(32,)), 30_000, sparse=False) is None
        True
    """
    from twoclass.estimator.params import PARAMETERS

    if sparse or n_rows < LARGE_ROWS or not INGREDIENTS.large_table:
        return None
    defaults = {p.name: p.default for p in PARAMETERS if p.name in LARGE_REPLACES}
    chosen = {name: getattr(settings, name) for name in LARGE_REPLACES}
    chosen["hidden_layer_sizes"] = tuple(chosen["hidden_layer_sizes"])
    return LARGE if chosen == defaults else None


def recipe_applies(settings: Any) -> bool:
    """recipe='auto' with what the recipe is built from: ReLU layers (the linear path rides through them as
    relu(z) - relu(-z)) and Adam; any other choice trains the plain Keras-style networks."""
    return settings.recipe == "auto" and settings.activation == "relu" and settings.optimizer in RECIPE_OPTIMIZERS


def batch_size_for(n_rows: int) -> int:
    """About 10 to 100 minibatches an epoch: 32 rows under 1,000 rows, 64 under 3,000, 128 under 10,000, else 256."""
    for limit, size in ((1_000, 32), (3_000, 64), (10_000, 128)):
        if n_rows < limit:
            return size
    return 256


def recipe_sizes(
    n_rows: int,
    *,
    auto_epochs: bool,
    auto_batch: bool,
    auto_members: bool,
    epochs: int = 0,
    batch_size: int = 0,
    networks: int = 0,
    sparse: bool = False,
    large: LargeTable | None = None,
) -> RecipeSizes:
    """Batch size, epochs and networks for ``n_rows`` training rows; the ones given (not auto) are kept, the others
    fill the budget of rows x epochs x networks: networks first (as many as can have 40 epochs each, 2 to 8), then
    epochs (12 to 64). The large-table network (``large``, `large_table`) has sizes of its own.

    Sparse (text) inputs get one network and `SPARSE_BUDGET`: there a step's cost is the update of a
    vocabulary-wide first layer (20,000 x 64 weights), not the rows, and the logistic regression on TF-IDF already
    holds most of what there is to learn (measured: 8 networks took 270 s for the sentiment folds, one 20 s)."""
    if large is not None:  # the networks kept, and the judges (`train_recipe`) beside them
        return RecipeSizes(
            large.batch_size if auto_batch else batch_size,
            large.epochs if auto_epochs else epochs,
            ((large.networks if INGREDIENTS.ensemble else 1) if auto_members else networks) + large.judges,
        )
    size = batch_size_for(n_rows) if auto_batch else batch_size
    if auto_members:
        networks = (
            1
            if sparse or not INGREDIENTS.ensemble
            else int(np.clip(BUDGET // (n_rows * 40), MIN_NETWORKS, MAX_NETWORKS))
        )
    if auto_epochs:
        budget, low, high = (
            (SPARSE_BUDGET, SPARSE_EPOCHS[0], SPARSE_EPOCHS[1]) if sparse else (BUDGET, MIN_EPOCHS, MAX_EPOCHS)
        )
        epochs = int(np.clip(budget // (n_rows * networks), low, high))
    return RecipeSizes(size, epochs, networks)


# ------------------------------------------------------------------------------------------------ fit


class Features(NamedTuple):
    """One fit's rows, preprocessed (`_features`)."""

    preprocessor: Any
    train: np.ndarray  # the rows the networks train on (bagged: every row)
    val: np.ndarray | None  # the rows that judge them (bagged: every row, each judged out of fold)
    bagged: bool
    sparse: bool  # TF-IDF columns, kept sparse into the first layer
    x_train: Any
    x_val: Any
    row_weight: np.ndarray  # every row's weight, class weights included
    width: int  # the programs' input width (`padded_width`)
    nonzeros: int  # sparse rows: the longest row's non-zeros, rounded up to a power of two (dense: 0)
    judged: bool  # the held-out rows choose the epoch (validation rows, early_stopping and best_epoch)

    @property
    def held(self) -> np.ndarray:
        """The rows the guard, the threshold and the figures are chosen on: the validation rows, else the training
        rows (bagged, the two are the same rows)."""
        return self.val if self.val is not None else self.train


def _features(settings: Any, rows: FitRows, array_input: bool, parts: Ingredients) -> Features:
    from twoclass.data import Preprocessor

    frame, y01, train, val = rows.frame, rows.y01, rows.train, rows.val
    kinds = {name: "numeric" for name in frame.columns} if array_input else settings.column_types
    # Cross-validation bagging folds the validation rows back in: every row trains some members and judges the others.
    # Text stays on the split (one network), which the fitted column kinds tell; the preprocessing is fitted on the
    # rows the networks will train on, so a small numeric table fits it once.
    candidate = (
        parts.bagging
        and val is not None
        and bool(settings.hidden_layer_sizes)
        and settings.n_networks == "auto"
        and len(train) + len(val) < BAGGING_ROWS
    )
    every_row = np.sort(np.concatenate([train, val])) if candidate else train
    # bagged: the standardised copies beside the bins, for the second view (`_two_views`)
    two_views = candidate and parts.views and parts.numeric_encoding == "binned"
    preprocessor = Preprocessor(kinds, numeric_encoding="binned+standard" if two_views else parts.numeric_encoding)
    preprocessor.fit(frame.iloc[every_row], y=y01[every_row], target_name=rows.target_name)
    sparse = bool(preprocessor.column_types_.columns("text"))  # TF-IDF: keep it sparse into the first layer
    bagged = candidate and not sparse
    if candidate and sparse:  # a small text table: its vocabulary from the training rows alone
        preprocessor = Preprocessor(kinds, numeric_encoding=parts.numeric_encoding)
        preprocessor.fit(frame.iloc[train], y=y01[train], target_name=rows.target_name)
    if bagged:
        train = val = every_row
    if settings.verbose:
        for notice in preprocessor.notices_:
            print(notice)
    x_train = _quietly(preprocessor, frame.iloc[train], sparse)
    # bagged, the validation rows are the training rows: their features are the same matrix, not computed again
    x_val = None if val is None else x_train if bagged else _quietly(preprocessor, frame.iloc[val], sparse)
    nonzeros = 0
    if sparse:  # the longest row, rounded up to a power of two (>= 16): one program for every fold of a corpus
        longest = max(int(np.diff(x.indptr).max(initial=0)) for x in ([x_train] if x_val is None else [x_train, x_val]))
        nonzeros = 1 << max(longest - 1, 15).bit_length()
    width = padded_width(preprocessor.n_features_out_, sparse)
    return Features(
        preprocessor,
        train,
        val,
        bagged,
        sparse,
        x_train,
        x_val,
        weighted_by_class(rows, train, settings.class_weight),
        width,
        nonzeros,
        val is not None and settings.early_stopping and parts.best_epoch,
    )


class MemberRows(NamedTuple):
    """Which rows each member trains on and is judged on, and which logistic regression of the program its linear
    path starts from (`_member_rows`)."""

    linear_weights: np.ndarray  # (fits, rows): the row weights of each logistic regression fitted in the program
    member_fit: np.ndarray  # (members,): the fit each member's linear path starts from
    train_mask: np.ndarray | None  # (padded rows, members): 1 where a member trains on a row; None: on every row
    judge_mask: np.ndarray | None  # (held-out rows, members): 1 where a member judges a row; None: every member
    fold: np.ndarray | None  # bagging: each row's fold (fit 1 + f is the logistic regression without fold f)
    judges: np.ndarray | None  # large tables: 1 for the members that judge, 0 for the kept ones (`judged_rows`)


def _member_rows(features: Features, train_weight: np.ndarray, y01: np.ndarray, networks: int, judges: int, seed: int):
    """Every member on every row, judged on the validation rows (one logistic regression, fit 0); or bagging's folds;
    or a large table's judges."""
    if features.bagged:
        # member m trains on the rows outside fold m % folds; a row is judged by the members that never saw it,
        # and the logistic regression it is compared with is the one fitted without its fold (out-of-fold figures):
        # fit 0 on all the rows (the baseline kept), fit 1 + f without fold f (member m starts from 1 + m % folds)
        fold = bagging_folds(y01[features.train], BAGGING_FOLDS, seed)
        member_fold = np.arange(networks) % BAGGING_FOLDS
        out_of_fold = (fold[:, None] == member_fold[None, :]).astype(np.float32)
        train_mask = _padded_rows(1.0 - out_of_fold, len(train_weight))
        # member f < folds trains without fold f: its rows are logistic regression 1 + f's
        linear_weights = np.stack([train_weight] + [train_weight * train_mask[:, f] for f in range(BAGGING_FOLDS)])
        member_fit = (1 + member_fold).astype(np.int32)
        return MemberRows(linear_weights, member_fit, train_mask, out_of_fold, fold, None)
    if judges:  # fit 0 on the training rows (the judges' and the guard's), fit 1 on all of them (the kept one's)
        judged = judged_rows(train_weight, len(features.train), judges, networks)
        judge_mask = np.repeat(judged.judges[None, :], len(features.val), axis=0)
        return MemberRows(judged.linear_weights, judged.member_fit, judged.train_mask, judge_mask, None, judged.judges)
    return MemberRows(train_weight[None], np.zeros(networks, np.int32), None, None, None, None)


class Blend(NamedTuple):
    """The guard's choice on the held-out rows (`_blend`)."""

    share: float  # of the networks, the rest the logistic regression's (0: the logistic regression alone)
    losses: dict[float, float]  # validation log loss by share
    z_baseline: np.ndarray  # the logistic regression's log-odds on the held-out rows
    z_networks: np.ndarray | None  # the networks' (mean MLP plus linear path; bagged: out of fold)

    @property
    def z_kept(self) -> np.ndarray:
        """The log-odds of the blend kept, on the held-out rows."""
        if self.share == 0.0:
            return self.z_baseline
        return self.share * self.z_networks + (1 - self.share) * self.z_baseline


def _blend(
    parts: Ingredients, features: Features, params: dict, hidden: tuple[int, ...], fits, members: MemberRows, held
) -> Blend:
    """The logistic regression's and the networks' log-odds on the held-out rows (bagged: each row's from the fits
    and members that never saw it) and the share of the networks with the lowest loss (`best_share`)."""
    kernels, biases = fits
    held_x, y_held, w_held = held
    d = held_x.shape[1]  # the view's features (`_view_features`)
    if members.fold is None:
        z_baseline = _times(held_x, kernels[0][:d]) + float(biases[0])
    else:  # each row's logistic regression is the one fitted without its fold
        z_baseline = np.zeros(len(features.train))
        for f in range(BAGGING_FOLDS):
            in_fold = members.fold == f
            z_baseline[in_fold] = _times(features.x_train[in_fold], kernels[1 + f][:d]) + float(biases[1 + f])
    losses = {0.0: _loss(z_baseline, y_held, w_held)}
    if not hidden:
        return Blend(0.0, losses, z_baseline, None)
    if members.fold is None:
        mlp, linear = member_parts(params, hidden, held_x)
    else:  # out of fold: each row's log-odds from the members that held it out
        z_members = member_logits(params, hidden, held_x)
        judging = members.judge_mask
        mlp = np.sum(z_members * judging, axis=1) / np.maximum(judging.sum(axis=1), 1.0)
        linear = np.zeros_like(mlp)
    if features.val is not None and parts.guard:
        share, losses = best_share(mlp, linear, z_baseline, y_held, w_held)
        return Blend(share, losses, z_baseline, mlp + linear)
    # no guard, or no rows to judge by: the networks are kept as trained
    return Blend(1.0, {1.0: _loss(mlp + linear, y_held, w_held), **losses}, z_baseline, mlp + linear)


def _sizes(settings: Any, n_rows: int, sparse: bool, large: LargeTable | None, bagged: bool) -> RecipeSizes:
    """`recipe_sizes` with the estimator's settings ('auto' or a number each); bagged, the networks in whole rounds
    of the folds."""
    sizes = recipe_sizes(
        n_rows,
        auto_epochs=settings.epochs == "auto",
        auto_batch=settings.batch_size == "auto",
        auto_members=settings.n_networks == "auto",
        epochs=0 if settings.epochs == "auto" else settings.epochs,
        batch_size=0 if settings.batch_size == "auto" else settings.batch_size,
        networks=0 if settings.n_networks == "auto" else settings.n_networks,
        sparse=sparse,
        large=large,
    )
    if bagged:
        sizes = sizes._replace(networks=BAGGING_FOLDS * max(1, round(sizes.networks / BAGGING_FOLDS)))
    return sizes


class Network(NamedTuple):
    """The members' shape and optimizer numbers (`_network`): the estimator's, or the large-table network's."""

    hidden: tuple[int, ...]
    first_mask: np.ndarray | None  # the large-table network's embedding mask (features, embed)
    dropout: float
    learning_rate: float
    weight_decay: float
    average: float  # the weights judged and kept: 0 as trained, else a moving average (`EnsemblePlan.average`)


def _network(settings: Any, parts: Ingredients, large: LargeTable | None, features: Features) -> Network:
    if large is None:
        return Network(
            tuple(settings.hidden_layer_sizes), None, settings.dropout, settings.learning_rate, settings.l2, 0.0
        )
    preprocessor = features.preprocessor
    groups = column_groups(list(preprocessor.feature_names_out_), preprocessor.required_columns_)
    return Network(
        large.hidden,
        embedding_mask(groups, features.width, large.embed),
        large.dropout,
        large.learning_rate,
        large.weight_decay,
        large.average if parts.averaging else 0.0,
    )


class Trained(NamedTuple):
    """What the one compiled program gives back (`_trained`)."""

    fits: tuple[list, list]  # the kernels and biases of the logistic regression(s) (`MemberRows.linear_weights`)
    params: dict  # the members' weights, the embedding mask multiplied in ({} without hidden layers)
    hidden: tuple[int, ...]  # the members' layer widths, from here on (the embedding's first)
    best_epoch: int
    curve: np.ndarray  # (epochs, 2): training and validation loss; NaN for the epochs the stopping rule skipped


def _trained(
    parts: Ingredients,
    features: Features,
    sizes: RecipeSizes,
    network: Network,
    members: MemberRows,
    train_rows: Any,
    batch: int,
    y01: np.ndarray,
    seed: int,
) -> Trained:
    """The logistic regression(s) and the networks: on dense rows with networks one compiled program (one executable
    for a new process to load, not two), with the same steps and numbers as fitting them one after the other."""
    from twoclass.engine.ensemble import (
        EnsemblePlan,
        Masks,
        eval_rows,
        fit_and_train_ensemble,
        fit_linear,
        folded,
        initial_params,
        layer_widths,
        train_ensemble,
    )

    train, val, width, sparse = features.train, features.val, features.width, features.sparse
    hidden, first_mask = network.hidden, network.first_mask
    joint = bool(hidden) and not sparse
    if not joint:
        kernel, bias = (
            _logistic_regression(features.x_train, y01[train], features.row_weight[train], width)
            if sparse
            else fit_linear(train_rows, width, sparse, LINEAR_L2)
        )
        if not hidden:
            return Trained(([kernel], [bias]), {}, hidden, 0, np.zeros((0, 2)))
    plan = EnsemblePlan(
        width,
        hidden,
        sizes.networks,
        batch,
        sizes.epochs,
        sparse,
        float(network.dropout),
        parts.schedule,
        parts.stop,
        0 if first_mask is None else first_mask.shape[1],
        network.average,
    )
    # 'mixed': every other member (bagging: every other round of the folds, so each fold has both kinds)
    rounds = np.arange(sizes.networks) // (BAGGING_FOLDS if features.bagged else 1)
    fitted = {"fitted": True, "zero": False}.get(parts.linear_start, rounds % 2 == 0)
    val_rows, val_mask = None, None
    if features.judged:
        row_weight = features.row_weight
        val_rows = _rows(features.x_val, y01[val], row_weight[val], eval_rows(len(val)), width, features.nonzeros)
        if members.judge_mask is not None:
            val_mask = _padded_rows(members.judge_mask, len(val_rows.weight))
    masks = Masks(members.train_mask, val_mask, first_mask)
    numbers = (seed, network.learning_rate, network.weight_decay)
    if joint:
        kernels, biases, params, best_epoch, curve = fit_and_train_ensemble(
            plan,
            # the linear paths come from the fits
            initial_params(plan, np.zeros(width), 0.0, seed, fitted, first_mask),
            train_rows,
            val_rows,
            *numbers,
            LINEAR_L2,
            members.linear_weights,
            members.member_fit,
            fitted,
            masks=masks,
        )
        fits = (kernels, biases)
    else:
        params, best_epoch, curve = train_ensemble(
            plan,
            initial_params(plan, kernel, bias, seed, fitted, first_mask),
            train_rows,
            val_rows,
            *numbers,
            masks=masks,
        )
        fits = ([kernel], [bias])
    # the embedding layer's mask multiplied into its kernel: from here on it is a plain first layer, and the
    # members' widths are the embedding's and the hidden layers'
    return Trained(fits, folded(params, plan, first_mask), layer_widths(plan), best_epoch, curve)


class ViewFit(NamedTuple):
    """One view's fit (`_fit_view`): the program's result, the guard's blend, and what the merged network keeps."""

    trained: Trained
    blend: Blend
    kept_params: dict  # the kept networks' weights ({} without hidden layers)
    baseline: tuple[np.ndarray, float]  # the logistic regression kept (kernel, bias)
    columns: list[int] | None  # the preprocessed features the view reads; None: all of them, in place


def _view_features(features: Features, columns: list[int], width: int) -> Features:
    """The features a view reads (``columns`` of the preprocessed ones), padded to ``width``: both views take the
    same width, so that they run the same compiled program."""
    x_train = features.x_train[:, columns]
    x_val = None if features.x_val is None else x_train if features.bagged else features.x_val[:, columns]
    return features._replace(x_train=x_train, x_val=x_val, width=width)


class ViewRows(NamedTuple):
    """One view's rows as its program reads them (`_view_rows`)."""

    features: Features
    train_rows: Any  # the engine's rows (`_rows`)
    members: MemberRows
    columns: list[int] | None  # as `ViewFit.columns`


def _view_rows(
    features: Features, sizes: RecipeSizes, batch: int, judges: int, rows: FitRows, columns: list[int] | None = None
) -> ViewRows:
    """The rows of one view of the features (``columns`` of them, already taken: `_view_features`), padded for its
    program, and which rows each member trains on."""
    from twoclass.engine.tables import bucket

    train, val = features.train, features.val
    fit_rows, x_fit = (
        (np.concatenate([train, val]), np.vstack([features.x_train, features.x_val]))
        if judges
        else (train, features.x_train)
    )
    train_rows = _rows(
        x_fit,
        rows.y01[fit_rows],
        features.row_weight[fit_rows],
        bucket(math.ceil(len(fit_rows) / batch)) * batch,
        features.width,
        features.nonzeros,
    )
    members = _member_rows(features, train_rows.weight, rows.y01, sizes.networks, judges, rows.seed)
    return ViewRows(features, train_rows, members, columns)


def _fit_view(
    parts: Ingredients,
    view: ViewRows,
    sizes: RecipeSizes,
    network: Network,
    batch: int,
    judges: int,
    rows: FitRows,
) -> ViewFit:
    """The logistic regression(s) and networks of one view of the features (`_trained`), and its guard (`_blend`)."""
    features, members, y01 = view.features, view.members, rows.y01
    trained = _trained(parts, features, sizes, network, members, view.train_rows, batch, y01, rows.seed)
    fits, params, hidden = trained.fits, trained.params, trained.hidden
    baseline, kept_params = (fits[0][0], float(fits[1][0])), params
    if judges:  # the judges' figures choose; the kept networks and the logistic regression of all the rows are kept
        kept_params = members_of(params, hidden[0], members.judges == 0)
        params = members_of(params, hidden[0], members.judges > 0)
        baseline = (fits[0][1], float(fits[1][1]))
    held_x = features.x_val if features.val is not None else features.x_train
    y_held, w_held = y01[features.held].astype(np.float64), features.row_weight[features.held]
    blend = _blend(parts, features, params, hidden, fits, members, (held_x, y_held, w_held))
    return ViewFit(trained, blend, kept_params, baseline, view.columns)


def _two_views(
    parts: Ingredients, features: Features, sizes: RecipeSizes, network: Network, batch: int, rows: FitRows
) -> tuple[ViewFit, ViewFit] | None:
    """Bagged tables with numeric columns: the recipe on the binned features and again on the standardised copies
    (each with the categories, indicators and text). None where there is one view.

    The binned view's program runs in a thread while this one prepares the standardised view's rows, then runs its
    program: the compiled programs run outside Python's lock, so the two share the 2 cores and the Python work of
    one overlaps the other's program (on the CPU, JAX runs two programs dispatched from one thread one after the
    other)."""
    import concurrent.futures
    import contextvars

    views = features.preprocessor.view_features() if parts.views and features.bagged else None
    if views is None:
        return None
    width = padded_width(max(len(columns) for columns in views))
    binned, standard = (_view_features(features, columns, width) for columns in views)
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="twoclass-view") as pool:
        first_rows = _view_rows(binned, sizes, batch, 0, rows, views.binned)
        # in the caller's context: a `DataParallel` scope (a context variable) holds for both views
        first = pool.submit(
            contextvars.copy_context().run, _fit_view, parts, first_rows, sizes, network, batch, 0, rows
        )
        second_rows = _view_rows(standard, sizes, batch, 0, rows, views.standard)
        second = _fit_view(parts, second_rows, sizes, network, batch, 0, rows)
        return first.result(), second


def train_recipe(settings: Any, rows: FitRows, array_input: bool) -> dict[str, Any]:
    """Fit the recipe on the training rows; the validation rows choose the epoch, the blend, the threshold and the
    calibration. Returns the estimator's fitted attributes (as `train_network` does).

    The phases: the features (`_features`), the networks' sizes (`_sizes`) and shape (`_network`), then for each
    view of the features (`_two_views`; one view on most tables) which rows each member trains and is judged on
    (`_member_rows`), the one compiled program (`_trained`: the logistic regression(s) and the networks) and the
    guard and blend (`_blend`), then the merged network, the threshold and the record of what was kept
    (`_describe`)."""
    from twoclass.engine.tables import bucket
    from twoclass.estimator.params import compile_network
    from twoclass.estimator.training import decide_on_held_out

    y01 = rows.y01
    parts = INGREDIENTS
    features = _features(settings, rows, array_input, parts)
    preprocessor, train, val = features.preprocessor, features.train, features.val
    bagged, sparse, row_weight = features.bagged, features.sparse, features.row_weight
    d = preprocessor.n_features_out_

    large = None if bagged else large_table(settings, len(train), sparse)
    sizes = _sizes(settings, len(train), sparse, large, bagged)
    # large tables: the first `LargeTable.judges` members train on the training rows alone and choose (the epoch, the
    # blend, the threshold) on the validation rows; the others, the ones kept, train on those rows too
    judges = 0
    if large is not None and parts.refit and features.judged:
        judges = large.judges
    network = _network(settings, parts, large, features)
    batch = min(sizes.batch_size, bucket(len(train)))
    y_held, w_held = y01[features.held].astype(np.float64), row_weight[features.held]
    # z_final: what the merged network computes on the held-out rows, in float64 (a dense copy of 10,000 TF-IDF rows
    # would take 800 MB)
    views = _two_views(parts, features, sizes, network, batch, rows)
    if views is None:  # the view of every feature: its weights stay where they are
        kept = [_fit_view(parts, _view_rows(features, sizes, batch, judges, rows), sizes, network, batch, judges, rows)]
        z_final, mean_loss = kept[0].blend.z_kept, None
    else:
        # the views' mean is kept where the binned view's networks count (its guard did not keep the logistic
        # regression alone) and the mean's held-out loss is at most that logistic regression's; else the binned view
        z_mean = np.mean([view.blend.z_kept for view in views], axis=0)
        mean_loss = _loss(z_mean, y_held, w_held)
        mean = views[0].blend.share > 0.0 and mean_loss <= views[0].blend.losses[0.0]
        kept, z_final = (list(views), z_mean) if mean else ([views[0]], views[0].blend.z_kept)
    main = kept[0]
    trained, blend, hidden = main.trained, main.blend, main.trained.hidden
    model = merged_views([_view_part(view, hidden, d, 1.0 / len(kept)) for view in kept], hidden, d)
    compile_network(settings, model)
    decided = decide_on_held_out(settings, z_final, y_held, w_held)
    if val is None:
        decided["validation_figures_"]["notes"].append(
            "No validation split was possible: these figures are on the training rows."
        )
    baseline_figures = decide_on_held_out(settings, blend.z_baseline, y_held, w_held)["validation_figures_"]
    per_view = sizes.networks - judges  # the networks kept, in each view
    in_model = sum(per_view for view in kept if view.blend.share > 0) if hidden else 0
    recipe = _describe(
        sizes._replace(networks=per_view * len(kept)),
        batch,
        features,
        trained,
        blend,
        baseline_figures,
        None if large is None else (large, network.first_mask.shape[1] // large.embed),
        judges,
        _views_record(views, len(kept) == 2, mean_loss, per_view),
    )
    curve = trained.curve[~np.isnan(trained.curve[:, 0])]  # the epochs that ran (the stopping rule skips the rest)
    history = {"loss": [float(v) for v in curve[:, 0]]}
    if len(curve) and not np.isnan(curve[:, 1]).all():  # Keras's keys: val_loss only where validation ran
        history["val_loss"] = [float(v) for v in curve[:, 1]]
    return {
        "preprocessor_": preprocessor,
        "model_": model,
        "n_networks_": in_model or 1,
        "history_": history,
        "best_epoch_": int(trained.best_epoch) + 1,
        "recipe_": recipe,
        **decided,
    }


def _view_part(view: ViewFit, hidden: tuple[int, ...], d: int, weight: float) -> ViewPart:
    """A view's part of the merged network (`merged_views`), its weights moved to its columns among all ``d``
    features; without hidden layers, its logistic regression alone."""
    params = view.kept_params if hidden else {"linear": {"kernel": view.baseline[0], "bias": view.baseline[1]}}
    if view.columns is None:
        return ViewPart(params, view.blend.share, view.baseline, weight)
    placed = in_columns(params, view.columns, d)
    return ViewPart(
        placed, view.blend.share, (placed_columns(view.baseline[0], view.columns, d), view.baseline[1]), weight
    )


def _views_record(
    views: tuple[ViewFit, ViewFit] | None, mean_kept: bool, mean_loss: float | None, networks: int
) -> dict[str, Any] | None:
    """``recipe_['two_views']``: whether the views' mean was kept and its held-out loss, and each view's numeric
    encoding, features, networks, best epoch, networks' share, and its logistic regression's and its own held-out
    loss; None with one view."""
    if views is None:
        return None
    return {
        "kept": "mean" if mean_kept else "binned",
        "validation_loss": mean_loss,
        "views": [
            {
                "numeric_encoding": name,
                "features": len(view.columns),
                "networks": networks,
                "best_epoch": int(view.trained.best_epoch) + 1,
                "network_share": view.blend.share,
                "validation_loss": {
                    "logistic_regression": view.blend.losses[0.0],
                    "kept": view.blend.losses[view.blend.share],
                },
            }
            for name, view in zip(("binned", "standard"), views)
        ],
    }


def _describe(
    sizes: RecipeSizes,
    batch: int,
    features: Features,
    trained: Trained,
    blend: Blend,
    baseline_figures: dict,
    embedding: tuple[LargeTable, int] | None,
    judges: int,
    views: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON record of what the recipe trained and kept (``recipe_``; stored in the model directory): ``sizes``
    with the networks of the views kept, the embedding's settings and columns on a large table, and the two views'
    record (`_views_record`) where there were two. The figures and the note are the binned view's."""
    hidden, share, losses, bagged = trained.hidden, blend.share, blend.losses, features.bagged
    judged = features.val is not None  # the guard had held-out rows to choose by
    epochs_run = int(np.sum(~np.isnan(trained.curve[:, 0])))
    bins = sum(1 for name in features.preprocessor.feature_names_out_ if ":bin" in name)
    kept = "networks" if share == 1.0 else "logistic regression" if share == 0.0 else "blend"
    linear_loss, network_loss = losses.get(0.0), losses.get(1.0)
    if not hidden:
        note = "No hidden layers: the model is the logistic regression."
    elif not judged:
        note = "No validation rows: the networks are kept as trained (the guard needs validation rows)."
    elif kept == "networks":
        note = (
            f"The networks' validation loss {network_loss:.4f} is below the logistic regression's "
            f"{linear_loss:.4f}: the networks are kept."
        )
    elif kept == "logistic regression":
        note = (
            f"The networks' validation loss {network_loss:.4f} is not below the logistic regression's "
            f"{linear_loss:.4f}: the logistic regression is kept."
        )
    else:
        note = (
            f"A blend, {share:.2f} x networks + {1 - share:.2f} x logistic regression, has the lowest validation "
            f"loss ({losses[share]:.4f}; networks {network_loss:.4f}, logistic regression {linear_loss:.4f}): "
            "the blend is kept."
        )
    extra: dict[str, Any] = {}
    if embedding is not None:  # the large-table network: its first layer is the per-column embedding
        large, columns = embedding
        hidden = hidden[1:]
        extra["embedding"] = {"units_per_column": large.embed, "columns": columns, "min_rows": LARGE_ROWS}
    return {
        "name": "tabular",
        "networks": sizes.networks,
        "hidden_layer_sizes": list(hidden),
        "epochs": sizes.epochs,
        "epochs_run": epochs_run,
        "batch_size": batch,
        "best_epoch": int(trained.best_epoch) + 1,
        "schedule": INGREDIENTS.schedule,
        "numeric_encoding": INGREDIENTS.numeric_encoding,
        "bins": bins,
        "sparse_input": features.sparse,
        "kept": kept,
        "network_share": share,
        "validation_loss": {"logistic_regression": linear_loss, "networks": network_loss, "kept": losses.get(share)},
        "baseline_figures": baseline_figures,
        "note": note
        + (
            f" Cross-validation bagging: each network trained on {BAGGING_FOLDS - 1} of {BAGGING_FOLDS} folds of all"
            " the rows; the figures are out of fold."
            if bagged
            else ""
        )
        + (
            f" A large table ({LARGE_ROWS:,} training rows or more): each column's features go through their own"
            f" {embedding[0].embed} units first (per-column embeddings)."
            if embedding is not None
            else ""
        )
        + _views_note(views)
        + (
            " The kept networks trained on the validation rows too, at the epoch chosen by "
            + ("one more network" if judges == 1 else f"{judges} more networks")
            + " trained without them, whose validation figures these are."
            if judges
            else ""
        ),
        "bagging_folds": BAGGING_FOLDS if bagged else 0,
        "judges": judges,
        **({} if views is None else {"two_views": views}),
        **extra,
    }


def _views_note(views: dict[str, Any] | None) -> str:
    """What the note says of the two views (`_views_record`): nothing with one."""
    if views is None:
        return ""
    standard = views["views"][1]
    if views["kept"] == "binned":
        return (
            " A second view of the numeric columns, standardised (its own logistic regression and networks), was"
            " fitted too; the binned view alone is kept (the mean of the two, validation loss"
            f" {views['validation_loss']:.4f}, is kept only where this view's networks count and it is not above"
            " the logistic regression's)."
        )
    return (
        " A second view, the numeric columns standardised instead of binned, with its own"
        f" {standard['networks']} networks, logistic regression and guard (validation loss"
        f" {standard['validation_loss']['kept']:.4f}), is averaged with this one in log-odds; the mean's validation"
        f" loss is {views['validation_loss']:.4f}."
    )
